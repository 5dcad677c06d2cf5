"""The home page's figures on a small territory whose every figure is computed by hand below."""

import datetime as dt
from decimal import Decimal

import pytest

from clauses.factories import (
    ClauseInsertionFactory,
    HeuresMensuellesFactory,
    ParticipantFactory,
    PlacementFactory,
    SortieFactory,
)
from clauses.models import CritereEligibilite, ModalitePlacement, MomentSortie, Situation, TypeContrat
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from marches.models import StatutMarche
from reporting import indicateurs
from reporting.indicateurs import Periode

pytestmark = pytest.mark.django_db

AN_2025, AN_2026 = Periode.annee(2025), Periode.annee(2026)
D = dt.date


def _lot(marche, objectif: int, debut, fin, **extra):
    lot = LotFactory(marche=marche, date_debut=debut, date_fin=fin, **extra)
    ClauseInsertionFactory(lot=lot, heures_forcees=objectif)
    return lot


def _heures(placement, *mois_heures):
    for mois, heures in mois_heures:
        HeuresMensuellesFactory(placement=placement, mois=mois, heures=Decimal(heures))


@pytest.fixture
def territoire():
    """Two marchés of two donneurs d'ordre.

    Marché 1 (in execution):
    - lot 1: 1 000 h over 2026 (365 days) → 1 000 h in 2026;
    - lot 2: 730 h from 2 July 2025 to 1 July 2026 (365 days: 183 in 2025, 182 in 2026) → 366 h, 364 h;
    - lot 3: a clause but no dates → no target; lot 4: dates but no clause → no target.
    Marché 2 (awarded, another donneur): lot 6, 100 h over 2026.
    A marché in preparation with a clause and 2026 dates counts for nothing.

    People: Ana (DELD and RSA), Bruno (DELD), Chloé (no hours but a zero row), Driss (no criterion).
    """
    deld = CritereEligibilite.objects.get(code="deld")
    rsa = CritereEligibilite.objects.get(code="rsa")
    m1 = MarcheFactory(statut=StatutMarche.EN_EXECUTION)
    m2 = MarcheFactory(statut=StatutMarche.ATTRIBUE)
    preparation = MarcheFactory(statut=StatutMarche.EN_PREPARATION)
    lot1 = _lot(m1, 1000, D(2026, 1, 1), D(2026, 12, 31))
    lot2 = _lot(m1, 730, D(2025, 7, 2), D(2026, 7, 1))
    _lot(m1, 500, None, None)
    LotFactory(marche=m1)
    lot6 = _lot(m2, 100, D(2026, 1, 1), D(2026, 12, 31))
    _lot(preparation, 900, D(2026, 1, 1), D(2026, 12, 31))

    a1, a2, a6 = AttributionFactory(lot=lot1), AttributionFactory(lot=lot2), AttributionFactory(lot=lot6)
    ana, bruno, chloe, driss = (ParticipantFactory(prenom=p) for p in ("Ana", "Bruno", "Chloé", "Driss"))
    ana.criteres.set([deld, rsa])
    bruno.criteres.set([deld])
    chloe.criteres.set([rsa])

    directe = dict(modalite=ModalitePlacement.EMBAUCHE_DIRECTE)
    p_ana = PlacementFactory(
        participant=ana, attribution=a1, type_contrat=TypeContrat.CDD, date_debut=D(2026, 1, 5), **directe
    )
    _heures(p_ana, (D(2026, 1, 1), 100), (D(2026, 2, 1), 50))
    p_bruno = PlacementFactory(
        participant=bruno,
        attribution=a2,
        modalite=ModalitePlacement.MAD_ETTI,
        type_contrat=TypeContrat.INTERIM,
        date_debut=D(2025, 11, 10),
    )
    _heures(p_bruno, (D(2025, 11, 1), 80), (D(2025, 12, 1), 20), (D(2026, 1, 1), 40))
    p_chloe = PlacementFactory(
        participant=chloe,
        attribution=a1,
        modalite=ModalitePlacement.FORMATION,
        type_contrat=TypeContrat.FORMATION,
        date_debut=D(2026, 3, 1),
    )
    _heures(p_chloe, (D(2026, 3, 1), 0))
    p_driss = PlacementFactory(
        participant=driss, attribution=a1, type_contrat=TypeContrat.CDI, date_debut=D(2026, 6, 1), **directe
    )
    _heures(p_driss, (D(2026, 6, 1), "10.5"))
    # Ana again, on marché 2 in May.
    p_ana2 = PlacementFactory(
        participant=ana, attribution=a6, type_contrat=TypeContrat.CDD, date_debut=D(2026, 5, 1), **directe
    )
    _heures(p_ana2, (D(2026, 5, 1), 30))
    return {"m1": m1, "m2": m2, "lot1": lot1, "lot2": lot2, "a1": a1, "donneur2": m2.donneur_d_ordre}


