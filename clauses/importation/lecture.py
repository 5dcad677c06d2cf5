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
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import islice

from openpyxl.utils.cell import get_column_letter
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


# Letters and marks that NFKD does not take to ASCII, and that dropping would glue or cut words: « N’Diaye »
# must read as « N'Diaye », « Cœur » as « Coeur », « Nombre d’heures » as « Nombre d'heures ».
_TYPOGRAPHIE = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc\u02b9\u00b4\u0060\uff07", "'"),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d", "-"),
        **dict.fromkeys("\u00a0\u2007\u202f\u2009\u200a\u3000", " "),
        **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad", ""),
        "œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L",
        "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ı": "i",
    }
)  # fmt: skip


def normaliser(texte: object) -> str:
    """« Référence  participant » → « reference participant »: no case, accents or punctuation; typographic
    apostrophes, dashes and spaces count as the plain ones, and ligatures as their letters (« œ » → « oe »)."""
    texte = str(texte or "").translate(_TYPOGRAPHIE)
    texte = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode("ascii")
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


# French names and the abbreviations Excel writes (« sept-26 », « janv.-26 »), and the English ones of an Excel
# set to English (« Sep-26 »).
_MOIS_NOMS = {
    "janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "feb": 2, "mars": 3, "mar": 3,
    "avril": 4, "avr": 4, "apr": 4, "mai": 5, "may": 5, "juin": 6, "jun": 6, "juillet": 7, "juil": 7, "jul": 7,
    "aout": 8, "aou": 8, "aug": 8, "septembre": 9, "sept": 9, "sep": 9, "octobre": 10, "oct": 10,
    "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
}  # fmt: skip
_MOIS_MM_AAAA = re.compile(r"^(\d{1,2})[/.-](\d{4})$")
_MOIS_AAAA_MM = re.compile(r"^(\d{4})[/.-](\d{1,2})$")
# Two-digit years, for months only: the hours of a statement are this century's, a birth date may not be.
_MOIS_MM_AA = re.compile(r"^(\d{1,2})/(\d{2})$")
_MOIS_JJ_MM_AA = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2})$")


def _annee(texte: str) -> int | None:
    if texte.isdigit() and len(texte) == 4:
        return int(texte)
    if texte.isdigit() and len(texte) == 2:
        return 2000 + int(texte)
    return None


def lire_mois(valeur: object) -> dt.date | None:
    """MM/AAAA, AAAA-MM, MM/AA, JJ/MM/AA, « mars 2026 », « sept-26 », a full date or a date cell → first day of
    the month."""
    date = lire_date(valeur)
    if date is not None:
        return premier_du_mois(date)
    texte = texte_cellule(valeur)
    for motif, i_annee, i_mois in ((_MOIS_MM_AAAA, 2, 1), (_MOIS_AAAA_MM, 1, 2), (_MOIS_MM_AA, 2, 1)):
        correspondance = motif.match(texte)
        if correspondance:
            annee, mois = _annee(correspondance[i_annee]), int(correspondance[i_mois])
            return dt.date(annee, mois, 1) if annee and 1 <= mois <= 12 and annee >= 1900 else None
    if correspondance := _MOIS_JJ_MM_AA.match(texte):
        try:
            return dt.date(2000 + int(correspondance[3]), int(correspondance[2]), int(correspondance[1])).replace(
                day=1
            )
        except ValueError:
            return None
    mots = normaliser(texte).split()
    if len(mots) == 2 and mots[0] in _MOIS_NOMS and (annee := _annee(mots[1])):
        return dt.date(annee, _MOIS_NOMS[mots[0]], 1)
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


_DUREE = re.compile(r"^(\d{1,4})\s*(?:h|:)\s*(\d{1,2})(?:\s*(?:min|mn|m)|:(\d{1,2}))?$")
# Before this day, an Excel date is a duration that a time format wrapped at 24 hours (serial 1.479 = 35:30).
_EPOQUE_DUREES = dt.datetime(1899, 12, 31)


def lire_nombre_heures(valeur: object) -> Decimal | None:
    """A number of hours as ``lire_nombre`` reads it, or a duration: « 35h30 », « 35:30 », an Excel duration cell
    (``[h]:mm``, read as a timedelta; ``h:mm``, read as a time or, past 24 hours, as a datetime of January 1900).
    None when it is neither."""
    secondes = None
    if isinstance(valeur, dt.timedelta):
        secondes = valeur.total_seconds()
    elif isinstance(valeur, dt.datetime):
        if valeur < dt.datetime(1900, 2, 1):
            secondes = (valeur - _EPOQUE_DUREES).total_seconds()
    elif isinstance(valeur, dt.time):
        secondes = valeur.hour * 3600 + valeur.minute * 60 + valeur.second
    elif not isinstance(valeur, dt.date) and (correspondance := _DUREE.match(texte_cellule(valeur).lower())):
        heures, minutes, sec = int(correspondance[1]), int(correspondance[2]), int(correspondance[3] or 0)
        if minutes >= 60 or sec >= 60:
            return None
        secondes = heures * 3600 + minutes * 60 + sec
    if secondes is not None:
        return Decimal(round(secondes)) / Decimal(3600)
    if isinstance(valeur, (dt.date, dt.time)):
        return None
    return lire_nombre(valeur)


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
    entetes: dict[str, str] = field(default_factory=dict)  # key of the column → its header, as the file writes it

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


