"""Celery tasks of the marches app."""

from celery import shared_task

from marches.decp import telechargement


@shared_task
def importer_decp() -> str:
    """Beat's « Import des données essentielles (DECP) »: fetches ``CLAUSES_DECP_URL`` and imports it; does nothing
    when the address is empty (the default). Idempotent: a message delivered twice changes nothing twice."""
    rapport = telechargement.importer_depuis_l_adresse()
    return "désactivé" if rapport is None else rapport.resume