class TestHeures:
    def test_hours_of_a_year(self, territoire):
        # 2026: 100 + 50 + 40 + 0 + 10.5 + 30; 2025: 80 + 20.
        assert indicateurs.heures_realisees(AN_2026.debut, AN_2026.fin) == Decimal("230.5")
        assert indicateurs.heures_realisees(AN_2025.debut, AN_2025.fin) == Decimal("100")

    def test_scopes(self, territoire):
        t = territoire
        assert indicateurs.heures_realisees(AN_2026.debut, AN_2026.fin, marche=t["m1"]) == Decimal("200.5")
        assert indicateurs.heures_realisees(AN_2026.debut, AN_2026.fin, donneur=t["donneur2"]) == Decimal("30")
        assert indicateurs.heures_realisees(AN_2026.debut, AN_2026.fin, lot=t["lot1"]) == Decimal("160.5")
        assert indicateurs.heures_realisees(AN_2026.debut, AN_2026.fin, attribution=t["a1"].pk) == Decimal("160.5")

    def test_an_unknown_scope_is_refused(self):
        with pytest.raises(TypeError, match="Portée inconnue"):
            indicateurs.heures_realisees(AN_2026.debut, AN_2026.fin, commune=1)

    def test_a_period_counts_whole_months(self, territoire):
        # 15 January to 10 February: January and February.
        assert indicateurs.heures_realisees(D(2026, 1, 15), D(2026, 2, 10)) == Decimal("190")

    def test_etp(self):
        assert indicateurs.etp(Decimal("2400")) == Decimal("1.5")
        assert indicateurs.etp(Decimal("230.5")) == Decimal("0.1")
        assert indicateurs.etp(None) == Decimal("0.0")

    def test_people_with_hours(self, territoire):
        # Chloé has only a zero row: she is not counted. Ana counts once despite two placements.
        assert indicateurs.personnes_en_parcours(AN_2026.debut, AN_2026.fin) == 3
        assert indicateurs.personnes_en_parcours(AN_2025.debut, AN_2025.fin) == 1

    def test_synthesis_in_one_query(self, territoire, django_assert_num_queries):
        with django_assert_num_queries(1):
            synthese = indicateurs.synthese_heures(AN_2026.debut, AN_2026.fin)
        assert (synthese.heures, synthese.personnes, synthese.marches) == (Decimal("230.5"), 3, 2)


