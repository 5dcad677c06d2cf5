"""Workbooks built in memory for the imports' tests and benchmark: a template filled with rows, a part of its zip
replaced, and the hostile files of issue 14 (zip bombs, entity expansion, external entities, damaged parts).

Built by code rather than committed, so each test says what is hostile about its file. The zip bomb is written
by hand: its sheet is one compressed block repeated (deflate blocks ended by a full flush reference nothing
before them), so a 1.2 GB sheet costs a second to build, not the minute a compressor would take.
"""

import io
import struct
import zipfile
import zlib

from openpyxl import Workbook

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
FEUILLE = "xl/worksheets/sheet1.xml"
# A row of the bomb: a text and a number, then blanks, which deflate compresses hundreds of times.
LIGNE_BOMBE = b'<row><c t="inlineStr"><is><t>x</t></is></c><c><v>1</v></c></row>' + b" " * 5200


def classeur(*feuilles: tuple[str, list[list]], masquees: tuple[str, ...] = ()) -> bytes:
    """An XLSX with these sheets (name, rows), in this order; the sheets named in ``masquees`` hidden."""
    livre = Workbook()
    livre.remove(livre.active)
    for nom, lignes in feuilles:
        feuille = livre.create_sheet(nom)
        for ligne in lignes:
            feuille.append(ligne)
        if nom in masquees:
            feuille.sheet_state = "hidden"
    sortie = io.BytesIO()
    livre.save(sortie)
    return sortie.getvalue()


def remplacer(octets: bytes, parties: dict[str, bytes | None], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """The same zip with these parts replaced (or added; None removes one)."""
    sortie = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(octets)) as source, zipfile.ZipFile(sortie, "w", compression) as cible:
        for info in source.infolist():
            if info.filename not in parties:
                cible.writestr(info.filename, source.read(info.filename))
        for nom, contenu in parties.items():
            if contenu is not None:
                cible.writestr(nom, contenu)
    return sortie.getvalue()


def feuille_xml(lignes: str, avant: str = "", prologue: str = '<?xml version="1.0" encoding="UTF-8"?>') -> bytes:
    """A sheet's XML around ``lignes`` (row elements), with ``avant`` before sheetData (a dimension…)."""
    return f'{prologue}<worksheet xmlns="{NS}">{avant}<sheetData>{lignes}</sheetData></worksheet>'.encode()


def ligne_xml(numero: int, *valeurs) -> str:
    """A row of inline strings and numbers, cells A, B, C…"""
    cellules = []
    for i, valeur in enumerate(valeurs):
        reference = f"{chr(65 + i)}{numero}"
        if isinstance(valeur, str):
            cellules.append(f'<c r="{reference}" t="inlineStr"><is><t>{valeur}</t></is></c>')
        else:
            cellules.append(f'<c r="{reference}"><v>{valeur}</v></c>')
    return f'<row r="{numero}">{"".join(cellules)}</row>'


def avec_feuille(xml: bytes, entete: list | None = None) -> bytes:
    """A one-sheet workbook whose sheet is this XML."""
    return remplacer(classeur(("Relevé", [entete or ["SIRET"]])), {FEUILLE: xml})


def milliard_de_rires(ou: str = FEUILLE) -> bytes:
    """Entities that expand a billion times (« billion laughs ») in the sheet, the shared strings or the workbook."""
    entites = '<!ENTITY lol0 "lololololol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    doctype = f"<!DOCTYPE lolz [{entites}]>"
    base = classeur(("Relevé", [["SIRET", "Heures"], ["x", 1]]))
    if ou == FEUILLE:
        return remplacer(
            base, {FEUILLE: feuille_xml(ligne_xml(1, "&lol9;"), prologue=f'<?xml version="1.0"?>{doctype}')}
        )
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        xml = archive.read(ou).decode()
    debut = xml.index("?>") + 2 if xml.startswith("<?xml") else 0
    return remplacer(base, {ou: (xml[:debut] + doctype + xml[debut:]).encode()})


def entite_externe(chemin: str) -> bytes:
    """A sheet whose cell is an external entity naming a file of the server (XXE)."""
    doctype = f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{chemin}">]>'
    xml = feuille_xml(ligne_xml(1, "SIRET") + ligne_xml(2, "&xxe;"), prologue=f'<?xml version="1.0"?>{doctype}')
    return avec_feuille(xml)


def _partie_zip(nom: str, flux: bytes, crc: int, taille: int, decalage: int) -> tuple[bytes, bytes]:
    """The local header with its data, and the central directory's entry, of one deflated part."""
    nom_octets = nom.encode()
    commun = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0x21, crc, len(flux), taille)
    local = b"PK\x03\x04" + commun + struct.pack("<HH", len(nom_octets), 0) + nom_octets + flux
    central = (
        b"PK\x01\x02"
        + struct.pack("<H", 20)
        + commun
        + struct.pack("<HHHHHII", len(nom_octets), 0, 0, 0, 0, 0, decalage)
        + nom_octets
    )
    return local, central


def bombe_zip(octets_decompresses: int = 1_200_000_000) -> bytes:
    """A workbook whose sheet, without a ``<dimension>``, inflates to about ``octets_decompresses`` bytes of rows
    (at the default, 1.75 MB inflating to 1.2 GB, the file of issue 14). Below 4 GB: no zip64."""
    motif = LIGNE_BOMBE * 300
    bloc_compresse = _deflate(motif, zlib.Z_FULL_FLUSH)
    debut, fin = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData>'.encode(),
        (b"</sheetData></worksheet>"),
    )
    repetitions = max(1, (octets_decompresses - len(debut) - len(fin)) // len(motif))
    flux = _deflate(debut, zlib.Z_FULL_FLUSH) + bloc_compresse * repetitions + _deflate(fin, zlib.Z_FINISH)
    crc = zlib.crc32(debut)
    for _ in range(repetitions):
        crc = zlib.crc32(motif, crc)
    crc = zlib.crc32(fin, crc)
    taille = len(debut) + len(motif) * repetitions + len(fin)

    sortie = io.BytesIO()
    centraux = []
    with zipfile.ZipFile(io.BytesIO(classeur(("Relevé", [["SIRET"]])))) as modele:
        parties = [(info.filename, modele.read(info.filename)) for info in modele.infolist()]
    for nom, contenu in parties:
        if nom == FEUILLE:
            local, central = _partie_zip(nom, flux, crc, taille, sortie.tell())
        else:
            local, central = _partie_zip(
                nom, _deflate(contenu, zlib.Z_FINISH), zlib.crc32(contenu), len(contenu), sortie.tell()
            )
        sortie.write(local)
        centraux.append(central)
    debut_central = sortie.tell()
    for central in centraux:
        sortie.write(central)
    taille_central = sortie.tell() - debut_central
    sortie.write(
        b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(centraux), len(centraux), taille_central, debut_central, 0)
    )
    return sortie.getvalue()


def _deflate(octets: bytes, fin: int) -> bytes:
    compresseur = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compresseur.compress(octets) + compresseur.flush(fin)
