"""Reading an import file: from the uploaded bytes to a header matched with the expected columns and
numbered rows, and from a cell to a date, a month or a number.

Kept apart from the imports themselves because none of it knows the models: it can be read, and tested,
as plain parsing. The two imports describe their columns with ``Colonne`` and get back a ``Tableau``;
anything that makes the whole file unreadable raises ``FichierInvalide`` with a French reason.
"""

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet._reader import (  # type: ignore[attr-defined]  # _cast_number is private: not in its stubs
    WorkSheetParser,
    _cast_number,
)
from openpyxl.xml.constants import SHEET_MAIN_NS

from clauses.heures import premier_du_mois

TAILLE_MAX = 10 * 1024 * 1024
TAILLE_MAX_TEXTE = "10 Mo"
LIGNES_MAX = 100_000
EXTENSIONS = ("xlsx", "csv")


class FichierInvalide(Exception):
    """The whole file is refused (format, size, columns…): the message says why, in French."""


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
        nombre = Decimal(texte)
    except InvalidOperation:
        return None
    return nombre if nombre.is_finite() else None


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


_VALEUR = f"{{{SHEET_MAIN_NS}}}v"
_TEXTE_EN_LIGNE = f"{{{SHEET_MAIN_NS}}}is"
_TEXTE = f"{{{SHEET_MAIN_NS}}}t"


class _LecteurFeuille(WorkSheetParser):
    """openpyxl's reading of a sheet, with the three kinds of cell a statement is made of converted in place:
    numbers without a date format, shared strings and plain inline strings. openpyxl builds an object per inline
    string, which made reading a 50,000-row sheet take seconds. Every other cell (dates, booleans, errors, rich
    text, formulas…) goes to openpyxl, so the values are exactly those of ``iter_rows(values_only=True)``."""

    def parse_cell(self, element):
        coordonnee = element.get("r")
        type_cellule = element.get("t", "n")
        style = element.get("s", 0)
        style = int(style) if style else style
        if not coordonnee or not self.data_only or self.rich_text:
            return super().parse_cell(element)
        if type_cellule == "n":
            if style in self.date_formats:
                return super().parse_cell(element)
            valeur = element.findtext(_VALEUR, None) or None
            valeur = None if valeur is None else _cast_number(valeur)
        elif type_cellule == "s":
            valeur = element.findtext(_VALEUR, None) or None
            valeur = None if valeur is None else self.shared_strings[int(valeur)]
        elif type_cellule == "inlineStr":
            texte = element.find(_TEXTE_EN_LIGNE)
            if texte is None or texte.attrib or len(texte) != 1 or texte[0].tag != _TEXTE:
                return super().parse_cell(element)
            valeur = texte[0].text or ""
        else:
            return super().parse_cell(element)
        ligne, colonne = coordinate_to_tuple(coordonnee)
        self.col_counter = colonne
        return {"row": ligne, "column": colonne, "value": valeur}


def _valeurs_feuille(feuille) -> Iterator[tuple]:
    """``feuille.iter_rows(values_only=True)`` of a read-only sheet, read by ``_LecteurFeuille``: the same
    steps as openpyxl 3.1's ``ReadOnlyWorksheet._cells_by_row``, which names its parser and cannot be given
    another (missing rows come as empty rows; rows are as wide as the sheet's stated dimension, if any)."""
    classeur = feuille.parent
    max_col, max_row = feuille.max_column, feuille.max_row
    vide = (None,) * max_col if max_col is not None else ()
    compteur, numero = 1, 1
    with feuille._get_source() as source:
        lecteur = _LecteurFeuille(
            source,
            feuille._shared_strings,
            data_only=classeur.data_only,
            epoch=classeur.epoch,
            date_formats=classeur._date_formats,
            timedelta_formats=classeur._timedelta_formats,
        )
        for numero, cellules in lecteur.parse():
            if max_row is not None and numero > max_row:
                break
            for _ in range(compteur, numero):
                compteur += 1
                yield vide
            if compteur <= numero:
                compteur += 1
                yield feuille._get_row(cellules, 1, max_col, values_only=True)
    if max_row is not None and max_row < numero:
        for _ in range(compteur, max_row + 1):
            yield vide


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
    except (zipfile.BadZipFile, KeyError, IndexError, ValueError, OSError, TypeError) as erreur:
        raise FichierInvalide("Le classeur XLSX est endommagé ou illisible.") from erreur
    try:
        if not classeur.worksheets:
            return
        for numero, ligne in enumerate(_valeurs_feuille(classeur.worksheets[0]), start=1):
            yield numero, tuple(ligne)
    except (zipfile.BadZipFile, KeyError, IndexError, ValueError, OSError, TypeError) as erreur:
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
    meilleur = max(comptes, key=lambda sep: comptes[sep])
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
    entete, largeur = None, 0
    corps = []
    for numero, valeurs in lignes:
        if not any(texte_cellule(v) for v in valeurs):
            continue
        if entete is None:
            entete = valeurs
            largeur = len(entete)
            continue
        # Every row as wide as the header, so that a cell is read by its index alone.
        corps.append((numero, valeurs + (None,) * (largeur - len(valeurs))))
        if len(corps) > LIGNES_MAX:
            raise FichierInvalide(
                f"Le fichier compte plus de {LIGNES_MAX:,} lignes".replace(",", "\u202f")
                + " : découpez-le en plusieurs fichiers."
            )
    if entete is None:
        raise FichierInvalide("Le fichier est vide : il ne contient ni en-têtes ni lignes.")
    return Tableau(colonnes=reperer_colonnes(entete, colonnes), lignes=corps)


def reperer_colonnes(entete: tuple, colonnes: list[Colonne]) -> dict[str, int]:
    """Key of each expected column → its index in the header. Two headers naming the same column (« Nombre
    d'heures » and « Heures d'insertion ») refuse the file: taking either would import figures nobody chose."""
    par_nom: dict[str, Colonne] = {}
    for colonne in colonnes:
        for nom_possible in colonne.noms():
            par_nom.setdefault(nom_possible, colonne)
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


def exiger_colonnes(tableau: Tableau, obligatoires: list[str], colonnes: list[Colonne], description: str) -> None:
    titres = {c.cle: c.titre for c in colonnes}
    manquantes = [titres[cle] for cle in obligatoires if cle not in tableau.colonnes]
    if manquantes:
        pluriel = "s" if len(manquantes) > 1 else ""
        raise FichierInvalide(
            f"Colonne{pluriel} manquante{pluriel} : {', '.join(manquantes)}. Colonnes attendues : {description}."
        )
