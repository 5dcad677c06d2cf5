"""Imports of monthly statements (hours) and of participants, from XLSX or CSV files.

Three steps, the same for both imports:

1. read: the file becomes a header and numbered rows (XLSX through openpyxl in read-only mode; CSV in
   UTF-8, UTF-16 or Windows-1252, separated by « ; », « , » or tabs). Headers are matched without case or
   accents, so « Reference participant » and « RÉFÉRENCE PARTICIPANT » are the same column;
2. validate: every row is checked against lookup tables loaded once for the whole file (companies by
   SIRET, participants by reference and by identity, placements, existing hours), so a 50,000-row
   statement runs a bounded number of queries. Each problem becomes « Ligne 12 : … » naming the column;
3. apply: only when no row is wrong, in one transaction, with bulk operations. Rows identical to what is
   stored are counted as unchanged and not rewritten, so importing the same file twice changes nothing.

The facilitator sees the report of step 2 (preview) before confirming; confirmation reads, validates and
applies the stored file again, inside the transaction that writes.
"""

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from django.db import IntegrityError, transaction
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils.datetime import from_excel

from clauses.heures import dernier_jour, formater_heures, premier_du_mois
from clauses.models import (
    HEURES_MAX_PAR_MOIS,
    CritereEligibilite,
    Genre,
    HeuresMensuelles,
    ModalitePlacement,
    NiveauQualification,
    Participant,
    Placement,
    SourceHeures,
)
from clauses.services import prochaine_reference_participant
from entreprises.models import Entreprise, Operateur
from entreprises.validators import normaliser_siret, siret_valide

TAILLE_MAX = 10 * 1024 * 1024
TAILLE_MAX_TEXTE = "10 Mo"
LIGNES_MAX = 100_000
EXTENSIONS = ("xlsx", "csv")
# Lookups by ``__in`` go by batches: SQLite and PostgreSQL both take thousands of parameters, and a
# 50,000-row file rarely names more than a few thousand people.
LOT_REQUETE = 2000

RELEVE = "releve"
PARTICIPANTS = "participants"


class FichierInvalide(Exception):
    """The whole file is refused (format, size, columns…): the message says why, in French."""


# --- Text helpers ------------------------------------------------------------------------------------


def normaliser(texte: object) -> str:
    """« Référence  participant » → « reference participant »: no case, accents or punctuation."""
    texte = unicodedata.normalize("NFKD", str(texte or "")).encode("ascii", "ignore").decode("ascii")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", texte.lower()).split())


def _texte(valeur: object) -> str:
    if valeur is None:
        return ""
    if isinstance(valeur, float) and valeur.is_integer():
        return str(int(valeur))
    return str(valeur).strip()


def _date_excel(valeur: object) -> dt.date | None:
    """A date cell (datetime) or a bare Excel serial number (a date cell that lost its format)."""
    if isinstance(valeur, dt.datetime):
        return valeur.date()
    if isinstance(valeur, dt.date):
        return valeur
    if isinstance(valeur, (int, float)) and not isinstance(valeur, bool) and 1 <= valeur < 2958466:
        try:
            resultat = from_excel(valeur)
        except (ValueError, OverflowError):
            return None
        return resultat.date() if isinstance(resultat, dt.datetime) else None
    return None


_DATE_FR = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")


def lire_date(valeur: object) -> dt.date | None:
    """JJ/MM/AAAA, AAAA-MM-JJ or a date cell; None when it is none of these."""
    date = _date_excel(valeur)
    if date is not None:
        return date
    texte = _texte(valeur)
    for motif, ordre in ((_DATE_FR, (3, 2, 1)), (_DATE_ISO, (1, 2, 3))):
        correspondance = motif.match(texte)
        if correspondance:
            try:
                return dt.date(*(int(correspondance[i]) for i in ordre))
            except ValueError:
                return None
    return None


_MOIS_NOMS = {
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4, "avr": 4, "mai": 5,
    "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9, "sept": 9, "octobre": 10, "oct": 10,
    "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
}  # fmt: skip
_MOIS_MM_AAAA = re.compile(r"^(\d{1,2})[/.-](\d{4})$")
_MOIS_AAAA_MM = re.compile(r"^(\d{4})[/.-](\d{1,2})$")


def lire_mois(valeur: object) -> dt.date | None:
    """MM/AAAA, AAAA-MM, « mars 2026 », a full date or a date cell → first day of the month."""
    date = lire_date(valeur)
    if date is not None:
        return premier_du_mois(date)
    texte = _texte(valeur)
    for motif, i_annee, i_mois in ((_MOIS_MM_AAAA, 2, 1), (_MOIS_AAAA_MM, 1, 2)):
        correspondance = motif.match(texte)
        if correspondance:
            annee, mois = int(correspondance[i_annee]), int(correspondance[i_mois])
            return dt.date(annee, mois, 1) if 1 <= mois <= 12 and annee >= 1900 else None
    mots = normaliser(texte).split()
    if len(mots) == 2 and mots[0] in _MOIS_NOMS and mots[1].isdigit() and len(mots[1]) == 4:
        return dt.date(int(mots[1]), _MOIS_NOMS[mots[0]], 1)
    return None


def lire_nombre(valeur: object) -> Decimal | None:
    """35, 35.5, « 35,5 », « 1 234,5 h » → Decimal; None when it is not a number."""
    if isinstance(valeur, bool):
        return None
    if isinstance(valeur, (int, float)):
        texte = repr(valeur)
    else:
        texte = re.sub(r"[\s\u00a0\u202f]", "", _texte(valeur)).replace(",", ".")
        texte = texte[:-1] if texte[-1:].lower() == "h" else texte
    try:
        nombre = Decimal(texte)
    except InvalidOperation:
        return None
    return nombre if nombre.is_finite() else None


