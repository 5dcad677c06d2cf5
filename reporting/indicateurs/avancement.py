"""Progress of each marché, lot and attributaire against its target."""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Case,
    Count,
    FloatField,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from clauses import objectif as regles_objectif
from clauses.models import (
    HeuresMensuelles,
)
from marches.models import (
    STATUTS_AVEC_OBJECTIF,
    Attribution,
    Lot,
    RoleAttributaire,
    StatutMarche,
)
from reporting.indicateurs.objectifs import objectif_au_prorata, taux_realisation
from reporting.indicateurs.portee import ZERO, _pk, _portee, _verifier, en_decimal, premier_du_mois

# --- Progress of each lot and attributaire ---------------------------------------------------------


@dataclass(frozen=True)
class Avancement:
    """Where a lot or an attributaire stands over a period and at its end.

    ``objectif``: the whole target (the lot's clause, or the attributaire's share), None for an attributaire
    with no share of its own; ``objectif_periode``: its part falling in the period (the same figure as
    ``objectif_periode``), None without execution dates; ``heures_periode``: hours of the period;
    ``heures_cumulees``: hours from the start to the end of the period; ``attendues``: the pro-rata expectation
    at ``arrete_au`` (``clauses.objectif.heures_attendues``), None when nothing can be expected.
    """

    objectif: int | None
    objectif_periode: Decimal | None
    heures_periode: Decimal
    heures_cumulees: Decimal
    attendues: Decimal | None
    arrete_au: dt.date
    personnes: int  # distinct people with hours in the period (raw: through confidentialite outside the dashboard)
    # A lot whose clause sets a QPV minimum: ``heures_cumulees`` done by people who resided in a QPV when hired,
    # against it (``clauses.objectif.MinimumQPV``); and how many people did them (raw, for the disclosure rule).
    qpv: regles_objectif.MinimumQPV | None = None
    personnes_qpv: int = 0

    @property
    def taux_periode(self) -> Decimal | None:
        return taux_realisation(self.heures_periode, self.objectif_periode)

    @property
    def taux_cumule(self) -> Decimal | None:
        return taux_realisation(self.heures_cumulees, self.objectif)

    @property
    def taux_attendu(self) -> Decimal | None:
        """Cumulated hours against the expectation (1 = on schedule)."""
        return taux_realisation(self.heures_cumulees, self.attendues)

    @property
    def en_retard(self) -> bool:
        return regles_objectif.en_retard(self.heures_cumulees, self.attendues)

    @property
    def situation(self) -> regles_objectif.SituationAvancement:
        return regles_objectif.situation_avancement(self.objectif, self.heures_cumulees, self.attendues)


@dataclass(frozen=True)
class AvancementAttributaire:
    attribution_id: int
    entreprise: str
    role: str  # label: « Titulaire », « Co-traitant »…
    avancement: Avancement


@dataclass(frozen=True)
class AvancementLot:
    lot_id: int
    numero: str
    intitule: str
    avancement: Avancement
    attributaires: list[AvancementAttributaire]


@dataclass(frozen=True)
class AvancementMarche:
    marche_id: int
    objet: str
    reference: str
    statut: str  # label
    lots: list[AvancementLot]

    def _somme(self, champ: str) -> Decimal:
        return sum((getattr(lot.avancement, champ) or ZERO for lot in self.lots), ZERO)

    @property
    def objectif(self) -> int:
        return sum(lot.avancement.objectif or 0 for lot in self.lots)

    @property
    def objectif_periode(self) -> Decimal:
        return self._somme("objectif_periode")

    @property
    def heures_periode(self) -> Decimal:
        return self._somme("heures_periode")

    @property
    def heures_cumulees(self) -> Decimal:
        return self._somme("heures_cumulees")

    @property
    def taux_periode(self) -> Decimal | None:
        return taux_realisation(self.heures_periode, self.objectif_periode)

    @property
    def lots_en_retard(self) -> int:
        return sum(1 for lot in self.lots if lot.avancement.en_retard)

    @property
    def lots_avec_minimum_qpv(self) -> list["AvancementLot"]:
        return [lot for lot in self.lots if lot.avancement.qpv is not None]


def _cle_numero(numero: str) -> tuple:
    """Lot numbers in natural order: 1, 2, 3a, 10, then « Unique »."""
    chiffres = len(numero) - len(numero.lstrip("0123456789"))
    return (0, int(numero[:chiffres]), numero[chiffres:]) if chiffres else (1, 0, numero)


