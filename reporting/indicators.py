"""The figures of the dashboards and reports, computed in the database.

Every function takes a period (``debut`` and ``fin``, both included) and an optional scope given as keyword
arguments, each a model instance or a primary key:

- ``donneur``: a donneur d'ordre;
- ``marche``: a marché;
- ``lot``: a lot;
- ``attribution``: an attributaire's part of a lot;
- ``entreprise``: a company, through its attributions (as attributaire of any lot);
- ``convention``: a convention de coopération, which covers every marché of its donneur d'ordre (so the
  same figures as ``donneur=`` its donneur d'ordre; the period says which year of the convention).

Hours are stored per month (``HeuresMensuelles.mois``, the first day of the month): a period counts the
months from ``debut``'s month to ``fin``'s month. ``mois`` is a plain DateField, so grouping by month needs
no TruncMonth and no time zone conversion: the stored value is already the month.

Definitions (also shown in the legend of the home page):

- *objectif de la période*: for each lot with a clause, of a marché attributed or later, whose execution
  dates are known, the lot's hour target × the share of its execution period (in days) that falls inside
  the period. Lots without execution dates are left out: there is no honest way to spread their target.
- *ETP*: hours ÷ ``settings.CLAUSES_HEURES_PAR_ETP`` (1 600 h).
- *personnes en parcours*: distinct participants with hours recorded in the period.
- *contrats*: placements that started in the period.
- *taux de réalisation*: hours ÷ objectif de la période.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    F,
    FilteredRelation,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce

from clauses import objectif as regles_objectif
from clauses.models import (
    CATEGORIE_PAR_SITUATION,
    CategorieSortie,
    Genre,
    HeuresMensuelles,
    ModalitePlacement,
    MomentSortie,
    NiveauQualification,
    Participant,
    Placement,
    Sortie,
    TypeContrat,
)
from clauses.objectif import date_d_arrete
from conventions.calendrier import add_months
from marches.models import (
    STATUTS_ACTIFS,
    STATUTS_AVEC_OBJECTIF,
    Attribution,
    Lot,
    Marche,
    RoleAttributaire,
    StatutMarche,
)
from reporting import agregats
from reporting.models import ObjectifLot

ZERO = Decimal("0")
DEUX_DECIMALES = Decimal("0.01")
# Marchés whose lots carry a target that counts: awarded or later (not drafts, not abandoned tenders).
EPOQUE = dt.date(1970, 1, 1)


# --- Periods ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Periode:
    debut: dt.date
    fin: dt.date

    @classmethod
    def annee(cls, annee: int) -> "Periode":
        return cls(dt.date(annee, 1, 1), dt.date(annee, 12, 31))

    @property
    def libelle(self) -> str:
        if (self.debut.month, self.debut.day, self.fin.month, self.fin.day) == (1, 1, 12, 31):
            if self.debut.year == self.fin.year:
                return str(self.debut.year)
        return f"du {self.debut:%d/%m/%Y} au {self.fin:%d/%m/%Y}"


def premier_du_mois(jour: dt.date) -> dt.date:
    return jour.replace(day=1)


# --- Scope -----------------------------------------------------------------------------------------

PORTEES = ("donneur", "convention", "marche", "lot", "attribution", "entreprise")
# Lookup paths from Attribution to each scope. A convention is reached through its donneur d'ordre: the join
# on the reverse foreign key matches one row (the convention asked for), so it multiplies nothing.
VERS_PORTEE = {
    "attribution": "",
    "entreprise": "entreprise",
    "lot": "lot",
    "marche": "lot__marche",
    "donneur": "lot__marche__donneur_d_ordre",
    "convention": "lot__marche__donneur_d_ordre__conventions",
}


def _verifier(portee: dict) -> None:
    inconnues = set(portee) - set(PORTEES)
    if inconnues:
        raise TypeError(f"Portée inconnue : {', '.join(sorted(inconnues))} (attendu : {', '.join(PORTEES)}).")


def _pk(valeur):
    """A model instance or its primary key, as a primary key (``pk=`` lookups refuse instances)."""
    return getattr(valeur, "pk", valeur)


def _portee(vers_attribution: str, portee: dict) -> Q:
    """The filter restricting a queryset to ``portee``, given the lookup path from its model to Attribution."""
    _verifier(portee)
    q = Q()
    for cle, valeur in portee.items():
        if valeur is not None:
            chemin = "__".join(c for c in (vers_attribution, VERS_PORTEE[cle]) if c) or "pk"
            q &= Q(**{chemin: _pk(valeur)})
    return q


def _heures(debut: dt.date, fin: dt.date, portee: dict) -> QuerySet:
    return HeuresMensuelles.objects.filter(
        _portee("placement__attribution", portee), mois__gte=premier_du_mois(debut), mois__lte=fin
    )


def _decimal(valeur) -> Decimal:
    if valeur is None:
        return ZERO
    return Decimal(str(valeur)).quantize(DEUX_DECIMALES, rounding=ROUND_HALF_UP)


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


# --- Target of a period ----------------------------------------------------------------------------


class ObjectifAuProrata(Func):
    """``objectif`` × the share of the days from ``lot_debut`` to ``lot_fin`` that fall in [debut, fin], as a float.

    One node rather than a tree of Greatest, Least, Cast and arithmetic: the SQL is the same, but the ORM resolves,
    copies and hashes each node of an aggregate's expression, which cost more than the query on a small territory.
    Without the lot's dates the result is NULL, which Sum skips. The period's bounds are day numbers written as
    integer literals: they come from dates, never from the request.
    """

    output_field = FloatField()

    def __init__(self, objectif, lot_debut, lot_fin, debut: dt.date, fin: dt.date):
        super().__init__(objectif, lot_debut, lot_fin)
        self.debut, self.fin = (debut - EPOQUE).days, (fin - EPOQUE).days

    def _sql(self, compiler, connection, jour: str, flottant: str, plus_grand: str, plus_petit: str):
        (objectif, p_objectif), (debut, p_debut), (fin, p_fin) = (compiler.compile(e) for e in self.source_expressions)
        lot_debut, lot_fin = jour.format(debut), jour.format(fin)
        # The structure of the former expression, operation for operation: the same floating-point result.
        sql = (
            f"(({flottant.format(objectif)} * {plus_grand}((({plus_petit}({lot_fin}, {int(self.fin)}) - "
            f"{plus_grand}({lot_debut}, {int(self.debut)})) + 1), 0)) / (({lot_fin} - {lot_debut}) + 1))"
        )
        return sql, (*p_objectif, *p_fin, *p_debut, *p_fin, *p_debut)

    def as_sql(self, compiler, connection, function=None, template=None, arg_joiner=None, **extra_context):
        return self._sql(
            compiler, connection, "({} - DATE '1970-01-01')", "({})::double precision", "GREATEST", "LEAST"
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        # julianday() of a bare date is always n + 0.5; 2440587.5 is 1970-01-01.
        return self._sql(
            compiler, connection, "CAST(julianday({}) - 2440587.5 AS INTEGER)", "CAST({} AS REAL)", "MAX", "MIN"
        )


def _objectif_au_prorata(debut: dt.date, fin: dt.date, vers_lot: str, objectif) -> ObjectifAuProrata:
    """``objectif`` × the share of the lot's execution days that fall in [debut, fin]."""
    return ObjectifAuProrata(objectif, F(f"{vers_lot}date_debut"), F(f"{vers_lot}date_fin"), debut, fin)


