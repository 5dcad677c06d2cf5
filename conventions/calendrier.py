"""Calendar of a convention de coopération: one-year periods renewed by tacit renewal.

Vocabulary, as in the convention:
- the convention takes effect on ``date_effet``; each period lasts ``duree_mois`` (12);
- the *échéance* of a period is its last day (a convention taking effect on 1 July 2025 has its
  échéance on 30 June 2026 and renews on 1 July 2026);
- notice (*dénonciation*) must be given ``preavis_mois`` (3) months before the échéance: the
  *date limite de dénonciation* is the échéance minus 3 months, month-end aware (an échéance on the
  last day of a month gives a deadline on the last day of the target month: 30 June → 31 March;
  an échéance on 30 May gives 28 or 29 February);
- notice given on or before a period's deadline ends the convention at that period's échéance; later
  notice ends it at the following échéance (the renewal already took hold).
"""

import calendar
import datetime as dt
import functools
from dataclasses import dataclass


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` shifted by ``months`` (may be negative), clamped to the end of a shorter month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, _last_day(year, month)))


def add_months_end_aware(day: dt.date, months: int) -> dt.date:
    """Like :func:`add_months`, but the last day of a month maps to the last day of the target month."""
    shifted = add_months(day, months)
    if day.day == _last_day(day.year, day.month):
        return shifted.replace(day=_last_day(shifted.year, shifted.month))
    return shifted


@dataclass(frozen=True)
class Periode:
    numero: int  # 1 for the initial period, 2 after the first tacit renewal…
    debut: dt.date
    echeance: dt.date  # last day of the period, inclusive
    date_limite_denonciation: dt.date

    @property
    def date_renouvellement(self) -> dt.date:
        return self.echeance + dt.timedelta(days=1)


# The calendar functions are pure and their results immutable: a list of thousands of conventions (an export of
# the donneurs d'ordre asks each convention its state, next échéance and deadline, each asking the period under
# way) computes each period once.
@functools.lru_cache(maxsize=65536)
def periode(date_effet: dt.date, numero: int, duree_mois: int = 12, preavis_mois: int = 3) -> Periode:
    if numero < 1:
        raise ValueError("Les périodes sont numérotées à partir de 1.")
    # Periods are counted from the date of effect, not chained, so a 29 February start does not drift.
    debut = add_months(date_effet, duree_mois * (numero - 1))
    echeance = add_months(date_effet, duree_mois * numero) - dt.timedelta(days=1)
    return Periode(
        numero=numero,
        debut=debut,
        echeance=echeance,
        date_limite_denonciation=add_months_end_aware(echeance, -preavis_mois),
    )


@functools.lru_cache(maxsize=65536)
def numero_periode(date_effet: dt.date, jour: dt.date, duree_mois: int = 12) -> int:
    """Number of the period containing ``jour`` (1 before or on the first day)."""
    if jour <= date_effet:
        return 1
    months = (jour.year - date_effet.year) * 12 + (jour.month - date_effet.month)
    numero = max(1, months // duree_mois + 1)
    # Month arithmetic can land one period too far or too short around month ends: settle on the exact one.
    while numero > 1 and periode(date_effet, numero, duree_mois).debut > jour:
        numero -= 1
    while periode(date_effet, numero, duree_mois).echeance < jour:
        numero += 1
    return numero


def periode_a(date_effet: dt.date, jour: dt.date, duree_mois: int = 12, preavis_mois: int = 3) -> Periode:
    return periode(date_effet, numero_periode(date_effet, jour, duree_mois), duree_mois, preavis_mois)


def periode_de_fin(
    date_effet: dt.date, date_denonciation: dt.date, duree_mois: int = 12, preavis_mois: int = 3
) -> Periode:
    """The period at whose échéance a convention ends, given the day notice was given."""
    courante = periode_a(date_effet, date_denonciation, duree_mois, preavis_mois)
    if date_denonciation <= courante.date_limite_denonciation:
        return courante
    return periode(date_effet, courante.numero + 1, duree_mois, preavis_mois)
