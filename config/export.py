"""XLSX export of a list, streamed row by row so that a long list does not sit in memory."""

import datetime as dt
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from tempfile import SpooledTemporaryFile

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

Colonne = tuple[str, Callable[[object], object]]  # (title, accessor)

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _valeur(valeur):
    if valeur is None:
        return ""
    if isinstance(valeur, Decimal):
        return float(valeur)
    if isinstance(valeur, dt.datetime):
        return timezone.localtime(valeur).replace(tzinfo=None) if timezone.is_aware(valeur) else valeur
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if isinstance(valeur, (int, float, dt.date)):
        return valeur
    texte = _ILLEGAL.sub("", str(valeur))
    # A cell starting with = + - @ would be read as a formula by a spreadsheet (CSV/formula injection).
    return "'" + texte if texte[:1] in ("=", "+", "-", "@") else texte


def reponse_xlsx(nom_fichier: str, titre_feuille: str, colonnes: list[Colonne], objets: Iterable) -> FileResponse:
    classeur = Workbook(write_only=True)
    feuille = classeur.create_sheet(title=titre_feuille[:31])
    entetes = []
    for titre, _ in colonnes:
        cellule = WriteOnlyCell(feuille, value=titre)
        cellule.font = Font(bold=True)
        entetes.append(cellule)
    feuille.append(entetes)
    for objet in objets:
        feuille.append([_valeur(accesseur(objet)) for _, accesseur in colonnes])
    fichier = SpooledTemporaryFile(max_size=20 * 1024 * 1024)
    classeur.save(fichier)
    fichier.seek(0)
    horodatage = timezone.localtime().strftime("%Y-%m-%d")
    return FileResponse(
        fichier,
        as_attachment=True,
        filename=f"{nom_fichier}-{horodatage}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