def objectifs_periodes(periodes: dict[str, tuple[dt.date, dt.date]], **portee) -> dict[str, Decimal]:
    """The targets of several periods at once (one query); see the module's docstring for the definition.

    With an ``attribution`` or ``entreprise`` scope the targets are the attributaires': each attribution's own
    share of its lot's target when it is set, else the lot's target (spread over the lot's execution dates).
    """
    _verifier(portee)
    if not periodes:
        return {}
    lignes: QuerySet
    objectif: Combinable
    if portee.get("attribution") is not None or portee.get("entreprise") is not None:
        lignes = Attribution.objects.filter(
            _portee("", portee), lot__clause__isnull=False, lot__marche__statut__in=STATUTS_AVEC_OBJECTIF
        )
        vers_lot, objectif = (
            "lot__",
            Coalesce("heures_objectif", "lot__clause__heures_forcees", "lot__clause__heures_calculees"),
        )
    else:
        if agregats.disponibles():
            # The lots that count, their target and dates in one narrow table kept by PostgreSQL (ObjectifLot).
            lignes, objectif, vers_donneur = ObjectifLot.objects.all(), F("cible"), "donneur_d_ordre"
        else:
            lignes = Lot.objects.filter(clause__isnull=False, marche__statut__in=STATUTS_AVEC_OBJECTIF)
            objectif = Coalesce("clause__heures_forcees", "clause__heures_calculees")
            vers_donneur = "marche__donneur_d_ordre"
        vers_lot = ""
        chemins = {
            "donneur": vers_donneur,
            "convention": f"{vers_donneur}__conventions",
            "marche": "marche",
            "lot": "pk",
        }
        for cle, valeur in portee.items():
            if valeur is not None:
                lignes = lignes.filter(**{chemins[cle]: _pk(valeur)})
    # A lot whose execution dates fall outside every period adds 0 to each sum: leaving it out changes nothing
    # but spares the join of most lots of ten years of marchés (the dates also say they are not null).
    lignes = lignes.filter(
        **{
            f"{vers_lot}date_debut__lte": max(fin for _, fin in periodes.values()),
            f"{vers_lot}date_fin__gte": min(debut for debut, _ in periodes.values()),
        }
    )
    resultat = lignes.aggregate(
        **{cle: Sum(_objectif_au_prorata(debut, fin, vers_lot, objectif)) for cle, (debut, fin) in periodes.items()}
    )
    # Facilitators announce whole hours (clauses.objectif): so are the targets of a period.
    return {cle: _decimal(valeur).quantize(Decimal(1), rounding=ROUND_HALF_UP) for cle, valeur in resultat.items()}


