"""Small-count suppression: « < 3 », secondary suppression, and the tables built on the indicateurs."""

import datetime as dt
import itertools

import pytest

from clauses.factories import HeuresMensuellesFactory, ParticipantFactory, PlacementFactory, SortieFactory
from clauses.models import CritereEligibilite, Genre, NiveauQualification, Situation, TypeContrat
from conventions.factories import DonneurDOrdreFactory
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from reporting import indicateurs
from reporting.confidentialite import (
    MASQUE,
    SECRET,
    SEUIL,
    StatistiquesProtegees,
    Tableau,
    _retrouvable,
    masquer,
    protegeable,
    proteger,
    statistiques_personnes,
)
from reporting.indicateurs import Part, heures

ESPACE_FINE = "\u202f"


def parts(*valeurs: int) -> list[Part]:
    return [Part(f"c{i}", f"Catégorie {i}", v) for i, v in enumerate(valeurs)]


def effectifs(repartition) -> list[str]:
    return [ligne.effectif for ligne in repartition.lignes]


class TestMasquer:
    @pytest.mark.parametrize(("n", "attendu"), [(0, "0"), (1, "< 3"), (2, "< 3"), (3, "3"), (4, "4"), (999, "999")])
    def test_small_counts(self, n, attendu):
        assert masquer(n) == attendu

    def test_large_counts_are_grouped_the_french_way(self):
        assert masquer(1234).replace("\xa0", " ").replace(ESPACE_FINE, " ") == "1 234"

    def test_a_negative_count_is_a_bug(self):
        with pytest.raises(ValueError):
            masquer(-1)

    def test_the_threshold_is_three(self):
        assert SEUIL == 3
        assert MASQUE == "< 3"


class TestPrimarySuppression:
    def test_cells_of_one_and_two_show_less_than_three_and_three_shows(self):
        # 1 + 2 = 3 masked: 1+2, 2+1 both fit the total, so nothing more to mask.
        repartition = proteger(parts(1, 2, 3, 10))
        assert effectifs(repartition) == ["< 3", "< 3", "3", "10"]
        assert repartition.total == "16"

    def test_zero_shows_and_is_never_masked(self):
        repartition = proteger(parts(0, 5, 7))
        assert effectifs(repartition) == ["0", "5", "7"]
        assert [ligne.masquee for ligne in repartition.lignes] == [False, False, False]

    def test_a_masked_row_has_no_share_and_no_value(self):
        repartition = proteger(parts(2, 1, 10))
        masquee = repartition.lignes[0]
        assert masquee.part is None
        assert not hasattr(masquee, "valeur")
        assert repartition.lignes[2].effectif == "10"
        assert repartition.lignes[2].part is not None

    def test_shares_of_shown_rows(self):
        repartition = proteger(parts(5, 15))
        assert [str(ligne.part) for ligne in repartition.lignes] == ["0.25", "0.75"]
        assert repartition.parts_affichees


