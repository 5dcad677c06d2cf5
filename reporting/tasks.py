"""Celery tasks of the reporting app.

Tasks take ids and reload their rows: a message carries no model instance, and a row may have changed
(or gone) between the moment the task was enqueued and the moment a worker runs it.
"""

from typing import Any

from celery import shared_task
from django.db import connection
from django.db.models import Count

from conventions.models import DonneurDOrdre


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


@shared_task
def generer_rapport(rapport_id: int) -> None:
    """Claim the report, render its PDF, store it (to be completed by the jobs work)."""
    raise NotImplementedError
