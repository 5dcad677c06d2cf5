"""The people in placement, by what describes them; contracts, outcomes and months."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    Exists,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)

from clauses.models import (
    CATEGORIE_PAR_SITUATION,
    LIMITES_D_AGE,
    CategorieSortie,
    Genre,
    MomentSortie,
    NiveauQualification,
    Participant,
    Placement,
    Situation,
    Sortie,
    SortieQuerySet,
    TypeContrat,
)
from conventions.calendrier import add_months
from reporting import agregats
from reporting.indicateurs.heures import Synthese, _personnes_en_parcours, synthese_heures
from reporting.indicateurs.portee import ZERO, _heures, _portee, _verifier, premier_du_mois
from reporting.indicateurs.repartitions import SANS_CRITERE, Part, _avec_parts, contrats_par_type

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
    ("qpv", "Résidait en quartier prioritaire (QPV) à l'embauche"),
    ("hors_qpv", "Ne résidait pas en quartier prioritaire à l'embauche"),
)

# The one sentence that goes wherever the residence in a QPV is shown: there is one notion (the placement's
# ``reside_qpv``), and it is also the eligible public « habitant d'un QPV », which is no longer counted apart.
DEFINITION_QPV = (
    "Quartier prioritaire de la politique de la ville (QPV) : ce qui compte est la résidence le jour de "
    "l'embauche ; une personne est comptée une seule fois, comme résidant en QPV si elle y résidait à l'embauche "
    "d'un de ses contrats en cours dans la période (c'est aussi le public éligible « habitant d'un QPV »)."
)


def _residence(debut: dt.date, fin: dt.date) -> Case:
    """« qpv » for a person who resided in a QPV when hired for a placement under way in [debut, fin]: one value per
    person and period, whatever the scope, so that the territory's and a donneur d'ordre's tables agree on them."""
    a_l_embauche = Placement.objects.filter(
        Q(date_fin__isnull=True) | Q(date_fin__gte=debut),
        participant=OuterRef("pk"),
        reside_qpv=True,
        date_debut__lte=fin,
    )
    return Case(When(Exists(a_l_embauche), then=Value("qpv")), default=Value("hors_qpv"))


def personnes_par_qpv(debut: dt.date, fin: dt.date, **portee) -> list[Part]:
    """People in placement by residence in a quartier prioritaire de la politique de la ville at hiring
    (``RESIDENCE_QPV``, ``DEFINITION_QPV``)."""
    lignes = (
        _personnes_en_parcours(debut, fin, portee)
        .annotate(residence=_residence(debut, fin))
        .values("residence")
        .annotate(n=Count("pk"))
    )
    return _par_nomenclature(lignes, "residence", RESIDENCE_QPV)


def _tranche_d_age(fin: dt.date) -> Case:
    # The bounds are the anonymisation's too (clauses.models.LIMITES_D_AGE): it keeps everyone in their band.
    jeune, senior = LIMITES_D_AGE
    ne_apres_26 = add_months(fin, -12 * jeune)
    ne_apres_50 = add_months(fin, -12 * senior)
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
        personnes.annotate(tranche=_tranche_d_age(fin), residence=_residence(debut, fin))
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


def _sorties(moment: str, debut: dt.date, fin: dt.date, portee: dict) -> SortieQuerySet:
    return Sortie.objects.filter(
        _portee("placement__attribution", portee), moment=moment, date_constat__gte=debut, date_constat__lte=fin
    )


def sorties_par_categorie(debut: dt.date, fin: dt.date, **portee) -> list[Part]:
    """Outcomes at the end of a placement (``MomentSortie.FIN_PARCOURS``) noted in the period, by national
    category. A person whose two placements ended in the period counts twice: this counts outcomes."""
    lignes = (
        _sorties(MomentSortie.FIN_PARCOURS, debut, fin, portee)
        .with_categorie()
        .values("categorie_code")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _par_nomenclature(lignes, "categorie_code", CategorieSortie.choices)


def sorties_a_six_mois(debut: dt.date, fin: dt.date, **portee) -> list[Part]:
    """Situations noted six months after the end of a placement (``Sortie`` rows of moment
    ``MomentSortie.SIX_MOIS``, the facilitator's follow-up) whose date falls in the period, by national category
    (one query). The period is that of the follow-up, not of the end of the placement: a placement ended in
    October is followed up in April of the next year."""
    lignes = (
        _sorties(MomentSortie.SIX_MOIS, debut, fin, portee)
        .with_categorie()
        .values("categorie_code")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _par_nomenclature(lignes, "categorie_code", CategorieSortie.choices)


def sorties_par_situation(
    debut: dt.date, fin: dt.date, *, moment: str = MomentSortie.FIN_PARCOURS, **portee
) -> list[Part]:
    """Outcomes of ``moment`` noted in the period by situation (CDI, CDD de moins de 6 mois…), every situation in
    the nomenclature's order, zeros included (one query). Each situation falls in one national category
    (``CATEGORIE_PAR_SITUATION``): the rows of a category add up to its count in ``sorties_par_categorie`` (or
    ``sorties_a_six_mois``)."""
    lignes = _sorties(moment, debut, fin, portee).values("situation").annotate(n=Count("pk")).order_by()
    return _par_nomenclature(lignes, "situation", Situation.choices)


def nouveaux_entrants(debut: dt.date, fin: dt.date, **portee) -> int:
    """People whose first placement ever (in the whole base, every scope) started in the period, and who started
    a placement of the scope in it (one query).

    Over the territory, the people who entered the clauses that year. Within a scope, those of them who entered
    through it (among others, when they started two placements in the period). A new entrant may have no hours
    in the period yet (hired on 28 December): they are not a part of ``personnes_en_parcours``.
    """
    _verifier(portee)
    plus_tot = Placement.objects.filter(participant=OuterRef("participant"), date_debut__lt=debut)
    return (
        Placement.objects.filter(_portee("attribution", portee), date_debut__gte=debut, date_debut__lte=fin)
        .filter(~Exists(plus_tot))
        .aggregate(n=Count("participant", distinct=True))["n"]
    )


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