def objectif_periode(debut: dt.date, fin: dt.date, **portee) -> Decimal:
    return objectifs_periodes({"objectif": (debut, fin)}, **portee)["objectif"]


def taux_realisation(heures: Decimal, objectif: Decimal | int | None) -> Decimal | None:
    """Hours ÷ target (1 = 100 %); None without a target."""
    if not objectif:
        return None
    return Decimal(heures) / Decimal(objectif)


# --- Breakdowns ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One row of a breakdown: a category, its value and its share of the total (None when the total is 0)."""

    code: str
    libelle: str
    valeur: Decimal | int
    part: Decimal | None = None


def _avec_parts(lignes: list[tuple[str, str, Decimal | int]], total: Decimal | int | None = None) -> list[Part]:
    total = sum((v for _, _, v in lignes), 0) if total is None else total
    return [
        Part(code, libelle, valeur, Decimal(valeur) / Decimal(total) if total else None)
        for code, libelle, valeur in lignes
    ]


def repartition_par(
    champ: str,
    debut: dt.date,
    fin: dt.date,
    *,
    libelles: dict[str, str] | None = None,
    mesure: str = "heures",
    **portee,
) -> list[Part]:
    """Hours (``mesure="heures"``) or distinct people (``"personnes"``) of the period, grouped by ``champ``.

    ``champ`` is a lookup from HeuresMensuelles (``"placement__modalite"``, ``"placement__type_contrat"``…).
    Rows come largest first; ``libelles`` turns codes into labels.
    """
    libelles = libelles or {}
    if mesure == "heures" and champ == "placement__modalite":
        _verifier(portee)
        lignes = agregats.heures_par_modalite(debut, fin, portee)
        if lignes is not None:
            return _avec_parts([(code, libelles.get(code, code), valeur) for code, valeur in lignes])
    agregat: Func
    if mesure == "heures":
        agregat = Coalesce(Sum("heures"), ZERO)
    elif mesure == "personnes":
        agregat = Count("placement__participant", distinct=True, filter=Q(heures__gt=0))
    else:
        raise ValueError(f"Mesure inconnue : {mesure}")
    lignes = (
        _heures(debut, fin, portee)
        .values(champ)
        .annotate(valeur=agregat)
        .filter(valeur__gt=0)
        .order_by("-valeur", champ)
    )
    return _avec_parts([(str(r[champ]), libelles.get(r[champ], str(r[champ])), r["valeur"]) for r in lignes])


def heures_par_modalite(debut: dt.date, fin: dt.date, **portee) -> list[Part]:
    return repartition_par("placement__modalite", debut, fin, libelles=dict(ModalitePlacement.choices), **portee)


def contrats_par_type(debut: dt.date, fin: dt.date, **portee) -> list[Part]:
    """Placements started in the period, by type of contract, most frequent first."""
    return _contrats_par_type({"periode": (debut, fin)}, portee)["periode"]


def _contrats_par_type(periodes: dict[str, tuple[dt.date, dt.date]], portee: dict) -> dict[str, list[Part]]:
    """``contrats_par_type`` of several periods in one query: a count per type and per period."""
    lignes = agregats.contrats_par_type(periodes, portee)
    if lignes is None:
        lignes = _contrats_par_type_depuis_les_placements(periodes, portee)
    libelles = dict(TypeContrat.choices)
    resultat = {}
    for i, cle in enumerate(periodes):
        # Most frequent first, then by code: the codes are ASCII, so Python orders them as the database would.
        comptes = sorted(
            ((r["type_contrat"], r[f"n_{i}"]) for r in lignes if r[f"n_{i}"]), key=lambda c: (-c[1], c[0])
        )
        resultat[cle] = _avec_parts([(code, libelles.get(code, code), n) for code, n in comptes])
    return resultat


