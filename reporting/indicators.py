"""The figures of the dashboards and reports, computed in the database.

Every function takes a period (``debut`` and ``fin``, both included) and an optional scope given as keyword
arguments, each a model instance or a primary key:

- ``donneur``: a donneur d'ordre;
- ``marche``: a marché;
- ``lot``: a lot;
- ``attribution``: an attributaire's part of a lot.

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
    Exists,
    ExpressionWrapper,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, Least

from clauses.models import (
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
from marches.models import STATUTS_ACTIFS, STATUTS_AVEC_OBJECTIF, Attribution, Lot, Marche

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

PORTEES = ("donneur", "marche", "lot", "attribution")


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
    chemins = {
        "attribution": vers_attribution,
        "lot": f"{vers_attribution}__lot",
        "marche": f"{vers_attribution}__lot__marche",
        "donneur": f"{vers_attribution}__lot__marche__donneur_d_ordre",
    }
    q = Q()
    for cle, valeur in portee.items():
        if valeur is not None:
            q &= Q(**{chemins[cle]: valeur})
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
    chemins = {"donneur": "donneur_d_ordre", "marche": "pk", "lot": "lots", "attribution": "lots__attributions"}
    for cle, valeur in portee.items():
        if valeur is not None:
            marches = marches.filter(**{chemins[cle]: _pk(valeur)})
    return marches.values("pk").distinct().count()


# --- Target of a period ----------------------------------------------------------------------------


class NumeroDeJour(Func):
    """Days from 1 January 1970 to a date, as an integer, so that date spans can be divided in SQL."""

    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        # julianday() of a bare date is always n + 0.5; 2440587.5 is 1970-01-01.
        return self.as_sql(
            compiler, connection, template="CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)", **extra_context
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        # date - date is an integer number of days in PostgreSQL.
        return self.as_sql(compiler, connection, template="(%(expressions)s - DATE '1970-01-01')", **extra_context)


def _jour(jour: dt.date) -> Value:
    return Value((jour - EPOQUE).days, output_field=IntegerField())


def _objectif_au_prorata(debut: dt.date, fin: dt.date, vers_lot: str, objectif) -> ExpressionWrapper:
    """``objectif`` × the share of the lot's execution days that fall in [debut, fin]."""
    lot_debut = NumeroDeJour(f"{vers_lot}date_debut")
    lot_fin = NumeroDeJour(f"{vers_lot}date_fin")
    recouvrement = Greatest(Least(lot_fin, _jour(fin)) - Greatest(lot_debut, _jour(debut)) + 1, Value(0))
    return ExpressionWrapper(
        Cast(objectif, FloatField()) * recouvrement / (lot_fin - lot_debut + 1), output_field=FloatField()
    )


def objectifs_periodes(periodes: dict[str, tuple[dt.date, dt.date]], **portee) -> dict[str, Decimal]:
    """The targets of several periods at once (one query); see the module's docstring for the definition.

    With an ``attribution`` scope the attributaire's own share of the target is used when it is set.
    """
    _verifier(portee)
    if not periodes:
        return {}
    objectif_lot = Coalesce("clause__heures_forcees", "clause__heures_calculees")
    if portee.get("attribution") is not None:
        lignes = Attribution.objects.filter(pk=_pk(portee["attribution"]))
        vers_lot, objectif = (
            "lot__",
            Coalesce("heures_objectif", "lot__clause__heures_forcees", "lot__clause__heures_calculees"),
        )
    else:
        lignes = Lot.objects.all()
        vers_lot, objectif = "", objectif_lot
        chemins = {"donneur": "marche__donneur_d_ordre", "marche": "marche", "lot": "pk"}
        for cle, valeur in portee.items():
            if valeur is not None:
                lignes = lignes.filter(**{chemins[cle]: _pk(valeur)})
    lignes = lignes.filter(
        **{
            f"{vers_lot}clause__isnull": False,
            f"{vers_lot}date_debut__isnull": False,
            f"{vers_lot}date_fin__isnull": False,
            f"{vers_lot}marche__statut__in": STATUTS_AVEC_OBJECTIF,
        }
    )
    resultat = lignes.aggregate(
        **{cle: Sum(_objectif_au_prorata(debut, fin, vers_lot, objectif)) for cle, (debut, fin) in periodes.items()}
    )
    # Facilitators announce whole hours (clauses.objectif): so are the targets of a period.
    return {cle: _decimal(valeur).quantize(Decimal(1), rounding=ROUND_HALF_UP) for cle, valeur in resultat.items()}


def objectif_periode(debut: dt.date, fin: dt.date, **portee) -> Decimal:
    return objectifs_periodes({"objectif": (debut, fin)}, **portee)["objectif"]


def taux_realisation(heures: Decimal, objectif: Decimal) -> Decimal | None:
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
    libelles = libelles or {}
    return _avec_parts([(str(r[champ]), libelles.get(r[champ], str(r[champ])), r["valeur"]) for r in lignes])


def heures_par_modalite(debut: dt.date, fin: dt.date, **portee) -> list[Part]:
    return repartition_par("placement__modalite", debut, fin, libelles=dict(ModalitePlacement.choices), **portee)


def contrats_par_type(debut: dt.date, fin: dt.date, **portee) -> list[Part]:
    """Placements started in the period, by type of contract, most frequent first."""
    lignes = (
        Placement.objects.filter(_portee("attribution", portee), date_debut__gte=debut, date_debut__lte=fin)
        .values("type_contrat")
        .annotate(n=Count("pk"))
        .order_by("-n", "type_contrat")
    )
    libelles = dict(TypeContrat.choices)
    return _avec_parts(
        [(r["type_contrat"], libelles.get(r["type_contrat"], r["type_contrat"]), r["n"]) for r in lignes]
    )


