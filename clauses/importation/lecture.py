"""Reading an import file: from the uploaded bytes to a header matched with the expected columns and
numbered rows, and from a cell to a date, a month or a number.

Kept apart from the imports themselves because none of it knows the models: it can be read, and tested,
as plain parsing. The two imports describe their columns with ``Colonne`` and get back a ``Tableau``;
anything that makes the whole file unreadable raises ``FichierInvalide`` with a French reason.
"""

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import islice

from openpyxl.utils.datetime import from_excel

from clauses.heures import premier_du_mois
from clauses.importation.classeur import FORMULE_SANS_VALEUR, ouvrir_classeur
from clauses.importation.fichier_csv import lignes_csv
from clauses.importation.limites import (
    ENTETE_RECHERCHE,
    LIGNES_MAX,
    TAILLE_MAX,
    TAILLE_MAX_TEXTE,
    TEXTE_CELLULE_MAX,
    FichierInvalide,
    nombre,
)

EXTENSIONS = ("xlsx", "csv")


# --- Text helpers ------------------------------------------------------------------------------------


def normaliser(texte: object) -> str:
    """« Référence  participant » → « reference participant »: no case, accents or punctuation."""
    texte = unicodedata.normalize("NFKD", str(texte or "")).encode("ascii", "ignore").decode("ascii")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", texte.lower()).split())


def texte_cellule(valeur: object) -> str:
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
    texte = texte_cellule(valeur)
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
    texte = texte_cellule(valeur)
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
        texte = re.sub(r"[\s\u00a0\u202f]", "", texte_cellule(valeur)).replace(",", ".")
        texte = texte[:-1] if texte[-1:].lower() == "h" else texte
    try:
        valeur = Decimal(texte)
    except InvalidOperation:
        return None
    # « 1E+999999999 » is a Decimal, but no count of anything: past 10^15, formatting it or rounding it to
    # cents would overflow the decimal context.
    return valeur if valeur.is_finite() and valeur.adjusted() <= 15 else None


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


# --- Reading a file ----------------------------------------------------------------------------------


@dataclass
class Tableau:
    colonnes: dict[str, int]  # key of the column → its index in the rows
    lignes: list[tuple[int, tuple]]  # (line number as the spreadsheet shows it, values)
    feuille: str = ""  # the sheet read, for a workbook
    feuille_masquee: bool = False
    ligne_entete: int = 1  # the header's line: title lines may come above it

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


def _cles_par_nom(colonnes: list[Colonne]) -> dict[str, str]:
    par_nom: dict[str, str] = {}
    for colonne in colonnes:
        for nom_possible in colonne.noms():
            par_nom.setdefault(nom_possible, colonne.cle)
    return par_nom


def _reconnues(valeurs: tuple, par_nom: dict[str, str]) -> int:
    """How many of the expected columns a row would name, were it the header."""
    return len({par_nom[nom] for nom in (normaliser(texte_cellule(v)) for v in valeurs) if nom in par_nom})


def _remplies(lignes: Iterable[tuple[int, tuple]]) -> Iterator[tuple[int, tuple]]:
    for numero, valeurs in lignes:
        if any(texte_cellule(v) for v in valeurs):
            yield numero, valeurs


def _premieres(lignes: Iterator[tuple[int, tuple]], par_nom: dict[str, str]) -> tuple[list, int]:
    """The first rows, where the header is looked for, and how many expected columns the best of them names."""
    premieres = list(islice(lignes, ENTETE_RECHERCHE))
    return premieres, max((_reconnues(valeurs, par_nom) for _, valeurs in premieres), default=0)


