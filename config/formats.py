"""French formats shared by templates, messages and PDFs."""

import datetime as dt

from django.utils.dateformat import format as format_date
from django.utils.formats import number_format


def date_longue(jour: dt.date | None) -> str:
    """A date as French writes it: « 1er juillet 2027 », « 15 mars 2027 »."""
    if not jour:
        return "—"
    return f"{'1er' if jour.day == 1 else jour.day} {format_date(jour, 'F Y')}"


def nombre(valeur: int) -> str:
    """An integer with French digit grouping: 250000 → « 250 000 »."""
    return number_format(valeur, 0, force_grouping=True)