class TestSecondarySuppression:
    def test_a_single_masked_cell_takes_the_next_smallest_with_it(self):
        # Total 15 shown: 15 − 4 − 10 would give back the 1.
        repartition = proteger(parts(1, 10, 4))
        assert effectifs(repartition) == ["< 3", "10", SECRET]
        assert repartition.total == "15"
        assert repartition.lignes[2].part is None

    def test_a_secondary_cell_at_its_floor_is_not_enough(self):
        # 1 and 3 masked, sum 4: a « masqué » holds at least 3, so the pair can only be (1, 3).
        repartition = proteger(parts(1, 3, 5, 20))
        assert effectifs(repartition) == ["< 3", SECRET, SECRET, "20"]

    def test_two_ones_are_a_giveaway_under_a_shown_total(self):
        repartition = proteger(parts(1, 1, 8, 9))
        assert effectifs(repartition) == ["< 3", "< 3", SECRET, "9"]

    def test_two_twos_are_a_giveaway_too(self):
        repartition = proteger(parts(2, 2, 6))
        assert effectifs(repartition) == ["< 3", "< 3", SECRET]

    def test_a_one_and_a_two_are_safe_as_they_are(self):
        repartition = proteger(parts(1, 2, 6))
        assert effectifs(repartition) == ["< 3", "< 3", "6"]
        assert repartition.total == "9"

    def test_ties_take_the_row_further_down(self):
        repartition = proteger(parts(1, 5, 5))
        assert effectifs(repartition) == ["< 3", "5", SECRET]

    def test_when_every_row_is_small_the_total_is_masked(self):
        repartition = proteger(parts(2, 2))
        assert effectifs(repartition) == ["< 3", "< 3"]
        assert repartition.total == SECRET
        assert repartition.total_masque
        assert not repartition.parts_affichees

    def test_when_masking_rows_is_not_enough_the_total_goes_and_the_rows_come_back(self):
        # 1 + 3 under a total of 4: masking the 3 too would leave (1, 3) as the only answer.
        repartition = proteger(parts(1, 3))
        assert effectifs(repartition) == ["< 3", "3"]
        assert repartition.total == SECRET
        assert all(ligne.part is None for ligne in repartition.lignes)

    def test_a_small_total_is_itself_a_clue(self):
        # « < 3 » total over two « < 3 » rows: both are 1. The total goes.
        repartition = proteger(parts(1, 1))
        assert repartition.total == SECRET

    def test_a_single_small_row_under_a_small_total_is_safe(self):
        repartition = proteger(parts(0, 2, 0))
        assert effectifs(repartition) == ["0", "< 3", "0"]
        assert repartition.total == "< 3"
        assert not repartition.parts_affichees

    def test_nothing_to_protect_when_the_total_is_not_shown(self):
        repartition = proteger(parts(1, 10, 4), total_connu=False)
        assert effectifs(repartition) == ["< 3", "10", "4"]
        assert repartition.total == SECRET
        assert all(ligne.part is None for ligne in repartition.lignes)

    def test_rows_that_overlap_get_primary_suppression_only(self):
        # Criteria: a person may meet several, the rows do not add up to the total.
        repartition = proteger(parts(1, 10, 4), 12, additive=False)
        assert effectifs(repartition) == ["< 3", "10", "4"]
        assert repartition.total == "12"

    def test_no_masked_count_can_be_worked_out(self):
        """Brute force over every table of three rows with counts up to 8, and of four rows up to 6: each masked
        count agrees with at least two values, given what a reader sees (shown rows, « < 3 » = 1 or 2, « masqué »
        = 3 or more, the total)."""
        tables = [*itertools.product(range(9), repeat=3), *itertools.product(range(7), repeat=4)]
        for valeurs in tables:
            repartition = proteger(parts(*valeurs))
            masquees = [i for i, ligne in enumerate(repartition.lignes) if ligne.masquee]
            possibles = []
            # A « < 3 » is 1 or 2; a « masqué » is 3 or more (30 is beyond any sum in these tables).
            domaines = [(1, 2) if repartition.lignes[i].effectif == MASQUE else range(SEUIL, 30) for i in masquees]
            for essai in itertools.product(*domaines):
                candidat = list(valeurs)
                for i, v in zip(masquees, essai, strict=True):
                    candidat[i] = v
                if _compatible(repartition, candidat):
                    possibles.append(candidat)
            assert list(valeurs) in possibles
            for i in masquees:
                assert len({c[i] for c in possibles}) >= 2, (valeurs, effectifs(repartition), repartition.total)


def _compatible(repartition, candidat) -> bool:
    for ligne, v in zip(repartition.lignes, candidat, strict=True):
        if ligne.effectif == MASQUE and not 0 < v < SEUIL:
            return False
        if ligne.effectif == SECRET and v < SEUIL:
            return False
    total = sum(candidat)
    if repartition.total == MASQUE:
        return 0 < total < SEUIL
    if repartition.total == SECRET:
        return True
    return str(total) == repartition.total


class TestRetrouvable:
    def test_cases(self):
        assert not _retrouvable(0, 0, 0, 0)
        assert _retrouvable(1, 0, 1, 1)  # one masked cell, known sum
        assert not _retrouvable(1, 0, 1, 2)  # one masked cell, sum 1 or 2
        assert not _retrouvable(2, 0, 3, 3)  # 1+2 or 2+1
        assert _retrouvable(2, 0, 2, 2) and _retrouvable(2, 0, 4, 4)
        assert not _retrouvable(1, 1, 5, 5)  # (1, 4) or (2, 3)
        assert _retrouvable(1, 1, 4, 4)  # only (1, 3)
        assert not _retrouvable(1, 1, 0, None)  # total unknown


