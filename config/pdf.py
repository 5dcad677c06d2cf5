"""The PDF renderer every document shares: the WeasyPrint call, the print stylesheet, the structure porteuse's header.

A document is a template extending ``reporting/pdf/base.html`` (blocks ``titre``, ``sous_titre``, ``contenu``),
rendered by ``rendre_pdf(gabarit, contexte)``. The base template puts the structure porteuse's name and logo
at the top of every page and « Page 2 sur 5 » at the bottom (CSS page counters, ``static/css/pdf.css``).

Nothing is fetched from the network: the stylesheet and the images of ``static/`` load from disk (the
template's relative URLs resolve against the static directory), the logo is read through Django's storage
API (local disk or object storage alike) and embedded as a ``data:`` URI, fonts are the system's (DejaVu)
and any other URL is refused, so a document renders the same on a machine with no network.

Here rather than in ``reporting.documents``, so that a document of another app (the access export of a participant,
``clauses.protection.acces``) renders through the same frame without importing ``reporting``.
"""

from pathlib import Path
from typing import Any
from urllib.request import url2pathname

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation

from conventions.models import StructurePorteuse

FEUILLE_DE_STYLE = "css/pdf.css"


class RessourceRefusee(ValueError):
    """A document asked for a URL that is neither a local file nor embedded data."""


def _dossier_statique() -> Path:
    """The directory holding the print stylesheet: the source ``static/`` in development, wherever the
    finders locate it otherwise (``STATIC_ROOT`` once collected)."""
    chemin = finders.find(FEUILLE_DE_STYLE)
    if chemin:
        return Path(chemin).parent.parent
    collecte = Path(settings.STATIC_ROOT) / FEUILLE_DE_STYLE
    if collecte.exists():
        return Path(settings.STATIC_ROOT)
    raise FileNotFoundError(f"Feuille de style introuvable : {FEUILLE_DE_STYLE}.")


def _recuperateur(dossier: Path):
    """WeasyPrint's URL fetcher, limited to ``data:`` URIs and files under ``dossier``; anything else stops the
    rendering (a document whose stylesheet did not load must fail, not come out unstyled)."""
    from weasyprint.urls import URLFetcher

    racine = dossier.resolve()

    class Recuperateur(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("file:"):
                chemin = Path(url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
                if not chemin.is_relative_to(racine):
                    raise RessourceRefusee(f"Fichier hors des fichiers statiques refusé dans un document : {url}")
            elif not url.startswith("data:"):
                raise RessourceRefusee(f"Ressource distante refusée dans un document : {url}")
            return super().fetch(url, headers)

    return Recuperateur(allowed_protocols={"file", "data"}, fail_on_errors=True)


def logo_en_data_uri(structure: StructurePorteuse) -> str | None:
    """The structure porteuse's logo as a ``data:`` URI; None without a readable logo."""
    return structure.logo_en_data_uri()


def contexte_commun(structure: StructurePorteuse | None = None) -> dict[str, Any]:
    """What base.html reads besides the document's own context."""
    structure = structure or StructurePorteuse.get()
    return {
        "structure": structure,
        "logo": logo_en_data_uri(structure),
        "genere_le": timezone.localdate(),
    }


def rendre_html(gabarit: str, contexte: dict) -> str:
    """The document's HTML, in French whatever the language of the request or worker that asks for it."""
    with translation.override("fr"):
        return render_to_string(gabarit, {**contexte_commun(contexte.get("structure")), **contexte})


def rendre_pdf(gabarit: str, contexte: dict) -> bytes:
    """Render ``gabarit`` (a template extending ``reporting/pdf/base.html``) with ``contexte`` to PDF bytes.

    ``contexte`` may override ``structure`` (default: ``StructurePorteuse.get()``); ``logo`` and
    ``genere_le`` are added.
    """
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    # base.html links « css/pdf.css »: relative URLs resolve against the static directory, on disk.
    html = rendre_html(gabarit, contexte)
    dossier = _dossier_statique()
    try:
        return HTML(string=html, base_url=dossier.as_uri() + "/", url_fetcher=_recuperateur(dossier)).write_pdf()
    except FatalURLFetchingError as erreur:
        # A BaseException in WeasyPrint: turned into an ordinary error, which a worker records on the report.
        cause = erreur.__cause__
        if isinstance(cause, RessourceRefusee):
            raise RessourceRefusee(str(cause)) from erreur
        raise RessourceRefusee(f"Ressource introuvable dans un document : {cause or erreur}") from erreur