def _tableau(lignes: Iterator[tuple[int, tuple]], premieres: list, par_nom: dict[str, str]) -> Tableau:
    """The header is the first of the first rows that names the most expected columns (title lines may come
    above it); the rows below keep only the columns the import reads, so a wide file costs no more memory."""
    if not premieres:
        raise FichierInvalide("Le fichier est vide : il ne contient ni en-têtes ni lignes.")
    scores = [_reconnues(valeurs, par_nom) for _, valeurs in premieres]
    rang = scores.index(max(scores))
    ligne_entete, entete = premieres[rang]
    indices: dict[str, int] = {}
    for index, titre in enumerate(entete):
        cle = par_nom.get(normaliser(texte_cellule(titre)))
        if cle is not None and cle not in indices:
            indices[cle] = index
    lues = sorted(set(indices.values()))
    titres = [texte_cellule(entete[index]) for index in lues]
    corps = []
    for numero, valeurs in _suite(premieres[rang + 1 :], lignes):
        largeur = len(valeurs)
        ligne = tuple(valeurs[index] if index < largeur else None for index in lues)
        for position, valeur in enumerate(ligne):
            if valeur is FORMULE_SANS_VALEUR:
                raise FichierInvalide(
                    f"Ligne {numero}, colonne {titres[position]} : la cellule contient une formule sans valeur "
                    "enregistrée : ouvrez et enregistrez le fichier dans Excel, puis importez-le de nouveau."
                )
            if isinstance(valeur, str) and len(valeur) > TEXTE_CELLULE_MAX:
                raise FichierInvalide(
                    f"Ligne {numero}, colonne {titres[position]} : la cellule compte {nombre(len(valeur))} "
                    f"caractères, au-delà de {nombre(TEXTE_CELLULE_MAX)}."
                )
        corps.append((numero, ligne))
        if len(corps) > LIGNES_MAX:
            raise FichierInvalide(
                f"Le fichier compte plus de {nombre(LIGNES_MAX)} lignes : découpez-le en plusieurs fichiers."
            )
    colonnes = {cle: lues.index(index) for cle, index in indices.items()}
    return Tableau(colonnes=colonnes, lignes=corps, ligne_entete=ligne_entete)


def _suite(premieres: list, lignes: Iterator) -> Iterator:
    yield from premieres
    yield from lignes


def _tableau_xlsx(fichier, par_nom: dict[str, str]) -> Tableau:
    """The first sheet that names the most expected columns (visible sheets first, then hidden ones): a
    workbook may open on a notice, an empty sheet or a summary."""
    with ouvrir_classeur(fichier) as classeur:
        choix = None
        feuilles = sorted(classeur.feuilles, key=lambda feuille: not feuille.visible)
        for feuille in feuilles:
            source = feuille.lignes()
            lignes = _remplies(source)
            premieres, score = _premieres(lignes, par_nom)
            rang = (score, bool(premieres))
            if choix is None or rang > choix[0]:
                if choix is not None:
                    choix[2].close()
                choix = (rang, feuille, source, lignes, premieres)
            else:
                source.close()
        if choix is None:
            raise FichierInvalide("Le classeur ne contient aucune feuille de calcul.")
        _, feuille, source, lignes, premieres = choix
        try:
            tableau = _tableau(lignes, premieres, par_nom)
        finally:
            source.close()
        tableau.feuille, tableau.feuille_masquee = feuille.nom, not feuille.visible
        return tableau


def lire_tableau(fichier, nom: str, taille: int, colonnes: list[Colonne]) -> Tableau:
    """Header and non-empty rows of the sheet holding the expected columns; raises FichierInvalide with a
    French reason."""
    verifier_taille(taille)
    ext = verifier_nom(nom)
    fichier.seek(0)
    par_nom = _cles_par_nom(colonnes)
    if ext == "xlsx":
        return _tableau_xlsx(fichier, par_nom)
    lignes = _remplies(lignes_csv(fichier))
    premieres, _ = _premieres(lignes, par_nom)
    return _tableau(lignes, premieres, par_nom)


def exiger_colonnes(tableau: Tableau, obligatoires: list[str], colonnes: list[Colonne], description: str) -> None:
    titres = {c.cle: c.titre for c in colonnes}
    manquantes = [titres[cle] for cle in obligatoires if cle not in tableau.colonnes]
    if manquantes:
        pluriel = "s" if len(manquantes) > 1 else ""
        raise FichierInvalide(
            f"Colonne{pluriel} manquante{pluriel} : {', '.join(manquantes)}. Colonnes attendues : {description}."
        )
