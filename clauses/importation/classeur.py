"""Reading an XLSX workbook within the limits of ``limites``: its sheets, then the filled rows of one sheet.

An XLSX is a zip of XML parts, and a small one can hide gigabytes (a zip bomb), declare a sheet of a million rows
by 16,384 columns, or hold XML that expands entities (billion laughs, external files). openpyxl's read-only
mode still parses every sheet whole when it opens the workbook, to find its size, and keeps an element per row,
so the workbook is opened here with openpyxl's reader for the small parts only (content types, workbook,
styles), and the shared strings and the sheet are parsed here by expat, as a stream of events that builds no
tree (five to ten times faster than ElementTree's iterparse, which also keeps an element per row):

- before reading, every part's size from the zip's directory (Python's zipfile never yields more than that
  size for a part) and its compression ratio; the parts parsed whole (``PARTIE_MAX``) apart;
- while reading, the decompressed bytes and the XML elements of the whole workbook, the filled cells and the
  rows, the columns of a filled cell, the elements within one cell;
- XML with a DTD (entities, external files) is refused before anything is expanded, in every part read;
- nothing of the XML is kept but the text of the cell being read (at most Excel's 32,767 characters).

Cells come back as openpyxl's ``iter_rows(values_only=True)`` gives them (numbers, shared and inline strings,
booleans, dates by their number format, errors as text), with three differences: a number cell that is not a
finite number (``1E999``) and a date out of range come back as the text written in the file; a formula without
its stored value comes back as ``FORMULE_SANS_VALEUR``; rows without a filled cell are not returned.
"""

import logging
import math
import re
import warnings
import zipfile
import zlib
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS

from clauses.importation.limites import (
    CELLULES_MAX,
    CHAINES_MAX,
    COLONNES_MAX,
    DECOMPRESSE_MAX,
    ELEMENTS_MAX,
    ELEMENTS_PAR_CELLULE_MAX,
    LIGNES_LUES_MAX,
    MEMBRES_MAX,
    PARTIE_MAX,
    RATIO_MAX,
    TEXTE_EXCEL_MAX,
    FichierInvalide,
    Limites,
    mo,
    nombre,
)

logger = logging.getLogger(__name__)


class _FormuleSansValeur:
    """A formula cell whose result was never stored (a file written by a program, never opened in Excel)."""

    def __str__(self) -> str:
        return ""

    def __repr__(self) -> str:
        return "FORMULE_SANS_VALEUR"


FORMULE_SANS_VALEUR = _FormuleSansValeur()

# Element names as expat gives them with namespace processing: « namespace}local ».
_SHEET_DATA, _ROW, _CELL, _VALEUR, _FORMULE, _TEXTE_EN_LIGNE, _TEXTE, _RUN, _CHAINE = (
    f"{SHEET_MAIN_NS}}}{nom}" for nom in ("sheetData", "row", "c", "v", "f", "is", "t", "r", "si")
)


class DeclarationXml(ValueError):
    """XML with a DTD: entities (billion laughs) or external files (XXE). Excel never writes one."""


def _refuser_declaration(*_):
    raise DeclarationXml


def analyseur_xml():
    """An expat parser that refuses any DTD, entity declaration or external entity before it is expanded."""
    analyseur = expat.ParserCreate(namespace_separator="}")
    analyseur.buffer_text = True
    analyseur.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    analyseur.StartDoctypeDeclHandler = _refuser_declaration
    analyseur.EntityDeclHandler = _refuser_declaration
    analyseur.ExternalEntityRefHandler = _refuser_declaration
    return analyseur


# What a damaged zip or XML raises through zipfile, zlib, expat, defusedxml and openpyxl: the file is refused.
ERREURS_DE_LECTURE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    expat.ExpatError,
    ParseError,  # ElementTree; lxml's XMLSyntaxError is a SyntaxError too
    SyntaxError,
    EOFError,
    OSError,
    KeyError,  # a part named by another is missing
    IndexError,
    ValueError,  # DeclarationXml, UnicodeDecodeError…
    TypeError,
    AttributeError,  # openpyxl reading an element it does not expect
    LookupError,  # an unknown XML encoding
    OverflowError,
    NotImplementedError,  # a compression method zipfile lacks
    RuntimeError,  # an encrypted part; too deep a recursion
)


