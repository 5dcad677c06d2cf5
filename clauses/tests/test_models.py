import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clauses.factories import (
    ClauseInsertionFactory,
    HeuresMensuellesFactory,
    ParticipantFactory,
    PlacementFactory,
    SortieFactory,
)
from clauses.models import (
    CategorieSortie,
    ClauseInsertion,
    CorpsDEtat,
    CritereEligibilite,
    HeuresMensuelles,
    ModaliteJuridique,
    Participant,
    Situation,
    Sortie,
)
from clauses.services import calculer_objectif, enregistrer_clause
from marches.factories import LotFactory

D = dt.date
pytestmark = pytest.mark.django_db


def test_reference_tables_are_loaded_by_migration():
    assert ModaliteJuridique.objects.get(code="condition_execution").article == "L2112-2"
    # Residence in a QPV is no criterion: it is the placement's residence at hiring (migration 0009).
    assert CritereEligibilite.objects.count() == 8
    assert not CritereEligibilite.objects.filter(code="qpv").exists()
    assert CorpsDEtat.objects.get(libelle="Peinture intérieure").part_main_oeuvre == 70


class TestClause:
    def test_the_service_computes_the_target(self):
        clause = enregistrer_clause(
            LotFactory(),
            montant_ht=Decimal("1000000"),
            part_main_oeuvre=Decimal("50"),
            taux_insertion=Decimal("5"),
            cout_horaire=Decimal("30"),
        )
        clause.refresh_from_db()
        assert clause.heures_calculees == 833
        assert clause.heures_objectif == 833
        assert ClauseInsertionFactory().heures_calculees == 833  # the factory writes as the service does

    def test_saving_computes_nothing(self):
        """The target is the service's business (calculer_objectif), not a side effect of save()."""
        clause = ClauseInsertionFactory()
        clause.taux_insertion = Decimal("10")
        clause.save()
        clause.refresh_from_db()
        assert clause.heures_calculees == 833
        assert calculer_objectif(clause).heures_calculees == 1667

    def test_override_keeps_the_computed_value_beside_it(self):
        clause = ClauseInsertionFactory(heures_forcees=600, motif_forcage="Reprise du personnel en place")
        clause.refresh_from_db()
        assert (clause.heures_calculees, clause.heures_objectif, clause.est_forcee) == (833, 600, True)
        annotated = ClauseInsertion.objects.with_heures_objectif().get(pk=clause.pk)
        assert annotated.objectif == 600

    def test_database_refuses_percentages_over_100(self):
        clause = ClauseInsertionFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            ClauseInsertion.objects.filter(pk=clause.pk).update(taux_insertion=Decimal("120"))

    def test_database_refuses_a_zero_hourly_cost(self):
        clause = ClauseInsertionFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            ClauseInsertion.objects.filter(pk=clause.pk).update(cout_horaire=0)


class TestParticipant:
    def test_references_follow_each_other(self):
        # The sequence is not rolled back with a test's transaction: numbers follow the previous test's.
        a, b = ParticipantFactory(), ParticipantFactory()
        assert re.fullmatch(r"P-\d{6}", a.reference)
        assert int(b.reference[2:]) == int(a.reference[2:]) + 1
        suivantes = Participant.objects.nouvelles_references(3)
        assert [int(r[2:]) for r in suivantes] == [int(b.reference[2:]) + n for n in (1, 2, 3)]

    def test_age(self):
        p = ParticipantFactory.build(date_naissance=D(2000, 2, 29))
        assert p.age(D(2026, 2, 28)) == 25
        assert p.age(D(2026, 3, 1)) == 26


class TestHeures:
    def test_one_row_per_placement_and_month(self):
        h = HeuresMensuellesFactory(mois=D(2026, 3, 1))
        with pytest.raises(IntegrityError), transaction.atomic():
            HeuresMensuelles.objects.create(placement=h.placement, mois=D(2026, 3, 15), heures=10)

    def test_month_is_stored_as_its_first_day(self):
        h = HeuresMensuellesFactory(mois=D(2026, 3, 17))
        assert HeuresMensuelles.objects.get(pk=h.pk).mois == D(2026, 3, 1)

    def test_database_refuses_negative_hours(self):
        h = HeuresMensuellesFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            HeuresMensuelles.objects.filter(pk=h.pk).update(heures=Decimal("-1"))

    def test_database_refuses_a_month_not_on_day_one(self):
        h = HeuresMensuellesFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            HeuresMensuelles.objects.filter(pk=h.pk).update(mois=D(2026, 1, 2))

    def test_validation_bounds_a_full_time_month(self):
        h = HeuresMensuellesFactory.build(placement=PlacementFactory(), heures=Decimal("260"))
        with pytest.raises(ValidationError) as excinfo:
            h.full_clean()
        assert "heures" in excinfo.value.message_dict


class TestPlacement:
    def test_dates_in_order(self):
        p = PlacementFactory(date_debut=D(2026, 3, 1))
        p.date_fin = D(2026, 2, 1)
        with pytest.raises(IntegrityError), transaction.atomic():
            p.save()

    def test_en_cours(self):
        from clauses.models import Placement

        fini = PlacementFactory(date_debut=D(2026, 1, 1), date_fin=D(2026, 2, 28))
        ouvert = PlacementFactory(date_debut=D(2026, 2, 1))
        assert set(Placement.objects.en_cours(D(2026, 2, 15))) == {fini, ouvert}
        assert set(Placement.objects.en_cours(D(2026, 3, 1))) == {ouvert}