def _mois_texte(mois: dt.date) -> str:
    return f"{mois:%m/%Y}"


def _par_lots(valeurs: Iterable, taille: int = LOT_REQUETE) -> Iterator[list]:
    valeurs = list(valeurs)
    for i in range(0, len(valeurs), taille):
        yield valeurs[i : i + taille]


# --- Columns -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Colonne:
    cle: str
    titre: str
    synonymes: tuple[str, ...] = ()
    exemple: object = ""
    aide: str = ""

    def noms(self) -> set[str]:
        return {normaliser(self.titre), *(normaliser(s) for s in self.synonymes)}


COLONNES_RELEVE = [
    Colonne(
        "siret",
        "SIRET",
        ("SIRET attributaire", "SIRET de l'attributaire", "SIRET entreprise"),
        "73282932000074",
        "Obligatoire. SIRET de l'entreprise attributaire, 14 chiffres (espaces acceptés).",
    ),
    Colonne(
        "reference",
        "Référence participant",
        ("Référence", "Référence du participant", "Réf participant", "Réf. participant"),
        "P-000012",
        "Référence du participant (P-000012). À défaut : Nom, Prénom et Date de naissance.",
    ),
    Colonne("nom", "Nom", ("Nom du participant", "Nom de naissance"), "", "Si la référence n'est pas connue."),
    Colonne("prenom", "Prénom", ("Prénom du participant",), "", "Si la référence n'est pas connue."),
    Colonne(
        "date_naissance",
        "Date de naissance",
        ("Né le", "Née le", "Naissance"),
        "",
        "Si la référence n'est pas connue. JJ/MM/AAAA.",
    ),
    Colonne(
        "mois",
        "Mois",
        ("Période", "Mois concerné", "Mois travaillé"),
        "03/2026",
        "Obligatoire. MM/AAAA, ou une date (le mois est retenu). Pas de mois à venir.",
    ),
    Colonne(
        "heures",
        "Heures",
        ("Nombre d'heures", "Heures réalisées", "Heures d'insertion", "Nb heures", "Nombre heures"),
        "35,5",
        "Obligatoire. Heures du mois, de 0 à 220 ; virgule ou point décimal.",
    ),
    Colonne(
        "modalite",
        "Modalité",
        ("Modalité du placement",),
        "Embauche directe par l'attributaire",
        "Facultative, pour information ; départage deux placements du même mois.",
    ),
]
DESCRIPTION_RELEVE = (
    "SIRET ; Référence participant (ou Nom, Prénom et Date de naissance) ; Mois ; Heures ; Modalité (facultative)"
)

COLONNES_PARTICIPANTS = [
    Colonne("nom", "Nom", ("Nom de naissance",), "Durand", "Obligatoire."),
    Colonne("prenom", "Prénom", (), "Inès", "Obligatoire."),
    Colonne(
        "date_naissance",
        "Date de naissance",
        ("Né le", "Née le", "Naissance"),
        "17/05/1999",
        "Obligatoire. JJ/MM/AAAA. Avec le nom et le prénom, elle reconnaît une personne déjà enregistrée.",
    ),
    Colonne("genre", "Genre", ("Sexe",), "F", "Obligatoire. F, H, Femme ou Homme."),
    Colonne("commune", "Commune", ("Commune de résidence", "Ville"), "Arles", "Facultative."),
    Colonne("code_postal", "Code postal", ("CP",), "13200", "Facultatif. 5 chiffres."),
    Colonne("reside_qpv", "QPV", ("Réside en QPV", "Habitant QPV"), "oui", "Facultatif. oui ou non."),
    Colonne(
        "qpv", "Quartier", ("Quartier prioritaire", "Quartier QPV"), "Barriol", "Facultatif. Quartier prioritaire."
    ),
    Colonne(
        "niveau",
        "Niveau de qualification",
        ("Niveau", "Qualification"),
        "Niveau 3 (CAP, BEP)",
        "Obligatoire. Libellé (Niveau 3, Niveau 4…, Sans diplôme…) ou code (infra_3, 3, 4, 5, 6_plus).",
    ),
    Colonne(
        "criteres",
        "Critères",
        ("Critères d'éligibilité",),
        "deld; qpv",
        "Facultatifs. Codes ou libellés des critères d'éligibilité, séparés par « ; ».",
    ),
    Colonne(
        "prescripteur",
        "Prescripteur",
        ("Orienté par",),
        "",
        "Facultatif. Nom d'un prescripteur de l'annuaire des opérateurs.",
    ),
]
DESCRIPTION_PARTICIPANTS = (
    "Nom ; Prénom ; Date de naissance ; Genre ; Niveau de qualification ; et, facultatives : Commune ; "
    "Code postal ; QPV ; Quartier ; Critères ; Prescripteur"
)


# --- Reading a file ----------------------------------------------------------------------------------


@dataclass
class Tableau:
    colonnes: dict[str, int]  # key of the column → its index in the rows
    lignes: list[tuple[int, tuple]]  # (line number as the spreadsheet shows it, values)

    def valeur(self, ligne: tuple, cle: str) -> object:
        index = self.colonnes.get(cle)
        return None if index is None else ligne[index]


def extension(nom: str) -> str:
    return nom.rsplit(".", 1)[-1].lower() if "." in nom else ""


def verifier_taille(taille: int) -> None:
    if taille > TAILLE_MAX:
        raise FichierInvalide(
            f"Le fichier pèse {taille / (1024 * 1024):.1f} Mo".replace(".", ",")
            + f" : la taille maximale est de {TAILLE_MAX_TEXTE}. Découpez-le en plusieurs fichiers."
        )