def message_endommage(erreur: BaseException, apres_ligne: int = 0) -> str:
    """The French reason a damaged workbook is refused, after the last row read when there is one; the
    exception goes to the log, where a reading bug would show among damaged files."""
    logger.info("Classeur XLSX refusé : %r", erreur, exc_info=erreur)
    ou = f" après la ligne {apres_ligne}" if apres_ligne else ""
    if isinstance(erreur, DeclarationXml):
        return (
            f"Le classeur XLSX contient des déclarations XML (DTD ou entités) qu'Excel n'écrit jamais{ou} : "
            "il est refusé par sécurité. Ouvrez-le dans votre tableur et enregistrez-le de nouveau au format .xlsx."
        )
    if isinstance(erreur, RuntimeError) and "encrypted" in str(erreur):
        return "Le classeur XLSX est protégé par un mot de passe : enregistrez-le sans mot de passe."
    return (
        f"Le classeur XLSX est endommagé ou illisible{ou} : ouvrez-le dans votre tableur et enregistrez-le de "
        "nouveau au format .xlsx."
    )


def plafonds(limites: Limites | None = None) -> Limites:
    """The limits of a reading: those given, else this module's constants read now (the tests lower them)."""
    if limites is not None:
        return limites
    return Limites(
        decompresse=DECOMPRESSE_MAX,
        elements=ELEMENTS_MAX,
        chaines=CHAINES_MAX,
        cellules=CELLULES_MAX,
        lignes_lues=LIGNES_LUES_MAX,
    )


@dataclass
class _Budget:
    """What the whole workbook may still cost: decompressed bytes and XML elements, over every part read."""

    limites: Limites = field(default_factory=plafonds)
    octets: int = 0
    elements: int = 0

    def lire(self, n: int) -> None:
        self.octets += n
        if self.octets > self.limites.decompresse:
            raise FichierInvalide(
                f"Le classeur XLSX dépasse {mo(self.limites.decompresse)} une fois décompressé : découpez-le en "
                "plusieurs fichiers, ou enregistrez-le au format .csv."
            )

    def elements_lus(self, n: int) -> None:
        self.elements += n
        if self.elements > self.limites.elements:
            raise FichierInvalide(
                f"Le classeur XLSX compte plus de {nombre(self.limites.elements)} éléments XML (cellules, lignes, "
                "mises en forme) : découpez-le en plusieurs fichiers, ou enregistrez-le au format .csv."
            )


class _Flux:
    """A part of the zip being decompressed, its bytes counted against the budget as they come."""

    def __init__(self, flux, budget: _Budget):
        self.flux, self.budget = flux, budget

    def read(self, n: int = -1) -> bytes:
        octets = self.flux.read(n)
        self.budget.lire(len(octets))
        return octets

    def close(self) -> None:
        self.flux.close()

    def __enter__(self):
        return self

    def __exit__(self, *exception) -> None:
        self.close()


class _Archive(zipfile.ZipFile):
    """The workbook's zip: a part read whole may not pass ``PARTIE_MAX``, and every byte read counts."""

    budget: _Budget

    def read(self, name, pwd=None):
        info = self.getinfo(name)
        if info.file_size > PARTIE_MAX:
            raise FichierInvalide(
                f"Une partie du classeur XLSX ({info.filename[:80]}) pèse {mo(info.file_size)} une fois "
                f"décompressée, au-delà de {mo(PARTIE_MAX)} : enregistrez de nouveau le fichier depuis votre "
                "tableur, sans images ni mises en forme inutiles."
            )
        octets = super().read(name, pwd)
        if name.endswith((".xml", ".rels")):
            # openpyxl parses it whole, with whichever XML library it finds: any DTD is refused first.
            _verifier_xml(octets, self.budget)
        return octets

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):
        return _Flux(super().open(name, mode, pwd, force_zip64=force_zip64), self.budget)


def _verifier_membres(archive: zipfile.ZipFile, limites: Limites) -> None:
    """The parts' count, sizes and compression ratios, from the zip's directory, before decompressing any."""
    membres = archive.infolist()
    if len(membres) > MEMBRES_MAX:
        raise FichierInvalide(
            f"Le classeur XLSX contient {nombre(len(membres))} parties, au-delà de {nombre(MEMBRES_MAX)} : ce n'est "
            "pas un classeur enregistré par un tableur."
        )
    for info in membres:
        if info.file_size > limites.decompresse:
            raise FichierInvalide(
                f"Le classeur XLSX pèse {mo(info.file_size)} une fois décompressé, au-delà de "
                f"{mo(limites.decompresse)} : découpez-le en plusieurs fichiers, ou enregistrez-le au format .csv."
            )
        if info.file_size > 1024 * 1024 and info.file_size > RATIO_MAX * max(info.compress_size, 1):
            raise FichierInvalide(
                f"Le classeur XLSX est compressé {info.file_size // max(info.compress_size, 1)} fois, au-delà de "
                f"{RATIO_MAX} fois : ce n'est pas un classeur enregistré par un tableur (bombe de décompression ?)."
            )