def _contrats_par_type_depuis_les_placements(periodes: dict[str, tuple[dt.date, dt.date]], portee: dict) -> list:
    return list(
        Placement.objects.filter(
            _portee("attribution", portee),
            date_debut__gte=min(debut for debut, _ in periodes.values()),
            date_debut__lte=max(fin for _, fin in periodes.values()),
        )
        .values("type_contrat")
        # A count of date_debut (never null), not of the primary key: an index on (date_debut) including
        # type_contrat then answers alone.
        .annotate(
            **{
                f"n_{i}": Count("date_debut", filter=Q(date_debut__gte=debut, date_debut__lte=fin))
                for i, (debut, fin) in enumerate(periodes.values())
            }
        )
        .order_by()
    )


SANS_CRITERE = "Aucun critère renseigné"


def personnes_par_public(
    debut: dt.date, fin: dt.date, *, personnes: int | None = None, **portee
) -> tuple[list[Part], int]:
    """People in placement in the period, by eligibility criterion, and the number of distinct people.

    A person may match several criteria: the rows add up to more than the total, and each share is taken
    of the distinct people, not of the sum of the rows. ``personnes``: that number when the caller already
    has it (``synthese_heures(debut, fin, **portee).personnes``, the same people), which spares a query.
    """
    en_parcours = _personnes_en_parcours(debut, fin, portee)
    tenues = agregats.personnes_par_critere(debut, fin, portee)
    if tenues is not None:
        # The territory's year, from its running counts; in PostgreSQL's order (the empty criterion after the
        # others at equal counts, as NULL sorts last).
        lignes = sorted(tenues, key=lambda r: (-r[3], r[2] is None, r[2] or 0, r[1] or ""))
    else:
        # A person has a criterion at most once (the link table is unique on the pair): a plain count per
        # criterion counts distinct people, and the people without any come once, under the empty criterion.
        lignes = [
            (r["criteres__code"], r["criteres__libelle"], r["criteres__ordre"], r["n"])
            for r in en_parcours.values("criteres__code", "criteres__libelle", "criteres__ordre")
            .annotate(n=Count("pk"))
            .order_by("-n", "criteres__ordre", "criteres__libelle")
        ]
    rangees = [(code or "", libelle or SANS_CRITERE, n) for code, libelle, _, n in lignes]
    total = en_parcours.count() if personnes is None else personnes
    return _avec_parts(rangees, total), total


# --- People in placement, by what describes them ----------------------------------------------------
#
# The population is the one of ``personnes_en_parcours``: distinct participants with hours recorded in the
# period and the scope. Each function answers every category of its nomenclature, in the nomenclature's
# order, zeros included, so that tables keep the same rows from one year to the next; shares are taken of
# the distinct people. One query each.

TRANCHES_AGE = (
    ("moins_26", "Moins de 26 ans"),
    ("26_49", "26 à 49 ans"),
    ("50_plus", "50 ans et plus"),
)


@dataclass(frozen=True)
class Population:
    """The people in placement of a period and scope and the ``Synthese`` of its hours, from one walk over the hours.

    ``participants`` restricts other queries to those people (``pk__in``): their ids, drawn once so that each
    breakdown reads a few hundred participants by primary key instead of walking the scope's marchés, lots,
    attributions, placements and hours again; for the whole territory, a subquery (a list would hold most people).
    """

    participants: list[int] | QuerySet
    synthese: Synthese

    @property
    def nombre(self) -> int:
        return self.synthese.personnes


def population_en_parcours(debut: dt.date, fin: dt.date, **portee) -> Population:
    """``personnes_en_parcours`` as ids, with ``synthese_heures`` of the same period and scope (one query)."""
    _verifier(portee)
    cumuls = agregats.population(debut, fin, portee)
    if cumuls is not None:
        participants, chiffres = cumuls
        return Population(participants, Synthese(*chiffres))
    if all(valeur is None for valeur in portee.values()):
        # No walk to spare over the whole territory: the hours of the period are read directly.
        participants = _heures(debut, fin, portee).filter(heures__gt=0).values("placement__participant")
        return Population(participants, synthese_heures(debut, fin))
    # The hours grouped by person and marché (a few rows per person): the sums and the distinct people and
    # marchés of synthese_heures follow from these groups exactly.
    lignes = (
        _heures(debut, fin, portee)
        .order_by()
        .values_list("placement__participant", "placement__attribution__lot__marche")
        # A count of the hours (never null), not of the primary key: the index on (placement, mois) including
        # the hours then answers without reading the table.
        .annotate(total=Sum("heures"), positives=Count("heures", filter=Q(heures__gt=0)))
    )
    heures, personnes, marches = ZERO, set(), set()
    for participant, marche, total, positives in lignes:
        heures += total
        if positives:
            personnes.add(participant)
            marches.add(marche)
    return Population(sorted(personnes), Synthese(heures, len(personnes), len(marches)))


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


