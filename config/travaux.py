"""What every job on a row shares: queueing after commit without failing the request, and the claim's heartbeat.

**Queueing.** A request that records work (a document, a long export, an e-mail) queues its task once the row is
committed. The broker (Redis) may be down: the request must still answer, the row stays « en attente » with
``mis_en_file_le`` empty, and the reprise (« Reprise des travaux interrompus », every minute) queues it as soon as
the broker answers again. A row queued once has ``mis_en_file_le`` set, so the reprise tells a message never sent
(at once) from a message lost on the way (after ``ATTENTE_AVANT_REPRISE``).

**Claims.** A worker claims a row with a conditional UPDATE that sets a token and ``pris_le``; a claim older than
``DELAI_DE_REPRISE`` belongs to a dead worker and may be retaken. To keep that delay short (a dead worker's job
starts again within about two minutes) without a long job ever being retaken while it runs, the worker beats:
``battement`` refreshes ``pris_le`` every 15 s while the job runs, from a thread of its own, under the
token, so a worker whose claim was retaken stops refreshing it.
"""

import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Iterator
from functools import partial

from celery import current_app
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Model
from django.utils import timezone
from kombu.exceptions import OperationalError as ErreurBroker

logger = logging.getLogger(__name__)

# A live worker refreshes its claim every BATTEMENT (settings.CLAUSES_BATTEMENT_SECONDES, 15 s); a claim not
# refreshed for DELAI_DE_REPRISE (five beats) is a dead worker's. With the reprise every minute, a dead worker's job
# starts again 75 to 135 s after it died.
DELAI_DE_REPRISE = dt.timedelta(seconds=75)
# A row queued this long ago and still waiting lost its message (a broker restarted without its data…).
ATTENTE_AVANT_REPRISE = dt.timedelta(minutes=5)
# A row whose queueing failed is taken by the reprise once it is this old (the request's commit is long done).
ATTENTE_AVANT_PREMIERE_MISE_EN_FILE = dt.timedelta(seconds=10)


def mettre_en_file(nom_tache: str, modele: type[Model], pk: int, *args) -> bool:
    """Queue the task ``nom_tache`` for the row ``pk`` now; False (logged, nothing raised) if the broker is down."""
    try:
        current_app.tasks[nom_tache].delay(pk, *args)
    except (ErreurBroker, OSError) as exc:
        logger.warning("File de travaux injoignable : %s(%s) attendra la reprise (%s).", nom_tache, pk, exc)
        return False
    with contextlib.suppress(DatabaseError):
        modele.objects.filter(pk=pk).update(mis_en_file_le=timezone.now())
    return True


def mettre_en_file_apres_commit(nom_tache: str, modele: type[Model], pk: int, *args) -> None:
    """``mettre_en_file`` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(partial(mettre_en_file, nom_tache, modele, pk, *args))


def a_remettre_en_file(modele: type[Model], statut_attente: str, maintenant: dt.datetime):
    """The rows of ``modele`` waiting for a message: never queued (the broker was down), or queued long ago."""
    jamais = modele.objects.filter(
        statut=statut_attente,
        mis_en_file_le__isnull=True,
        cree_le__lt=maintenant - ATTENTE_AVANT_PREMIERE_MISE_EN_FILE,
    )
    perdus = modele.objects.filter(statut=statut_attente, mis_en_file_le__lt=maintenant - ATTENTE_AVANT_REPRISE)
    return jamais | perdus


# --- The claim's heartbeat ------------------------------------------------------------------------------------


def _battre(modele: type[Model], pk: int, jeton: str, arret: threading.Event, intervalle: float) -> None:
    try:
        while not arret.wait(intervalle):
            try:
                with transaction.atomic():
                    # Never wait behind the job's own locked write (enregistrer_document): skip this beat instead.
                    with connection.cursor() as curseur:
                        curseur.execute("SET LOCAL lock_timeout = '2s'")
                    if not modele.objects.filter(pk=pk, jeton=jeton).update(pris_le=timezone.now()):
                        return  # the claim was retaken or finished: nothing left to keep alive
            except DatabaseError as exc:
                logger.warning("Battement de %s %s manqué : %s", modele.__name__, pk, exc)
    finally:
        connection.close()


@contextlib.contextmanager
def battement(modele: type[Model], pk: int, jeton: str, intervalle: dt.timedelta | None = None) -> Iterator[None]:
    """Keep the claim ``jeton`` on the row alive while the block runs (a thread refreshes ``pris_le``)."""
    arret = threading.Event()
    secondes = intervalle.total_seconds() if intervalle else settings.CLAUSES_BATTEMENT_SECONDES
    fil = threading.Thread(
        target=_battre,
        args=(modele, pk, jeton, arret, secondes),
        name=f"battement-{modele.__name__}-{pk}",
        daemon=True,
    )
    fil.start()
    try:
        yield
    finally:
        arret.set()
        fil.join()