def verifier_nom(nom: str) -> str:
    ext = extension(nom)
    if ext == "xls":
        raise FichierInvalide(
            "Les classeurs Excel 97-2003 (.xls) ne sont pas pris en charge : enregistrez le fichier au format "
            ".xlsx ou .csv."
        )
    if ext not in EXTENSIONS:
        raise FichierInvalide("Le fichier doit être un classeur XLSX ou un fichier CSV (.xlsx ou .csv).")
    return ext


def _lignes_xlsx(fichier) -> Iterator[tuple[int, tuple]]:
    debut = fichier.read(8)
    fichier.seek(0)
    if debut[:4] != b"PK\x03\x04":
        if debut == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            raise FichierInvalide(
                "Ce fichier est un classeur Excel 97-2003 (.xls) renommé : enregistrez-le au format .xlsx."
            )
        raise FichierInvalide("Le fichier n'est pas un classeur XLSX lisible (il n'a pas été créé par un tableur).")
    try:
        classeur = load_workbook(fichier, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as erreur:
        raise FichierInvalide("Le classeur XLSX est endommagé ou illisible.") from erreur
    try:
        if not classeur.worksheets:
            return
        for numero, ligne in enumerate(classeur.worksheets[0].iter_rows(values_only=True), start=1):
            yield numero, tuple(ligne)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as erreur:
        raise FichierInvalide("Le classeur XLSX est endommagé ou illisible.") from erreur
    finally:
        classeur.close()


def _decoder(brut: bytes) -> str:
    if brut.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return brut.decode("utf-16")
        except UnicodeDecodeError as erreur:
            raise FichierInvalide("Le fichier CSV n'est pas lisible (encodage UTF-16 incorrect).") from erreur
    if b"\x00" in brut[:4096]:
        raise FichierInvalide("Le fichier n'est pas un fichier CSV (texte) : enregistrez-le au format .csv ou .xlsx.")
    for encodage in ("utf-8-sig", "cp1252"):
        try:
            return brut.decode(encodage)
        except UnicodeDecodeError:
            continue
    raise FichierInvalide("L'encodage du fichier CSV n'est pas reconnu : enregistrez-le en UTF-8.")


def _separateur(texte: str) -> str:
    entete = next((ligne for ligne in texte.splitlines() if ligne.strip()), "")
    comptes = {sep: entete.count(sep) for sep in (";", ",", "\t")}
    meilleur = max(comptes, key=comptes.get)
    if comptes[meilleur]:
        return meilleur
    try:
        return csv.Sniffer().sniff(texte[:4096], delimiters=";,\t").delimiter
    except csv.Error:
        return ";"


def _lignes_csv(fichier) -> Iterator[tuple[int, tuple]]:
    texte = _decoder(fichier.read())
    if texte.startswith("PK\x03\x04"):
        raise FichierInvalide("Ce fichier est un classeur XLSX : donnez-lui l'extension .xlsx.")
    lecteur = csv.reader(io.StringIO(texte, newline=""), delimiter=_separateur(texte))
    try:
        for numero, ligne in enumerate(lecteur, start=1):
            yield numero, tuple(ligne)
    except csv.Error as erreur:
        raise FichierInvalide(f"Le fichier CSV est mal formé : {erreur}.") from erreur


def lire_tableau(fichier, nom: str, taille: int, colonnes: list[Colonne]) -> Tableau:
    """Header and non-empty rows of the first sheet; raises FichierInvalide with a French reason."""
    verifier_taille(taille)
    ext = verifier_nom(nom)
    fichier.seek(0)
    lignes = _lignes_xlsx(fichier) if ext == "xlsx" else _lignes_csv(fichier)
    entete = None
    corps = []
    for numero, valeurs in lignes:
        if not any(_texte(v) for v in valeurs):
            continue
        if entete is None:
            entete = valeurs
            continue
        corps.append((numero, valeurs))
        if len(corps) > LIGNES_MAX:
            raise FichierInvalide(
                f"Le fichier compte plus de {LIGNES_MAX:,} lignes".replace(",", "\u202f")
                + " : découpez-le en plusieurs fichiers."
            )
    if entete is None:
        raise FichierInvalide("Le fichier est vide : il ne contient ni en-têtes ni lignes.")
    par_nom = {}
    for colonne in colonnes:
        for nom_possible in colonne.noms():
            par_nom.setdefault(nom_possible, colonne.cle)
    indices: dict[str, int] = {}
    for index, titre in enumerate(entete):
        cle = par_nom.get(normaliser(_texte(titre)))
        if cle is not None and cle not in indices:
            indices[cle] = index
    # Every row as wide as the header, so that a cell is read by its index alone.
    largeur = len(entete)
    corps = [(numero, valeurs + (None,) * (largeur - len(valeurs))) for numero, valeurs in corps]
    return Tableau(colonnes=indices, lignes=corps)


def _exiger(tableau: Tableau, obligatoires: list[str], colonnes: list[Colonne], description: str) -> None:
    titres = {c.cle: c.titre for c in colonnes}
    manquantes = [titres[cle] for cle in obligatoires if cle not in tableau.colonnes]
    if manquantes:
        pluriel = "s" if len(manquantes) > 1 else ""
        raise FichierInvalide(
            f"Colonne{pluriel} manquante{pluriel} : {', '.join(manquantes)}. Colonnes attendues : {description}."
        )


# --- Report ------------------------------------------------------------------------------------------


@dataclass
class Rapport:
    type: str
    lignes: int = 0
    ajoutees: int = 0
    mises_a_jour: int = 0
    inchangees: int = 0
    erreurs: list[str] = field(default_factory=list)
    erreur_fichier: str = ""
    # What confirmation writes; filled by validation.
    creations: list = field(default_factory=list, repr=False)
    modifications: list = field(default_factory=list, repr=False)

    @property
    def valide(self) -> bool:
        return not self.erreur_fichier and not self.erreurs and self.lignes > 0

    @property
    def a_ecrire(self) -> bool:
        return bool(self.creations or self.modifications)

    @property
    def resume(self) -> str:
        """« 46 lignes ajoutées, 0 mise à jour, 3 inchangées »."""

        def accord(n: int, singulier: str, pluriel: str) -> str:
            return f"{n} {pluriel if n > 1 else singulier}"

        return ", ".join(
            (
                accord(self.ajoutees, "ligne ajoutée", "lignes ajoutées"),
                accord(self.mises_a_jour, "mise à jour", "mises à jour"),
                accord(self.inchangees, "inchangée", "inchangées"),
            )
        )

    def erreur(self, ligne: int, message: str) -> None:
        self.erreurs.append(f"Ligne {ligne} : {message}")


# --- Monthly statements ------------------------------------------------------------------------------


@dataclass
class _LigneReleve:
    numero: int
    siret: str
    reference: str
    identite: tuple[str, str, dt.date] | None
    libelle_personne: str
    mois: dt.date
    heures: Decimal
    modalite: str


_REFERENCE = re.compile(r"^P-?0*(\d{1,9})$")
_MODALITES = {normaliser(v): v for v in ModalitePlacement.values} | {
    normaliser(label): value for value, label in ModalitePlacement.choices
}


def _lire_siret(valeur: object) -> str:
    if isinstance(valeur, (int, float)) and not isinstance(valeur, bool):
        # A SIRET typed in a number cell loses its leading zeros.
        return f"{int(valeur):014d}"
    return normaliser_siret(_texte(valeur))


# Checks of one cell, cached by value: a statement repeats the same SIRETs, months and hours thousands of
# times. ``typed`` keeps True apart from 1.


@lru_cache(maxsize=65536, typed=True)
def _controle_siret(valeur: object) -> tuple[str, str]:
    siret = _lire_siret(valeur)
    if not siret:
        return "", "SIRET manquant."
    if len(siret) != 14 or not siret.isdigit():
        return "", f"SIRET « {_texte(valeur)} » invalide : il doit compter 14 chiffres."
    if not siret_valide(siret):
        return "", f"SIRET {siret} invalide : sa clé de contrôle ne correspond pas."
    return siret, ""


@lru_cache(maxsize=65536, typed=True)
def _controle_reference(valeur: object) -> tuple[str, str]:
    texte = _texte(valeur)
    correspondance = _REFERENCE.match(texte.upper().replace(" ", ""))
    if correspondance:
        return f"P-{int(correspondance[1]):06d}", ""
    return "", f"Référence participant « {texte} » invalide : elle s'écrit comme P-000012."


@lru_cache(maxsize=65536, typed=True)
def _controle_mois(valeur: object, mois_courant: dt.date) -> tuple[dt.date | None, str]:
    mois = lire_mois(valeur)
    if not _texte(valeur):
        return None, "Mois manquant (MM/AAAA attendu)."
    if mois is None:
        return None, f"Mois « {_texte(valeur)} » invalide : MM/AAAA attendu, par exemple 03/2026."
    if mois > mois_courant:
        return None, f"Mois {_mois_texte(mois)} dans le futur : ses heures ne sont pas encore faites."
    return mois, ""


@lru_cache(maxsize=65536, typed=True)
def _controle_heures(valeur: object) -> tuple[Decimal | None, str]:
    heures = lire_nombre(valeur)
    if not _texte(valeur):
        return None, "Heures manquantes."
    if heures is None:
        return None, f"Heures « {_texte(valeur)} » : ce n'est pas un nombre."
    if heures < 0:
        return None, f"{formater_heures(heures)} heures : le nombre d'heures ne peut pas être négatif."
    if heures > HEURES_MAX_PAR_MOIS:
        return None, (
            f"{formater_heures(heures)} heures en un mois dépasse le maximum de "
            f"{formater_heures(HEURES_MAX_PAR_MOIS)}."
        )
    return heures.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), ""