def _par_nomenclature(lignes, cle: str, nomenclature) -> list[Part]:
    """Counts (rows of ``cle`` and ``n``) as one Part per category of ``nomenclature``, in its order."""
    comptes = {r[cle]: r["n"] for r in lignes}
    rangees = [(code, libelle, comptes.pop(code, 0)) for code, libelle in nomenclature]
    # A code the nomenclature no longer has (an old value) still counts, under its own name.
    rangees += [(str(code), str(code), n) for code, n in sorted(comptes.items(), key=lambda c: str(c[0]))]
    return _avec_parts(rangees)


def _personnes_par(champ: str, nomenclature, debut: dt.date, fin: dt.date, portee: dict) -> list[Part]:
    lignes = _personnes_en_parcours(debut, fin, portee).values(champ).annotate(n=Count("pk"))
    return _par_nomenclature(lignes, champ, nomenclature)


def personnes_par_genre(debut: dt.date, fin: dt.date, **portee) -> list[Part]:
    return _personnes_par("genre", Genre.choices, debut, fin, portee)


def personnes_par_qualification(debut: dt.date, fin: dt.date, **portee) -> list[Part]:
    return _personnes_par("niveau_qualification", NiveauQualification.choices, debut, fin, portee)


RESIDENCE_QPV = (
    ("qpv", "Réside en quartier prioritaire (QPV)"),
    ("hors_qpv", "Ne réside pas en quartier prioritaire"),
)


def _residence() -> Case:
    return Case(When(reside_qpv=True, then=Value("qpv")), default=Value("hors_qpv"))


def personnes_par_qpv(debut: dt.date, fin: dt.date, **portee) -> list[Part]:
    """People in placement by residence in a quartier prioritaire de la politique de la ville (``RESIDENCE_QPV``)."""
    lignes = (
        _personnes_en_parcours(debut, fin, portee)
        .annotate(residence=_residence())
        .values("residence")
        .annotate(n=Count("pk"))
    )
    return _par_nomenclature(lignes, "residence", RESIDENCE_QPV)


def _tranche_d_age(fin: dt.date) -> Case:
    ne_apres_26 = add_months(fin, -12 * 26)
    ne_apres_50 = add_months(fin, -12 * 50)
    return Case(
        When(date_naissance__gt=ne_apres_26, then=Value("moins_26")),
        When(date_naissance__gt=ne_apres_50, then=Value("26_49")),
        default=Value("50_plus"),
    )


def personnes_par_tranche_d_age(debut: dt.date, fin: dt.date, **portee) -> list[Part]:
    """People by age on the last day of the period (``TRANCHES_AGE``).

    One reference day for everyone gives each person one age, so the rows add up to the people; the age at
    the start of each placement would count a person with two placements twice. Being at least N years old
    on ``fin`` is being born on or before ``fin`` shifted back N years (29 February → 28 February), which
    turns the bands into ranges of birth dates and needs no date arithmetic in SQL.
    """
    lignes = (
        _personnes_en_parcours(debut, fin, portee)
        .annotate(tranche=_tranche_d_age(fin))
        .values("tranche")
        .annotate(n=Count("pk"))
    )
    return _par_nomenclature(lignes, "tranche", TRANCHES_AGE)


@dataclass(frozen=True)
class RepartitionsDesPersonnes:
    """The breakdowns of ``personnes_par_genre``, ``_tranche_d_age``, ``_qualification``, ``_qpv`` and
    ``_public`` of one population; ``publics`` is None when not asked for."""

    nombre: int
    genre: list[Part]
    age: list[Part]
    qualification: list[Part]
    qpv: list[Part]
    publics: list[Part] | None


def repartitions_des_personnes(
    debut: dt.date, fin: dt.date, *, population: Population | None = None, publics: bool = True, **portee
) -> RepartitionsDesPersonnes:
    """Every breakdown of the people in placement, as the ``personnes_par_*`` functions give them, in two queries
    (one without ``publics``) once ``population`` (``population_en_parcours(debut, fin, **portee)``) is known, one more
    otherwise.

    Genre, age, qualification and residence come from one count per combination of the four (a few dozen rows
    at most, whatever the number of people), which adds up to each breakdown: every person is in one combination.
    """
    population = population or population_en_parcours(debut, fin, **portee)
    personnes = Participant.objects.filter(pk__in=population.participants).order_by()
    combinaisons = list(
        personnes.annotate(tranche=_tranche_d_age(fin), residence=_residence())
        .values("genre", "niveau_qualification", "tranche", "residence")
        .annotate(n=Count("pk"))
    )

    def marge(cle: str, nomenclature) -> list[Part]:
        comptes: dict = {}
        for ligne in combinaisons:
            comptes[ligne[cle]] = comptes.get(ligne[cle], 0) + ligne["n"]
        return _par_nomenclature(({cle: code, "n": n} for code, n in comptes.items()), cle, nomenclature)

    parts_publics = None
    if publics:
        lignes = (
            personnes.values("criteres__code", "criteres__libelle", "criteres__ordre")
            .annotate(n=Count("pk"))
            .order_by("-n", "criteres__ordre", "criteres__libelle")
        )
        rangees = [(r["criteres__code"] or "", r["criteres__libelle"] or SANS_CRITERE, r["n"]) for r in lignes]
        parts_publics = _avec_parts(rangees, population.nombre)
    return RepartitionsDesPersonnes(
        nombre=population.nombre,
        genre=marge("genre", Genre.choices),
        age=marge("tranche", TRANCHES_AGE),
        qualification=marge("niveau_qualification", NiveauQualification.choices),
        qpv=marge("residence", RESIDENCE_QPV),
        publics=parts_publics,
    )


