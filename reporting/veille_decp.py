"""The watch list of article L2112-2-1: the territory's marchés published « Pas de considération sociale » although
they may fall under the obligation of social or employment considerations.

Since 22 August 2026, the execution conditions of a marché at or above the European thresholds take social or
employment considerations into account, unless one of the article's exceptions applies. The DECP say neither when
the consultation was launched (the article's date) nor whether an exception was used, and a marché's lot is
compared with the thresholds on its own amount only: so a marché is listed when it was **notified** on or after
that day, its published amount is at or above the threshold of its kind (``clauses.redaction.seuil_europeen``, by
its CPV code and its buyer's kind) and its only published social consideration is « Pas de considération
sociale ». It is a lead for the facilitator and a point to check for the buyer, never a finding: the pages say so.

Read here, in reporting, because the thresholds belong to the clauses app, which marches may not import.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.db.models import Case, F, Q, Value, When

from clauses.redaction import DEBUT_L2112_2_1, SEUILS_EUROPEENS
from conventions.models import DonneurDOrdre, TypeDonneur
from marches.models import MarcheDECP, TypeMarche

MONTANT: models.DecimalField = models.DecimalField(max_digits=16, decimal_places=2)
SUR_L_ACCUEIL = 5
AFFICHES_MAX = 50


def _seuil() -> Case:
    """Each record's European threshold, by the period of its notification, its kind and its buyer's kind."""
    conditions = []
    for rang, seuils in enumerate(SEUILS_EUROPEENS):
        periode = Q(date_notification__gte=seuils.debut) if rang else Q()
        if rang + 1 < len(SEUILS_EUROPEENS):
            periode &= Q(date_notification__lt=SEUILS_EUROPEENS[rang + 1].debut)
        travaux = Q(type=TypeMarche.TRAVAUX)
        etat = Q(donneur_d_ordre__type=TypeDonneur.ETAT)
        conditions += [
            When(periode & travaux, then=Value(seuils.travaux)),
            When(periode & ~travaux & etat, then=Value(seuils.fournitures_services_etat)),
            When(periode & ~travaux & ~etat, then=Value(seuils.fournitures_services)),
        ]
    return Case(*conditions, output_field=MONTANT)


def marches_a_verifier(donneur: DonneurDOrdre | None = None) -> models.QuerySet:
    """The watch list, the territory's or one donneur d'ordre's, by donneur then latest notification first."""
    queryset = MarcheDECP.objects.all() if donneur is None else MarcheDECP.objects.for_donneur(donneur)
    return (
        queryset.sans_consideration_sociale()
        .filter(date_notification__gte=DEBUT_L2112_2_1)
        .annotate(seuil=_seuil())
        .filter(montant__gte=F("seuil"))
        .select_related("donneur_d_ordre")
        .order_by("donneur_d_ordre__nom", "-date_notification", "-pk")
    )


@dataclass
class Veille:
    """What a page shows of the watch list: the first rows, the next ones (folded), how many are left out."""

    total: int
    premiers: list[MarcheDECP]
    suivants: list[MarcheDECP]

    @property
    def non_affiches(self) -> int:
        return self.total - len(self.premiers) - len(self.suivants)

    @property
    def debut(self) -> dt.date:
        return DEBUT_L2112_2_1


def veille(donneur: DonneurDOrdre | None = None, premiers: int = SUR_L_ACCUEIL) -> Veille:
    """One query (at most AFFICHES_MAX rows), and the count only when there are more."""
    queryset = marches_a_verifier(donneur)
    lignes = list(queryset[: AFFICHES_MAX + 1])
    total = len(lignes) if len(lignes) <= AFFICHES_MAX else queryset.count()
    lignes = lignes[:AFFICHES_MAX]
    return Veille(total=total, premiers=lignes[:premiers], suivants=lignes[premiers:])
