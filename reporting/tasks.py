"""Celery tasks of the reporting app.

Tasks take ids and reload their rows: a message carries no model instance, and a row may have changed
(or gone) between the moment the task was enqueued and the moment a worker runs it. The work itself is in
``reporting.travaux`` (claims, sending once, the schedule), which the management command ``executer_travaux``
calls too.

Each job claims its row before working, so a message delivered twice (``acks_late`` redelivers a task whose
worker died) does nothing twice. Transient failures (database or mail server unreachable) give the claim back
and are retried with exponential backoff; once the retries are spent, or on any other failure, the row says
« échec » with a French message: it is never left « en cours ».
"""

import datetime as dt
from typing import Any

from celery import Task, shared_task
from django.db import connection
from django.db.models import Count

from conventions.models import DonneurDOrdre
from reporting import protection, travaux


@shared_task(ignore_result=False)
def verifier_worker(donneur_id: int) -> dict[str, Any]:
    """Reload a donneur d'ordre and count its conventions: proves that a worker reaches the database.

    Read-only, so it can be sent at any time to check a deployment, for example:
    ``celery -A config call reporting.tasks.verifier_worker --args='[1]'``.
    The result is kept (``ignore_result=False``) for whoever configured a result backend; without one
    it is simply dropped.
    """
    donneur = DonneurDOrdre.objects.annotate(nombre_conventions=Count("conventions")).get(pk=donneur_id)
    return {
        "base": connection.vendor,
        "donneur_d_ordre": donneur.nom,
        "conventions": donneur.nombre_conventions,
    }


# Retried with exponential backoff (at most 1, 2, 4, 8 then 16 minutes, spread by jitter), then recorded as failed.
# The longest wait stays under Redis's visibility timeout (1 h), which would redeliver a longer countdown early.
REPRISES = {
    "autoretry_for": travaux.TRANSITOIRES,
    "retry_backoff": 60,
    "retry_backoff_max": 30 * 60,
    "retry_jitter": True,
    "max_retries": 5,
}


class TravailUnique(Task):
    """A job on one row (``ligne``: « rapport » or « tache », its id the first argument)."""

    ligne = "tache"

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        pk = args[0] if args else kwargs.get("rapport_id", kwargs.get("tache_id"))
        if pk is not None:
            travaux.abandonner(self.ligne, pk, exc, self.request.retries or 0)


@shared_task(base=TravailUnique, ligne="rapport", **REPRISES)
def generer_rapport(rapport_id: int) -> None:
    """Claim the report, render its PDF, store it; then mail it if the schedule asked for it (periodic reports)."""
    travaux.generer_rapport(rapport_id)


@shared_task(base=TravailUnique, **REPRISES)
def envoyer_rappel_echeance(tache_id: int, jour: str | None = None) -> None:
    """Remind the référents and facilitators of a notice deadline (60 days, 30 days, the day itself)."""
    travaux.envoyer_rappel_echeance(tache_id, jour)


@shared_task(base=TravailUnique, **REPRISES)
def preparer_bilan_annuel(tache_id: int, jour: str | None = None) -> None:
    """At a convention's anniversary: draft the year's bilan and tell the facilitators."""
    travaux.preparer_bilan_annuel(tache_id, jour)


@shared_task(base=TravailUnique, **REPRISES)
def envoyer_digest(tache_id: int, jour: str | None = None) -> None:
    """Monday: the dashboard's alerts to one facilitator."""
    travaux.envoyer_digest(tache_id, jour)


@shared_task(base=TravailUnique, **REPRISES)
def purger_donnees_personnelles(tache_id: int | None = None, jour: str | None = None) -> None:
    """Every morning (« Purge des données personnelles »): anonymise the people past their retention term.

    Beat sends it without arguments: the day's row is made (or found), then claimed; the reprise sends its id.
    """
    if tache_id is None:
        tache_id = protection.tache_de_purge(dt.date.fromisoformat(jour) if jour else None).pk
    protection.purger_donnees_personnelles(tache_id, jour)


@shared_task
def executer_travaux_du_jour(jour: str | None = None) -> dict[str, Any]:
    """The daily entry of the schedule: make a row of each item due (over the last week) and queue its task.

    ``jour`` (AAAA-MM-JJ) runs the planning as if it were that day; by default, today.
    """
    resultat = travaux.lancer_travaux_du_jour(dt.date.fromisoformat(jour) if jour else None)
    return {
        "jour": resultat.jour.isoformat(),
        "lances": [lancement.libelle for lancement in resultat.lances],
        "deja_faits": len(resultat.deja_faits),
        "envois_interrompus": resultat.interrompus,
    }


@shared_task
def reprendre_travaux() -> int:
    """Every quarter of an hour: queue again the rows a lost message or a dead worker left behind."""
    return len(travaux.reprendre_travaux())