class TestObjectif:
    def test_target_prorated_over_the_execution_period(self, territoire):
        # Lot 1: 1 000; lot 2: 730 × 182 / 365 = 364; lot 6: 100. Lot 3 (no dates) and the draft are left out.
        assert indicateurs.objectif_periode(AN_2026.debut, AN_2026.fin) == Decimal("1464")
        # Lot 2 only: 730 × 183 / 365 = 366.
        assert indicateurs.objectif_periode(AN_2025.debut, AN_2025.fin) == Decimal("366")

    def test_target_of_a_part_of_the_year(self, territoire):
        # January 2026 (31 days): lot 1 1 000 × 31/365 = 84.93; lot 2 730 × 31/365 = 62; lot 6 100 × 31/365 = 8.49.
        assert indicateurs.objectif_periode(D(2026, 1, 1), D(2026, 1, 31)) == Decimal("155")

    def test_scoped_targets(self, territoire):
        t = territoire
        assert indicateurs.objectif_periode(AN_2026.debut, AN_2026.fin, marche=t["m1"]) == Decimal("1364")
        assert indicateurs.objectif_periode(AN_2026.debut, AN_2026.fin, donneur=t["donneur2"]) == Decimal("100")
        assert indicateurs.objectif_periode(AN_2026.debut, AN_2026.fin, lot=t["lot2"]) == Decimal("364")

    def test_an_attribution_uses_its_own_share(self, territoire):
        attribution = territoire["a1"]
        assert indicateurs.objectif_periode(AN_2026.debut, AN_2026.fin, attribution=attribution) == Decimal("1000")
        attribution.heures_objectif = 600
        attribution.save()
        assert indicateurs.objectif_periode(AN_2026.debut, AN_2026.fin, attribution=attribution) == Decimal("600")

    def test_several_periods_in_one_query(self, territoire, django_assert_num_queries):
        with django_assert_num_queries(1):
            objectifs = indicateurs.objectifs_periodes(
                {"a": (AN_2025.debut, AN_2025.fin), "b": (AN_2026.debut, AN_2026.fin)}
            )
        assert objectifs == {"a": Decimal("366"), "b": Decimal("1464")}

    def test_only_lots_overlapping_the_periods_count(self, territoire):
        lot2 = territoire["lot2"]  # 730 h from 2 July 2025 to 1 July 2026: 2 h a day.
        # The first and last days of the execution period count; the days just outside do not.
        assert indicateurs.objectif_periode(D(2026, 7, 1), D(2026, 12, 31), lot=lot2) == Decimal("2")
        assert indicateurs.objectif_periode(D(2025, 1, 1), D(2025, 7, 2), lot=lot2) == Decimal("2")
        assert indicateurs.objectif_periode(D(2026, 7, 2), D(2026, 12, 31), lot=lot2) == Decimal("0")
        assert indicateurs.objectif_periode(D(2025, 1, 1), D(2025, 7, 1), lot=lot2) == Decimal("0")
        # Periods far apart: the lots between them are read but add nothing to either.
        objectifs = indicateurs.objectifs_periodes(
            {"a": (D(2024, 1, 1), D(2024, 12, 31)), "b": (AN_2026.debut, AN_2026.fin)}
        )
        assert objectifs == {"a": Decimal("0"), "b": Decimal("1464")}
        assert indicateurs.objectif_periode(D(2030, 1, 1), D(2030, 12, 31)) == Decimal("0")

    def test_no_target_no_rate(self):
        assert indicateurs.objectif_periode(AN_2026.debut, AN_2026.fin) == Decimal("0")
        assert indicateurs.taux_realisation(Decimal("10"), Decimal("0")) is None
        assert indicateurs.taux_realisation(Decimal("366"), Decimal("1464")) == Decimal("0.25")


class TestRepartitions:
    def test_contracts_started_in_the_period(self, territoire):
        contrats = indicateurs.contrats_par_type(AN_2026.debut, AN_2026.fin)
        assert [(p.code, p.valeur) for p in contrats] == [("cdd", 2), ("cdi", 1), ("formation", 1)]
        assert contrats[0].libelle == "CDD"
        assert contrats[0].part == Decimal("0.5")
        assert [(p.code, p.valeur) for p in indicateurs.contrats_par_type(AN_2025.debut, AN_2025.fin)] == [
            ("interim", 1)
        ]

    def test_hours_by_modality(self, territoire):
        parts = indicateurs.heures_par_modalite(AN_2026.debut, AN_2026.fin)
        # Training has only a zero row: no line for it.
        assert [(p.code, p.valeur) for p in parts] == [
            ("embauche_directe", Decimal("190.5")),
            ("mad_etti", Decimal("40")),
        ]
        assert parts[0].libelle == "Embauche directe par l'attributaire"
        assert parts[1].part == Decimal("40") / Decimal("230.5")

    def test_people_by_public_a_person_may_match_several(self, territoire):
        parts, total = indicateurs.personnes_par_public(AN_2026.debut, AN_2026.fin)
        assert total == 3
        lignes = {p.libelle: p.valeur for p in parts}
        assert lignes == {
            "Demandeur d'emploi de longue durée (inscrit depuis plus de 12 mois)": 2,
            "Bénéficiaire du RSA": 1,
            "Aucun critère renseigné": 1,
        }
        # Shares are of the people, so they add up to more than 100 %.
        assert parts[0].part == Decimal(2) / Decimal(3)

    def test_people_by_public_with_the_total_already_known(self, territoire, django_assert_num_queries):
        attendu = indicateurs.personnes_par_public(AN_2026.debut, AN_2026.fin)
        personnes = indicateurs.synthese_heures(AN_2026.debut, AN_2026.fin).personnes
        with django_assert_num_queries(1):
            assert indicateurs.personnes_par_public(AN_2026.debut, AN_2026.fin, personnes=personnes) == attendu

    def test_people_by_public_in_a_scope(self, territoire):
        parts, total = indicateurs.personnes_par_public(AN_2026.debut, AN_2026.fin, donneur=territoire["donneur2"])
        assert total == 1
        assert sorted(p.code for p in parts) == ["deld", "rsa"]

    def test_hours_by_month_zero_filled(self, territoire):
        mois = indicateurs.heures_par_mois(D(2026, 3, 15))
        assert [m.mois for m in mois] == [D(2025, 4, 1).replace(month=4 + i) for i in range(9)] + [
            D(2026, 1, 1),
            D(2026, 2, 1),
            D(2026, 3, 1),
        ]
        assert {m.mois: m.heures for m in mois if m.heures} == {
            D(2025, 11, 1): Decimal("80"),
            D(2025, 12, 1): Decimal("20"),
            D(2026, 1, 1): Decimal("140"),
            D(2026, 2, 1): Decimal("50"),
        }

    def test_active_marches(self, territoire):
        assert indicateurs.marches_actifs() == 2
        assert indicateurs.marches_actifs(donneur=territoire["donneur2"]) == 1

    def test_an_active_marche_counts_once_through_several_attributions(self, territoire):
        # The company of lot 1 also holds lot 2 of the same marché.
        entreprise = territoire["a1"].entreprise
        AttributionFactory(lot=territoire["lot2"], entreprise=entreprise)
        assert indicateurs.marches_actifs(entreprise=entreprise) == 1
        assert indicateurs.marches_actifs(marche=territoire["m1"]) == 1


