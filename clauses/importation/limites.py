"""What reading an import file may cost, and the error that refuses a file.

An upload is read in the web process that answers it, so every limit here bounds the time and the memory
of one request: the budget is an answer within 10 s and a process under 300 MB whatever the file (issue 14;
``manage.py bench --parties import`` measures a zip bomb and a 50,000-row statement against it). The limits
are counted while reading, never taken from what the file says about itself (an XLSX's declared dimension
is ignored), and each refusal names the limit in French.
"""

from dataclasses import dataclass

# The upload itself (compressed, for an XLSX).
TAILLE_MAX = 10 * 1024 * 1024
TAILLE_MAX_TEXTE = "10 Mo"

# Rows with at least one filled cell below the header, and rows of any kind (Excel stops at 1,048,576).
LIGNES_MAX = 100_000
LIGNES_LUES_MAX = 1_048_576
# A filled cell past this column refuses the file; empty (formatted) cells past it are ignored.
COLONNES_MAX = 200
# Filled cells read in the file, header and ignored columns included: about 4 µs a cell to read.
CELLULES_MAX = 1_000_000
# Characters of one cell of a column the import reads (a name, a SIRET, a list of criteria…), and of any cell.
TEXTE_CELLULE_MAX = 2_000
TEXTE_EXCEL_MAX = 32_767
# How many rows from the top may hold titles above the header row.
ENTETE_RECHERCHE = 20

# XLSX: a zip of XML parts. Counted before reading from the zip's directory (which Python's zipfile holds
# each part to), then while reading.
MEMBRES_MAX = 1_000
# All the XML parts read, decompressed, and the XML elements they hold (the cost of parsing: about 1 µs an
# element, so 4 million read in about 4 s; a 100,000-row sheet of 11 text columns holds 3.4 million).
DECOMPRESSE_MAX = 120 * 1024 * 1024
ELEMENTS_MAX = 4_000_000
# A part that openpyxl parses whole (the workbook, the styles, the relationships…): its tree costs
# several times its size.
PARTIE_MAX = 10 * 1024 * 1024
# Compression ratio of a part, past 1 MB: a spreadsheet's XML compresses 5 to 30 times, a zip bomb hundreds.
RATIO_MAX = 200
# Shared strings (the text cells of a workbook written by Excel), and the XML elements within one cell.
CHAINES_MAX = 1_000_000
ELEMENTS_PAR_CELLULE_MAX = 1_000


@dataclass(frozen=True)
class Limites:
    """The limits of one reading that a caller may raise: ``manage.py importer_portefeuille`` reads a national
    portfolio, which no web request would. A reader given none reads the module's constants at the time of reading
    (the tests lower them)."""

    decompresse: int = DECOMPRESSE_MAX
    elements: int = ELEMENTS_MAX
    chaines: int = CHAINES_MAX
    cellules: int = CELLULES_MAX
    lignes_lues: int = LIGNES_LUES_MAX
    lignes: int = LIGNES_MAX


class FichierInvalide(Exception):
    """The whole file is refused (format, size, columns…): the message says why, in French."""


def nombre(n: int) -> str:
    """100000 → « 100 000 » (narrow no-break space, as the French write large numbers)."""
    return f"{n:,}".replace(",", "\u202f")


def mo(octets: int) -> str:
    """10485760 → « 10 Mo »; 1572864 → « 1,5 Mo »."""
    valeur = octets / (1024 * 1024)
    return f"{valeur:.0f} Mo" if valeur >= 10 or valeur.is_integer() else f"{valeur:.1f} Mo".replace(".", ",")