def _heures_groupees(
    champ: str, debut: dt.date, fin: dt.date, portee: dict, statuts, filtre_lots: Q | None = None
) -> dict[int, dict]:
    """Hours of [debut, fin], hours from the start to ``fin`` and people of [debut, fin], by ``champ`` (one query,
    over the scope's hours: a join on the scope, not a list of lots, which the planner handles far better).
    ``filtre_lots``: a condition on the lot, written from ``placement__attribution__lot``."""
    debut_mois = premier_du_mois(debut)
    dans_la_periode = Q(mois__gte=debut_mois)
    lignes = (
        HeuresMensuelles.objects.filter(
            _portee("placement__attribution", portee),
            filtre_lots or Q(),
            placement__attribution__lot__marche__statut__in=statuts,
            mois__lte=fin,
        )
        .order_by()
        .values(champ)
        .annotate(
            periode=Coalesce(Sum("heures", filter=dans_la_periode), ZERO),
            lignes_periode=Count("pk", filter=dans_la_periode),
            cumul=Coalesce(Sum("heures"), ZERO),
            personnes=Count("placement__participant", distinct=True, filter=dans_la_periode & Q(heures__gt=0)),
            cumul_qpv=Coalesce(Sum("heures", filter=Q(placement__reside_qpv=True)), ZERO),
            personnes_qpv=Count(
                "placement__participant", distinct=True, filter=Q(placement__reside_qpv=True, heures__gt=0)
            ),
        )
    )
    return {ligne[champ]: ligne for ligne in lignes}


def _arrondi(valeur) -> Decimal | None:
    """A period's target, in whole hours as ``objectifs_periodes`` gives them; None stays None."""
    if valeur is None:
        return None
    return en_decimal(valeur).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def arrete_de_la_periode(fin: dt.date, jour: dt.date | None = None) -> dt.date:
    """The day progress over a period ending on ``fin`` is judged at, seen on ``jour``: the end of the last
    complete month before the day after ``fin``, or before ``jour`` when the period is still under way."""
    lendemain = fin + dt.timedelta(days=1)
    return regles_objectif.date_d_arrete(min(jour or lendemain, lendemain))


