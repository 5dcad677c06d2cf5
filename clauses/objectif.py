"""The hour target of a lot and its expected progress.

heures = montant HT × part de main-d'œuvre × taux d'insertion ÷ coût horaire

Facilitators announce a whole number of hours, so the result is rounded to the nearest hour (half up):
1 000 000 € × 50 % × 5 % ÷ 30 €/h = 833,33 h → 833 h.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import TextChoices


class ObjectifInvalide(ValueError):
    pass


def calculer_heures(
    montant_ht: Decimal, part_main_oeuvre: Decimal, taux_insertion: Decimal, cout_horaire: Decimal
) -> int:
    """Hour target; ``part_main_oeuvre`` and ``taux_insertion`` are percentages (50 for 50 %)."""
    montant_ht, part_main_oeuvre, taux_insertion, cout_horaire = (
        Decimal(montant_ht),
        Decimal(part_main_oeuvre),
        Decimal(taux_insertion),
        Decimal(cout_horaire),
    )
    if montant_ht < 0:
        raise ObjectifInvalide("Le montant HT ne peut pas être négatif.")
    if not 0 <= part_main_oeuvre <= 100:
        raise ObjectifInvalide("La part de main-d'œuvre doit être comprise entre 0 et 100 %.")
    if not 0 <= taux_insertion <= 100:
        raise ObjectifInvalide("Le taux d'insertion doit être compris entre 0 et 100 %.")
    if cout_horaire <= 0:
        raise ObjectifInvalide("Le coût horaire doit être strictement positif.")
    heures = montant_ht * part_main_oeuvre / 100 * taux_insertion / 100 / cout_horaire
    return int(heures.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def fraction_ecoulee(debut: dt.date, fin: dt.date, jour: dt.date) -> Decimal:
    """Share of the period [debut, fin] (both days included) elapsed at the end of ``jour``, from 0 to 1."""
    if fin < debut:
        raise ValueError("La fin d'exécution précède le début.")
    if jour < debut:
        return Decimal(0)
    if jour >= fin:
        return Decimal(1)
    total = (fin - debut).days + 1
    return Decimal((jour - debut).days + 1) / Decimal(total)


def heures_attendues(objectif: int, debut: dt.date | None, fin: dt.date | None, jour: dt.date) -> Decimal | None:
    """Hours that should be done by the end of ``jour``, pro rata of the execution period.

    None when the period is unknown: without dates there is no expectation to compare against.
    """
    if debut is None or fin is None:
        return None
    return (Decimal(objectif) * fraction_ecoulee(debut, fin, jour)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def date_d_arrete(jour: dt.date) -> dt.date:
    """The day progress is judged at: the end of the last complete month before ``jour``.

    Attributaires send their hours in monthly statements, so the month under way cannot be judged yet: on
    25 November, the expectation runs to 31 October. The home page, the lot page and the alerts all use
    this day, so the same lot reads the same everywhere.
    """
    return jour.replace(day=1) - dt.timedelta(days=1)


SEUIL_RETARD = Decimal("0.80")


def en_retard(realisees: Decimal, attendues: Decimal | None, seuil: Decimal = SEUIL_RETARD) -> bool:
    """Behind schedule: realised hours under ``seuil`` (80 %) of the pro-rata expectation."""
    if attendues is None or attendues <= 0:
        return False
    return Decimal(realisees) < attendues * seuil


class SituationAvancement(TextChoices):
    """Where a lot or an attributaire stands against its target: the one vocabulary of progress and lateness.

    Every page, PDF and e-mail that says whether a lot is late says it with these labels (``situation_avancement``
    decides which), so that the same lot reads the same everywhere: the lot's page, the portal, the marché report,
    the bilans and the periodic reports.
    """

    SANS_OBJECTIF = "sans_objectif", "Pas d'objectif"
    NON_EVALUE = "non_evalue", "Non évalué"
    RIEN_ATTENDU = "rien_attendu", "Rien d'attendu à ce jour"
    EN_RETARD = "en_retard", "En retard"
    DANS_LES_TEMPS = "dans_les_temps", "Dans les temps"


def situation_avancement(
    objectif: int | Decimal | None, realisees: Decimal, attendues: Decimal | None
) -> SituationAvancement:
    """Where hours ``realisees`` stand against a target ``objectif`` of which ``attendues`` are expected by now.

    No expectation (``attendues`` None) means the marché is not awarded or the dates are unknown: nothing can be
    judged. An expectation of zero (the execution has not started) cannot be missed.
    """
    if not objectif:
        return SituationAvancement.SANS_OBJECTIF
    if attendues is None:
        return SituationAvancement.NON_EVALUE
    if en_retard(realisees, attendues):
        return SituationAvancement.EN_RETARD
    if attendues <= 0:
        return SituationAvancement.RIEN_ATTENDU
    return SituationAvancement.DANS_LES_TEMPS


# --- The share of the hours for residents of a quartier prioritaire (ANRU) -------------------------------------


@dataclass(frozen=True)
class MinimumQPV:
    """A lot's hours done by people who resided in a QPV when hired (``Placement.reside_qpv``) against its clause's
    « part QPV minimale » (ANRU: 5 % of the insertion hours on renovation works, 10 % on local-management
    contracts).

    The minimum is a share of the lot's hour target, so it is judged as the target is: pro rata of the execution
    period elapsed at the arrêté (``attendues``: the lot's expected hours, ``heures_attendues``), behind under 80 %
    of it (``en_retard``), in the vocabulary of ``SituationAvancement``.
    """

    part_minimum: Decimal  # percent: 5 for 5 %
    objectif: int  # the lot's hour target
    heures: Decimal  # the lot's hours
    heures_qpv: Decimal  # of which done by people residing in a QPV when hired
    attendues: Decimal | None  # the lot's expected hours at the arrêté, None when nothing can be expected

    @property
    def objectif_qpv(self) -> Decimal:
        return _part(self.objectif, self.part_minimum)

    @property
    def attendues_qpv(self) -> Decimal | None:
        return None if self.attendues is None else _part(self.attendues, self.part_minimum)

    @property
    def part_realisee(self) -> Decimal | None:
        """QPV hours as a share of the lot's hours (1 = 100 %), None without hours."""
        return self.heures_qpv / self.heures if self.heures else None

    @property
    def taux(self) -> Decimal | None:
        """QPV hours against the QPV hours expected by now (1 = on schedule)."""
        attendues = self.attendues_qpv
        return self.heures_qpv / attendues if attendues else None

    @property
    def situation(self) -> SituationAvancement:
        return situation_avancement(self.objectif_qpv, self.heures_qpv, self.attendues_qpv)

    @property
    def en_retard(self) -> bool:
        return self.situation == SituationAvancement.EN_RETARD


def _part(heures, pourcentage: Decimal) -> Decimal:
    return (Decimal(heures) * Decimal(pourcentage) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def minimum_qpv(
    part_minimum: Decimal | None, objectif: int | None, heures: Decimal, heures_qpv: Decimal, attendues: Decimal | None
) -> MinimumQPV | None:
    """The lot's ``MinimumQPV``, None when its clause sets no QPV minimum."""
    if not part_minimum:
        return None
    return MinimumQPV(Decimal(part_minimum), objectif or 0, Decimal(heures), Decimal(heures_qpv), attendues)
