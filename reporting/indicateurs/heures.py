"""Hours, people, contracts and marchés of a period."""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import (
    Count,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce

from clauses.models import (
    Participant,
)
from marches.models import (
    STATUTS_ACTIFS,
    Marche,
)
from reporting import agregats
from reporting.indicateurs.portee import ZERO, _heures, _pk, _verifier

# --- Hours, people, contracts ----------------------------------------------------------------------


def heures_realisees(debut: dt.date, fin: dt.date, **portee) -> Decimal:
    _verifier(portee)
    cumul = agregats.heures(debut, fin, portee)
    if cumul is not None:
        return cumul
    return _heures(debut, fin, portee).aggregate(total=Coalesce(Sum("heures"), ZERO))["total"]


def etp(heures: Decimal | int | None) -> Decimal:
    """Full-time equivalents: hours ÷ 1 600 (settings.CLAUSES_HEURES_PAR_ETP), to one decimal."""
    if not heures:
        return ZERO.quantize(Decimal("0.1"))
    return (Decimal(heures) / Decimal(settings.CLAUSES_HEURES_PAR_ETP)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def personnes_en_parcours(debut: dt.date, fin: dt.date, **portee) -> int:
    """Distinct participants with hours recorded in the period."""
    return (
        _heures(debut, fin, portee)
        .filter(heures__gt=0)
        .aggregate(n=Count("placement__participant", distinct=True))["n"]
    )


@dataclass(frozen=True)
class Synthese:
    """The figures drawn from the hours of a period, in one query."""

    heures: Decimal
    personnes: int
    marches: int  # marchés that produced hours in the period

    @property
    def etp(self) -> Decimal:
        return etp(self.heures)


def synthese_heures(debut: dt.date, fin: dt.date, **portee) -> Synthese:
    _verifier(portee)
    cumuls = agregats.synthese(debut, fin, portee)
    if cumuls is not None:
        return Synthese(*cumuls)
    resultat = _heures(debut, fin, portee).aggregate(
        total=Coalesce(Sum("heures"), ZERO),
        nb_personnes=Count("placement__participant", distinct=True, filter=Q(heures__gt=0)),
        nb_marches=Count("placement__attribution__lot__marche", distinct=True, filter=Q(heures__gt=0)),
    )
    return Synthese(resultat["total"], resultat["nb_personnes"], resultat["nb_marches"])


def marches_actifs(**portee) -> int:
    """Marchés attributed or in execution, today (a status, not a period)."""
    _verifier(portee)
    marches = Marche.objects.filter(statut__in=STATUTS_ACTIFS)
    chemins = {
        "donneur": "donneur_d_ordre",
        "convention": "donneur_d_ordre__conventions",
        "marche": "pk",
        "lot": "lots",
        "attribution": "lots__attributions",
        "entreprise": "lots__attributions__entreprise",
    }
    multiplie = False
    for cle, valeur in portee.items():
        if valeur is not None:
            marches = marches.filter(**{chemins[cle]: _pk(valeur)})
            multiplie |= cle in ("convention", "lot", "attribution", "entreprise")
    # Only a join on a reverse relation can repeat a marché; without one, a plain count (on the status index).
    return marches.values("pk").distinct().count() if multiplie else marches.count()


def _personnes_en_parcours(debut: dt.date, fin: dt.date, portee: dict) -> QuerySet:
    _verifier(portee)
    participants = agregats.participants(debut, fin, portee)
    if participants is not None:
        return Participant.objects.filter(pk__in=participants).order_by()
    # IN (the participants of the period's hours) rather than EXISTS per participant: the planner builds the
    # set once from the hours of the period and joins it, instead of probing the hours for each participant.
    participants = _heures(debut, fin, portee).filter(heures__gt=0).values("placement__participant")
    # order_by(): the model's ordering (nom, prénom) must not reach the GROUP BY.
    return Participant.objects.filter(pk__in=participants).order_by()