SANS_CRITERE = "Aucun critère renseigné"


def personnes_par_public(debut: dt.date, fin: dt.date, **portee) -> tuple[list[Part], int]:
    """People in placement in the period, by eligibility criterion, and the number of distinct people.

    A person may match several criteria: the rows add up to more than the total, and each share is taken
    of the distinct people, not of the sum of the rows.
    """
    en_parcours = Exists(
        HeuresMensuelles.objects.filter(
            _portee("placement__attribution", portee),
            placement__participant=OuterRef("pk"),
            mois__gte=premier_du_mois(debut),
            mois__lte=fin,
            heures__gt=0,
        )
    )
    personnes = Participant.objects.filter(en_parcours)
    lignes = (
        personnes.values("criteres__code", "criteres__libelle", "criteres__ordre")
        .annotate(n=Count("pk", distinct=True))
        .order_by("-n", "criteres__ordre", "criteres__libelle")
    )
    rangees = [(r["criteres__code"] or "", r["criteres__libelle"] or SANS_CRITERE, r["n"]) for r in lignes]
    total = personnes.count()
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


def _personnes_en_parcours(debut: dt.date, fin: dt.date, portee: dict) -> QuerySet:
    en_parcours = Exists(
        HeuresMensuelles.objects.filter(
            _portee("placement__attribution", portee),
            placement__participant=OuterRef("pk"),
            mois__gte=premier_du_mois(debut),
            mois__lte=fin,
            heures__gt=0,
        )
    )
    # order_by(): the model's ordering (nom, prénom) must not reach the GROUP BY.
    return Participant.objects.filter(en_parcours).order_by()


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


def personnes_par_tranche_d_age(debut: dt.date, fin: dt.date, **portee) -> list[Part]:
    """People by age on the last day of the period (``TRANCHES_AGE``).

    One reference day for everyone gives each person one age, so the rows add up to the people; the age at
    the start of each placement would count a person with two placements twice. Being at least N years old
    on ``fin`` is being born on or before ``fin`` shifted back N years (29 February → 28 February), which
    turns the bands into ranges of birth dates and needs no date arithmetic in SQL.
    """
    ne_apres_26 = add_months(fin, -12 * 26)
    ne_apres_50 = add_months(fin, -12 * 50)
    tranche = Case(
        When(date_naissance__gt=ne_apres_26, then=Value("moins_26")),
        When(date_naissance__gt=ne_apres_50, then=Value("26_49")),
        default=Value("50_plus"),
    )
    lignes = (
        _personnes_en_parcours(debut, fin, portee).annotate(tranche=tranche).values("tranche").annotate(n=Count("pk"))
    )
    return _par_nomenclature(lignes, "tranche", TRANCHES_AGE)


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


@dataclass(frozen=True)
class Mois:
    mois: dt.date  # first day of the month
    heures: Decimal


def heures_par_mois(dernier_mois: dt.date, nombre: int = 12, **portee) -> list[Mois]:
    """Hours of the ``nombre`` months ending with ``dernier_mois``'s month, oldest first, months without
    hours at zero."""
    fin = premier_du_mois(dernier_mois)
    debut = add_months(fin, -(nombre - 1))
    totaux = {
        ligne["mois"]: ligne["total"]
        for ligne in _heures(debut, fin, portee).values("mois").annotate(total=Sum("heures")).order_by("mois")
    }
    return [Mois(m, totaux.get(m, ZERO)) for m in (add_months(debut, i) for i in range(nombre))]


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
        return sum(p.valeur for p in self.contrats)

    @property
    def taux(self) -> Decimal | None:
        return taux_realisation(self.heures, self.objectif)


def chiffres_cles(periode: Periode, jour: dt.date, **portee) -> ChiffresCles:
    """The key figures of a period, in three queries whatever the volume."""
    fenetres = {"objectif": (periode.debut, periode.fin)}
    fin_attendu = date_d_arrete(jour)
    en_cours = periode.debut <= fin_attendu < periode.fin
    if en_cours:
        fenetres["attendu"] = (periode.debut, fin_attendu)
    objectifs = objectifs_periodes(fenetres, **portee)
    synthese = synthese_heures(periode.debut, periode.fin, **portee)
    return ChiffresCles(
        periode=periode,
        heures=synthese.heures,
        objectif=objectifs["objectif"],
        attendu_a_date=objectifs["attendu"] if en_cours else None,
        fin_attendu=fin_attendu if en_cours else None,
        personnes=synthese.personnes,
        marches_avec_heures=synthese.marches,
        contrats=contrats_par_type(periode.debut, periode.fin, **portee),
    )


__all__ = [
    "ChiffresCles",
    "Mois",
    "Part",
    "Periode",
    "Synthese",
    "chiffres_cles",
    "contrats_par_type",
    "etp",
    "heures_par_modalite",
    "heures_par_mois",
    "heures_realisees",
    "marches_actifs",
    "objectif_periode",
    "objectifs_periodes",
    "personnes_en_parcours",
    "personnes_par_genre",
    "personnes_par_public",
    "personnes_par_qualification",
    "personnes_par_tranche_d_age",
    "repartition_par",
    "sorties_par_categorie",
    "synthese_heures",
    "taux_realisation",
]
