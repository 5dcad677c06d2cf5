"""What the conventions' view tests share: today, a day to visit the site on, a convention whose deadline is near."""

import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from conventions import calendrier
from conventions.factories import ConventionFactory
from conventions.models import Convention

PARIS = ZoneInfo("Europe/Paris")


def aujourd_hui() -> dt.date:
    return timezone.localdate()


@contextlib.contextmanager
def le(jour: dt.date, client, utilisateur):
    """The site on ``jour`` at noon, for ``utilisateur``, logged in that day (a session of another day may be over)."""
    with time_machine.travel(dt.datetime(jour.year, jour.month, jour.day, 12, tzinfo=PARIS), tick=False):
        client.force_login(utilisateur)
        yield client


def convention_limite_dans(jours: int, **kwargs) -> Convention:
    """A convention in force whose notice deadline for the current échéance is about ``jours`` days away.

    The deadline is the échéance (12 months after the date of effect, less a day) minus 3 months.
    """
    effet = calendrier.add_months(aujourd_hui() + dt.timedelta(days=jours), -9)
    return ConventionFactory(date_signature=effet, date_effet=effet, **kwargs)
