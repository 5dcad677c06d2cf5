"""Reading a CSV file within the limits of ``limites``: its encoding, its separator, its filled rows.

What companies send: UTF-8 with or without a BOM, Windows-1252, UTF-16 with or without a BOM (a « Texte Unicode »
export), separated by « ; », « , » or tabs, sometimes with Excel's ``sep=;`` first line. Each row comes back as
(the line it starts on, its fields); a malformed file is refused with the line where the trouble starts.
"""

import csv
import io
import re
from collections.abc import Iterator

from clauses.importation.limites import (
    CELLULES_MAX,
    COLONNES_MAX,
    LIGNES_LUES_MAX,
    FichierInvalide,
    Limites,
    nombre,
)

SEPARATEURS = (";", ",", "\t")
_SEP_EXCEL = re.compile(r"\s*\"?sep=(.)\"?\s*", re.IGNORECASE)


def _utf16_sans_bom(brut: bytes) -> str | None:
    """« utf-16-le » or « utf-16-be » when the start of the file looks like UTF-16 text without a BOM: text of
    Latin letters has a zero in every other byte, on the same side."""
    debut = brut[:4096]
    paires = len(debut) // 2
    if paires < 2:
        return None
    zeros_pairs = sum(1 for i in range(0, paires * 2, 2) if debut[i] == 0)
    zeros_impairs = sum(1 for i in range(1, paires * 2, 2) if debut[i] == 0)
    if zeros_impairs >= 0.6 * paires and zeros_pairs <= 0.05 * paires:
        return "utf-16-le"
    if zeros_pairs >= 0.6 * paires and zeros_impairs <= 0.05 * paires:
        return "utf-16-be"
    return None


def decoder(brut: bytes) -> str:
    encodage = "utf-16" if brut.startswith((b"\xff\xfe", b"\xfe\xff")) else _utf16_sans_bom(brut)
    if encodage:
        try:
            return brut.decode(encodage)
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


def _separateur(premieres_lignes: list[str]) -> str:
    """The separator found most often on one of the first lines (the header, under any title lines)."""
    meilleur, compte = ";", 0
    for separateur in SEPARATEURS:
        n = max((ligne.count(separateur) for ligne in premieres_lignes), default=0)
        if n > compte:
            meilleur, compte = separateur, n
    return meilleur


def lignes_csv(fichier, limites: Limites | None = None) -> Iterator[tuple[int, tuple]]:
    """(line number, fields) of each row with a filled field; raises FichierInvalide with a French reason. Without
    ``limites``, this module's constants read now (the tests lower them)."""
    lignes_max = limites.lignes_lues if limites else LIGNES_LUES_MAX
    cellules_max = limites.cellules if limites else CELLULES_MAX
    texte = decoder(fichier.read())
    if texte.startswith("PK\x03\x04"):
        raise FichierInvalide("Ce fichier est un classeur XLSX : donnez-lui l'extension .xlsx.")
    flux = io.StringIO(texte, newline="")
    del texte
    # Excel's « sep=; » first line names the separator; Excel does not show it, so the next line is line 1.
    premiere = flux.readline()
    sep_excel = _SEP_EXCEL.fullmatch(premiere.lstrip("\ufeff").rstrip("\r\n"))
    if sep_excel:
        separateur = sep_excel[1]
    else:
        flux.seek(0)
        premieres = [ligne for _, ligne in zip(range(40), flux, strict=False) if ligne.strip()][:20]
        flux.seek(0)
        separateur = _separateur(premieres)
    if separateur in ('"', "\r", "\n"):
        raise FichierInvalide("Ligne 1 : le séparateur indiqué par « sep= » n'est pas utilisable.")
    # Rows are numbered as a spreadsheet shows them: a quoted field may span several lines of the text.
    numero = cellules = 0
    try:
        for numero, champs in enumerate(csv.reader(flux, delimiter=separateur), start=1):
            if numero > lignes_max:
                raise FichierInvalide(f"Le fichier compte plus de {nombre(lignes_max)} lignes, le maximum d'Excel.")
            remplis = sum(1 for champ in champs if champ.strip())
            if not remplis:
                continue
            if len(champs) > COLONNES_MAX and any(champ.strip() for champ in champs[COLONNES_MAX:]):
                raise FichierInvalide(
                    f"Ligne {numero} : un champ rempli est au-delà de la {nombre(COLONNES_MAX)}e colonne : le fichier "
                    f"ne peut pas compter plus de {nombre(COLONNES_MAX)} colonnes. Vérifiez le séparateur."
                )
            cellules += remplis
            if cellules > cellules_max:
                raise FichierInvalide(
                    f"Le fichier compte plus de {nombre(cellules_max)} cellules remplies : découpez-le en plusieurs "
                    "fichiers."
                )
            yield numero, tuple(champs[:COLONNES_MAX])
    except csv.Error as erreur:
        numero += 1  # the row being read when it failed
        if "field larger than field limit" in str(erreur):
            raise FichierInvalide(
                f'Ligne {numero} : une cellule dépasse {nombre(csv.field_size_limit())} caractères. Un guillemet (") '
                "y est sans doute ouvert sans être refermé : vérifiez cette ligne."
            ) from erreur
        raise FichierInvalide(
            f"Ligne {numero} : le fichier CSV est mal formé (guillemets ou caractères invisibles) : enregistrez-le de "
            "nouveau depuis votre tableur."
        ) from erreur
