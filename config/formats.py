"""French formats shared by templates, messages and PDFs."""

import datetime as dt

from django.utils.dateformat import format as format_date


def date_longue(jour: dt.date | None) -> str:
    """A date as French writes it: « 1er juillet 2027 », « 15 mars 2027 »."""
    if not jour:
        return "—"
    return f"{'1er' if jour.day == 1 else jour.day} {format_date(jour, 'F Y')}"
