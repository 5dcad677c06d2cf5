"""Each kind of alert on both sides of its boundary. Every function takes the day it is asked about."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from clauses.factories import (
    ClauseInsertionFactory,
    HeuresMensuellesFactory,
    ParticipantFactory,
    PlacementFactory,
    SortieFactory,
)
from clauses.models import MomentSortie
from conventions.factories import ConventionFactory, DonneurDOrdreFactory
from conventions.models import DenoncePar
from entreprises.factories import EntrepriseFactory
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from marches.models import StatutMarche
from reporting import alertes
from reporting.alertes import TypeAlerte

pytestmark = pytest.mark.django_db

D = dt.date


class TestConventions:
    """A convention taking effect on 1 July 2025: échéance 30 June 2027 for its second period, notice by
    31 March 2027."""

    @pytest.fixture
    def convention(self):
        commune = DonneurDOrdreFactory(nom="Commune de Boulbon")
        return ConventionFactory(donneur_d_ordre=commune, date_effet=D(2025, 7, 1), date_signature=D(2025, 6, 1))

    def test_notice_deadline_within_60_days(self, convention):
        denonciations, _ = alertes.conventions(D(2027, 3, 31) - dt.timedelta(days=59))
        assert [a.texte for a in denonciations] == [
            "La convention avec Commune de Boulbon arrive à sa date limite de dénonciation le 31 mars 2027 "
            "(dans 59 jours)"
        ]
        assert denonciations[0].url == reverse("conventions:convention", args=[convention.pk])
        assert denonciations[0].echeance == D(2027, 3, 31)
        assert alertes.conventions(D(2027, 3, 31) - dt.timedelta(days=60))[0]

    def test_notice_deadline_61_days_away(self, convention):
        assert alertes.conventions(D(2027, 3, 31) - dt.timedelta(days=61))[0] == []

    def test_on_the_deadline_and_the_day_after(self, convention):
        assert "(aujourd'hui)" in alertes.conventions(D(2027, 3, 31))[0][0].texte
        # The day after, the renewal is certain: the next deadline (31 March 2028) is a year away.
        assert alertes.conventions(D(2027, 4, 1))[0] == []

    def test_no_notice_alert_once_notice_was_given_nor_for_a_draft(self, convention):
        convention.date_denonciation = D(2027, 1, 10)
        convention.denoncee_par = DenoncePar.DONNEUR_D_ORDRE
        convention.save()
        ConventionFactory(date_effet=D(2025, 7, 1), date_signature=None)
        assert alertes.conventions(D(2027, 2, 1))[0] == []

    def test_bilan_within_30_days_of_the_echeance(self, convention):
        _, bilans = alertes.conventions(D(2027, 5, 31))
        assert [a.texte for a in bilans] == [
            "Bilan annuel à préparer pour la convention avec Commune de Boulbon (échéance le 30 juin 2027, "
            "dans 30 jours)"
        ]
        assert alertes.conventions(D(2027, 5, 30))[1] == []

    def test_a_convention_given_notice_still_needs_its_last_bilan(self, convention):
        convention.date_denonciation = D(2027, 1, 10)
        convention.denoncee_par = DenoncePar.DONNEUR_D_ORDRE
        convention.save()
        _, bilans = alertes.conventions(D(2027, 6, 20))
        assert "prend fin à cette date" in bilans[0].texte


class TestLotsEnRetard:
    """A lot of 1 000 h over 2026 (365 days). On 1 July, judged at the end of June (the last complete month),
    181 days in: 495.89 h are expected, 80 % is 396.7 h."""

    JOUR = D(2026, 7, 1)

    @pytest.fixture
    def lot(self):
        marche = MarcheFactory(objet="Réhabilitation école Jules Ferry", statut=StatutMarche.EN_EXECUTION)
        lot = LotFactory(
            marche=marche, numero="2", intitule="Peinture", date_debut=D(2026, 1, 1), date_fin=D(2026, 12, 31)
        )
        ClauseInsertionFactory(lot=lot, heures_forcees=1000)
        return lot

    def _heures(self, lot, total):
        placement = PlacementFactory(attribution=AttributionFactory(lot=lot), date_debut=D(2026, 1, 5))
        HeuresMensuellesFactory(placement=placement, mois=D(2026, 2, 1), heures=Decimal(total))

    def test_79_percent_is_late(self, lot):
        self._heures(lot, "394")  # 79.5 % of 495.89
        [alerte] = alertes.lots_en_retard(self.JOUR)
        assert alerte.texte == (
            "Lot 2 « Peinture » du marché Réhabilitation école Jules Ferry : 79 % des heures attendues au "
            "30 juin 2026 (394 h sur 496 h)"
        )
        assert alerte.url == reverse("clauses:lot", args=[lot.pk])

    def test_81_percent_is_not(self, lot):
        self._heures(lot, "397")  # 80.06 %
        assert alertes.lots_en_retard(self.JOUR) == []

    def test_judged_at_the_end_of_the_last_complete_month(self, lot):
        # 396 h: 79.9 % of what is due at the end of June, 79.9 % still on 31 July (June is the last complete
        # month all through July), 67.5 % once July is complete.
        self._heures(lot, "396")
        assert len(alertes.lots_en_retard(D(2026, 7, 31))) == 1
        self._heures(lot, "1")
        assert alertes.lots_en_retard(D(2026, 7, 31)) == []
        assert len(alertes.lots_en_retard(D(2026, 8, 1))) == 1

    def test_hours_after_the_day_do_not_count(self, lot):
        placement = PlacementFactory(attribution=AttributionFactory(lot=lot), date_debut=D(2026, 1, 5))
        HeuresMensuellesFactory(placement=placement, mois=D(2026, 8, 1), heures=Decimal("200"))
        assert len(alertes.lots_en_retard(self.JOUR)) == 1

    def test_grace_period(self):
        marche = MarcheFactory(statut=StatutMarche.EN_EXECUTION)
        lot = LotFactory(marche=marche, date_debut=D(2026, 6, 1), date_fin=D(2026, 12, 31))
        ClauseInsertionFactory(lot=lot, heures_forcees=1000)
        # 59 days in: too early to call it late; 60 days in: late (nothing done).
        assert alertes.lots_en_retard(D(2026, 6, 1) + dt.timedelta(days=59)) == []
        assert len(alertes.lots_en_retard(D(2026, 6, 1) + dt.timedelta(days=60))) == 1

    @pytest.mark.parametrize(
        "statut, alerte",
        [(StatutMarche.ATTRIBUE, True), (StatutMarche.ACHEVE, False), (StatutMarche.EN_PREPARATION, False)],
    )
    def test_only_running_marches(self, lot, statut, alerte):
        lot.marche.statut = statut
        lot.marche.save()
        assert bool(alertes.lots_en_retard(self.JOUR)) is alerte

    def test_no_target_or_no_dates_no_alert(self, lot):
        lot.clause.heures_forcees = 0
        lot.clause.save()
        sans_dates = LotFactory(marche=lot.marche, date_debut=None, date_fin=None)
        ClauseInsertionFactory(lot=sans_dates)
        assert alertes.lots_en_retard(self.JOUR) == []

    def test_two_queries_for_every_lot(self, lot, django_assert_num_queries):
        for _ in range(5):
            autre = LotFactory(marche=lot.marche, date_debut=D(2026, 1, 1), date_fin=D(2026, 12, 31))
            ClauseInsertionFactory(lot=autre)
            self._heures(autre, "10")
        with django_assert_num_queries(2):
            assert len(alertes.lots_en_retard(self.JOUR)) == 6


class TestAttributionsSilencieuses:
    """On 25 November 2026 the last two complete months are September and October."""

    JOUR = D(2026, 11, 25)

    @pytest.fixture
    def attribution(self):
        marche = MarcheFactory(objet="Aménagement des berges du Rhône")
        lot = LotFactory(marche=marche, numero="2", intitule="Espaces verts")
        return AttributionFactory(lot=lot, entreprise=EntrepriseFactory(raison_sociale="Paysages Montagnette"))

    def _placement(self, attribution, *mois, **extra):
        placement = PlacementFactory(attribution=attribution, date_debut=D(2026, 6, 1), **extra)
        for m in mois:
            HeuresMensuellesFactory(placement=placement, mois=m)
        return placement

    def test_two_months_silent(self, attribution):
        self._placement(attribution, D(2026, 7, 1))
        alertes_, total = alertes.attributions_silencieuses(self.JOUR)
        assert total == 1
        assert alertes_[0].texte == (
            "Paysages Montagnette (lot 2 « Espaces verts », marché Aménagement des berges du Rhône) "
            "n'a transmis aucune heure depuis août 2026"
        )
        assert alertes_[0].url == reverse("clauses:heures_grille", args=[attribution.pk])

    def test_one_month_silent_is_not_yet_an_alert(self, attribution):
        self._placement(attribution, D(2026, 9, 1))
        assert alertes.attributions_silencieuses(self.JOUR) == ([], 0)

    def test_never_any_hours(self, attribution):
        self._placement(attribution)
        [alerte], _ = alertes.attributions_silencieuses(self.JOUR)
        assert alerte.texte.endswith("depuis juin 2026")

    def test_nobody_at_work_nothing_expected(self, attribution):
        self._placement(attribution, D(2026, 7, 1), date_fin=D(2026, 8, 31))
        assert alertes.attributions_silencieuses(self.JOUR) == ([], 0)

    def test_a_placement_started_in_october_expects_nothing_for_september(self, attribution):
        PlacementFactory(attribution=attribution, date_debut=D(2026, 10, 1))
        assert alertes.attributions_silencieuses(self.JOUR) == ([], 0)


class TestMarchesSansAttributaire:
    def test_awarded_without_attributaire(self):
        seul = MarcheFactory(
            objet="Nettoyage des lycées", statut=StatutMarche.ATTRIBUE, date_attribution=D(2026, 10, 1)
        )
        LotFactory(marche=seul)
        AttributionFactory(lot__marche=MarcheFactory(statut=StatutMarche.EN_EXECUTION))
        MarcheFactory(statut=StatutMarche.EN_PREPARATION)
        alertes_, total = alertes.marches_sans_attributaire(D(2026, 11, 25))
        assert total == 1
        assert alertes_[0].texte == (
            f"Le marché Nettoyage des lycées ({seul.donneur_d_ordre.nom}) est attribué "
            "mais aucun attributaire n'est enregistré"
        )
        assert alertes_[0].url == reverse("marches:marche", args=[seul.pk])


class TestSortiesASixMois:
    JOUR = D(2026, 11, 25)

    def test_due_six_months_after_the_end(self):
        participant = ParticipantFactory(prenom="Enzo", nom="Rousseau")
        PlacementFactory(
            participant=participant,
            attribution__entreprise__raison_sociale="Peintures Martin",
            date_debut=D(2026, 1, 5),
            date_fin=D(2026, 5, 25),
        )
        PlacementFactory(date_debut=D(2026, 1, 5), date_fin=D(2026, 5, 26))  # six months on 26 November
        alertes_, total = alertes.sorties_a_six_mois(self.JOUR)
        assert total == 1
        assert alertes_[0].texte == (
            "Enzo Rousseau : situation à six mois à recueillir "
            "(placement chez Peintures Martin terminé le 25 mai 2026)"
        )
        assert alertes_[0].url == reverse("clauses:participant", args=[participant.pk])
        assert alertes_[0].echeance == self.JOUR

    def test_recorded_outcome_no_alert(self):
        placement = PlacementFactory(date_debut=D(2025, 1, 5), date_fin=D(2025, 5, 25))
        SortieFactory(placement=placement, moment=MomentSortie.FIN_PARCOURS, date_constat=D(2025, 5, 25))
        assert alertes.sorties_a_six_mois(self.JOUR)[1] == 1
        SortieFactory(placement=placement, moment=MomentSortie.SIX_MOIS, date_constat=D(2025, 11, 25))
        assert alertes.sorties_a_six_mois(self.JOUR) == ([], 0)


def test_all_alerts_grouped_and_sorted(django_assert_max_num_queries):
    jour = D(2027, 3, 1)
    ConventionFactory(date_effet=D(2025, 7, 1), date_signature=D(2025, 6, 1))  # deadline 31 March 2027
    ConventionFactory(date_effet=D(2025, 4, 1), date_signature=D(2025, 3, 1))  # deadline 31 December 2026: past
    ConventionFactory(date_effet=D(2025, 7, 15), date_signature=D(2025, 7, 1))  # deadline 14 April 2027
    PlacementFactory(date_debut=D(2026, 1, 5), date_fin=D(2026, 5, 25))
    # One query or two per group, whatever the number of rows.
    with django_assert_max_num_queries(10):
        groupes = alertes.alertes(jour)
    assert [g.type for g in groupes] == list(TypeAlerte)
    denonciations = groupes[0]
    assert [a.echeance for a in denonciations.alertes] == [D(2027, 3, 31), D(2027, 4, 14)]
    assert denonciations.total == 2
    toutes = alertes.toutes(jour)
    assert toutes[0].type == TypeAlerte.SORTIE_SIX_MOIS  # overdue since 25 November 2026
    assert [a.echeance for a in toutes] == sorted(a.echeance for a in toutes)


def test_links_are_left_out_while_their_page_does_not_exist(settings):
    settings.ROOT_URLCONF = "reporting.urls"
    ConventionFactory(date_effet=D(2025, 7, 1), date_signature=D(2025, 6, 1))
    [alerte], _ = alertes.conventions(D(2027, 3, 1))
    assert alerte.url is None
