"""Celery tasks of the shared list machinery: they take ids and reload their rows."""

from celery import shared_task

from config import exports_longs


@shared_task
def produire_export(export_id: int) -> None:
    """Write a list's XLSX export recorded by a facilitator's request (config.exports_longs)."""
    exports_longs.produire(export_id)
