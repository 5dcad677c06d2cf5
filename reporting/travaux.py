"""Exactly once: how a job claims its row before working, and gives it back.

Every piece of scheduled or requested work is a row before it runs: a ``Rapport`` for a document, a
``Tache`` for a reminder or a digest, unique per (job, scope, period). A worker claims the row with one
conditional UPDATE — « waiting, or failed and retryable, or running with a claim older than
``DELAI_DE_REPRISE`` » → « running, with my token » — and goes on only if that UPDATE changed one row.
A message delivered twice, a beat restarted or a task retried after its worker died therefore finds the
row taken or done, and does nothing; a worker that died mid-task leaves a claim that goes stale and is
retaken. Every later write names the token, so a worker whose claim was retaken cannot overwrite the
new one's result.
"""

import datetime as dt
import uuid

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from reporting.models import Rapport, StatutRapport, StatutTache, Tache

# A claim older than this is a dead worker's: the longest report (national territorial bilan) takes about a
# minute, so ten leave a wide margin without leaving a report stuck for long.
DELAI_DE_REPRISE = dt.timedelta(minutes=10)


def _reprenables(attente: str, cours: str, maintenant: dt.datetime) -> Q:
    return Q(statut=attente) | Q(statut=cours, pris_le__lt=maintenant - DELAI_DE_REPRISE)


def reclamer_rapport(rapport_id: int) -> str | None:
    """Claim a report to generate it; the token, or None if it is taken, done or failed for good."""
    jeton = uuid.uuid4().hex
    maintenant = timezone.now()
    pris = Rapport.objects.filter(
        _reprenables(StatutRapport.EN_ATTENTE, StatutRapport.EN_COURS, maintenant), pk=rapport_id
    ).update(statut=StatutRapport.EN_COURS, jeton=jeton, pris_le=maintenant, tentatives=F("tentatives") + 1)
    return jeton if pris else None


def reclamer_tache(code: str, cle: str) -> tuple[Tache, str | None]:
    """The row of (code, cle), created if needed, and a token if this caller now holds it."""
    tache, _ = Tache.objects.get_or_create(code=code, cle=cle)
    jeton = uuid.uuid4().hex
    maintenant = timezone.now()
    pris = Tache.objects.filter(
        _reprenables(StatutTache.EN_ATTENTE, StatutTache.EN_COURS, maintenant), pk=tache.pk
    ).update(statut=StatutTache.EN_COURS, jeton=jeton, pris_le=maintenant, tentatives=F("tentatives") + 1)
    tache.refresh_from_db()
    return tache, (jeton if pris else None)


def demander_rapport(
    type_: str,
    *,
    debut: dt.date,
    fin: dt.date,
    par=None,
    donneur=None,
    convention=None,
    marche=None,
    nominatif: bool = False,
) -> Rapport:
    """Create the row of a document and queue its generation once the transaction commits.

    The row exists (« en attente ») before any file, so the page that asked can show its progress at once.
    """
    from reporting.tasks import generer_rapport

    rapport = Rapport.objects.create(
        type=type_,
        periode_debut=debut,
        periode_fin=fin,
        demande_par=par,
        donneur_d_ordre=donneur,
        convention=convention,
        marche=marche,
        nominatif=nominatif,
    )
    transaction.on_commit(lambda: generer_rapport.delay(rapport.pk))
    return rapport