# --- The tables of a period, from the database ------------------------------------------------------------

DEBUT, FIN = dt.date(2026, 1, 1), dt.date(2026, 12, 31)


def _statistiques_une_a_une(debut, fin, portee) -> StatistiquesProtegees:
    """``statistiques_personnes`` as first written: one query per breakdown, each walking the scope."""
    genre = indicateurs.personnes_par_genre(debut, fin, **portee)
    age = indicateurs.personnes_par_tranche_d_age(debut, fin, **portee)
    qualification = indicateurs.personnes_par_qualification(debut, fin, **portee)
    publics, nombre = indicateurs.personnes_par_public(debut, fin, **portee)
    contrats = indicateurs.contrats_par_type(debut, fin, **portee)
    sorties = indicateurs.sorties_par_categorie(debut, fin, **portee)
    connu = all(protegeable(p, nombre) for p in (genre, age, qualification))
    reference = statistiques_personnes(debut, fin, **portee)
    titres = {t.cle: t for t in reference.tableaux}

    def tableau(cle, repartition):
        t = titres[cle]
        return Tableau(cle, t.titre, t.colonne, t.unite, repartition, note=t.note)

    return StatistiquesProtegees(
        personnes=masquer(nombre) if connu else SECRET,
        personnes_masquees=not connu,
        tableaux=[
            tableau("genre", proteger(genre, nombre, total_connu=connu)),
            tableau("age", proteger(age, nombre, total_connu=connu)),
            tableau("qualification", proteger(qualification, nombre, total_connu=connu)),
            tableau("public", proteger(publics, nombre, additive=False, total_connu=connu)),
            tableau("contrat", proteger(contrats)),
            tableau("sortie", proteger(sorties)),
        ],
    )


def _personne(attribution, **kwargs):
    participant = ParticipantFactory(**kwargs)
    placement = PlacementFactory(participant=participant, attribution=attribution, date_debut=dt.date(2026, 2, 2))
    HeuresMensuellesFactory(placement=placement, mois=dt.date(2026, 3, 1))
    return placement


