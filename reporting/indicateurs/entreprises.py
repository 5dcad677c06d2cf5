"""Who took part in a period: the companies and the donneurs d'ordre of the clauses.

« Entreprises impliquées », as the national survey of clause facilitators counts them, is read two ways, and both
are given with their union, from one query:

- *avec heures*: distinct companies (by ``Entreprise``, so one SIRET whatever its number of lots) holding an
  attribution whose placements have hours above zero in the months of the period — those that hired;
- *attributaires*: distinct companies holding an attribution on a lot whose clause is carried out in the period:
  its marché awarded or later (``STATUTS_AVEC_OBJECTIF``), its execution dates overlapping the period, or unknown —
  the very lots the territorial bilan counts in « marchés avec clause » — those bound by a clause, hiring or not;
- *impliquées*: either.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from clauses.models import HeuresMensuelles
from marches.models import STATUTS_AVEC_OBJECTIF, Attribution
from reporting.indicateurs.portee import _heures, _portee, _verifier, premier_du_mois


@dataclass(frozen=True)
class Entreprises:
    impliquees: int
    avec_heures: int
    attributaires: int


def clause_en_execution(debut: dt.date, fin: dt.date, vers_lot: str = "") -> Q:
    """The lots (reached through ``vers_lot``, e.g. ``"lot__"``) whose clause is carried out in [debut, fin]: a
    clause, a marché awarded or later, execution dates overlapping the period or unknown."""
    return (
        Q(**{f"{vers_lot}clause__isnull": False, f"{vers_lot}marche__statut__in": STATUTS_AVEC_OBJECTIF})
        & (Q(**{f"{vers_lot}date_debut__isnull": True}) | Q(**{f"{vers_lot}date_debut__lte": fin}))
        & (Q(**{f"{vers_lot}date_fin__isnull": True}) | Q(**{f"{vers_lot}date_fin__gte": debut}))
    )


def entreprises_impliquees(debut: dt.date, fin: dt.date, **portee) -> Entreprises:
    """The companies of the period and scope (see the module's docstring), in one query."""
    _verifier(portee)
    heures = HeuresMensuelles.objects.filter(
        placement__attribution=OuterRef("pk"), mois__gte=premier_du_mois(debut), mois__lte=fin, heures__gt=0
    )
    en_execution = clause_en_execution(debut, fin, "lot__")
    resultat = (
        Attribution.objects.filter(_portee("", portee))
        .annotate(a_des_heures=Exists(heures))
        .filter(Q(a_des_heures=True) | en_execution)
        .aggregate(
            impliquees=Count("entreprise", distinct=True),
            avec_heures=Count("entreprise", distinct=True, filter=Q(a_des_heures=True)),
            attributaires=Count("entreprise", distinct=True, filter=en_execution),
        )
    )
    return Entreprises(resultat["impliquees"], resultat["avec_heures"], resultat["attributaires"])


def donneurs_avec_heures(debut: dt.date, fin: dt.date, **portee) -> int:
    """Distinct donneurs d'ordre whose marchés have hours above zero in the period (one query)."""
    return (
        _heures(debut, fin, portee)
        .filter(heures__gt=0)
        .aggregate(n=Count("placement__attribution__lot__marche__donneur_d_ordre", distinct=True))["n"]
    )