def test_key_figures_of_a_year(territoire, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        chiffres = indicateurs.chiffres_cles(AN_2026, D(2026, 2, 10))
    assert chiffres.heures == Decimal("230.5")
    assert chiffres.objectif == Decimal("1464")
    # Expected by the end of January (the last complete month), as test_target_of_a_part_of_the_year.
    assert chiffres.attendu_a_date == Decimal("155")
    assert chiffres.fin_attendu == D(2026, 1, 31)
    assert chiffres.personnes == 3
    assert chiffres.nombre_contrats == 4
    assert chiffres.etp == Decimal("0.1")
    assert chiffres.taux == Decimal("230.5") / Decimal("1464")
    passe = indicateurs.chiffres_cles(AN_2025, D(2026, 2, 10))
    assert passe.attendu_a_date is None


def test_key_figures_of_a_year_and_the_one_before(territoire, django_assert_max_num_queries):
    jour = D(2026, 2, 10)
    attendus = (indicateurs.chiffres_cles(AN_2026, jour), indicateurs.chiffres_cles(AN_2025, jour))
    with django_assert_max_num_queries(4):
        comparees = indicateurs.chiffres_cles_comparees(AN_2026, AN_2025, jour)
    assert comparees == attendus
    assert comparees[1].heures == Decimal("100")
    assert [(p.code, p.valeur) for p in comparees[1].contrats] == [("interim", 1)]
    assert comparees[1].objectif == Decimal("366")
    # Within a scope, too.
    scope = {"marche": territoire["m1"]}
    assert indicateurs.chiffres_cles_comparees(AN_2026, AN_2025, jour, **scope) == (
        indicateurs.chiffres_cles(AN_2026, jour, **scope),
        indicateurs.chiffres_cles(AN_2025, jour, **scope),
    )


@pytest.mark.parametrize("jour", [D(2026, 2, 10), D(2027, 3, 1)])
def test_hours_and_target_as_the_key_figures_give_them(territoire, django_assert_num_queries, jour):
    cles = indicateurs.chiffres_cles(AN_2026, jour, marche=territoire["m1"])
    with django_assert_num_queries(2):
        chiffres = indicateurs.heures_et_objectif(AN_2026, jour, marche=territoire["m1"])
    champs = ("heures", "objectif", "attendu_a_date", "fin_attendu", "etp", "taux")
    assert [getattr(chiffres, c) for c in champs] == [getattr(cles, c) for c in champs]
    assert chiffres.heures == Decimal("200.5")


@pytest.mark.parametrize("portee", ["", "donneur", "donneur2", "m1", "lot2", "a1"])
def test_the_population_walked_once(territoire, django_assert_num_queries, django_assert_max_num_queries, portee):
    """``population_en_parcours`` and ``repartitions_des_personnes``: the figures of synthese_heures and of each
    personnes_par_* function, in one query then two (none when nobody is in placement)."""
    territoire = {**territoire, "donneur": territoire["m1"].donneur_d_ordre}
    cles = {"donneur": "donneur", "donneur2": "donneur", "m1": "marche", "lot2": "lot", "a1": "attribution"}
    scope = {cles[portee]: territoire[portee]} if portee else {}
    for debut, fin in ((AN_2026.debut, AN_2026.fin), (AN_2025.debut, AN_2025.fin), (D(2026, 2, 1), D(2026, 2, 28))):
        with django_assert_num_queries(1):
            population = indicateurs.population_en_parcours(debut, fin, **scope)
        assert population.synthese == indicateurs.synthese_heures(debut, fin, **scope)
        with django_assert_max_num_queries(2):
            repartitions = indicateurs.repartitions_des_personnes(debut, fin, population=population, **scope)
        publics, nombre = indicateurs.personnes_par_public(debut, fin, **scope)
        assert repartitions == indicateurs.RepartitionsDesPersonnes(
            nombre=nombre,
            genre=indicateurs.personnes_par_genre(debut, fin, **scope),
            age=indicateurs.personnes_par_tranche_d_age(debut, fin, **scope),
            qualification=indicateurs.personnes_par_qualification(debut, fin, **scope),
            qpv=indicateurs.personnes_par_qpv(debut, fin, **scope),
            publics=publics,
        )
        with django_assert_max_num_queries(1):
            sans_publics = indicateurs.repartitions_des_personnes(
                debut, fin, population=population, publics=False, **scope
            )
        assert sans_publics.publics is None
        assert sans_publics.genre == repartitions.genre
        assert indicateurs.repartitions_des_personnes(debut, fin, **scope) == repartitions


def test_contracts_and_outcomes_in_one_walk(territoire, django_assert_max_num_queries):
    a1 = territoire["a1"]
    ancien = PlacementFactory(attribution=a1, date_debut=D(2024, 3, 1), type_contrat=TypeContrat.CDI)
    SortieFactory(placement=ancien, situation=Situation.CHOMAGE, date_constat=D(2026, 4, 1))
    SortieFactory(placement=ancien, moment=MomentSortie.SIX_MOIS, situation=Situation.CDI, date_constat=D(2026, 10, 1))
    for situation, constat in ((Situation.CDI, D(2026, 5, 1)), (Situation.CDD_COURT, D(2025, 12, 31))):
        SortieFactory(placement=PlacementFactory(attribution=a1, date_debut=D(2025, 6, 1)), situation=situation)
        SortieFactory(
            placement=PlacementFactory(attribution=territoire["a1"], date_debut=D(2026, 6, 1)),
            situation=situation,
            date_constat=constat,
        )
    SortieFactory(placement=PlacementFactory(date_debut=D(2026, 6, 1)))  # another donneur d'ordre
    cles = {"donneur": territoire["m1"].donneur_d_ordre, "marche": territoire["m2"], "attribution": a1}
    for portee in [{}] + [{cle: valeur} for cle, valeur in cles.items()]:
        for periode in (AN_2026, AN_2025, Periode(D(2026, 5, 1), D(2026, 5, 31))):
            attendu = (
                indicateurs.contrats_par_type(periode.debut, periode.fin, **portee),
                indicateurs.sorties_par_categorie(periode.debut, periode.fin, **portee),
            )
            with django_assert_max_num_queries(1 if portee else 2):
                assert indicateurs.contrats_et_sorties(periode.debut, periode.fin, **portee) == attendu
    contrats, sorties = indicateurs.contrats_et_sorties(AN_2026.debut, AN_2026.fin, attribution=a1)
    assert {p.code: p.valeur for p in sorties if p.valeur} == {"emploi_durable": 2, "autre": 1, "emploi_transition": 1}


def test_hours_and_target_with_the_hours_already_known(territoire, django_assert_num_queries):
    jour, donneur = D(2026, 2, 10), territoire["m1"].donneur_d_ordre
    attendu = indicateurs.heures_et_objectif(AN_2026, jour, donneur=donneur)
    heures = indicateurs.population_en_parcours(AN_2026.debut, AN_2026.fin, donneur=donneur).synthese.heures
    with django_assert_num_queries(1):
        assert indicateurs.heures_et_objectif(AN_2026, jour, heures=heures, donneur=donneur) == attendu


def test_periods():
    assert AN_2026.libelle == "2026"
    assert Periode(D(2026, 1, 15), D(2026, 2, 10)).libelle == "du 15/01/2026 au 10/02/2026"
