"""A participant's path: identity, placements with attributaires, outcomes (sorties).

Reads that the lists and detail pages share are built here so that every page counts hours and
placements the same way, in the database, with a fixed number of queries.
"""

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import (
    BooleanField,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from clauses.models import HeuresMensuelles, MomentSortie, Participant, Placement, Sortie

# An outcome "six months after" is observed this long after the placement's end (national IAE reporting).
DELAI_SORTIE_SIX_MOIS = relativedelta(months=6)

HEURES = DecimalField(max_digits=12, decimal_places=2)


def date_sortie_six_mois(date_fin: dt.date) -> dt.date:
    """First day a six-month outcome can be observed (31 August + 6 months = 28 or 29 February)."""
    return date_fin + DELAI_SORTIE_SIX_MOIS


def _total_heures(filtre: str) -> Coalesce:
    heures = (
        HeuresMensuelles.objects.filter(**{filtre: OuterRef("pk")})
        .order_by()
        .values(filtre)
        .annotate(total=Sum("heures"))
        .values("total")
    )
    return Coalesce(Subquery(heures, output_field=HEURES), Value(Decimal(0)), output_field=HEURES)


def _en_cours(jour: dt.date, prefixe: str = "") -> Q:
    return Q(**{f"{prefixe}date_debut__lte": jour}) & (
        Q(**{f"{prefixe}date_fin__isnull": True}) | Q(**{f"{prefixe}date_fin__gte": jour})
    )


def participants_avec_indicateurs(jour: dt.date) -> QuerySet[Participant]:
    """Participants with ``nb_placements``, ``total_heures`` and ``en_poste`` (a placement in progress on ``jour``)."""
    nb_placements = (
        Placement.objects.filter(participant=OuterRef("pk"))
        .order_by()
        .values("participant")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Participant.objects.select_related("prescripteur")
        .prefetch_related("criteres")
        .annotate(
            nb_placements=Coalesce(Subquery(nb_placements, output_field=IntegerField()), Value(0)),
            total_heures=_total_heures("placement__participant"),
            en_poste=Exists(Placement.objects.filter(_en_cours(jour), participant=OuterRef("pk"))),
        )
    )


def placements_avec_heures(jour: dt.date) -> QuerySet[Placement]:
    """Placements with their attributaire, ``total_heures``, ``en_cours`` and ``a_sortie_six_mois``."""
    return Placement.objects.select_related(
        "participant",
        "operateur",
        "attribution__entreprise",
        "attribution__lot__marche__donneur_d_ordre",
    ).annotate(
        total_heures=_total_heures("placement"),
        en_cours=ExpressionWrapper(_en_cours(jour), output_field=BooleanField()),
        a_sortie_six_mois=Exists(Sortie.objects.filter(placement=OuterRef("pk"), moment=MomentSortie.SIX_MOIS)),
    )


def sortie_six_mois_attendue(placement: Placement, jour: dt.date) -> bool:
    """True when the placement ended six months ago or more and its six-month outcome is not recorded.

    Expects a placement from ``placements_avec_heures`` (``a_sortie_six_mois`` annotated).
    """
    return (
        placement.date_fin is not None
        and date_sortie_six_mois(placement.date_fin) <= jour
        and not placement.a_sortie_six_mois
    )


def sorties_du_participant(participant: Participant) -> QuerySet[Sortie]:
    return (
        Sortie.objects.filter(placement__participant=participant)
        .select_related("placement__attribution__entreprise")
        .order_by("placement__date_debut", "date_constat")
    )


def doublon_participant(nom: str, prenom: str, date_naissance: dt.date, sauf: int | None = None) -> Participant | None:
    """A participant already recorded with the same identity (case-insensitive), if any.

    Two files for one person split their hours between two references, and the monthly imports
    then attach hours to the wrong one: the form refuses the second file.
    """
    doublons = Participant.objects.identifiables().filter(
        nom__iexact=nom.strip(), prenom__iexact=prenom.strip(), date_naissance=date_naissance
    )
    if sauf is not None:
        doublons = doublons.exclude(pk=sauf)
    return doublons.order_by("pk").first()


@transaction.atomic
def enregistrer_participant(formulaire) -> Participant:
    """Saves the participant and its eligibility criteria together: a participant without criteria is invalid."""
    return formulaire.save()


def enregistrer_remise_notice(participant: Participant, remise_le: dt.date, mode: str) -> Participant:
    """Record when and how the information notice was given (the audit log keeps who did, and any earlier date)."""
    participant.notice_remise_le = remise_le
    participant.notice_mode_remise = mode
    participant.save(update_fields=["notice_remise_le", "notice_mode_remise", "modifie_le"])
    return participant