def sorties_par_categorie(debut: dt.date, fin: dt.date, **portee) -> list[Part]:
    """Outcomes at the end of a placement (``MomentSortie.FIN_PARCOURS``) noted in the period, by national
    category. A person whose two placements ended in the period counts twice: this counts outcomes."""
    lignes = (
        Sortie.objects.filter(
            _portee("placement__attribution", portee),
            moment=MomentSortie.FIN_PARCOURS,
            date_constat__gte=debut,
            date_constat__lte=fin,
        )
        .with_categorie()
        .values("categorie_code")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _par_nomenclature(lignes, "categorie_code", CategorieSortie.choices)


def contrats_et_sorties(debut: dt.date, fin: dt.date, **portee) -> tuple[list[Part], list[Part]]:
    """``contrats_par_type`` and ``sorties_par_categorie`` of one period and scope, in one query within a scope.

    Both count the scope's placements: those started in the period by type of contract, and those whose end of
    placement outcome (at most one per placement) was noted in the period by situation; the query walks the
    scope's marchés, lots and attributions once for both. A count per type and situation (a few dozen rows at
    most) adds up to each breakdown; situations fall into their national category as ``with_categorie`` does.
    Over the whole territory, two queries: there is no walk to share, and each reads its own index.
    """
    _verifier(portee)
    if all(valeur is None for valeur in portee.values()):
        return contrats_par_type(debut, fin), sorties_par_categorie(debut, fin)
    tenus = agregats.contrats_et_sorties(debut, fin, portee)
    if tenus is not None:
        par_type, par_situation = tenus
        par_categorie: dict[str, int] = {}
        for situation, n in par_situation.items():
            categorie = CATEGORIE_PAR_SITUATION.get(situation, CategorieSortie.AUTRE).value
            par_categorie[categorie] = par_categorie.get(categorie, 0) + n
        return _contrats_et_sorties(par_type, par_categorie)
    commence = Q(date_debut__gte=debut, date_debut__lte=fin)
    lignes = list(
        Placement.objects.filter(_portee("attribution", portee))
        .annotate(
            sortie_fin=FilteredRelation(
                "sorties",
                condition=Q(
                    sorties__moment=MomentSortie.FIN_PARCOURS,
                    sorties__date_constat__gte=debut,
                    sorties__date_constat__lte=fin,
                ),
            )
        )
        .filter(commence | Q(sortie_fin__isnull=False))
        .values("type_contrat", "sortie_fin__situation")
        .annotate(contrats=Count("pk", filter=commence), sorties=Count("sortie_fin__pk"))
        .order_by()
    )
    par_type, par_categorie = {}, {}
    for ligne in lignes:
        if ligne["contrats"]:
            par_type[ligne["type_contrat"]] = par_type.get(ligne["type_contrat"], 0) + ligne["contrats"]
        if ligne["sorties"]:
            categorie = CATEGORIE_PAR_SITUATION.get(ligne["sortie_fin__situation"], CategorieSortie.AUTRE).value
            par_categorie[categorie] = par_categorie.get(categorie, 0) + ligne["sorties"]
    return _contrats_et_sorties(par_type, par_categorie)


def _contrats_et_sorties(par_type: dict[str, int], par_categorie: dict[str, int]) -> tuple[list[Part], list[Part]]:
    libelles = dict(TypeContrat.choices)
    # Most frequent first, then by code, as contrats_par_type orders them.
    comptes = sorted(par_type.items(), key=lambda c: (-c[1], c[0]))
    contrats = _avec_parts([(code, libelles.get(code, code), n) for code, n in comptes])
    sorties = _par_nomenclature(
        ({"categorie_code": code, "n": n} for code, n in par_categorie.items()),
        "categorie_code",
        CategorieSortie.choices,
    )
    return contrats, sorties


@dataclass(frozen=True)
class Mois:
    mois: dt.date  # first day of the month
    heures: Decimal


def heures_par_mois(dernier_mois: dt.date, nombre: int = 12, **portee) -> list[Mois]:
    """Hours of the ``nombre`` months ending with ``dernier_mois``'s month, oldest first, months without
    hours at zero."""
    fin = premier_du_mois(dernier_mois)
    debut = add_months(fin, -(nombre - 1))
    _verifier(portee)
    totaux = agregats.heures_par_mois(debut, fin, portee)
    totaux = (
        totaux
        if totaux is not None
        else {
            ligne["mois"]: ligne["total"]
            for ligne in _heures(debut, fin, portee).values("mois").annotate(total=Sum("heures")).order_by("mois")
        }
    )
    return [Mois(m, totaux.get(m, ZERO)) for m in (add_months(debut, i) for i in range(nombre))]


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


def _cle_numero(numero: str) -> tuple:
    """Lot numbers in natural order: 1, 2, 3a, 10, then « Unique »."""
    chiffres = len(numero) - len(numero.lstrip("0123456789"))
    return (0, int(numero[:chiffres]), numero[chiffres:]) if chiffres else (1, 0, numero)


def _heures_groupees(champ: str, debut: dt.date, fin: dt.date, portee: dict, statuts) -> dict[int, dict]:
    """Hours of [debut, fin], hours from the start to ``fin`` and people of [debut, fin], by ``champ`` (one query,
    over the scope's hours: a join on the scope, not a list of lots, which the planner handles far better)."""
    debut_mois = premier_du_mois(debut)
    dans_la_periode = Q(mois__gte=debut_mois)
    lignes = (
        HeuresMensuelles.objects.filter(
            _portee("placement__attribution", portee),
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
        )
    )
    return {ligne[champ]: ligne for ligne in lignes}


def _arrondi(valeur) -> Decimal | None:
    """A period's target, in whole hours as ``objectifs_periodes`` gives them; None stays None."""
    if valeur is None:
        return None
    return _decimal(valeur).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def arrete_de_la_periode(fin: dt.date, jour: dt.date | None = None) -> dt.date:
    """The day progress over a period ending on ``fin`` is judged at, seen on ``jour``: the end of the last
    complete month before the day after ``fin``, or before ``jour`` when the period is still under way."""
    lendemain = fin + dt.timedelta(days=1)
    return regles_objectif.date_d_arrete(min(jour or lendemain, lendemain))


def avancement_des_marches(
    debut: dt.date, fin: dt.date, jour: dt.date | None = None, *, statuts=STATUTS_AVEC_OBJECTIF, **portee
) -> list[AvancementMarche]:
    """Each marché of the scope, its lots and their attributaires, target against hours: four queries.

    Scopes: ``donneur``, ``convention``, ``marche``, ``lot``. A lot is listed when its marché's status is in
    ``statuts`` and it has a clause and execution dates overlapping the period, or hours in the period.

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
    for cle, valeur in portee.items():
        if valeur is not None:
            lots = lots.filter(**{chemins[cle]: _pk(valeur)})
    par_lot = _heures_groupees("placement__attribution__lot", debut, jusqu_au, portee, statuts)
    par_attribution = _heures_groupees("placement__attribution", debut, jusqu_au, portee, statuts)
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
                When(avec_objectif, then=_objectif_au_prorata(debut, fin, "", cible)),
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
                    then=_objectif_au_prorata(debut, fin, "lot__", part_attributaire),
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

    def avancement(chiffres: dict, cible: int | None, periode, date_debut, date_fin, statut: str) -> Avancement:
        attendues = None
        if cible and statut in STATUTS_AVEC_OBJECTIF:
            attendues = regles_objectif.heures_attendues(cible, date_debut, date_fin, arrete)
        return Avancement(
            objectif=cible,
            objectif_periode=_arrondi(periode) if cible is not None else None,
            heures_periode=chiffres.get("periode", ZERO),
            heures_cumulees=chiffres.get("cumul", ZERO),
            attendues=attendues,
            arrete_au=arrete,
            personnes=chiffres.get("personnes", 0),
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
                ),
                attributaires=attributaires,
            )
        )
    return list(marches.values())


# --- Key figures of a period -----------------------------------------------------------------------


@dataclass(frozen=True)
class ChiffresCles:
    periode: Periode
    heures: Decimal
    objectif: Decimal
    # Target from the start of the period to the end of the last complete month (hours come in monthly
    # statements, so the current month cannot be judged yet); None when the period is not under way.
    attendu_a_date: Decimal | None
    fin_attendu: dt.date | None
    personnes: int
    marches_avec_heures: int
    contrats: list[Part]

    @property
    def etp(self) -> Decimal:
        return etp(self.heures)

    @property
    def nombre_contrats(self) -> int:
        return sum(int(p.valeur) for p in self.contrats)  # counts of contracts

    @property
    def taux(self) -> Decimal | None:
        return taux_realisation(self.heures, self.objectif)


@dataclass(frozen=True)
class HeuresEtObjectif:
    """The hours of a period against its target, as ``ChiffresCles`` gives them, without the people and contracts."""

    periode: Periode
    heures: Decimal
    objectif: Decimal
    attendu_a_date: Decimal | None
    fin_attendu: dt.date | None

    @property
    def etp(self) -> Decimal:
        return etp(self.heures)

    @property
    def taux(self) -> Decimal | None:
        return taux_realisation(self.heures, self.objectif)


def heures_et_objectif(
    periode: Periode, jour: dt.date, *, heures: Decimal | None = None, **portee
) -> HeuresEtObjectif:
    """``chiffres_cles`` for a page that shows no people nor contracts (two queries, no distinct count).

    ``heures``: the period's hours when the caller already has them (``population_en_parcours(…).synthese.heures``),
    which spares a query."""
    fin_attendu = date_d_arrete(jour)
    en_cours = periode.debut <= fin_attendu < periode.fin
    fenetres = {"objectif": (periode.debut, periode.fin)}
    if en_cours:
        fenetres["attendu"] = (periode.debut, fin_attendu)
    objectifs = objectifs_periodes(fenetres, **portee)
    return HeuresEtObjectif(
        periode=periode,
        heures=heures_realisees(periode.debut, periode.fin, **portee) if heures is None else heures,
        objectif=objectifs["objectif"],
        attendu_a_date=objectifs["attendu"] if en_cours else None,
        fin_attendu=fin_attendu if en_cours else None,
    )


def chiffres_cles(periode: Periode, jour: dt.date, **portee) -> ChiffresCles:
    """The key figures of a period, in three queries whatever the volume."""
    return _chiffres_cles((periode,), jour, portee)[0]


def chiffres_cles_comparees(
    periode: Periode, precedente: Periode, jour: dt.date, **portee
) -> tuple[ChiffresCles, ChiffresCles]:
    """``chiffres_cles`` of two periods (a year and the one before), in four queries rather than six: the targets
    and the contracts of both periods come from one query each."""
    chiffres, precedents = _chiffres_cles((periode, precedente), jour, portee)
    return chiffres, precedents


def _chiffres_cles(periodes: tuple[Periode, ...], jour: dt.date, portee: dict) -> list[ChiffresCles]:
    fin_attendu = date_d_arrete(jour)
    en_cours = [p.debut <= fin_attendu < p.fin for p in periodes]
    fenetres = {}
    for i, periode in enumerate(periodes):
        fenetres[f"objectif_{i}"] = (periode.debut, periode.fin)
        if en_cours[i]:
            fenetres[f"attendu_{i}"] = (periode.debut, fin_attendu)
    objectifs = objectifs_periodes(fenetres, **portee)
    contrats = _contrats_par_type({f"periode_{i}": (p.debut, p.fin) for i, p in enumerate(periodes)}, portee)
    resultat = []
    for i, periode in enumerate(periodes):
        # One query per period: a single scan over both periods' hours, with its distinct counts, costs more.
        synthese = synthese_heures(periode.debut, periode.fin, **portee)
        resultat.append(
            ChiffresCles(
                periode=periode,
                heures=synthese.heures,
                objectif=objectifs[f"objectif_{i}"],
                attendu_a_date=objectifs[f"attendu_{i}"] if en_cours[i] else None,
                fin_attendu=fin_attendu if en_cours[i] else None,
                personnes=synthese.personnes,
                marches_avec_heures=synthese.marches,
                contrats=contrats[f"periode_{i}"],
            )
        )
    return resultat


__all__ = [
    "Avancement",
    "AvancementAttributaire",
    "AvancementLot",
    "AvancementMarche",
    "ChiffresCles",
    "HeuresEtObjectif",
    "Mois",
    "Part",
    "Periode",
    "Population",
    "RepartitionsDesPersonnes",
    "Synthese",
    "chiffres_cles",
    "chiffres_cles_comparees",
    "contrats_et_sorties",
    "contrats_par_type",
    "arrete_de_la_periode",
    "avancement_des_marches",
    "etp",
    "heures_et_objectif",
    "heures_par_modalite",
    "heures_par_mois",
    "heures_realisees",
    "marches_actifs",
    "objectif_periode",
    "objectifs_periodes",
    "personnes_en_parcours",
    "personnes_par_genre",
    "personnes_par_public",
    "personnes_par_qpv",
    "personnes_par_qualification",
    "personnes_par_tranche_d_age",
    "population_en_parcours",
    "repartitions_des_personnes",
    "repartition_par",
    "sorties_par_categorie",
    "synthese_heures",
    "taux_realisation",
]
