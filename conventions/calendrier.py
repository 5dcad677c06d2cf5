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
  notice ends it at the following échéance (the renewal already took hold);
- only a signed convention has a notice deadline, and only until notice is given: an unsigned one (« en projet »)
  has no renewal to refuse yet, a dénoncée or terminée one none left. A signed convention not yet in effect has
  the deadline of its first échéance.

This module is the one home of these rules. The convention's page, the lists and their filters, the exports, the
home page's alerts, the portal and the reminders all read a convention's ``Situation`` on a day from
``situation`` (one convention) or ``situations`` (a queryset, read as the six columns the calendar depends on):
none of them writes the calendar again, in Python or in SQL.
"""

import calendar
import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from django.db import models
from django.db.models import QuerySet

# A notice deadline this close (in days) is flagged « préavis proche » and makes a home page alert.
JOURS_PREAVIS_PROCHE = 60


class EtatConvention(models.TextChoices):
    EN_PROJET = "en_projet", "En projet"
    EN_VIGUEUR = "en_vigueur", "En vigueur"
    DENONCEE = "denoncee", "Dénoncée"
    TERMINEE = "terminee", "Terminée"


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


# --- A convention's calendar on a given day --------------------------------------------------------------------


class AvecCalendrier(Protocol):
    """What the calendar reads of a convention (a ``Convention`` or a ``Calendrier``)."""

    date_signature: dt.date | None
    date_effet: dt.date
    duree_mois: int
    preavis_mois: int
    date_denonciation: dt.date | None


# The columns of conventions_convention the calendar depends on, in the order of Calendrier's fields.
CHAMPS = ("date_signature", "date_effet", "duree_mois", "preavis_mois", "date_denonciation")


@dataclass(frozen=True)
class Calendrier:
    """The dates a convention's calendar depends on: hashable, so that a day's situations are kept (lru_cache)."""

    date_signature: dt.date | None
    date_effet: dt.date
    duree_mois: int = 12
    preavis_mois: int = 3
    date_denonciation: dt.date | None = None

    @classmethod
    def de(cls, convention: AvecCalendrier) -> "Calendrier":
        if isinstance(convention, cls):
            return convention
        return cls(*(getattr(convention, champ) for champ in CHAMPS))


def periode_finale(convention: AvecCalendrier) -> Periode | None:
    """The last period when notice was given, else None (the convention renews indefinitely)."""
    if convention.date_denonciation is None:
        return None
    return periode_de_fin(
        convention.date_effet, convention.date_denonciation, convention.duree_mois, convention.preavis_mois
    )


def date_fin(convention: AvecCalendrier) -> dt.date | None:
    finale = periode_finale(convention)
    return finale.echeance if finale else None


def etat(convention: AvecCalendrier, jour: dt.date) -> str:
    if convention.date_signature is None or jour < convention.date_effet:
        return EtatConvention.EN_PROJET
    fin = date_fin(convention)
    if fin is None:
        return EtatConvention.EN_VIGUEUR
    if jour > fin:
        return EtatConvention.TERMINEE
    if jour >= convention.date_denonciation:
        return EtatConvention.DENONCEE
    return EtatConvention.EN_VIGUEUR


def periode_courante(convention: AvecCalendrier, jour: dt.date) -> Periode:
    """The period containing ``jour``; the first one before the start, the last one after the end."""
    courante = periode_a(convention.date_effet, jour, convention.duree_mois, convention.preavis_mois)
    finale = periode_finale(convention)
    if finale is not None and courante.numero > finale.numero:
        return finale
    return courante


@dataclass(frozen=True)
class Situation:
    """Where a convention stands on a given day, as every page, list, export, alert and reminder shows it."""

    etat: str
    etat_libelle: str
    echeance: dt.date | None  # the échéance of the current period; None once the convention is over
    date_limite: dt.date | None  # the last day notice stops the next renewal; None when there is nothing to stop
    jours_avant_limite: int | None
    reconductions: int  # tacit renewals by the day
    # The échéance that notice by date_limite would end the convention at: the next échéance, or the one
    # after it once this year's deadline has passed.
    echeance_denoncable: dt.date | None = None

    @property
    def limite_pour_une_echeance_ulterieure(self) -> bool:
        return self.echeance_denoncable is not None and self.echeance_denoncable != self.echeance

    @property
    def preavis_proche(self) -> bool:
        return self.jours_avant_limite is not None and 0 <= self.jours_avant_limite <= JOURS_PREAVIS_PROCHE

    @property
    def delai(self) -> str:
        if self.jours_avant_limite is None:
            return ""
        if self.jours_avant_limite == 0:
            return "aujourd'hui"
        return f"dans {self.jours_avant_limite} jour{'s' if self.jours_avant_limite > 1 else ''}"


def situation(convention: AvecCalendrier, jour: dt.date) -> Situation:
    """The situation of a convention (or of its ``Calendrier``) on ``jour``."""
    return _situation(Calendrier.de(convention), jour)


# A list, an export or the alerts ask each convention once a day: the answers are kept, like the periods'.
@functools.lru_cache(maxsize=65536)
def _situation(convention: Calendrier, jour: dt.date) -> Situation:
    etat_du_jour = etat(convention, jour)
    courante = periode_courante(convention, jour)
    limite = echeance_denoncable = None
    if convention.date_signature is not None and etat_du_jour in (EtatConvention.EN_PROJET, EtatConvention.EN_VIGUEUR):
        if jour > courante.date_limite_denonciation:
            # Too late for this échéance: the next renewal is already certain.
            courante_ou_suivante = periode(
                convention.date_effet, courante.numero + 1, convention.duree_mois, convention.preavis_mois
            )
        else:
            courante_ou_suivante = courante
        limite = courante_ou_suivante.date_limite_denonciation
        echeance_denoncable = courante_ou_suivante.echeance
    return Situation(
        etat=etat_du_jour,
        etat_libelle=EtatConvention(etat_du_jour).label,
        echeance=None if etat_du_jour == EtatConvention.TERMINEE else courante.echeance,
        date_limite=limite,
        jours_avant_limite=(limite - jour).days if limite else None,
        reconductions=0 if etat_du_jour == EtatConvention.EN_PROJET else courante.numero - 1,
        echeance_denoncable=echeance_denoncable,
    )


def situations(conventions: QuerySet, jour: dt.date, *champs: str) -> Iterator[tuple]:
    """``(pk, Situation, *champs)`` for each convention of the queryset, in its order, in one query that reads the
    calendar's columns (and ``champs``) rather than whole rows: the lists' filters and sort on the état or the
    deadline, and the home page's alerts, over a national instance's thousands of conventions."""
    debut = 1 + len(champs)
    for ligne in conventions.values_list("pk", *champs, *CHAMPS):
        yield (ligne[0], _situation_des_colonnes(ligne[debut:], jour), *ligne[1:debut])


# The same answers keyed on the columns' tuple as the database gives it: a list of thousands of conventions asks
# them without building and hashing a Calendrier per row.
@functools.lru_cache(maxsize=65536)
def _situation_des_colonnes(colonnes: tuple, jour: dt.date) -> Situation:
    return _situation(Calendrier(*colonnes), jour)


@dataclass(frozen=True)
class LignePeriode:
    periode: Periode
    statut: str
    derniere: bool


def periodes_affichees(convention: AvecCalendrier, jour: dt.date) -> list[LignePeriode]:
    """Past periods, the current one and the next two (fewer when notice was given)."""
    courante = periode_courante(convention, jour)
    finale = periode_finale(convention)
    derniere = courante.numero + 2 if finale is None else min(courante.numero + 2, finale.numero)
    lignes = []
    for numero in range(1, derniere + 1):
        p = periode(convention.date_effet, numero, convention.duree_mois, convention.preavis_mois)
        if p.echeance < jour:
            statut = "Passée"
        elif p.debut <= jour:
            statut = "En cours"
        else:
            statut = "À venir"
        lignes.append(LignePeriode(p, statut, finale is not None and numero == finale.numero))
    return lignes
