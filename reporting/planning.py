"""What the schedule owes on a given day: pure functions of a day and of the conventions, no database.

The daily job (``reporting.tasks.executer_travaux_du_jour``) reads the signed conventions and the facilitators,
asks this module what is due, and makes each item a row (``Tache``, ``Rapport``) before it runs. Each item
has a ``code`` and a ``cle`` (scope and period) that name its row, so asking twice gives the same rows:

- a **rapport périodique** on the 1st of each month (donneurs d'ordre reporting monthly) or of each quarter
  (quarterly), for the month or quarter just ended, to each donneur d'ordre with a convention in force during
  that period;
- a **rappel d'échéance** 60 and 30 days before each notice deadline and on the deadline itself, for each
  convention in force (none for a convention dénoncée or terminée: there is nothing left to stop);
- a **bilan annuel** to prepare on the day after each échéance (the convention's anniversary), for the year
  just ended, the last one of a dénoncée convention included;
- a **digest hebdomadaire** of the alerts, each Monday, to each facilitator.

A day on which beat did not run is caught up: ``travaux_a_faire(jour)`` is everything due over the last
``RATTRAPAGE_JOURS`` days, and the rows tell what was already done.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from conventions import calendrier
from conventions.models import Convention, EtatConvention, Periodicite

RATTRAPAGE_JOURS = 7
DELAIS_RAPPEL = (60, 30, 0)
LUNDI = 0


@dataclass(frozen=True)
class RapportPeriodique:
    du: dt.date  # the day it fell due
    donneur_id: int
    debut: dt.date
    fin: dt.date

    code = "rapport_periodique"

    @property
    def cle(self) -> str:
        return f"donneur:{self.donneur_id}:{self.debut.isoformat()}:{self.fin.isoformat()}"


@dataclass(frozen=True)
class RappelEcheance:
    du: dt.date
    convention_id: int
    delai: int  # days before the notice deadline: 60, 30 or 0
    periode: calendrier.Periode  # the period whose deadline it is

    @property
    def code(self) -> str:
        return f"rappel_echeance_{self.delai}"

    @property
    def cle(self) -> str:
        return f"convention:{self.convention_id}:{self.periode.date_limite_denonciation.isoformat()}"


@dataclass(frozen=True)
class BilanAPreparer:
    du: dt.date
    convention_id: int
    periode: calendrier.Periode  # the year just ended

    code = "bilan_annuel"

    @property
    def cle(self) -> str:
        return f"convention:{self.convention_id}:{self.periode.numero}:{self.periode.echeance.isoformat()}"


@dataclass(frozen=True)
class DigestHebdomadaire:
    du: dt.date  # the Monday
    facilitateur_id: int

    code = "digest_hebdomadaire"

    @property
    def cle(self) -> str:
        return f"facilitateur:{self.facilitateur_id}:{self.du.isoformat()}"

    @staticmethod
    def facilitateur_de(cle: str) -> int:
        return int(cle.split(":")[1])


Travail = RapportPeriodique | RappelEcheance | BilanAPreparer | DigestHebdomadaire


# --- Periodic reports ------------------------------------------------------------------------------


def periode_a_rapporter(periodicite: str, jour: dt.date) -> tuple[dt.date, dt.date] | None:
    """The month (or quarter) that ended the day before ``jour``, if ``jour`` is when its report is due."""
    if jour.day != 1:
        return None
    fin = jour - dt.timedelta(days=1)
    if periodicite == Periodicite.MENSUELLE:
        return fin.replace(day=1), fin
    if periodicite == Periodicite.TRIMESTRIELLE and jour.month in (1, 4, 7, 10):
        return calendrier.add_months(jour, -3), fin
    return None


def _en_vigueur_pendant(convention: Convention, debut: dt.date, fin: dt.date) -> bool:
    if convention.date_signature is None or convention.date_effet > fin:
        return False
    date_fin = convention.date_fin
    return date_fin is None or date_fin >= debut


def rapports_periodiques(jour: dt.date, conventions: Iterable[Convention]) -> list[RapportPeriodique]:
    """One report per active donneur d'ordre whose period ends the day before, if a convention covered it."""
    par_donneur: dict[int, list[Convention]] = {}
    for convention in conventions:
        par_donneur.setdefault(convention.donneur_d_ordre_id, []).append(convention)
    travaux = []
    for donneur_id, siennes in sorted(par_donneur.items()):
        donneur = siennes[0].donneur_d_ordre
        periode = periode_a_rapporter(donneur.periodicite_rapport, jour)
        if not donneur.actif or periode is None:
            continue
        if any(_en_vigueur_pendant(c, *periode) for c in siennes):
            travaux.append(RapportPeriodique(jour, donneur_id, *periode))
    return travaux


