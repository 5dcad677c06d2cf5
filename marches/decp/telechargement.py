"""The scheduled fetch of a DECP file from a configured address (``CLAUSES_DECP_URL``, empty by default: off).

The file is written to a temporary file while it arrives, its size counted against ``CLAUSES_DECP_TAILLE_MAX_MO``,
then read like an upload (``importation.importer``): all or nothing, idempotent, so a fetch run twice (a message
delivered again, beat catching up) changes nothing the second time. A failure to fetch is recorded as a failed
``ImportDECP`` with its reason in French, for the facilitators' page.
"""

import logging
import tempfile
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings

from marches.decp import importation
from marches.models import ImportDECP, SourceImportDECP

logger = logging.getLogger(__name__)

BLOC = 1024 * 1024
DELAI_SECONDES = 120


class TelechargementImpossible(Exception):
    pass


def _telecharger(url: str, destination, taille_max: int) -> None:
    if urlsplit(url).scheme not in ("http", "https"):
        raise TelechargementImpossible(f"l'adresse « {url} » doit commencer par https:// (ou http://)")
    requete = urllib.request.Request(url, headers={"User-Agent": "Clauses (import des données essentielles)"})
    try:
        with urllib.request.urlopen(requete, timeout=DELAI_SECONDES) as reponse:  # noqa: S310 (scheme checked)
            recu = 0
            while bloc := reponse.read(BLOC):
                recu += len(bloc)
                if recu > taille_max:
                    raise TelechargementImpossible(
                        f"le fichier dépasse {taille_max // BLOC} Mo (CLAUSES_DECP_TAILLE_MAX_MO)"
                    )
                destination.write(bloc)
    except urllib.error.HTTPError as erreur:
        raise TelechargementImpossible(f"le serveur a répondu {erreur.code}") from erreur
    except (urllib.error.URLError, TimeoutError, OSError) as erreur:
        raise TelechargementImpossible(f"le serveur n'a pas pu être joint ({erreur})") from erreur


def importer_depuis_l_adresse(url: str | None = None) -> importation.RapportDECP | None:
    """Fetches and imports the configured file; None when no address is configured (the default)."""
    url = (url if url is not None else settings.CLAUSES_DECP_URL).strip()
    if not url:
        return None
    with tempfile.TemporaryFile() as fichier:
        try:
            _telecharger(url, fichier, settings.CLAUSES_DECP_TAILLE_MAX_MO * BLOC)
        except TelechargementImpossible as erreur:
            logger.warning("Téléchargement des données essentielles impossible : %s", erreur)
            ImportDECP.objects.create(
                source=SourceImportDECP.PROGRAMME,
                nom=url[:500],
                reussi=False,
                resume=f"Téléchargement impossible : {erreur}. Rien n'a été enregistré.",
            )
            return None
        fichier.seek(0)
        return importation.importer(fichier, nom=url, source=SourceImportDECP.PROGRAMME)