@lru_cache(maxsize=1024, typed=True)
def _controle_modalite(valeur: object) -> str:
    return _MODALITES.get(normaliser(_texte(valeur)), "")


def _lignes_releve(tableau: Tableau, rapport: Rapport, aujourd_hui: dt.date) -> list[_LigneReleve]:
    """Checks each row on its own (formats, bounds); the lookups come after, for the whole file."""
    valides = []
    mois_courant = premier_du_mois(aujourd_hui)
    colonne = tableau.colonnes.get
    i_siret, i_reference, i_mois, i_heures = colonne("siret"), colonne("reference"), colonne("mois"), colonne("heures")
    i_nom, i_prenom, i_naissance, i_modalite = (
        colonne("nom"),
        colonne("prenom"),
        colonne("date_naissance"),
        colonne("modalite"),
    )
    for numero, ligne in tableau.lignes:
        erreurs = []
        siret, erreur = _controle_siret(ligne[i_siret])
        erreurs.append(erreur)

        reference, identite, libelle = "", None, ""
        if i_reference is not None and _texte(ligne[i_reference]):
            reference, erreur = _controle_reference(ligne[i_reference])
            erreurs.append(erreur)
            libelle = reference
        else:
            nom = _texte(ligne[i_nom]) if i_nom is not None else ""
            prenom = _texte(ligne[i_prenom]) if i_prenom is not None else ""
            brut_naissance = ligne[i_naissance] if i_naissance is not None else None
            naissance = lire_date(brut_naissance)
            if not (nom and prenom and _texte(brut_naissance)):
                erreurs.append(
                    "participant non identifié : renseignez la Référence participant, ou le Nom, le Prénom et la "
                    "Date de naissance."
                )
            elif naissance is None:
                erreurs.append(f"Date de naissance « {_texte(brut_naissance)} » invalide : JJ/MM/AAAA attendu.")
            else:
                identite = (normaliser(nom), normaliser(prenom), naissance)
                libelle = f"{prenom} {nom} (né(e) le {naissance:%d/%m/%Y})"

        mois, erreur = _controle_mois(ligne[i_mois], mois_courant)
        erreurs.append(erreur)
        heures, erreur = _controle_heures(ligne[i_heures])
        erreurs.append(erreur)

        erreurs = [e for e in erreurs if e]
        for erreur in erreurs:
            rapport.erreur(numero, erreur)
        if not erreurs:
            valides.append(
                _LigneReleve(
                    numero=numero,
                    siret=siret,
                    reference=reference,
                    identite=identite,
                    libelle_personne=libelle,
                    mois=mois,
                    heures=heures,
                    modalite=_controle_modalite(ligne[i_modalite]) if i_modalite is not None else "",
                )
            )
    return valides