def _colonnes_par_nom(colonnes: list[Colonne]) -> dict[str, Colonne]:
    par_nom: dict[str, Colonne] = {}
    for colonne in colonnes:
        for nom_possible in colonne.noms():
            par_nom.setdefault(nom_possible, colonne)
    return par_nom


def _reconnues(valeurs: tuple, par_nom: dict[str, Colonne]) -> int:
    """How many of the expected columns a row would name, were it the header."""
    return len({par_nom[nom].cle for nom in (normaliser(texte_cellule(v)) for v in valeurs) if nom in par_nom})


def reperer_colonnes(entete: tuple, par_nom: dict[str, Colonne]) -> dict[str, int]:
    """Key of each expected column → its index in the header. Two headers naming the same column (« Nombre
    d'heures » and « Heures d'insertion ») refuse the file: taking either would import figures nobody chose."""
    indices: dict[str, int] = {}
    doublons = []
    for index, titre in enumerate(entete):
        colonne = par_nom.get(normaliser(texte_cellule(titre)))
        if colonne is None:
            continue
        if colonne.cle in indices:
            premiere = indices[colonne.cle]
            doublons.append(
                f"« {texte_cellule(entete[premiere])} » (colonne {get_column_letter(premiere + 1)}) et "
                f"« {texte_cellule(titre)} » (colonne {get_column_letter(index + 1)}) donnent toutes deux "
                f"la colonne {colonne.titre}"
            )
            continue
        indices[colonne.cle] = index
    if doublons:
        raise FichierInvalide(
            "Colonnes en double : "
            + " ; ".join(doublons)
            + ". Gardez une seule de ces colonnes (supprimez ou renommez l'autre), puis importez de nouveau."
        )
    return indices


def _remplies(lignes: Iterable[tuple[int, tuple]]) -> Iterator[tuple[int, tuple]]:
    for numero, valeurs in lignes:
        if any(texte_cellule(v) for v in valeurs):
            yield numero, valeurs


def _premieres(lignes: Iterator[tuple[int, tuple]], par_nom: dict[str, Colonne]) -> tuple[list, int]:
    """The first rows, where the header is looked for, and how many expected columns the best of them names."""
    premieres = list(islice(lignes, ENTETE_RECHERCHE))
    return premieres, max((_reconnues(valeurs, par_nom) for _, valeurs in premieres), default=0)


def _tableau(
    lignes: Iterator[tuple[int, tuple]], premieres: list, par_nom: dict[str, Colonne], lignes_max: int | None = None
) -> Tableau:
    """The header is the first of the first rows that names the most expected columns (title lines may come
    above it); the rows below keep only the columns the import reads, so a wide file costs no more memory."""
    lignes_max = LIGNES_MAX if lignes_max is None else lignes_max
    if not premieres:
        raise FichierInvalide("Le fichier est vide : il ne contient ni en-têtes ni lignes.")
    scores = [_reconnues(valeurs, par_nom) for _, valeurs in premieres]
    rang = scores.index(max(scores))
    ligne_entete, entete = premieres[rang]
    indices = reperer_colonnes(entete, par_nom)
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
        if len(corps) > lignes_max:
            raise FichierInvalide(
                f"Le fichier compte plus de {nombre(lignes_max)} lignes : découpez-le en plusieurs fichiers."
            )
    colonnes = {cle: lues.index(index) for cle, index in indices.items()}
    entetes = {cle: texte_cellule(entete[index]) for cle, index in indices.items()}
    return Tableau(colonnes=colonnes, lignes=corps, ligne_entete=ligne_entete, entetes=entetes)


def _suite(premieres: list, lignes: Iterator) -> Iterator:
    yield from premieres
    yield from lignes


def _tableau_xlsx(fichier, par_nom: dict[str, Colonne]) -> Tableau:
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


def tableau_de_feuille(
    lignes: Iterable[tuple[int, tuple]], colonnes: list[Colonne], lignes_max: int | None = None
) -> Tableau:
    """Header and non-empty rows of one sheet of a workbook (or one CSV file) whose kind is known already: the
    portfolio import reads each of its sheets so, each with its own columns."""
    remplies = _remplies(lignes)
    par_nom = _colonnes_par_nom(colonnes)
    premieres, _ = _premieres(remplies, par_nom)
    return _tableau(remplies, premieres, par_nom, lignes_max)


def lire_tableau(fichier, nom: str, taille: int, colonnes: list[Colonne]) -> Tableau:
    """Header and non-empty rows of the sheet holding the expected columns; raises FichierInvalide with a
    French reason."""
    verifier_taille(taille)
    ext = verifier_nom(nom)
    fichier.seek(0)
    par_nom = _colonnes_par_nom(colonnes)
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
