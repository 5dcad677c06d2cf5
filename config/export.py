"""XLSX export of a list, written and sent row by row so that a long list sits neither in memory nor on disk.

A national list has hundreds of thousands of rows: openpyxl, even in write-only mode, spends tens of
microseconds per cell, minutes for such a list. The sheet is written here directly as SpreadsheetML (strings
inline, so that no shared-string table has to be held), inside a ZIP archive streamed to the client as it is
compressed. What a spreadsheet shows is what openpyxl wrote: the same values, a bold header row, dates in
``yyyy-mm-dd`` and date-times in ``yyyy-mm-dd h:mm:ss``.
"""

import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from django.http import StreamingHttpResponse
from django.utils import timezone
from openpyxl.utils.datetime import to_excel

# (title, accessor); the accessor takes a row of the list's model.
Colonne = tuple[str, Callable[[Any], object]]

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_TYPE_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_LIGNES_PAR_ENVOI = 500

# Cell styles, in the order of cellXfs below.
_GRAS, _DATE, _DATE_HEURE = 1, 2, 3

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/>'
    "</Relationships>"
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd h:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


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


def _lettres(numero: int) -> str:
    """Column letters of the 1-based column ``numero`` (1 → A, 27 → AA)."""
    lettres = ""
    while numero:
        numero, reste = divmod(numero - 1, 26)
        lettres = chr(65 + reste) + lettres
    return lettres


def _cellule(reference: str, valeur, style: int = 0) -> str:
    """One <c> element for a value as ``_valeur`` returns it."""
    attribut_style = f' s="{style}"' if style else ""
    if isinstance(valeur, str):
        if not valeur:
            return ""
        espace = ' xml:space="preserve"' if valeur != valeur.strip() else ""
        return f'<c r="{reference}"{attribut_style} t="inlineStr"><is><t{espace}>{escape(valeur)}</t></is></c>'
    if isinstance(valeur, dt.date):
        style = _DATE_HEURE if isinstance(valeur, dt.datetime) else _DATE
        return f'<c r="{reference}" s="{style}"><v>{to_excel(valeur):.16g}</v></c>'
    if isinstance(valeur, float) and not math.isfinite(valeur):  # as openpyxl: an empty cell
        return ""
    # Numbers written as openpyxl writes them.
    return f'<c r="{reference}"{attribut_style}><v>{valeur:.16g}</v></c>'


class _Tampon(io.RawIOBase):
    """What the ZIP writer has produced since the last ``vider()``: a non-seekable stream, so the archive is
    written in one pass (sizes in data descriptors)."""

    def __init__(self):
        self._morceaux: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, donnees) -> int:
        self._morceaux.append(bytes(donnees))
        return len(donnees)

    def vider(self) -> bytes:
        donnees = b"".join(self._morceaux)
        self._morceaux.clear()
        return donnees