class TestSortie:
    def test_category_follows_the_national_nomenclature(self):
        assert SortieFactory.build(situation=Situation.CDI).categorie == CategorieSortie.EMPLOI_DURABLE
        assert SortieFactory.build(situation=Situation.INTERIM_COURT).categorie == CategorieSortie.EMPLOI_TRANSITION
        assert (
            SortieFactory.build(situation=Situation.FORMATION_QUALIFIANTE).categorie == CategorieSortie.SORTIE_POSITIVE
        )
        assert SortieFactory.build(situation=Situation.SANS_NOUVELLES).categorie == CategorieSortie.AUTRE

    def test_category_in_the_database_agrees_with_python(self):
        for situation in Situation:
            SortieFactory(situation=situation)
        for sortie in Sortie.objects.with_categorie():
            assert sortie.categorie_code == sortie.categorie

    def test_one_outcome_per_moment(self):
        s = SortieFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            Sortie.objects.create(placement=s.placement, moment=s.moment, date_constat=D(2026, 8, 1), situation="cdi")


class TestAvancementLot:
    def test_realised_expected_and_late(self):
        from clauses.services import avancement_lot

        clause = ClauseInsertionFactory(lot__date_debut=D(2026, 1, 1), lot__date_fin=D(2026, 12, 31))  # 833 h
        placement = PlacementFactory(attribution__lot=clause.lot)
        HeuresMensuellesFactory(placement=placement, mois=D(2026, 1, 1), heures=Decimal("100"))
        HeuresMensuellesFactory(placement=placement, mois=D(2026, 2, 1), heures=Decimal("120.5"))
        HeuresMensuellesFactory(placement=placement, mois=D(2026, 9, 1), heures=Decimal("50"))
        # Another lot's hours do not count.
        HeuresMensuellesFactory(mois=D(2026, 1, 1), heures=Decimal("99"))

        a = avancement_lot(clause.lot, D(2026, 7, 15))
        assert a.objectif == 833
        assert a.realisees == Decimal("220.5")
        # Judged at the end of the last complete month, 30 June: 833 × 181 days of 365.
        assert (a.arrete_au, a.attendues) == (D(2026, 6, 30), Decimal("413.08"))
        assert a.en_retard  # 220.5 < 0.8 × 413.08
        # On 30 June, June is not complete yet: the expectation runs to 31 May (151 days).
        assert avancement_lot(clause.lot, D(2026, 6, 30)).attendues == Decimal("344.61")
        assert avancement_lot(clause.lot, D(2026, 2, 28)).en_retard is False
        assert avancement_lot(clause.lot, D(2027, 1, 1)).realisees == Decimal("270.5")

    def test_lot_without_clause_or_dates(self):
        from clauses.services import avancement_lot
        from marches.factories import LotFactory

        a = avancement_lot(LotFactory(date_debut=None, date_fin=None), D(2026, 6, 30))
        assert (a.objectif, a.realisees, a.attendues, a.taux, a.en_retard) == (0, 0, None, None, False)


class TestValidationPlacement:
    def test_operator_must_fit_the_modality(self):
        from entreprises.factories import OperateurFactory
        from entreprises.models import TypeOperateur

        placement = PlacementFactory.build(
            attribution=PlacementFactory().attribution,
            participant=ParticipantFactory(),
            modalite="mad_etti",
            operateur=OperateurFactory(type=TypeOperateur.GEIQ),
        )
        with pytest.raises(ValidationError) as excinfo:
            placement.full_clean()
        assert excinfo.value.message_dict["operateur"] == ["Pour cette modalité, l'opérateur doit être : ETTI."]
        placement.operateur = OperateurFactory(type=TypeOperateur.ETTI)
        placement.full_clean()

    def test_dates_error_is_on_the_later_field_or_the_whole_form(self):
        placement = PlacementFactory.build(
            attribution=PlacementFactory().attribution,
            participant=ParticipantFactory(),
            date_debut=D(2026, 3, 1),
            date_fin=D(2026, 2, 1),
        )
        with pytest.raises(ValidationError) as excinfo:
            placement.full_clean()
        assert excinfo.value.message_dict["date_fin"] == ["La fin effective ne peut pas précéder le début."]
        # A form that does not show date_fin still gets the message, as an error of the whole form.
        with pytest.raises(ValidationError) as excinfo:
            placement.full_clean(exclude={"date_fin"})
        assert "La fin effective ne peut pas précéder le début." in excinfo.value.message_dict["__all__"]


def test_recording_new_terms_recomputes_the_target():
    clause = ClauseInsertionFactory()
    termes = {n: getattr(clause, n) for n in ("montant_ht", "part_main_oeuvre", "cout_horaire")}
    enregistrer_clause(clause.lot, **termes, taux_insertion=Decimal("10"))
    clause.refresh_from_db()
    assert clause.heures_calculees == 1667


def test_nothing_is_expected_before_the_award():
    from clauses.services import avancement_lot
    from marches.models import StatutMarche

    clause = ClauseInsertionFactory(
        lot__marche__statut=StatutMarche.EN_PREPARATION, lot__date_debut=D(2026, 1, 1), lot__date_fin=D(2026, 12, 31)
    )
    a = avancement_lot(clause.lot, D(2026, 6, 30))
    assert (a.attendues, a.en_retard) == (None, False)