class _Lecteur(ExcelReader):
    """openpyxl's reading of a workbook's small parts (content types, workbook, styles) over the bounded zip,
    without what the import never needs (properties, theme, chart sheets, external links, defined names) and
    without opening the sheets, which ``Feuille.lignes`` streams."""

    def __init__(self, archive: _Archive):
        self.archive = archive
        self.budget = archive.budget
        self.valid_files = archive.namelist()
        self.read_only, self.data_only = True, True
        self.keep_vba = self.keep_links = self.rich_text = False
        self.shared_strings: list = []
        self.feuilles: list[tuple[str, str, str]] = []

    def read(self):
        self.read_manifest()
        self.read_workbook()
        apply_stylesheet(self.archive, self.wb)
        self.read_worksheets()
        self.read_strings()

    def read_strings(self):
        partie = self.package.find(SHARED_STRINGS)
        if partie is not None and self.feuilles:
            with self.archive.open(partie.PartName[1:]) as flux:
                self.shared_strings = _chaines_partagees(flux, self.budget)

    def read_worksheets(self):
        for feuille, relation in self.parser.find_sheets():
            if relation.target in self.valid_files and "chartsheet" not in relation.Type:
                self.feuilles.append((str(feuille.name), str(feuille.state or "visible"), relation.target))


LOT = 64 * 1024


def _verifier_xml(octets: bytes, budget: _Budget) -> None:
    analyseur = analyseur_xml()
    elements = 0

    def debut(*_):
        nonlocal elements
        elements += 1

    analyseur.StartElementHandler = debut
    analyseur.Parse(octets, True)
    budget.elements_lus(elements)


def _chaines_partagees(flux, budget: _Budget) -> list[str]:
    """The shared strings, as openpyxl's ``read_string_table`` reads them (the text of ``t`` and of rich runs'
    ``r/t``, not of phonetic ``rPh/t``), streamed and counted."""
    chaines: list[str] = []
    profondeur = elements = elements_chaine = longueur = 0
    morceaux: list[str] = []
    capture: list[str] | None = None
    dans_run = False

    def debut(nom, _attributs):
        nonlocal profondeur, elements, elements_chaine, capture, dans_run
        profondeur += 1
        elements += 1
        if profondeur == 2:
            morceaux.clear()
            elements_chaine = 0
        elif profondeur > 2:
            elements_chaine += 1
            if elements_chaine > ELEMENTS_PAR_CELLULE_MAX:
                raise FichierInvalide("Un texte du classeur XLSX est formé de trop d'éléments XML.")
            if nom == _TEXTE and (profondeur == 3 or (profondeur == 4 and dans_run)):
                capture = morceaux
            elif profondeur == 3:
                dans_run = nom == _RUN

    def fin(nom):
        nonlocal profondeur, capture, longueur
        capture = None
        if profondeur == 2 and nom == _CHAINE:
            if len(chaines) >= budget.limites.chaines:
                raise FichierInvalide(
                    f"Le classeur XLSX contient plus de {nombre(budget.limites.chaines)} textes différents : "
                    "découpez-le en plusieurs fichiers, ou enregistrez-le au format .csv."
                )
            chaines.append("".join(morceaux).replace("x005F_", ""))
            longueur = 0
        profondeur -= 1

    def texte(donnees):
        nonlocal longueur
        if capture is not None:
            longueur += len(donnees)
            if longueur > TEXTE_EXCEL_MAX:
                raise FichierInvalide(f"Un texte du classeur XLSX dépasse {nombre(TEXTE_EXCEL_MAX)} caractères.")
            capture.append(donnees)

    analyseur = analyseur_xml()
    analyseur.StartElementHandler, analyseur.EndElementHandler, analyseur.CharacterDataHandler = debut, fin, texte
    while morceau := flux.read(LOT):
        analyseur.Parse(morceau, False)
        budget.elements_lus(elements)
        elements = 0
    analyseur.Parse(b"", True)
    return chaines


_COORDONNEE = re.compile(r"([A-Z]{1,3})([0-9]*)")


def _colonne(coordonnee: str) -> int:
    """« C12 » → 3."""
    correspondance = _COORDONNEE.match(coordonnee.upper())
    if correspondance is None:
        raise ValueError(coordonnee)
    colonne = 0
    for lettre in correspondance[1]:
        colonne = colonne * 26 + ord(lettre) - 64
    return colonne


def _nombre(texte: str) -> int | float:
    return float(texte) if "." in texte or "e" in texte.lower() else int(texte)


