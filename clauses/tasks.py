"""Celery tasks of the clauses app: they take ids and reload their rows."""

from celery import shared_task

from clauses.importation.portefeuille import travail


@shared_task
def traiter_import_portefeuille(import_id: int) -> None:
    """Check, or import once confirmed, a portfolio a facilitator uploaded
    (clauses.importation.portefeuille.travail)."""
    travail.traiter(import_id)