def _placement_du_mois(candidats: list[tuple], mois: dt.date, modalite: str) -> list[tuple]:
    fin_mois = dernier_jour(mois)
    en_cours = [p for p in candidats if p[1] <= fin_mois and (p[2] is None or p[2] >= mois)]
    if len(en_cours) > 1 and modalite:
        avec_modalite = [p for p in en_cours if p[3] == modalite]
        en_cours = avec_modalite or en_cours
    return en_cours


def valider_releve(tableau: Tableau, aujourd_hui: dt.date | None = None) -> Rapport:
    """Checks every row of a monthly statement and counts what confirmation would add or update."""
    rapport = Rapport(type=RELEVE, lignes=len(tableau.lignes))
    _exiger(tableau, ["siret", "mois", "heures"], COLONNES_RELEVE, DESCRIPTION_RELEVE)
    if "reference" not in tableau.colonnes and not {"nom", "prenom", "date_naissance"} <= tableau.colonnes.keys():
        raise FichierInvalide(
            "Colonnes manquantes : Référence participant, ou bien Nom, Prénom et Date de naissance. "
            f"Colonnes attendues : {DESCRIPTION_RELEVE}."
        )
    if not tableau.lignes:
        raise FichierInvalide("Le fichier ne contient aucune ligne d'heures sous les en-têtes.")
    lignes = _lignes_releve(tableau, rapport, aujourd_hui or timezone.localdate())

    # Lookup tables, loaded once for the whole file.
    entreprises = {}
    for lot in _par_lots({ligne.siret for ligne in lignes}):
        requete = Entreprise.objects.filter(siret__in=lot).values_list("siret", "id", "raison_sociale")
        entreprises.update({siret: (pk, raison_sociale) for siret, pk, raison_sociale in requete})
    par_reference = {}
    for lot in _par_lots({ligne.reference for ligne in lignes if ligne.reference}):
        par_reference.update(Participant.objects.filter(reference__in=lot).values_list("reference", "id"))
    par_identite: dict[tuple, list[int]] = defaultdict(list)
    for lot in _par_lots({ligne.identite[2] for ligne in lignes if ligne.identite}):
        for pk, nom, prenom, naissance in Participant.objects.filter(date_naissance__in=lot).values_list(
            "id", "nom", "prenom", "date_naissance"
        ):
            par_identite[(normaliser(nom), normaliser(prenom), naissance)].append(pk)

    resolues = []
    for ligne in lignes:
        entreprise = entreprises.get(ligne.siret)
        if entreprise is None:
            rapport.erreur(ligne.numero, f"SIRET {ligne.siret} inconnu : aucune entreprise n'a ce SIRET.")
        if ligne.reference:
            participant = par_reference.get(ligne.reference)
            if participant is None:
                rapport.erreur(ligne.numero, f"Référence participant {ligne.reference} inconnue.")
        else:
            trouves = par_identite.get(ligne.identite, [])
            participant = trouves[0] if len(trouves) == 1 else None
            if not trouves:
                rapport.erreur(
                    ligne.numero, f"participant {ligne.libelle_personne} inconnu (Nom, Prénom, Date de naissance)."
                )
            elif len(trouves) > 1:
                rapport.erreur(
                    ligne.numero,
                    f"plusieurs participants s'appellent {ligne.libelle_personne} : "
                    "indiquez la Référence participant.",
                )
        if entreprise is not None and participant is not None:
            resolues.append((ligne, entreprise, participant))

    placements: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    ids_entreprises = {entreprise[0] for _, entreprise, _ in resolues}
    for lot in _par_lots({participant for _, _, participant in resolues}):
        requete = Placement.objects.filter(participant_id__in=lot, attribution__entreprise_id__in=ids_entreprises)
        for pk, participant, entreprise, debut, fin, modalite in requete.values_list(
            "id", "participant_id", "attribution__entreprise_id", "date_debut", "date_fin", "modalite"
        ):
            placements[(participant, entreprise)].append((pk, debut, fin, modalite))

    vues: dict[tuple[int, dt.date], int] = {}
    retenues = []
    for ligne, (id_entreprise, raison_sociale), participant in resolues:
        candidats = _placement_du_mois(placements.get((participant, id_entreprise), []), ligne.mois, ligne.modalite)
        if not candidats:
            rapport.erreur(
                ligne.numero,
                f"aucun placement de {ligne.libelle_personne} chez {raison_sociale} (SIRET {ligne.siret}) "
                f"en cours en {_mois_texte(ligne.mois)} (Mois).",
            )
            continue
        if len(candidats) > 1:
            rapport.erreur(
                ligne.numero,
                f"{ligne.libelle_personne} a plusieurs placements chez {raison_sociale} en "
                f"{_mois_texte(ligne.mois)} : précisez la Modalité ou saisissez ces heures dans la grille.",
            )
            continue
        cle = (candidats[0][0], ligne.mois)
        if cle in vues:
            rapport.erreur(
                ligne.numero,
                f"même placement et même mois que la ligne {vues[cle]} ({ligne.libelle_personne}, "
                f"{_mois_texte(ligne.mois)}) : gardez une seule de ces deux lignes.",
            )
            continue
        vues[cle] = ligne.numero
        retenues.append((cle, ligne.heures))

    existantes = {}
    for lot in _par_lots({placement for (placement, _), _ in retenues}):
        requete = HeuresMensuelles.objects.filter(
            placement_id__in=lot, mois__in={mois for (_, mois), _ in retenues}
        ).values_list("placement_id", "mois", "id", "heures")
        existantes.update({(placement, mois): (pk, heures) for placement, mois, pk, heures in requete})

    rapport.erreurs.sort(key=_numero_erreur)
    for cle, heures in retenues:
        existante = existantes.get(cle)
        if existante is None:
            rapport.ajoutees += 1
            rapport.creations.append((cle, heures))
        elif existante[1] == heures:
            rapport.inchangees += 1
        else:
            rapport.mises_a_jour += 1
            rapport.modifications.append((existante[0], heures))
    return rapport