# --- Notice deadlines and annual bilans ----------------------------------------------------------


def rappels_echeance(jour: dt.date, conventions: Iterable[Convention]) -> list[RappelEcheance]:
    """Conventions in force whose next notice deadline is 60 days, 30 days or 0 days after ``jour``."""
    travaux = []
    for convention in conventions:
        if convention.date_signature is None or convention.etat(jour) != EtatConvention.EN_VIGUEUR:
            continue
        limite = convention.date_limite_denonciation(jour)
        if limite is None or (limite - jour).days not in DELAIS_RAPPEL:
            continue
        # The deadline lies inside the period it belongs to (three months before its échéance).
        periode = convention.periode_courante(limite)
        travaux.append(RappelEcheance(jour, convention.pk, (limite - jour).days, periode))
    return travaux


def bilans_a_preparer(jour: dt.date, conventions: Iterable[Convention]) -> list[BilanAPreparer]:
    """Conventions whose year ended the day before ``jour`` (their anniversary), the final year included."""
    veille = jour - dt.timedelta(days=1)
    travaux = []
    for convention in conventions:
        if convention.date_signature is None or convention.etat(veille) not in (
            EtatConvention.EN_VIGUEUR,
            EtatConvention.DENONCEE,
        ):
            continue
        periode = convention.periode_courante(veille)
        if periode.echeance == veille:
            travaux.append(BilanAPreparer(jour, convention.pk, periode))
    return travaux


# --- Weekly digest ---------------------------------------------------------------------------------


def digests(jour: dt.date, facilitateurs: Iterable[int]) -> list[DigestHebdomadaire]:
    if jour.weekday() != LUNDI:
        return []
    return [DigestHebdomadaire(jour, pk) for pk in sorted(facilitateurs)]


# --- Everything ------------------------------------------------------------------------------------


def travaux_du_jour(jour: dt.date, conventions: Iterable[Convention], facilitateurs: Iterable[int]) -> list[Travail]:
    """What falls due on ``jour`` itself."""
    conventions = list(conventions)
    return [
        *rapports_periodiques(jour, conventions),
        *bilans_a_preparer(jour, conventions),
        *rappels_echeance(jour, conventions),
        *digests(jour, facilitateurs),
    ]


def travaux_a_faire(
    jour: dt.date,
    conventions: Iterable[Convention],
    facilitateurs: Iterable[int],
    rattrapage: int = RATTRAPAGE_JOURS,
) -> list[Travail]:
    """What fell due over the ``rattrapage`` days ending on ``jour``, oldest first, each (code, cle) once.

    A reminder caught up late is dropped if the convention is no longer in force on ``jour``: notice given in
    the meantime leaves nothing to remind.
    """
    conventions, facilitateurs = list(conventions), list(facilitateurs)
    en_vigueur = {c.pk for c in conventions if c.etat(jour) == EtatConvention.EN_VIGUEUR}
    vus: set[tuple[str, str]] = set()
    travaux = []
    for recul in range(rattrapage - 1, -1, -1):
        for travail in travaux_du_jour(jour - dt.timedelta(days=recul), conventions, facilitateurs):
            if isinstance(travail, RappelEcheance) and travail.convention_id not in en_vigueur:
                continue
            if (travail.code, travail.cle) not in vus:
                vus.add((travail.code, travail.cle))
                travaux.append(travail)
    return travaux
