"""Celery tasks of the shared machinery: they take ids and reload their rows."""

from celery import Task, shared_task

from config import courriels, exports_longs


@shared_task
def produire_export(export_id: int) -> None:
    """Write a list's XLSX export recorded by a facilitator's request (config.exports_longs)."""
    exports_longs.produire(export_id)


class EnvoiCourriel(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        pk = args[0] if args else kwargs.get("courriel_id")
        if pk is not None:
            courriels.abandonner(pk, exc, self.request.retries or 0)


# Retried with exponential backoff (at most 1, 2, 4, 8, 16 then 30 minutes, spread by jitter): a mail server down
# for a few hours still gets the message once back; the longest wait stays under Redis's visibility timeout (1 h).
@shared_task(
    base=EnvoiCourriel,
    autoretry_for=courriels.TRANSITOIRES,
    retry_backoff=60,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=8,
)
def envoyer_courriel(courriel_id: int) -> None:
    """Send an e-mail a request recorded (config.courriels), once."""
    courriels.envoyer(courriel_id)