def contenu_xlsx(titre_feuille: str, colonnes: list[Colonne], objets: Iterable) -> Iterator[bytes]:
    """The bytes of the workbook, produced as ``objets`` are read."""
    tampon = _Tampon()
    lettres = [_lettres(i) for i in range(1, len(colonnes) + 1)]
    nom_feuille = _ILLEGAL.sub("", titre_feuille)[:31]
    with zipfile.ZipFile(tampon, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name={quoteattr(nom_feuille)} sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as feuille:
            entete = "".join(
                _cellule(f"{lettre}1", _ILLEGAL.sub("", titre), _GRAS)
                for lettre, (titre, _) in zip(lettres, colonnes, strict=True)
            )
            feuille.write(
                (
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    f'<sheetData><row r="1">{entete}</row>'
                ).encode()
            )
            yield tampon.vider()
            accesseurs = [accesseur for _, accesseur in colonnes]
            lignes = []
            for numero, objet in enumerate(objets, start=2):
                cellules = "".join(
                    _cellule(f"{lettre}{numero}", _valeur(accesseur(objet)))
                    for lettre, accesseur in zip(lettres, accesseurs, strict=True)
                )
                lignes.append(f'<row r="{numero}">{cellules}</row>')
                if len(lignes) == _LIGNES_PAR_ENVOI:
                    feuille.write("".join(lignes).encode())
                    lignes.clear()
                    yield tampon.vider()
            feuille.write(("".join(lignes) + "</sheetData></worksheet>").encode())
    yield tampon.vider()


def reponse_xlsx(
    nom_fichier: str, titre_feuille: str, colonnes: list[Colonne], objets: Iterable
) -> StreamingHttpResponse:
    """The workbook as a download; the rows are read from ``objets`` while it is sent."""
    horodatage = timezone.localtime().strftime("%Y-%m-%d")
    reponse = StreamingHttpResponse(contenu_xlsx(titre_feuille, colonnes, objets), content_type=_TYPE_XLSX)
    reponse["Content-Disposition"] = f'attachment; filename="{nom_fichier}-{horodatage}.xlsx"'
    return reponse


# --- A workbook of several sheets ----------------------------------------------------------------------------

# One sheet of ``ecrire_classeur``: its title, its header, its rows (values as ``_cellule`` takes them: text,
# numbers, dates and date-times, None for an empty cell) and the width of each column, in characters.
Feuille = tuple[str, list[str], Iterable[list], list[float]]


def _types_de_contenu(nombre: int) -> str:
    feuilles = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, nombre + 1)
    )
    return _CONTENT_TYPES.replace(
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>',
        feuilles,
    )


def ecrire_classeur(sortie, feuilles: Iterable[Feuille]) -> None:
    """Write a workbook of several sheets to the file ``sortie``, each sheet's rows as they are read: a national
    portfolio's million rows of hours never sit in memory. Text cells are inline strings, kept as they are (no
    formula is written): the caller escapes what a spreadsheet must not take for a formula."""
    titres: list[str] = []
    with zipfile.ZipFile(sortie, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for numero, (titre, entete, lignes, largeurs) in enumerate(feuilles, start=1):
            titres.append(_ILLEGAL.sub("", titre)[:31])
            lettres = [_lettres(i) for i in range(1, len(entete) + 1)]
            with archive.open(f"xl/worksheets/sheet{numero}.xml", "w", force_zip64=True) as feuille:
                colonnes = "".join(
                    f'<col min="{i}" max="{i}" width="{largeur:g}" customWidth="1"/>'
                    for i, largeur in enumerate(largeurs, start=1)
                )
                cellules = "".join(
                    _cellule(f"{lettre}1", _ILLEGAL.sub("", titre_colonne), _GRAS)
                    for lettre, titre_colonne in zip(lettres, entete, strict=True)
                )
                feuille.write(
                    (
                        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                        f"{f'<cols>{colonnes}</cols>' if colonnes else ''}"
                        f'<sheetData><row r="1">{cellules}</row>'
                    ).encode()
                )
                morceaux = []
                for rang, ligne in enumerate(lignes, start=2):
                    valeurs = "".join(
                        _cellule(
                            f"{lettre}{rang}", _ILLEGAL.sub("", v) if isinstance(v, str) else ("" if v is None else v)
                        )
                        for lettre, v in zip(lettres, ligne, strict=True)
                    )
                    morceaux.append(f'<row r="{rang}">{valeurs}</row>')
                    if len(morceaux) == _LIGNES_PAR_ENVOI:
                        feuille.write("".join(morceaux).encode())
                        morceaux.clear()
                feuille.write(("".join(morceaux) + "</sheetData></worksheet>").encode())
        archive.writestr("[Content_Types].xml", _types_de_contenu(len(titres)))
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            + "".join(
                f'<sheet name={quoteattr(titre)} sheetId="{i}" r:id="rId{i}"/>'
                for i, titre in enumerate(titres, start=1)
            )
            + "</sheets></workbook>",
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{i}" '
                'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                f'Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, len(titres) + 1)
            )
            + f'<Relationship Id="rId{len(titres) + 1}" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            "</Relationships>",
        )
        archive.writestr("xl/styles.xml", _STYLES)