@dataclass
class Classeur:
    """An opened workbook: its sheets in the workbook's order, and what it needs to read their cells."""

    archive: _Archive
    feuilles: list["Feuille"] = field(default_factory=list)
    chaines: list = field(default_factory=list)
    formats_date: set = field(default_factory=set)
    formats_duree: set = field(default_factory=set)
    epoque: object = None


@dataclass
class Feuille:
    nom: str
    etat: str  # visible, hidden or veryHidden
    chemin: str
    classeur: Classeur = field(repr=False)
    derniere_ligne: int = 0  # the last row read whole, named when the rest is damaged

    @property
    def visible(self) -> bool:
        return self.etat == "visible"

    def lignes(self) -> Generator[tuple[int, tuple], None, None]:
        """(row number, values from column A to the last filled cell) of each row with a filled cell."""
        self.derniere_ligne = 0
        try:
            with self.classeur.archive.open(self.chemin) as flux:
                yield from self._lire(flux)
        except ERREURS_DE_LECTURE as erreur:
            raise FichierInvalide(message_endommage(erreur, self.derniere_ligne)) from erreur

    def _valeur(self, type_cellule: str, style: str | None, brut: str | None, formule: bool):
        """A cell's value from its type, style and text (``<v>``, or the inline string's), as openpyxl's."""
        if type_cellule == "inlineStr":
            return brut
        if not brut:
            return FORMULE_SANS_VALEUR if formule else None
        classeur = self.classeur
        if type_cellule == "n":
            try:
                valeur = _nombre(brut)
            except ValueError:
                return brut
            if isinstance(valeur, float) and not math.isfinite(valeur):
                return brut.strip()
            if style and style.isdigit() and int(style) in classeur.formats_date:
                try:
                    return from_excel(valeur, classeur.epoque, timedelta=int(style) in classeur.formats_duree)
                except (ValueError, OverflowError, TypeError):
                    return brut
            return valeur
        if type_cellule == "s":
            return classeur.chaines[int(brut)]
        if type_cellule == "b":
            return bool(int(brut)) if brut.strip() in ("0", "1") else brut
        if type_cellule == "d":
            try:
                return from_ISO8601(brut)
            except (ValueError, OverflowError, TypeError):
                return brut
        return brut  # str (a formula's text), e (an error such as #DIV/0!)

    def _lire(self, flux) -> Iterator[tuple[int, tuple]]:
        """The sheet's XML as expat's events: worksheet (1) / sheetData (2) / row (3) / c (4) / v, f or is (5) /
        t or r (6) / t (7). Only the text of the cell being read is kept."""
        budget = self.classeur.archive.budget
        cellules_max, lignes_lues_max = budget.limites.cellules, budget.limites.lignes_lues
        valeur_de = self._valeur
        pretes: list[tuple[int, tuple]] = []
        profondeur = elements = elements_cellule = numero = colonne = lignes = cellules_lues = 0
        dans_donnees = dans_ligne = dans_cellule = dans_texte = dans_run = formule = False
        cellules: dict[int, object] = {}
        type_cellule, style, reference = "n", None, None
        morceaux: list[str] = []
        capture: list[str] | None = None
        longueur = 0
        texte_present = False

        def debut(nom, attributs):
            nonlocal profondeur, elements, elements_cellule, numero, colonne, cellules, dans_donnees, dans_ligne
            nonlocal dans_cellule, dans_texte, dans_run, formule, type_cellule, style, reference, capture, longueur
            nonlocal texte_present
            profondeur += 1
            elements += 1
            if dans_cellule:
                elements_cellule += 1
                if elements_cellule > ELEMENTS_PAR_CELLULE_MAX:
                    raise FichierInvalide(f"Ligne {numero} : une cellule est formée de trop d'éléments XML.")
                if profondeur == 5:
                    dans_texte = nom == _TEXTE_EN_LIGNE and type_cellule == "inlineStr"
                    if nom == _VALEUR and type_cellule != "inlineStr":
                        capture, texte_present = morceaux, True
                    elif nom == _FORMULE:
                        formule = True
                    elif dans_texte:
                        texte_present = True
                elif dans_texte and profondeur == 6:
                    dans_run = nom == _RUN
                    if nom == _TEXTE:
                        capture = morceaux
                elif dans_run and profondeur == 7 and nom == _TEXTE:
                    capture = morceaux
            elif profondeur == 4 and dans_ligne and nom == _CELL:
                dans_cellule, elements_cellule, formule, texte_present, longueur = True, 0, False, False, 0
                type_cellule, style, reference = attributs.get("t", "n"), attributs.get("s"), attributs.get("r")
                morceaux.clear()
            elif profondeur == 3 and dans_donnees and nom == _ROW:
                dans_ligne = True
                r = attributs.get("r")
                numero = (int(r) if r.isdigit() else int(float(r))) if r else numero + 1
                colonne, cellules = 0, {}
            elif profondeur == 2:
                dans_donnees = nom == _SHEET_DATA

        def fin(nom):
            nonlocal profondeur, colonne, lignes, cellules_lues, dans_ligne, dans_cellule, capture, cellules
            capture = None
            profondeur -= 1
            if dans_cellule:
                if profondeur == 3:
                    dans_cellule = False
                    colonne = _colonne(reference) if reference else colonne + 1
                    valeur = valeur_de(type_cellule, style, "".join(morceaux) if texte_present else None, formule)
                    if valeur is not None:
                        if colonne > COLONNES_MAX:
                            raise FichierInvalide(
                                f"Ligne {numero} : une cellule remplie est au-delà de la {nombre(COLONNES_MAX)}e "
                                f"colonne : le fichier ne peut pas compter plus de {nombre(COLONNES_MAX)} colonnes. "
                                "Supprimez les colonnes inutiles."
                            )
                        cellules_lues += 1
                        if cellules_lues > cellules_max:
                            raise FichierInvalide(
                                f"Le fichier compte plus de {nombre(cellules_max)} cellules remplies : découpez-le "
                                "en plusieurs fichiers."
                            )
                        cellules[colonne] = valeur
            elif dans_ligne and profondeur == 2:
                dans_ligne = False
                self.derniere_ligne = numero
                lignes += 1
                if lignes > lignes_lues_max:
                    raise FichierInvalide(
                        f"La feuille compte plus de {nombre(lignes_lues_max)} lignes, le maximum d'Excel."
                    )
                if cellules:
                    pretes.append((numero, tuple(cellules.get(i) for i in range(1, max(cellules) + 1))))
                    cellules = {}

        def texte(donnees):
            nonlocal longueur
            if capture is not None:
                longueur += len(donnees)
                if longueur > TEXTE_EXCEL_MAX:
                    raise FichierInvalide(
                        f"Ligne {numero} : une cellule dépasse {nombre(TEXTE_EXCEL_MAX)} caractères, le maximum "
                        "d'Excel."
                    )
                capture.append(donnees)

        analyseur = analyseur_xml()
        analyseur.StartElementHandler, analyseur.EndElementHandler, analyseur.CharacterDataHandler = debut, fin, texte
        while morceau := flux.read(LOT):
            analyseur.Parse(morceau, False)
            budget.elements_lus(elements)
            elements = 0
            yield from pretes
            pretes.clear()
        analyseur.Parse(b"", True)
        yield from pretes


