"""What the portal reads, for its pages: the progress of a marché's lots and attributaires (and a lot's QPV hours
against its minimum, as the disclosure policy lets a donneur d'ordre read them), the late lots of the active marchés,
the conventions with their periods. Every query starts from the donneur d'ordre it is given; a page runs a fixed
number of queries whatever the number of rows."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum

from clauses import objectif
from clauses.models import HeuresMensuelles
from clauses.services import Avancement
from conventions.calendrier import Situation, situation
from conventions.models import Avenant, Convention
from conventions.services import prend_effet
from marches.models import STATUTS_ACTIFS, STATUTS_AVEC_OBJECTIF, Attribution, Lot, Marche
from marches.services import OBJECTIF_LOT
from reporting import agregats, diffusion

# --- Progress of lots and attributaires --------------------------------------------------------------


def _avancement(
    cible: int,
    realisees: Decimal,
    debut,
    fin,
    statut: str,
    arrete: dt.date,
    part_qpv: Decimal | None = None,
    heures_qpv: Decimal = Decimal(0),
) -> Avancement:
    """As ``clauses.services.avancement_lot``, from figures already summed: nothing is expected before award; a lot
    whose clause sets a QPV minimum (``part_qpv``) has its QPV hours judged against it (``objectif.MinimumQPV``)."""
    attendues = objectif.heures_attendues(cible, debut, fin, arrete) if statut in STATUTS_AVEC_OBJECTIF else None
    return Avancement(
        objectif=cible,
        realisees=realisees,
        attendues=attendues,
        arrete_au=arrete,
        qpv=objectif.minimum_qpv(part_qpv, cible, realisees, heures_qpv, attendues),
    )


def _heures_par(champ: str, heures: QuerySet, **autres) -> dict[int, dict]:
    """Hours grouped by ``champ`` (one query). No count of people is shown: a lot's people since its start are not a
    figure the disclosure policy publishes (``reporting.diffusion``: per year and per donneur d'ordre only)."""
    lignes = heures.order_by().values(champ).annotate(total=Sum("heures"), **autres)
    return {ligne[champ]: ligne for ligne in lignes}


def _heures_qpv() -> dict:
    """A lot's hours done by people who resided in a QPV when hired (``Placement.reside_qpv``), and how many people
    did them: that count is never shown, it only decides whether the hours are (``diffusion.heures_qpv_publiees``)."""
    residents = Q(placement__reside_qpv=True)
    return {
        "qpv": Sum("heures", filter=residents),
        "personnes_qpv": Count("placement__participant", distinct=True, filter=residents & Q(heures__gt=0)),
    }


@dataclass(frozen=True)
class LigneAttributaire:
    attribution: Attribution
    realisees: Decimal
    # None when the attributaire has no share of the target to be judged on.
    avancement: Avancement | None


@dataclass(frozen=True)
class LigneLot:
    lot: Lot
    avancement: Avancement
    attributaires: list[LigneAttributaire]
    # A lot with a QPV minimum (``avancement.qpv``): whether the donneur d'ordre may read its QPV hours and their
    # share, as in its copy of the marché report; below, the lot's situation against its minimum alone.
    heures_qpv_publiees: bool = False


def _cible_attributaire(attribution: Attribution, cible_lot: int, seul: bool) -> int | None:
    """The attributaire's share of the target; the lot's whole target when it is the lot's only attributaire."""
    if attribution.heures_objectif is not None:
        return attribution.heures_objectif
    return cible_lot if seul else None


def lignes_du_marche(donneur, marche: Marche, jour: dt.date) -> list[LigneLot]:
    """Each lot of ``marche`` and each of its attributaires with their progress, and a lot's QPV hours against its
    clause's minimum (``LigneLot.heures_qpv_publiees``), in four queries."""
    arrete = objectif.date_d_arrete(jour)
    lots = list(
        Lot.objects.for_donneur(donneur)
        .filter(marche=marche)
        .annotate(cible=OBJECTIF_LOT, part_qpv=F("clause__part_qpv_minimum"))
    )
    attributions = list(
        Attribution.objects.for_donneur(donneur)
        .filter(lot__marche=marche)
        .select_related("entreprise")
        .order_by("lot", "role", "entreprise__raison_sociale")
    )
    heures = HeuresMensuelles.objects.for_donneur(donneur).filter(
        placement__attribution__lot__marche=marche, mois__lte=jour
    )
    par_lot = _heures_par("placement__attribution__lot", heures, **_heures_qpv())
    par_attribution = _heures_par("placement__attribution", heures)

    attributions_du_lot: dict[int, list[Attribution]] = {}
    for attribution in attributions:
        attributions_du_lot.setdefault(attribution.lot_id, []).append(attribution)
    lignes = []
    for lot in lots:
        chiffres = par_lot.get(lot.pk, {})
        du_lot = attributions_du_lot.get(lot.pk, [])
        attributaires = []
        for attribution in du_lot:
            cible = _cible_attributaire(attribution, lot.cible, len(du_lot) == 1)
            avancement = None
            realisees = par_attribution.get(attribution.pk, {}).get("total") or Decimal(0)
            if cible:
                # An attributaire is judged on its own planned dates when it has both, else on the lot's.
                debut, fin = (
                    (attribution.date_debut, attribution.date_fin)
                    if attribution.date_debut and attribution.date_fin
                    else (lot.date_debut, lot.date_fin)
                )
                avancement = _avancement(cible, realisees, debut, fin, marche.statut, arrete)
            attributaires.append(LigneAttributaire(attribution, realisees, avancement))
        lignes.append(
            LigneLot(
                lot=lot,
                avancement=_avancement(
                    lot.cible,
                    chiffres.get("total") or Decimal(0),
                    lot.date_debut,
                    lot.date_fin,
                    marche.statut,
                    arrete,
                    lot.part_qpv,
                    chiffres.get("qpv") or Decimal(0),
                ),
                attributaires=attributaires,
                heures_qpv_publiees=diffusion.heures_qpv_publiees(chiffres.get("personnes_qpv", 0)),
            )
        )
    return lignes


def lots_en_retard_par_marche(donneur, jour: dt.date) -> dict[int, int]:
    """Number of late lots of each active marché of ``donneur`` (two queries)."""
    arrete = objectif.date_d_arrete(jour)
    lots = Lot.objects.for_donneur(donneur).filter(marche__statut__in=STATUTS_ACTIFS)
    realisees = agregats.heures_des_lots_a_date(lots, jour)
    retards: dict[int, int] = {}
    colonnes = ("pk", "marche_id", "marche__statut", "date_debut", "date_fin", "cible")
    for lot in lots.annotate(cible=OBJECTIF_LOT).values(*colonnes):
        realisees_lot = realisees.get(lot["pk"], Decimal(0))
        avancement = _avancement(
            lot["cible"], realisees_lot, lot["date_debut"], lot["date_fin"], lot["marche__statut"], arrete
        )
        if avancement.en_retard:
            retards[lot["marche_id"]] = retards.get(lot["marche_id"], 0) + 1
    return retards


# --- Conventions -------------------------------------------------------------------------------------


def _avenants_dates(avenants: list[Avenant], jour: dt.date) -> list[Avenant]:
    # Two attributes for the templates, on the instances they already show (not fields of the model).
    for avenant in avenants:
        effet = prend_effet(avenant)
        avenant.prend_effet = effet  # type: ignore[attr-defined]
        avenant.en_vigueur = effet and avenant.date_effet <= jour  # type: ignore[attr-defined]
    return avenants


@dataclass(frozen=True)
class LigneConvention:
    convention: Convention
    situation: Situation
    avenants: list[Avenant]


def conventions_du_donneur(donneur, jour: dt.date) -> list[LigneConvention]:
    """The organisation's conventions, most recent first, with their situation on ``jour`` (two queries)."""
    conventions = Convention.objects.for_donneur(donneur).prefetch_related("avenants").order_by("-date_effet", "-pk")
    return [LigneConvention(c, situation(c, jour), _avenants_dates(list(c.avenants.all()), jour)) for c in conventions]