@pytest.mark.django_db
class TestIndicateurs:
    def test_breakdowns_by_gender_age_and_qualification(self):
        donneur = DonneurDOrdreFactory()
        attribution = AttributionFactory(lot=LotFactory(marche=MarcheFactory(donneur_d_ordre=donneur)))
        # Ages on 31 December 2026: 25 (born 1 January 2001), 26 exactly, 49, 50 exactly.
        _personne(attribution, date_naissance=dt.date(2001, 1, 1), genre=Genre.FEMME)
        _personne(attribution, date_naissance=dt.date(2000, 12, 31), genre=Genre.HOMME)
        _personne(attribution, date_naissance=dt.date(1977, 1, 1), genre=Genre.HOMME)
        _personne(
            attribution,
            date_naissance=dt.date(1976, 12, 31),
            genre=Genre.HOMME,
            niveau_qualification=NiveauQualification.INFRA_3,
        )
        # Elsewhere, or without hours in the year: not counted.
        _personne(AttributionFactory(), genre=Genre.FEMME)
        PlacementFactory(attribution=attribution)

        age = indicateurs.personnes_par_tranche_d_age(DEBUT, FIN, donneur=donneur)
        assert [(p.code, p.valeur) for p in age] == [("moins_26", 1), ("26_49", 2), ("50_plus", 1)]
        genre = indicateurs.personnes_par_genre(DEBUT, FIN, donneur=donneur)
        assert [(p.code, p.valeur) for p in genre] == [("femme", 1), ("homme", 3)]
        qualification = indicateurs.personnes_par_qualification(DEBUT, FIN, donneur=donneur)
        assert {p.code: p.valeur for p in qualification} == {"infra_3": 1, "3": 3, "4": 0, "5": 0, "6_plus": 0}
        assert sum(p.part for p in genre) == 1

    def test_a_birthday_on_29_february(self):
        donneur = DonneurDOrdreFactory()
        attribution = AttributionFactory(lot=LotFactory(marche=MarcheFactory(donneur_d_ordre=donneur)))
        _personne(attribution, date_naissance=dt.date(2000, 2, 29))
        # On 28 February 2026 a person born on 29 February 2000 is still 25.
        age = indicateurs.personnes_par_tranche_d_age(dt.date(2026, 2, 1), dt.date(2026, 2, 28), donneur=donneur)
        assert age[0].valeur == 0  # no hours in February: not in placement
        placement = _personne(attribution, date_naissance=dt.date(2000, 2, 29))
        HeuresMensuellesFactory(placement=placement, mois=dt.date(2026, 2, 1))
        age = indicateurs.personnes_par_tranche_d_age(dt.date(2026, 2, 1), dt.date(2026, 2, 28), donneur=donneur)
        assert [p.valeur for p in age] == [1, 0, 0]
        age = indicateurs.personnes_par_tranche_d_age(dt.date(2026, 2, 1), dt.date(2026, 3, 1), donneur=donneur)
        assert [p.valeur for p in age] == [0, 2, 0]

    def test_outcomes_by_category(self):
        donneur = DonneurDOrdreFactory()
        attribution = AttributionFactory(lot=LotFactory(marche=MarcheFactory(donneur_d_ordre=donneur)))
        for situation in (Situation.CDI, Situation.CDD_LONG, Situation.CDD_COURT, Situation.CHOMAGE):
            SortieFactory(placement=PlacementFactory(attribution=attribution), situation=situation)
        SortieFactory(placement=PlacementFactory(attribution=attribution), date_constat=dt.date(2025, 6, 1))
        SortieFactory(placement=PlacementFactory(attribution=attribution), moment="six_mois")
        SortieFactory()  # another donneur d'ordre
        sorties = indicateurs.sorties_par_categorie(DEBUT, FIN, donneur=donneur)
        assert {p.code: p.valeur for p in sorties} == {
            "emploi_durable": 2,
            "emploi_transition": 1,
            "sortie_positive": 0,
            "autre": 1,
        }

    def test_the_scope_is_walked_once(self, django_assert_num_queries):
        donneur = DonneurDOrdreFactory()
        attribution = AttributionFactory(lot=LotFactory(marche=MarcheFactory(donneur_d_ordre=donneur)))
        for _ in range(4):
            _personne(attribution)
        # The people (one walk over the hours), their four breakdowns, the publics, contracts with outcomes.
        with django_assert_num_queries(4):
            statistiques_personnes(DEBUT, FIN, donneur=donneur)
        population = indicateurs.population_en_parcours(DEBUT, FIN, donneur=donneur)
        with django_assert_num_queries(3):
            statistiques_personnes(DEBUT, FIN, population=population, donneur=donneur)
        with django_assert_num_queries(1):
            statistiques_personnes(DEBUT, FIN, population=population, tableaux=("genre", "age"), donneur=donneur)
        # Over the whole territory the people stay a subquery: as many queries.
        with django_assert_num_queries(5):
            statistiques_personnes(DEBUT, FIN)

    def test_only_the_tables_asked_for(self):
        donneur = DonneurDOrdreFactory()
        attribution = AttributionFactory(lot=LotFactory(marche=MarcheFactory(donneur_d_ordre=donneur)))
        for genre in (Genre.FEMME, Genre.FEMME, Genre.HOMME, Genre.HOMME):
            _personne(attribution, genre=genre)
        toutes = statistiques_personnes(DEBUT, FIN, donneur=donneur)
        partie = statistiques_personnes(DEBUT, FIN, tableaux=("contrat", "genre"), donneur=donneur)
        # The tables keep their order, and the shared total is the same whichever are asked for.
        assert [t.cle for t in partie.tableaux] == ["genre", "contrat"]
        assert partie.tableaux == [t for t in toutes.tableaux if t.cle in ("genre", "contrat")]
        assert (
            (partie.personnes, partie.personnes_masquees)
            == (toutes.personnes, toutes.personnes_masquees)
            == (
                SECRET,
                True,
            )
        )
        with pytest.raises(ValueError):
            statistiques_personnes(DEBUT, FIN, tableaux=("genres",), donneur=donneur)

    def test_the_queries_do_not_grow_with_people(self, django_assert_num_queries):
        donneur = DonneurDOrdreFactory()
        marches = [MarcheFactory(donneur_d_ordre=donneur) for _ in range(3)]
        for i in range(30):
            _personne(AttributionFactory(lot=LotFactory(marche=marches[i % 3])), genre=Genre.HOMME)
        with django_assert_num_queries(4):
            statistiques_personnes(DEBUT, FIN, donneur=donneur)

    def test_as_the_breakdowns_one_by_one(self):
        """The tables are those of the indicators' functions, each walking the scope, as they were first built."""
        donneur = DonneurDOrdreFactory()
        attributions = [
            AttributionFactory(lot=LotFactory(marche=MarcheFactory(donneur_d_ordre=donneur))) for _ in range(3)
        ]
        autre = AttributionFactory()  # another donneur d'ordre
        criteres = list(CritereEligibilite.objects.order_by("pk")[:3])
        naissances = (
            dt.date(2001, 1, 1),
            dt.date(2000, 12, 31),
            dt.date(1977, 1, 1),
            dt.date(1976, 12, 31),
            dt.date(1960, 6, 15),
        )
        genres = [Genre.FEMME, Genre.HOMME, Genre.FEMME]
        niveaux = list(NiveauQualification.values)
        for i in range(23):
            attribution = attributions[i % 3] if i % 7 else autre
            placement = _personne(
                attribution,
                genre=genres[i % 3],
                date_naissance=naissances[i % 5],
                niveau_qualification=niveaux[i % len(niveaux)] if i % 4 else niveaux[0],
                reside_qpv=i % 3 == 0,
            )
            placement.participant.criteres.set(criteres[: i % 4])
            if i % 5 == 0:
                # A second placement of the same person on another marché, in the same months.
                second = PlacementFactory(participant=placement.participant, attribution=attributions[(i + 1) % 3])
                HeuresMensuellesFactory(placement=second, mois=dt.date(2026, 3, 1))
            if i % 6 == 0:
                # Hours at zero do not make a person in placement.
                vide = PlacementFactory(attribution=attributions[i % 3], date_debut=dt.date(2026, 5, 4))
                HeuresMensuellesFactory(placement=vide, mois=dt.date(2026, 5, 1), heures=0)
            if i % 4 == 1:
                SortieFactory(placement=placement, situation=Situation.CDI)
        for portee in ({"donneur": donneur}, {"marche": attributions[0].lot.marche_id}, {}):
            for debut, fin in ((DEBUT, FIN), (dt.date(2026, 3, 1), dt.date(2026, 3, 31)), (FIN, FIN)):
                assert statistiques_personnes(debut, fin, **portee) == _statistiques_une_a_une(debut, fin, portee)
        population = indicateurs.population_en_parcours(DEBUT, FIN, donneur=donneur)
        assert population.synthese == indicateurs.synthese_heures(DEBUT, FIN, donneur=donneur)
        assert population.nombre == indicateurs.personnes_en_parcours(DEBUT, FIN, donneur=donneur)
        assert population.participants == sorted(
            heures._personnes_en_parcours(DEBUT, FIN, {"donneur": donneur}).values_list("pk", flat=True)
        )

    def test_the_shared_total_is_masked_everywhere_when_one_table_needs_it(self):
        donneur = DonneurDOrdreFactory()
        attribution = AttributionFactory(lot=LotFactory(marche=MarcheFactory(donneur_d_ordre=donneur)))
        # Two women and two men: « < 3 » and « < 3 » under a total of 4 would be two and two.
        for genre in (Genre.FEMME, Genre.FEMME, Genre.HOMME, Genre.HOMME):
            _personne(attribution, genre=genre)
        statistiques = statistiques_personnes(DEBUT, FIN, donneur=donneur)
        assert statistiques.personnes == SECRET
        tableaux = {t.cle: t.repartition for t in statistiques.tableaux}
        assert effectifs(tableaux["genre"]) == ["< 3", "< 3"]
        for cle in ("genre", "age", "qualification", "public"):
            assert tableaux[cle].total == SECRET
        # Contracts are another population, with their own total.
        assert effectifs(tableaux["contrat"]) == ["4"]
        assert tableaux["contrat"].lignes[0].libelle == TypeContrat.CDD.label
