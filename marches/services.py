"""Marchés through their life: status changes, and the figures their pages show.

The hour figures live in the clauses app (the lot's clause, placements, monthly hours). marches never imports
clauses: it reaches them through reverse lookups by name ("clause__…", "attributions__placements__heures__…"),
each sum in its own subquery, because two sums over different joins in one query would multiply rows.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce

from marches.models import Attribution, Lot, Marche, StatutMarche

HEURES = models.DecimalField(max_digits=14, decimal_places=2)
ENTIER = models.IntegerField()

# The statuts a marché may move to from each statut. Going back one step corrects a mistake.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    StatutMarche.EN_PREPARATION: (StatutMarche.EN_CONSULTATION, StatutMarche.SANS_SUITE),
    StatutMarche.EN_CONSULTATION: (StatutMarche.ATTRIBUE, StatutMarche.EN_PREPARATION, StatutMarche.SANS_SUITE),
    StatutMarche.ATTRIBUE: (StatutMarche.EN_EXECUTION, StatutMarche.EN_CONSULTATION),
    StatutMarche.EN_EXECUTION: (StatutMarche.ACHEVE, StatutMarche.ATTRIBUE),
    StatutMarche.ACHEVE: (StatutMarche.SOLDE, StatutMarche.EN_EXECUTION),
    StatutMarche.SOLDE: (StatutMarche.ACHEVE,),
    StatutMarche.SANS_SUITE: (StatutMarche.EN_PREPARATION,),
}

# From award on, the award date is what the calendar and the reports start from.
STATUTS_APRES_ATTRIBUTION = (
    StatutMarche.ATTRIBUE,
    StatutMarche.EN_EXECUTION,
    StatutMarche.ACHEVE,
    StatutMarche.SOLDE,
)


def statuts_suivants(marche: Marche) -> list[tuple[str, str]]:
    """(value, label) of the statuts the marché may move to."""
    return [(s, StatutMarche(s).label) for s in TRANSITIONS.get(marche.statut, ())]


@transaction.atomic
def changer_statut(marche: Marche, statut: str) -> Marche:
    """Moves the marché to ``statut``; ValidationError (in French) when the move is not allowed."""
    marche = Marche.objects.select_for_update().get(pk=marche.pk)
    if statut not in TRANSITIONS.get(marche.statut, ()):
        raise ValidationError(
            f"Un marché « {marche.get_statut_display().lower()} » ne peut pas passer au statut "
            f"« {StatutMarche(statut).label.lower() if statut in StatutMarche.values else statut} »."
        )
    if statut in STATUTS_APRES_ATTRIBUTION and marche.date_attribution is None:
        raise ValidationError(
            f"Renseignez la date d'attribution du marché (bloc « Calendrier ») avant de le passer au statut "
            f"« {StatutMarche(statut).label.lower()} »."
        )
    marche.statut = statut
    marche.save(update_fields=["statut", "modifie_le"])
    return marche


# --- Reads -----------------------------------------------------------------------------------------------

OBJECTIF_LOT = Coalesce("clause__heures_forcees", "clause__heures_calculees", Value(0), output_field=ENTIER)


def _somme_par(queryset: models.QuerySet, groupe: str, expression) -> Coalesce:
    """A correlated subquery summing ``expression`` over ``queryset`` (already filtered on OuterRef)."""
    sous_requete = queryset.order_by().values(groupe).annotate(total=Sum(expression)).values("total")[:1]
    return Coalesce(Subquery(sous_requete), Value(Decimal(0)), output_field=HEURES)


def _taux(realisees: str, objectif: str):
    """Realised hours as a share of the target (0.52 for 52 %), None without a target.

    In floating point: SQLite would divide two whole sums as integers (720 / 1575 = 0).
    """
    return models.Case(
        models.When(
            **{f"{objectif}__gt": 0},
            then=Cast(realisees, models.FloatField()) / Cast(objectif, models.FloatField()),
        ),
        default=None,
        output_field=models.FloatField(),
    )


def marches_avec_chiffres(queryset: models.QuerySet | None = None) -> models.QuerySet:
    """Marchés with nb_lots, heures_objectif, heures_realisees and taux_realisation, in one query."""
    queryset = Marche.objects.all() if queryset is None else queryset
    lots = Lot.objects.filter(marche=OuterRef("pk"))
    return (
        queryset.select_related("donneur_d_ordre", "facilitateur")
        .annotate(
            nb_lots=Coalesce(
                Subquery(lots.order_by().values("marche").annotate(n=Count("pk")).values("n")[:1]),
                Value(0),
                output_field=ENTIER,
            ),
            heures_objectif=_somme_par(lots, "marche", OBJECTIF_LOT),
            heures_realisees=_somme_par(lots, "marche", "attributions__placements__heures__heures"),
        )
        .annotate(taux_realisation=_taux("heures_realisees", "heures_objectif"))
    )


def lots_avec_chiffres(queryset: models.QuerySet) -> models.QuerySet:
    """Lots with heures_objectif, heures_parts (shares given to attributaires), heures_realisees, taux."""
    attributions = Attribution.objects.filter(lot=OuterRef("pk"))
    return queryset.annotate(
        heures_objectif=OBJECTIF_LOT,
        heures_parts=_somme_par(attributions, "lot", "heures_objectif"),
        heures_realisees=_somme_par(attributions, "lot", "placements__heures__heures"),
    ).annotate(taux_realisation=_taux("heures_realisees", "heures_objectif"))


def attributions_avec_chiffres(queryset: models.QuerySet) -> models.QuerySet:
    """Attributions with heures_realisees (one subquery, so other joins cannot multiply it)."""
    heures = Attribution.objects.filter(pk=OuterRef("pk"))
    return queryset.select_related("entreprise").annotate(
        heures_realisees=_somme_par(heures, "pk", "placements__heures__heures")
    )


def depassement_des_parts(lot: Lot) -> tuple[int, int] | None:
    """(sum of the attributaires' shares, lot target) when the shares exceed a set target, else None."""
    chiffres = (
        Lot.objects.filter(pk=lot.pk)
        .annotate(
            objectif=OBJECTIF_LOT,
            parts=Coalesce(
                Subquery(
                    Attribution.objects.filter(lot=OuterRef("pk"))
                    .order_by()
                    .values("lot")
                    .annotate(s=Sum("heures_objectif"))
                    .values("s")[:1]
                ),
                Value(0),
                output_field=ENTIER,
            ),
            a_une_clause=Count("clause", filter=Q(clause__isnull=False)),
        )
        .values("objectif", "parts", "a_une_clause")
        .get()
    )
    if chiffres["a_une_clause"] and chiffres["parts"] > chiffres["objectif"]:
        return chiffres["parts"], chiffres["objectif"]
    return None