def avancement_des_marches(
    debut: dt.date,
    fin: dt.date,
    jour: dt.date | None = None,
    *,
    statuts=STATUTS_AVEC_OBJECTIF,
    minimum_qpv: bool = False,
    **portee,
) -> list[AvancementMarche]:
    """Each marché of the scope, its lots and their attributaires, target against hours: four queries.

    Scopes: ``donneur``, ``convention``, ``marche``, ``lot``; none is the whole territory. A lot is listed when its
    marché's status is in ``statuts`` and it has a clause and execution dates overlapping the period, or hours in the
    period. ``minimum_qpv``: only the lots whose clause sets a QPV minimum, every query restricted to them (the
    territorial bilan reads the territory's so, without grouping every hour of the territory by lot).

    Progress is judged at the end of the period, or on ``jour`` when that comes first (a period under way):
    hours recorded up to then against the pro-rata expectation at the end of the last complete month
    (``clauses.objectif.date_d_arrete``), by the rules of the lot's page and the portal: an attributaire is
    judged on its own share and planned dates when it has them, else on the lot's, and has no target when it
    shares the lot with others and has no share of its own.
    """
    _verifier(portee)
    hors_champ = {cle for cle in ("attribution", "entreprise") if portee.get(cle) is not None}
    if hors_champ:
        raise TypeError(f"Portée non prise en charge ici : {', '.join(sorted(hors_champ))}.")
    jour = min(jour or fin + dt.timedelta(days=1), fin + dt.timedelta(days=1))
    arrete = arrete_de_la_periode(fin, jour)
    jusqu_au = min(fin, jour)
    chemins = {
        "donneur": "marche__donneur_d_ordre",
        "convention": "marche__donneur_d_ordre__conventions",
        "marche": "marche",
        "lot": "pk",
    }
    lots = Lot.objects.filter(marche__statut__in=statuts)
    filtre_lots = None
    if minimum_qpv:
        lots = lots.filter(clause__part_qpv_minimum__gt=0)
        filtre_lots = Q(placement__attribution__lot__clause__part_qpv_minimum__gt=0)
    for cle, valeur in portee.items():
        if valeur is not None:
            lots = lots.filter(**{chemins[cle]: _pk(valeur)})
    par_lot = _heures_groupees("placement__attribution__lot", debut, jusqu_au, portee, statuts, filtre_lots)
    par_attribution = _heures_groupees("placement__attribution", debut, jusqu_au, portee, statuts, filtre_lots)
    avec_objectif = Q(
        clause__isnull=False,
        date_debut__isnull=False,
        date_fin__isnull=False,
        marche__statut__in=STATUTS_AVEC_OBJECTIF,
    )
    avec_heures = [lot for lot, chiffres in par_lot.items() if chiffres["lignes_periode"]]
    cible = Coalesce("clause__heures_forcees", "clause__heures_calculees", Value(0), output_field=IntegerField())
    sans_valeur = Value(None, output_field=FloatField())
    lignes_lots = list(
        lots.filter((avec_objectif & Q(date_debut__lte=fin, date_fin__gte=debut)) | Q(pk__in=avec_heures))
        .annotate(
            cible=cible,
            objectif_periode=Case(
                When(avec_objectif, then=objectif_au_prorata(debut, fin, "", cible)),
                default=sans_valeur,
                output_field=FloatField(),
            ),
        )
        .order_by()
        .values(
            "pk",
            "numero",
            "intitule",
            "date_debut",
            "date_fin",
            "cible",
            "objectif_periode",
            "clause__part_qpv_minimum",
            "marche_id",
            "marche__objet",
            "marche__reference",
            "marche__statut",
        )
    )
    # The attributaire's share as objectifs_periodes(attribution=…) spreads it: over the lot's dates. Every
    # attribution of the scope's lots is read (a join on the scope); those of lots not listed are left aside.
    listes = {lot["pk"] for lot in lignes_lots}
    part_attributaire = Coalesce("heures_objectif", "lot__clause__heures_forcees", "lot__clause__heures_calculees")
    attributions = [
        a
        for a in Attribution.objects.filter(lot__in=lots)
        .annotate(
            objectif_periode=Case(
                When(
                    Q(
                        lot__clause__isnull=False,
                        lot__date_debut__isnull=False,
                        lot__date_fin__isnull=False,
                        lot__marche__statut__in=STATUTS_AVEC_OBJECTIF,
                    ),
                    then=objectif_au_prorata(debut, fin, "lot__", part_attributaire),
                ),
                default=sans_valeur,
                output_field=FloatField(),
            )
        )
        .order_by("lot_id", "role", "entreprise__raison_sociale")
        .values(
            "pk",
            "lot_id",
            "role",
            "heures_objectif",
            "date_debut",
            "date_fin",
            "objectif_periode",
            "entreprise__raison_sociale",
        )
        if a["lot_id"] in listes
    ]

    def avancement(
        chiffres: dict, cible: int | None, periode, date_debut, date_fin, statut: str, part_qpv=None
    ) -> Avancement:
        attendues = None
        if cible and statut in STATUTS_AVEC_OBJECTIF:
            attendues = regles_objectif.heures_attendues(cible, date_debut, date_fin, arrete)
        cumul = chiffres.get("cumul", ZERO)
        return Avancement(
            objectif=cible,
            objectif_periode=_arrondi(periode) if cible is not None else None,
            heures_periode=chiffres.get("periode", ZERO),
            heures_cumulees=cumul,
            attendues=attendues,
            arrete_au=arrete,
            personnes=chiffres.get("personnes", 0),
            qpv=regles_objectif.minimum_qpv(part_qpv, cible, cumul, chiffres.get("cumul_qpv", ZERO), attendues),
            personnes_qpv=chiffres.get("personnes_qpv", 0),
        )

    attributions_du_lot: dict[int, list[dict]] = {}
    for attribution in attributions:
        attributions_du_lot.setdefault(attribution["lot_id"], []).append(attribution)
    roles = dict(RoleAttributaire.choices)
    libelles_statuts = dict(StatutMarche.choices)
    marches: dict[int, AvancementMarche] = {}
    for lot in sorted(lignes_lots, key=lambda x: (x["marche__objet"], x["marche_id"], _cle_numero(x["numero"]))):
        statut = lot["marche__statut"]
        du_lot = attributions_du_lot.get(lot["pk"], [])
        attributaires = []
        for a in du_lot:
            if a["heures_objectif"] is not None:
                part = a["heures_objectif"]
            else:
                part = lot["cible"] if len(du_lot) == 1 else None
            propres = a["date_debut"] and a["date_fin"]
            attributaires.append(
                AvancementAttributaire(
                    a["pk"],
                    a["entreprise__raison_sociale"],
                    roles.get(a["role"], a["role"]),
                    avancement(
                        par_attribution.get(a["pk"], {}),
                        part,
                        a["objectif_periode"],
                        a["date_debut"] if propres else lot["date_debut"],
                        a["date_fin"] if propres else lot["date_fin"],
                        statut,
                    ),
                )
            )
        marche = marches.setdefault(
            lot["marche_id"],
            AvancementMarche(
                lot["marche_id"],
                lot["marche__objet"],
                lot["marche__reference"],
                libelles_statuts.get(statut, statut),
                [],
            ),
        )
        marche.lots.append(
            AvancementLot(
                lot_id=lot["pk"],
                numero=lot["numero"],
                intitule=lot["intitule"],
                avancement=avancement(
                    par_lot.get(lot["pk"], {}),
                    lot["cible"],
                    lot["objectif_periode"],
                    lot["date_debut"],
                    lot["date_fin"],
                    statut,
                    lot["clause__part_qpv_minimum"],
                ),
                attributaires=attributaires,
            )
        )
    return list(marches.values())