def _numero_erreur(message: str) -> int:
    correspondance = re.match(r"Ligne (\d+)", message)
    return int(correspondance[1]) if correspondance else 0


def _appliquer_releve(rapport: Rapport, user) -> None:
    maintenant = timezone.now()
    HeuresMensuelles.objects.bulk_create(
        [
            HeuresMensuelles(
                placement_id=placement, mois=mois, heures=heures, source=SourceHeures.IMPORT, saisi_par=user
            )
            for (placement, mois), heures in rapport.creations
        ],
        batch_size=1000,
    )
    HeuresMensuelles.objects.bulk_update(
        [
            HeuresMensuelles(pk=pk, heures=heures, source=SourceHeures.IMPORT, saisi_par=user, modifie_le=maintenant)
            for pk, heures in rapport.modifications
        ],
        ["heures", "source", "saisi_par", "modifie_le"],
        batch_size=1000,
    )


# --- Participants ------------------------------------------------------------------------------------

_GENRES = {"f": Genre.FEMME, "femme": Genre.FEMME, "feminin": Genre.FEMME, "h": Genre.HOMME}
_GENRES |= {"homme": Genre.HOMME, "masculin": Genre.HOMME}
_OUI = {"oui", "o", "yes", "y", "vrai", "x", "1"}
_NON = {"non", "n", "no", "faux", "0"}


def _niveaux() -> dict[str, str]:
    niveaux = {}
    for code, libelle in NiveauQualification.choices:
        for variante in (code, libelle, libelle.split(" (")[0]):
            niveaux[normaliser(variante)] = code
    niveaux |= {"6": NiveauQualification.NIVEAU_6_PLUS, "niveau 6": NiveauQualification.NIVEAU_6_PLUS}
    niveaux |= {"infra 3": NiveauQualification.INFRA_3, "sans diplome": NiveauQualification.INFRA_3}
    return niveaux


_NIVEAUX = _niveaux()
_LONGUEURS = {"nom": 150, "prenom": 150, "commune": 100, "qpv": 150}
_CHAMPS_PARTICIPANT = [
    "genre",
    "commune",
    "code_postal",
    "reside_qpv",
    "qpv",
    "niveau_qualification",
    "prescripteur_id",
]


@dataclass
class _LigneParticipant:
    numero: int
    nom: str
    prenom: str
    date_naissance: dt.date
    valeurs: dict  # model field → value, only for the cells that were filled in
    criteres: set[int] | None  # None: the cell was empty, leave the criteria as they are


