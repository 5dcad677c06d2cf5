import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import models, transaction
from django.db.models import Max, Sum
from django.db.models.functions import Cast, Coalesce, Substr

from clauses import objectif
from marches.models import STATUTS_AVEC_OBJECTIF, Lot


def prochaine_reference_participant() -> str:
    """Next participant reference, P-000001, P-000002…: meaningless outside the facilitator's files."""
    from clauses.models import Participant

    with transaction.atomic():
        dernier = (
            Participant.objects.filter(reference__startswith="P-")
            .annotate(n=Cast(Substr("reference", 3), models.IntegerField()))
            .aggregate(m=Max("n"))["m"]
        )
    return f"P-{(dernier or 0) + 1:06d}"


@dataclass(frozen=True)
class Avancement:
    objectif: int
    realisees: Decimal
    attendues: Decimal | None  # None when the lot has no execution period or is not awarded
    arrete_au: dt.date  # the day the expectation runs to (objectif.date_d_arrete)

    @property
    def taux(self) -> Decimal | None:
        """Realised hours as a share of the target (1 = 100 %)."""
        return self.realisees / self.objectif if self.objectif else None

    @property
    def en_retard(self) -> bool:
        return objectif.en_retard(self.realisees, self.attendues)


def heures_realisees_lot(lot: Lot, jusqu_au: dt.date | None = None) -> Decimal:
    from clauses.models import HeuresMensuelles

    heures = HeuresMensuelles.objects.filter(placement__attribution__lot=lot)
    if jusqu_au is not None:
        heures = heures.filter(mois__lte=jusqu_au)
    return heures.aggregate(total=Coalesce(Sum("heures"), Decimal(0)))["total"]


def avancement_lot(lot: Lot, jour: dt.date) -> Avancement:
    """Target, hours recorded by ``jour`` (months started by then) and the pro-rata expectation at the end
    of the last complete month (``objectif.date_d_arrete``).

    Nothing is expected of a lot whose marché is not awarded yet, so it cannot be late.
    """
    clause = getattr(lot, "clause", None)
    cible = clause.heures_objectif if clause else 0
    arrete = objectif.date_d_arrete(jour)
    attendues = None
    if lot.marche.statut in STATUTS_AVEC_OBJECTIF:
        attendues = objectif.heures_attendues(cible, lot.date_debut, lot.date_fin, arrete)
    return Avancement(objectif=cible, realisees=heures_realisees_lot(lot, jour), attendues=attendues, arrete_au=arrete)
