"""The sheets of a portfolio file: the sheets of an XLSX workbook, or the CSV files of a .zip (one per sheet, named
as the sheets), each read as a stream of numbered rows within the limits of ``limites``.

A sheet is recognised by its name, without case, accents or punctuation, and without a number that orders or
continues it (« 05 - Marchés.csv », « Heures mensuelles (2) »: a kind may span several sheets, Excel's million
rows being less than a national year of hours). « Lisez-moi » is skipped; any other sheet is named in a remark.
"""

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import PurePosixPath

from clauses.importation.classeur import ouvrir_classeur, plafonds
from clauses.importation.fichier_csv import lignes_csv
from clauses.importation.lecture import extension, normaliser
from clauses.importation.limites import MEMBRES_MAX, RATIO_MAX, FichierInvalide, Limites, mo, nombre

EXTENSIONS_PORTEFEUILLE = ("xlsx", "zip")
LISEZ_MOI = {"lisez moi", "lisezmoi", "lisez moi d abord", "notice", "mode d emploi", "read me", "readme", "aide"}


@dataclass
class Source:
    """A sheet of the file: its name, and its rows, read when asked."""

    nom: str
    masquee: bool
    lignes: Callable[[], Iterator[tuple[int, tuple]]]


def nom_de_type(nom: str) -> str:
    """« 05 - Heures mensuelles (2) » → « heures mensuelles »: the name a kind of sheet is looked up by."""
    texte = normaliser(nom)
    texte = re.sub(r"^\d+\s+", "", texte)
    return re.sub(r"\s+\d+$", "", texte)


def verifier_nom_portefeuille(nom: str) -> str:
    ext = extension(nom)
    if ext not in EXTENSIONS_PORTEFEUILLE:
        raise FichierInvalide(
            "Le portefeuille doit être un classeur XLSX (une feuille par type de données) ou un dossier de fichiers "
            "CSV compressé au format .zip (un fichier par feuille, nommé comme elle)."
        )
    return ext


@contextmanager
def ouvrir(fichier, nom: str, limites: Limites | None = None) -> Iterator[list[Source]]:
    ext = verifier_nom_portefeuille(nom)
    fichier.seek(0)
    if ext == "xlsx":
        with ouvrir_classeur(fichier, limites) as classeur:
            yield [Source(f.nom, not f.visible, f.lignes) for f in classeur.feuilles]
        return
    with _ouvrir_zip(fichier, plafonds(limites)) as sources:
        yield sources


def _nom_membre(info: zipfile.ZipInfo) -> str:
    """A CSV file's name without its folder and extension; a name a Windows zip wrote in its code page, decoded."""
    nom = info.filename
    if not info.flag_bits & 0x800:
        try:
            nom = nom.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return PurePosixPath(nom.replace("\\", "/")).stem


@contextmanager
def _ouvrir_zip(fichier, limites: Limites) -> Iterator[list[Source]]:
    try:
        archive = zipfile.ZipFile(fichier)
    except (zipfile.BadZipFile, OSError, ValueError) as erreur:
        raise FichierInvalide(
            "Le fichier .zip est endommagé : compressez de nouveau le dossier de fichiers CSV."
        ) from erreur
    with archive:
        membres = [
            info
            for info in archive.infolist()
            if not info.is_dir()
            and info.filename.lower().endswith(".csv")
            and not info.filename.startswith("__MACOSX/")
            and not PurePosixPath(info.filename).name.startswith(".")
        ]
        if len(archive.infolist()) > MEMBRES_MAX:
            raise FichierInvalide(f"Le fichier .zip contient plus de {nombre(MEMBRES_MAX)} fichiers.")
        total = 0
        for info in membres:
            total += info.file_size
            if info.file_size > 1024 * 1024 and info.file_size > RATIO_MAX * max(info.compress_size, 1):
                raise FichierInvalide(
                    f"Le fichier {info.filename[:80]} du .zip est compressé plus de {RATIO_MAX} fois : ce n'est pas "
                    "un fichier CSV enregistré par un tableur (bombe de décompression ?)."
                )
        if total > limites.decompresse:
            raise FichierInvalide(
                f"Les fichiers CSV du .zip pèsent {mo(total)} une fois décompressés, au-delà de "
                f"{mo(limites.decompresse)} : découpez le portefeuille en plusieurs fichiers."
            )

        def lire(info: zipfile.ZipInfo) -> Iterator[tuple[int, tuple]]:
            try:
                contenu = archive.read(info)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as erreur:
                raise FichierInvalide(f"Le fichier {info.filename[:80]} du .zip est illisible.") from erreur
            yield from lignes_csv(io.BytesIO(contenu), limites)

        yield [Source(_nom_membre(info), False, partial(lire, info)) for info in membres]