def _lire_participant(
    tableau: Tableau,
    numero: int,
    ligne: tuple,
    rapport: Rapport,
    aujourd_hui: dt.date,
    criteres: dict[str, int],
    prescripteurs: dict[str, list[int]],
) -> _LigneParticipant | None:
    erreurs_avant = len(rapport.erreurs)

    def cellule(cle: str) -> str:
        return _texte(tableau.valeur(ligne, cle))

    nom, prenom = cellule("nom"), cellule("prenom")
    for cle, valeur, titre in (("nom", nom, "Nom"), ("prenom", prenom, "Prénom")):
        if not valeur:
            rapport.erreur(numero, f"{titre} manquant.")
        elif len(valeur) > _LONGUEURS[cle]:
            rapport.erreur(numero, f"{titre} trop long ({_LONGUEURS[cle]} caractères au plus).")
    brut_naissance = tableau.valeur(ligne, "date_naissance")
    naissance = lire_date(brut_naissance)
    if not _texte(brut_naissance):
        rapport.erreur(numero, "Date de naissance manquante.")
    elif naissance is None:
        rapport.erreur(numero, f"Date de naissance « {_texte(brut_naissance)} » invalide : JJ/MM/AAAA attendu.")
    elif not dt.date(1900, 1, 1) <= naissance <= aujourd_hui:
        rapport.erreur(numero, f"Date de naissance {naissance:%d/%m/%Y} impossible.")

    valeurs: dict = {}
    genre = cellule("genre")
    if not genre:
        rapport.erreur(numero, "Genre manquant (F ou H).")
    elif normaliser(genre) not in _GENRES:
        rapport.erreur(numero, f"Genre « {genre} » non reconnu : F, H, Femme ou Homme.")
    else:
        valeurs["genre"] = _GENRES[normaliser(genre)]

    niveau = cellule("niveau")
    niveaux = _NIVEAUX
    if not niveau:
        rapport.erreur(numero, "Niveau de qualification manquant.")
    elif normaliser(niveau) not in niveaux:
        attendus = ", ".join(f"« {libelle} »" for _, libelle in NiveauQualification.choices)
        rapport.erreur(numero, f"Niveau de qualification « {niveau} » non reconnu : {attendus}.")
    else:
        valeurs["niveau_qualification"] = niveaux[normaliser(niveau)]

    if commune := cellule("commune"):
        if len(commune) > _LONGUEURS["commune"]:
            rapport.erreur(numero, "Commune trop longue (100 caractères au plus).")
        valeurs["commune"] = commune
    brut_cp = tableau.valeur(ligne, "code_postal")
    if code_postal := cellule("code_postal"):
        if isinstance(brut_cp, (int, float)) and not isinstance(brut_cp, bool):
            code_postal = f"{int(brut_cp):05d}"
        if not re.fullmatch(r"\d{5}", code_postal):
            rapport.erreur(numero, f"Code postal « {code_postal} » invalide : 5 chiffres attendus.")
        valeurs["code_postal"] = code_postal

    qpv, quartier = normaliser(cellule("reside_qpv")), cellule("qpv")
    if qpv in _OUI:
        valeurs["reside_qpv"] = True
    elif qpv in _NON:
        valeurs["reside_qpv"] = False
        valeurs["qpv"] = ""
        if quartier:
            rapport.erreur(numero, f"Quartier « {quartier} » renseigné alors que QPV vaut « non ».")
    elif qpv:
        rapport.erreur(numero, f"QPV « {cellule('reside_qpv')} » non reconnu : oui ou non.")
    if quartier and qpv not in _NON:
        if len(quartier) > _LONGUEURS["qpv"]:
            rapport.erreur(numero, "Quartier trop long (150 caractères au plus).")
        valeurs["qpv"] = quartier
        valeurs["reside_qpv"] = True

    choisis = None
    if brut_criteres := cellule("criteres"):
        choisis = set()
        for morceau in brut_criteres.split(";"):
            if not morceau.strip():
                continue
            critere = criteres.get(normaliser(morceau))
            if critere is None:
                rapport.erreur(
                    numero, f"Critère « {morceau.strip()} » inconnu (Critères : codes ou libellés séparés par « ; »)."
                )
            else:
                choisis.add(critere)

    if prescripteur := cellule("prescripteur"):
        trouves = prescripteurs.get(normaliser(prescripteur), [])
        if not trouves:
            rapport.erreur(
                numero, f"Prescripteur « {prescripteur} » inconnu : ajoutez-le d'abord à l'annuaire des opérateurs."
            )
        elif len(trouves) > 1:
            rapport.erreur(numero, f"Plusieurs prescripteurs s'appellent « {prescripteur} » dans l'annuaire.")
        else:
            valeurs["prescripteur_id"] = trouves[0]

    if len(rapport.erreurs) != erreurs_avant:
        return None
    return _LigneParticipant(numero, nom, prenom, naissance, valeurs, choisis)


def valider_participants(tableau: Tableau, aujourd_hui: dt.date | None = None) -> Rapport:
    """Checks every row of a participants file: new people are added, known ones (same name, first name
    and birth date, whatever the case and accents) are updated with the cells that are filled in."""
    rapport = Rapport(type=PARTICIPANTS, lignes=len(tableau.lignes))
    _exiger(
        tableau,
        ["nom", "prenom", "date_naissance", "genre", "niveau"],
        COLONNES_PARTICIPANTS,
        DESCRIPTION_PARTICIPANTS,
    )
    if not tableau.lignes:
        raise FichierInvalide("Le fichier ne contient aucune ligne de participant sous les en-têtes.")
    aujourd_hui = aujourd_hui or timezone.localdate()
    criteres = {}
    for pk, code, libelle in CritereEligibilite.objects.values_list("id", "code", "libelle"):
        criteres[normaliser(code)] = pk
        criteres[normaliser(libelle)] = pk
    prescripteurs: dict[str, list[int]] = defaultdict(list)
    for pk, nom in Operateur.objects.prescripteurs().values_list("id", "nom"):
        prescripteurs[normaliser(nom)].append(pk)

    lignes = []
    for numero, ligne in tableau.lignes:
        lue = _lire_participant(tableau, numero, ligne, rapport, aujourd_hui, criteres, prescripteurs)
        if lue is not None:
            lignes.append(lue)

    existants: dict[tuple, list[dict]] = defaultdict(list)
    for lot in _par_lots({ligne.date_naissance for ligne in lignes}):
        for participant in Participant.objects.filter(date_naissance__in=lot).values(
            "id", "reference", "nom", "prenom", "date_naissance", *_CHAMPS_PARTICIPANT
        ):
            cle = (normaliser(participant["nom"]), normaliser(participant["prenom"]), participant["date_naissance"])
            existants[cle].append(participant)
    criteres_existants: dict[int, set[int]] = defaultdict(set)
    ids = [p["id"] for liste in existants.values() for p in liste]
    for lot in _par_lots(ids):
        for participant, critere in Participant.criteres.through.objects.filter(participant_id__in=lot).values_list(
            "participant_id", "critereeligibilite_id"
        ):
            criteres_existants[participant].add(critere)

    vues: dict[tuple, int] = {}
    for ligne in lignes:
        cle = (normaliser(ligne.nom), normaliser(ligne.prenom), ligne.date_naissance)
        if cle in vues:
            rapport.erreur(
                ligne.numero,
                f"même personne que la ligne {vues[cle]} ({ligne.prenom} {ligne.nom}, né(e) le "
                f"{ligne.date_naissance:%d/%m/%Y}) : gardez une seule de ces deux lignes.",
            )
            continue
        vues[cle] = ligne.numero
        trouves = existants.get(cle, [])
        if len(trouves) > 1:
            references = ", ".join(sorted(p["reference"] for p in trouves))
            rapport.erreur(
                ligne.numero,
                f"plusieurs participants existants s'appellent {ligne.prenom} {ligne.nom}, né(e) le "
                f"{ligne.date_naissance:%d/%m/%Y} (fiches {references}) : corrigez-les d'abord.",
            )
            continue
        if not trouves:
            if "reside_qpv" not in ligne.valeurs:
                ligne.valeurs["reside_qpv"] = False
            rapport.creations.append(ligne)
            continue
        existant = trouves[0]
        changements = {k: v for k, v in ligne.valeurs.items() if existant[k] != v}
        criteres_changes = ligne.criteres is not None and ligne.criteres != criteres_existants.get(
            existant["id"], set()
        )
        if changements or criteres_changes:
            rapport.modifications.append((existant["id"], changements, ligne.criteres if criteres_changes else None))
        else:
            rapport.inchangees += 1
    rapport.erreurs.sort(key=_numero_erreur)
    rapport.ajoutees = len(rapport.creations)
    rapport.mises_a_jour = len(rapport.modifications)
    return rapport