@contextmanager
def ouvrir_classeur(fichier, limites: Limites | None = None) -> Iterator[Classeur]:
    """The workbook's sheets, its parts checked first; raises FichierInvalide with a French reason."""
    debut = fichier.read(8)
    fichier.seek(0)
    if debut[:4] != b"PK\x03\x04":
        if debut == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            raise FichierInvalide(
                "Ce fichier est un classeur Excel 97-2003 (.xls) renommé, ou un classeur protégé par un mot de "
                "passe : enregistrez-le au format .xlsx, sans mot de passe."
            )
        raise FichierInvalide("Le fichier n'est pas un classeur XLSX lisible (il n'a pas été créé par un tableur).")
    archive = None
    try:
        archive = _Archive(fichier)
        archive.budget = _Budget(plafonds(limites))
        _verifier_membres(archive, archive.budget.limites)
        lecteur = _Lecteur(archive)
        with warnings.catch_warnings():
            # openpyxl warns about what it skips in a damaged file; the import says what matters itself.
            warnings.simplefilter("ignore")
            lecteur.read()
        classeur = Classeur(
            archive=archive,
            chaines=lecteur.shared_strings,
            # Set by openpyxl's apply_stylesheet: the styles whose number format is a date, a duration.
            formats_date=set(lecteur.wb._date_formats),  # type: ignore[attr-defined]
            formats_duree=set(lecteur.wb._timedelta_formats),  # type: ignore[attr-defined]
            epoque=lecteur.wb.epoch,
        )
    except ERREURS_DE_LECTURE as erreur:
        if archive is not None:
            archive.close()
        raise FichierInvalide(message_endommage(erreur)) from erreur
    except FichierInvalide:
        if archive is not None:
            archive.close()
        raise
    classeur.feuilles = [Feuille(nom, etat, chemin, classeur) for nom, etat, chemin in lecteur.feuilles]
    try:
        yield classeur
    finally:
        archive.close()
