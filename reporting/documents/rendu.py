"""What every PDF of reporting shares: the document (a file name, its bytes, the people it names), file names, and
the renderer of ``config.pdf`` (the WeasyPrint call, the print stylesheet, the structure porteuse's header).

A document is a template extending ``reporting/pdf/base.html`` (blocks ``titre``, ``sous_titre``, ``contenu``),
rendered by ``rendre_pdf(gabarit, contexte)``. The base template puts the structure porteuse's name and logo
at the top of every page and « Page 2 sur 5 » at the bottom (CSS page counters, ``static/css/pdf.css``).

Nothing is fetched from the network: the stylesheet and the images of ``static/`` load from disk (the
template's relative URLs resolve against the static directory), the logo is read through Django's storage
API (local disk or object storage alike) and embedded as a ``data:`` URI, fonts are the system's (DejaVu)
and any other URL is refused, so a document renders the same on a machine with no network.
"""

from dataclasses import dataclass
from typing import Any

from django.utils.text import slugify

# The renderer itself lives in config.pdf (shared with the other apps' documents); its names stay importable here.
from config.pdf import (
    FEUILLE_DE_STYLE,
    RessourceRefusee,
    contexte_commun,
    logo_en_data_uri,
    rendre_html,
    rendre_pdf,
)

__all__ = [
    "FEUILLE_DE_STYLE",
    "Document",
    "RessourceRefusee",
    "contexte_commun",
    "logo_en_data_uri",
    "nom_de_fichier",
    "rendre_html",
    "rendre_pdf",
]


@dataclass(frozen=True)
class Document:
    nom: str  # file name, e.g. « bilan-annuel-ville-d-arles-2025-2026.pdf »
    contenu: bytes
    # The participants a nominative document names (the facilitator's copy of a marché report): recorded on its row
    # (``Rapport.participants_cites``) so that it is deleted with them (``reporting.protection``).
    participants: tuple[int, ...] = ()


# Letters that ASCII folding would drop (« Œuvre » → « uvre »), and apostrophes, which separate words.
TRANSLITTERATION = str.maketrans({"œ": "oe", "Œ": "Oe", "æ": "ae", "Æ": "Ae", "ß": "ss", "'": " ", "’": " "})


def nom_de_fichier(*parties: Any, extension: str = "pdf") -> str:
    """A file name from its parts, slugified: (« Bilan annuel », « Ville d'Arles », 2026) →
    « bilan-annuel-ville-d-arles-2026.pdf »; empty parts are left out."""
    morceaux = [slugify(str(partie).translate(TRANSLITTERATION)) for partie in parties if partie not in (None, "")]
    nom = "-".join(m for m in morceaux if m)[:150].strip("-")
    return f"{nom or 'document'}.{extension}"