def _appliquer_participants(rapport: Rapport, user) -> None:
    Through = Participant.criteres.through
    premier = int(prochaine_reference_participant()[2:])
    nouveaux = [
        Participant(
            reference=f"P-{premier + i:06d}",
            nom=ligne.nom,
            prenom=ligne.prenom,
            date_naissance=ligne.date_naissance,
            **ligne.valeurs,
        )
        for i, ligne in enumerate(rapport.creations)
    ]
    Participant.objects.bulk_create(nouveaux, batch_size=1000)
    # Ids from the references, whether or not the database returned them on insert.
    ids = {}
    for lot in _par_lots([p.reference for p in nouveaux]):
        ids.update(Participant.objects.filter(reference__in=lot).values_list("reference", "id"))
    liens = [
        Through(participant_id=ids[participant.reference], critereeligibilite_id=critere)
        for participant, ligne in zip(nouveaux, rapport.creations, strict=True)
        for critere in ligne.criteres or ()
    ]
    maintenant = timezone.now()
    par_champs: dict[tuple, list[Participant]] = defaultdict(list)
    for pk, changements, criteres in rapport.modifications:
        if changements:
            champs = tuple(sorted(changements))
            par_champs[champs].append(Participant(pk=pk, modifie_le=maintenant, **changements))
        if criteres is not None:
            liens.extend(Through(participant_id=pk, critereeligibilite_id=c) for c in criteres)
    for champs, objets in par_champs.items():
        Participant.objects.bulk_update(objets, [*champs, "modifie_le"], batch_size=1000)
    a_remplacer = [pk for pk, _, criteres in rapport.modifications if criteres is not None]
    for lot in _par_lots(a_remplacer):
        Through.objects.filter(participant_id__in=lot).delete()
    Through.objects.bulk_create(liens, batch_size=1000)


# --- Entry points ------------------------------------------------------------------------------------

_VALIDATEURS = {RELEVE: (COLONNES_RELEVE, valider_releve), PARTICIPANTS: (COLONNES_PARTICIPANTS, valider_participants)}
_APPLICATEURS = {RELEVE: _appliquer_releve, PARTICIPANTS: _appliquer_participants}


def analyser(type_import: str, fichier, nom: str, taille: int, aujourd_hui: dt.date | None = None) -> Rapport:
    """Preview: reads and checks the file, writes nothing."""
    colonnes, valider = _VALIDATEURS[type_import]
    try:
        return valider(lire_tableau(fichier, nom, taille, colonnes), aujourd_hui)
    except FichierInvalide as erreur:
        return Rapport(type=type_import, erreur_fichier=str(erreur))


def importer(type_import: str, fichier, nom: str, taille: int, user, aujourd_hui: dt.date | None = None) -> Rapport:
    """Confirmation: checks the file again and, only if every row is good, writes it all in one transaction."""
    try:
        with transaction.atomic():
            rapport = analyser(type_import, fichier, nom, taille, aujourd_hui)
            if rapport.valide:
                _APPLICATEURS[type_import](rapport, user)
    except IntegrityError:
        # Someone saved the same rows between our checks and our writes.
        return Rapport(
            type=type_import,
            erreur_fichier="Les données ont été modifiées pendant l'import : rien n'a été enregistré, recommencez.",
        )
    return rapport


# --- Template files ----------------------------------------------------------------------------------

COLONNES = {RELEVE: COLONNES_RELEVE, PARTICIPANTS: COLONNES_PARTICIPANTS}
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def fichier_modele(type_import: str, format_fichier: str) -> bytes:
    """An empty file with the expected columns and one example row, to fill in and import."""
    colonnes = COLONNES[type_import]
    exemple = [c.exemple for c in colonnes]
    if format_fichier == "csv":
        sortie = io.StringIO(newline="")
        ecrivain = csv.writer(sortie, delimiter=";", lineterminator="\r\n")
        ecrivain.writerow([c.titre for c in colonnes])
        ecrivain.writerow(exemple)
        # With a BOM, Excel opens the accents right.
        return sortie.getvalue().encode("utf-8-sig")
    classeur = Workbook(write_only=True)
    feuille = classeur.create_sheet("Relevé d'heures" if type_import == RELEVE else "Participants")
    entetes = []
    for colonne in colonnes:
        cellule = WriteOnlyCell(feuille, value=colonne.titre)
        cellule.font = Font(bold=True)
        entetes.append(cellule)
    feuille.append(entetes)
    feuille.append(exemple)
    sortie = io.BytesIO()
    classeur.save(sortie)
    return sortie.getvalue()
