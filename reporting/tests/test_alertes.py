"""Each kind of alert on both sides of its boundary. Every function takes the day it is asked about."""

import datetime as dt
from decimal import ROUND_UP, Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from clauses import objectif
from clauses.factories import (
    ClauseInsertionFactory,
    HeuresMensuellesFactory,
    ParticipantFactory,
    PlacementFactory,
    SortieFactory,
)
from clauses.models import MomentSortie
from conventions.factories import ConventionFactory, DonneurDOrdreFactory, FacilitateurFactory
from conventions.models import Convention, DenoncePar, EtatConvention
from entreprises.factories import EntrepriseFactory
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from marches.models import Marche, StatutMarche
from reporting import alertes
from reporting.alertes import TypeAlerte

pytestmark = pytest.mark.django_db

D = dt.date
PARIS = ZoneInfo("Europe/Paris")


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
            "La convention avec la Commune de Boulbon arrive à sa date limite de dénonciation le 31 mars 2027 "
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
            "Bilan annuel à préparer pour la convention avec la Commune de Boulbon (échéance le 30 juin 2027, "
            "dans 30 jours)"
        ]
        assert alertes.conventions(D(2027, 5, 30))[1] == []

    def test_a_convention_given_notice_still_needs_its_last_bilan(self, convention):
        convention.date_denonciation = D(2027, 1, 10)
        convention.denoncee_par = DenoncePar.DONNEUR_D_ORDRE
        convention.save()
        _, bilans = alertes.conventions(D(2027, 6, 20))
        assert "prend fin à cette date" in bilans[0].texte


def _selon_les_methodes(jour):
    """The conventions' alerts as Convention's methods define them: (pk, deadline) and (pk, échéance, denounced)."""
    denonciations, bilans = [], []
    for convention in Convention.objects.signees().order_by("pk"):
        etat = convention.etat(jour)
        limite = convention.date_limite_denonciation(jour)
        if limite is not None and 0 <= (limite - jour).days <= alertes.JOURS_AVANT_DENONCIATION:
            denonciations.append((convention.pk, limite))
        if etat not in (EtatConvention.EN_VIGUEUR, EtatConvention.DENONCEE):
            continue
        echeance = convention.prochaine_echeance(jour)
        if echeance is not None and 0 <= (echeance - jour).days <= alertes.JOURS_AVANT_BILAN:
            bilans.append((convention.pk, echeance, etat == EtatConvention.DENONCEE))
    return denonciations, bilans


class TestConventionsCommeLeCalendrier:
    """The conventions' alerts read conventions.calendrier: they must match Convention's methods every day, for periods
    of 1 to 36 months, notice of 0 to 23 months, dates of effect on the 1st, on month ends, on 29 February, and
    notice given before the deadline, after it, or on a day still to come."""

    EFFETS = [D(2024, 1, 1), D(2024, 1, 31), D(2024, 2, 29), D(2024, 3, 31), D(2024, 5, 30), D(2024, 8, 31)]
    EFFETS += [D(2024, 11, 30), D(2025, 7, 15)]
    CALENDRIERS = [(12, 3), (6, 1), (1, 0), (24, 23), (12, 0), (36, 11)]

    @pytest.fixture
    def conventions(self):
        for effet in self.EFFETS:
            for duree, preavis in self.CALENDRIERS:
                ConventionFactory(date_effet=effet, date_signature=effet, duree_mois=duree, preavis_mois=preavis)
            for jours in (45, 300, 700, 1100):
                ConventionFactory(
                    date_effet=effet,
                    date_signature=effet,
                    date_denonciation=effet + dt.timedelta(days=jours),
                    denoncee_par=DenoncePar.STRUCTURE_PORTEUSE,
                )
        ConventionFactory(date_effet=D(2024, 3, 1), date_signature=None)

    def test_every_day(self, conventions):
        pks = {reverse("conventions:convention", args=[c.pk]): c.pk for c in Convention.objects.all()}
        jours = [D(2023, 12, 1) + dt.timedelta(days=n) for n in range(0, 4 * 366, 7)]
        jours += [D(annee, 2, 20) + dt.timedelta(days=n) for annee in (2025, 2027, 2028) for n in range(14)]
        for jour in jours:
            denonciations, bilans = alertes.conventions(jour)
            assert (
                [(pks[a.url], a.echeance) for a in denonciations],
                [(pks[a.url], a.echeance, "prend fin" in a.texte) for a in bilans],
            ) == _selon_les_methodes(jour), jour


class TestConventionsCommeLaListe:
    """The home page's notice alerts and the conventions list's « préavis proche » (the flag of each row and the
    filter) pick the same conventions every day: signed or not, in effect or not yet, given notice in time, too late,
    or on a day still to come, periods of 12, 6 and 3 months, dates of effect on the 1st, on a month end, mid-month.
    Before the calendar had one home, the list flagged unsigned conventions the alerts rightly left out."""

    @pytest.fixture
    def conventions(self):
        cas = []
        for effet in (D(2024, 7, 1), D(2024, 8, 31), D(2024, 11, 15), D(2025, 2, 28)):
            cas += [
                dict(date_effet=effet, date_signature=effet),
                dict(date_effet=effet, date_signature=None),
                dict(date_effet=effet, date_signature=effet, duree_mois=6, preavis_mois=1),
                dict(date_effet=effet, date_signature=effet - dt.timedelta(days=10), duree_mois=3, preavis_mois=2),
                dict(date_effet=effet, date_signature=None, duree_mois=3, preavis_mois=1),
            ]
            for jours in (60, 400, 800):  # in time for an échéance, or after its deadline
                cas.append(
                    dict(
                        date_effet=effet,
                        date_signature=effet,
                        date_denonciation=effet + dt.timedelta(days=jours),
                        denoncee_par=DenoncePar.STRUCTURE_PORTEUSE,
                    )
                )
        for i, champs in enumerate(cas):
            ConventionFactory(donneur_d_ordre=DonneurDOrdreFactory(nom=f"Donneur {i:02d}"), **champs)
        assert len(cas) <= 50  # one page of the list

    def test_the_same_conventions_every_day(self, client, facilitateur, conventions):
        pks = {reverse("conventions:convention", args=[c.pk]): c.pk for c in Convention.objects.all()}
        liste = reverse("conventions:conventions")
        jours = [D(2024, 6, 1) + dt.timedelta(days=n) for n in range(0, 3 * 366, 17)] + [D(2027, 2, 15)]
        alertees_en_tout = 0
        for jour in jours:
            denonciations, _ = alertes.conventions(jour)
            alertees = sorted(pks[a.url] for a in denonciations)
            with time_machine.travel(dt.datetime(jour.year, jour.month, jour.day, 12, tzinfo=PARIS), tick=False):
                client.force_login(facilitateur)
                filtrees = sorted(c.pk for c in client.get(liste, {"preavis": "true"}).context["object_list"])
                signalees = sorted(
                    c.pk for c in client.get(liste).context["object_list"] if c.situation.preavis_proche
                )
            assert alertees == filtrees == signalees, jour
            alertees_en_tout += len(alertees)
        assert alertees_en_tout > 50


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
        [alerte], total = alertes.lots_en_retard(self.JOUR)
        assert total == 1
        assert alerte.texte == (
            "Lot 2 « Peinture » du marché Réhabilitation école Jules Ferry : 79 % des heures attendues au "
            "30 juin 2026 (394 h sur 496 h)"
        )
        assert alerte.url == reverse("clauses:lot", args=[lot.pk])

    def test_81_percent_is_not(self, lot):
        self._heures(lot, "397")  # 80.06 %
        assert alertes.lots_en_retard(self.JOUR) == ([], 0)

    def test_judged_at_the_end_of_the_last_complete_month(self, lot):
        # 396 h: 79.9 % of what is due at the end of June, 79.9 % still on 31 July (June is the last complete
        # month all through July), 67.5 % once July is complete.
        self._heures(lot, "396")
        assert alertes.lots_en_retard(D(2026, 7, 31))[1] == 1
        self._heures(lot, "1")
        assert alertes.lots_en_retard(D(2026, 7, 31)) == ([], 0)
        assert alertes.lots_en_retard(D(2026, 8, 1))[1] == 1

    def test_hours_after_the_day_do_not_count(self, lot):
        placement = PlacementFactory(attribution=AttributionFactory(lot=lot), date_debut=D(2026, 1, 5))
        HeuresMensuellesFactory(placement=placement, mois=D(2026, 8, 1), heures=Decimal("200"))
        assert alertes.lots_en_retard(self.JOUR)[1] == 1

    def test_grace_period(self):
        marche = MarcheFactory(statut=StatutMarche.EN_EXECUTION)
        lot = LotFactory(marche=marche, date_debut=D(2026, 6, 1), date_fin=D(2026, 12, 31))
        ClauseInsertionFactory(lot=lot, heures_forcees=1000)
        # 59 days in: too early to call it late; 60 days in: late (nothing done).
        assert alertes.lots_en_retard(D(2026, 6, 1) + dt.timedelta(days=59)) == ([], 0)
        assert alertes.lots_en_retard(D(2026, 6, 1) + dt.timedelta(days=60))[1] == 1

    @pytest.mark.parametrize(
        "statut, alerte",
        [(StatutMarche.ATTRIBUE, True), (StatutMarche.ACHEVE, False), (StatutMarche.EN_PREPARATION, False)],
    )
    def test_only_running_marches(self, lot, statut, alerte):
        lot.marche.statut = statut
        lot.marche.save()
        assert bool(alertes.lots_en_retard(self.JOUR)[0]) is alerte

    def test_no_target_or_no_dates_no_alert(self, lot):
        lot.clause.heures_forcees = 0
        lot.clause.save()
        sans_dates = LotFactory(marche=lot.marche, date_debut=None, date_fin=None)
        ClauseInsertionFactory(lot=sans_dates)
        assert alertes.lots_en_retard(self.JOUR) == ([], 0)

    def test_one_query_the_furthest_behind_first_and_the_count_of_all(self, lot, django_assert_num_queries):
        self._heures(lot, "300")
        autres = []
        for i, heures in enumerate(["10", "200", "10", "0", "100"] * 5):
            autre = LotFactory(marche=lot.marche, numero=f"A{i}", date_debut=D(2026, 1, 1), date_fin=D(2026, 12, 31))
            ClauseInsertionFactory(lot=autre, heures_forcees=1000)
            self._heures(autre, heures)
            autres.append((Decimal(heures), autre.pk))
        with django_assert_num_queries(1):
            premieres, total = alertes.lots_en_retard(self.JOUR)
        assert total == 26
        # Lowest rate first, then in the order of the lots.
        attendues = [pk for _, pk in sorted(autres)][: alertes.LIMITE_PAR_TYPE]
        assert [a.url for a in premieres] == [reverse("clauses:lot", args=[pk]) for pk in attendues]

    def test_the_expectation_is_rounded_as_clauses_objectif_rounds_it(self):
        """333 h over 312 days, 65 days in: 69.375 h exactly, which Decimal's 28 digits put at 69.37 h (80 %:
        55.496 h). Rounding the exact value half up would expect 69.38 h (55.504 h) and call 55.50 h late."""
        marche = MarcheFactory(statut=StatutMarche.EN_EXECUTION)
        debut = D(2026, 6, 30) - dt.timedelta(days=64)
        lot = LotFactory(marche=marche, date_debut=debut, date_fin=debut + dt.timedelta(days=311))
        ClauseInsertionFactory(lot=lot, heures_forcees=333)
        assert objectif.heures_attendues(333, lot.date_debut, lot.date_fin, D(2026, 6, 30)) == Decimal("69.37")
        self._heures(lot, "55.49")
        [alerte], _ = alertes.lots_en_retard(self.JOUR)
        assert "80 % des heures attendues au 30 juin 2026 (55 h sur 69 h)" in alerte.texte
        self._heures(lot, "0.01")
        assert alertes.lots_en_retard(self.JOUR) == ([], 0)

    def test_same_lots_same_order_as_clauses_objectif_on_exact_half_cents(self):
        """Where cible × e / t falls exactly on a half cent, Decimal's 28 digits decide which way it rounds: on
        30 such lots, each given the first cent at or above its 80 % threshold (or a cent less), the query keeps
        the same lots in the same order as clauses.objectif does."""
        arrete = D(2026, 6, 30)
        cas = [
            (cible, e, t)
            for t in range(300, 700)
            for e in range(65, t, 7)
            for cible in (9, 18, 27, 63, 333)
            if (200 * cible * e) % (2 * t) == t
        ][:30]
        marche = MarcheFactory(statut=StatutMarche.EN_EXECUTION)
        attendus = []
        for i, (cible, e, t) in enumerate(cas):
            debut = arrete - dt.timedelta(days=e - 1)
            lot = LotFactory(marche=marche, date_debut=debut, date_fin=debut + dt.timedelta(days=t - 1))
            ClauseInsertionFactory(lot=lot, heures_forcees=cible)
            dues = objectif.heures_attendues(cible, lot.date_debut, lot.date_fin, arrete)
            faites = (dues * objectif.SEUIL_RETARD).quantize(Decimal("0.01"), rounding=ROUND_UP)
            faites -= Decimal("0.01") * (i % 2)
            self._heures(lot, faites)
            if objectif.en_retard(faites, dues):
                attendus.append(((faites / dues * 100).quantize(Decimal(1)), lot.pk))
        premieres, total = alertes.lots_en_retard(self.JOUR)
        assert total == len(attendus)
        urls = [reverse("clauses:lot", args=[pk]) for _, pk in sorted(attendus)]
        assert [a.url for a in premieres] == urls[: alertes.LIMITE_PAR_TYPE]

    def test_rates_are_rounded_half_to_even_before_sorting(self):
        """Lots whose period is over expect their whole target. 12.5 % rounds to 12 %, as Decimal does: the
        first lot, at 12.5 %, comes before the second, at 12.4 %, both at 12 %."""
        marche = MarcheFactory(statut=StatutMarche.EN_EXECUTION)
        lots = []
        for heures in ("125", "124"):
            lot = LotFactory(marche=marche, date_debut=D(2025, 1, 1), date_fin=D(2025, 12, 31))
            ClauseInsertionFactory(lot=lot, heures_forcees=1000)
            self._heures(lot, heures)
            lots.append(lot)
        premieres, total = alertes.lots_en_retard(self.JOUR)
        assert total == 2
        assert [a.url for a in premieres] == [reverse("clauses:lot", args=[lot.pk]) for lot in lots]
        assert all(" : 12 % des heures" in a.texte for a in premieres)


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

    def test_hours_from_any_placement_of_the_attribution_count(self, attribution):
        # Two placements under way, one silent: the other one's hours speak for the attributaire.
        self._placement(attribution)
        self._placement(attribution, D(2026, 10, 1))
        assert alertes.attributions_silencieuses(self.JOUR) == ([], 0)

    def test_hours_from_a_placement_no_longer_under_way_count_too(self, attribution):
        self._placement(attribution)
        self._placement(attribution, D(2026, 9, 1), date_fin=D(2026, 8, 31))
        assert alertes.attributions_silencieuses(self.JOUR) == ([], 0)

    def test_silent_the_longest_first_never_any_hours_last_in_one_query(self, django_assert_num_queries):
        attendues = []
        for mois in [D(2026, 7, 1), None, D(2026, 3, 1), D(2026, 8, 1), None] * 5:
            attribution = AttributionFactory()
            self._placement(attribution, *([mois] if mois else []))
            attendues.append((mois or D(9999, 1, 1), attribution.pk))
        with django_assert_num_queries(1):
            premieres, total = alertes.attributions_silencieuses(self.JOUR)
        assert total == 25
        urls = [reverse("clauses:heures_grille", args=[pk]) for _, pk in sorted(attendues)]
        assert [a.url for a in premieres] == urls[: alertes.LIMITE_PAR_TYPE]


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
            f"Le marché « Nettoyage des lycées » de la {seul.donneur_d_ordre.nom} est attribué "
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


class TestAlertesDUnFacilitateur:
    """Kept to one facilitator's marchés, the alerts about marchés show theirs and those nobody is in charge of,
    never a colleague's; without a facilitator, everyone's. On 25 November 2026, for every kind at once: a lot
    late, an attribution silent since August, an awarded marché without attributaire and a six-month outcome due,
    in each of three marchés (mine, a colleague's, nobody's)."""

    JOUR = D(2026, 11, 25)

    @pytest.fixture
    def equipe(self):
        moi, collegue = FacilitateurFactory(), FacilitateurFactory()
        for nom, facilitateur in (("moi", moi), ("collègue", collegue), ("personne", None)):
            marche = MarcheFactory(
                objet=f"Marché de {nom}", statut=StatutMarche.EN_EXECUTION, facilitateur=facilitateur
            )
            lot = LotFactory(marche=marche, date_debut=D(2026, 1, 1), date_fin=D(2026, 12, 31))
            ClauseInsertionFactory(lot=lot, heures_forcees=1000)
            placement = PlacementFactory(
                attribution=AttributionFactory(lot=lot, entreprise__raison_sociale=f"Entreprise de {nom}"),
                date_debut=D(2026, 1, 5),
                date_fin=D(2026, 5, 25),
            )
            PlacementFactory(attribution=placement.attribution, date_debut=D(2026, 6, 1))
            HeuresMensuellesFactory(placement=placement, mois=D(2026, 2, 1), heures=Decimal("10"))
            HeuresMensuellesFactory(placement=placement, mois=D(2026, 8, 1), heures=Decimal("10"))
            MarcheFactory(objet=f"Marché attribué de {nom}", statut=StatutMarche.ATTRIBUE, facilitateur=facilitateur)
        return moi, collegue

    @pytest.mark.parametrize(
        "fonction",
        [
            alertes.lots_en_retard,
            alertes.attributions_silencieuses,
            alertes.marches_sans_attributaire,
            alertes.sorties_a_six_mois,
        ],
    )
    def test_each_kind(self, equipe, fonction):
        moi, collegue = equipe
        for facilitateur, attendus in ((moi, {"moi", "personne"}), (collegue, {"collègue", "personne"})):
            liste, total = fonction(self.JOUR, facilitateur.pk)
            assert total == 2
            textes = " ".join(a.texte for a in liste)
            assert {nom for nom in ("moi", "collègue", "personne") if f"de {nom}" in textes} == attendus, textes
        assert fonction(self.JOUR)[1] == 3

    def test_requests_from_the_portal(self, equipe):
        moi, collegue = equipe
        for marche in Marche.objects.filter(objet__startswith="Marché attribué"):
            marche.declare_le = timezone.now()
            marche.save()
        assert {a.texte.split("« ")[1] for a in alertes.demandes_des_donneurs(self.JOUR, moi.pk)[0]} == {
            "Marché attribué de moi » et demande l'appui du facilitateur",
            "Marché attribué de personne » et demande l'appui du facilitateur",
        }
        assert alertes.demandes_des_donneurs(self.JOUR)[1] == 3

    def test_conventions_are_everyones(self, equipe):
        moi, _ = equipe
        ConventionFactory(date_effet=D(2025, 12, 1), date_signature=D(2025, 11, 1))  # échéance 30 November 2026
        groupes = {g.type: g for g in alertes.alertes(self.JOUR, moi.pk)}
        assert groupes[TypeAlerte.BILAN].total == 1
        assert groupes[TypeAlerte.RETARD].total == 2

    def test_whose_alerts_by_default(self, equipe):
        moi, _ = equipe
        assert alertes.portee_par_defaut(moi) == moi.pk
        # A coordinator in charge of no marché sees the team's.
        assert alertes.portee_par_defaut(FacilitateurFactory()) is None


def test_all_alerts_grouped_and_sorted(django_assert_max_num_queries):
    jour = D(2027, 3, 1)
    ConventionFactory(date_effet=D(2025, 7, 1), date_signature=D(2025, 6, 1))  # deadline 31 March 2027
    ConventionFactory(date_effet=D(2025, 4, 1), date_signature=D(2025, 3, 1))  # deadline 31 December 2026: past
    ConventionFactory(date_effet=D(2025, 7, 15), date_signature=D(2025, 7, 1))  # deadline 14 April 2027
    PlacementFactory(date_debut=D(2026, 1, 5), date_fin=D(2026, 5, 25))
    # One query per group (two for the six-month outcomes), whatever the number of rows.
    with django_assert_max_num_queries(8):
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


@pytest.mark.django_db
def test_the_conventions_groups_keep_the_most_urgent_and_count_them_all():
    """Hundreds of conventions due at once (a national instance): the home page lists the most urgent ones."""
    for jours in range(alertes.LIMITE_PAR_TYPE + 5):
        effet = D(2025, 7, 1) + dt.timedelta(days=jours)
        ConventionFactory(date_effet=effet, date_signature=effet)
    jour = D(2026, 6, 30)
    groupes = {groupe.type: groupe for groupe in alertes.alertes(jour)}
    bilans = groupes[TypeAlerte.BILAN]
    assert bilans.total == alertes.LIMITE_PAR_TYPE + 5
    assert len(bilans.alertes) == alertes.LIMITE_PAR_TYPE
    assert bilans.non_affichees == 5
    echeances = [a.echeance for a in bilans.alertes]
    assert echeances == sorted(echeances) and echeances[0] == D(2026, 6, 30)


class TestDateDeChaqueAlerte:
    """Each alert's badge says what its day is: a notice deadline is no « Échéance »."""

    @pytest.fixture
    def convention(self):
        commune = DonneurDOrdreFactory(nom="Ville d'Arles")
        return ConventionFactory(donneur_d_ordre=commune, date_effet=D(2025, 7, 1), date_signature=D(2025, 6, 1))

    def _badges(self, client, jour) -> list[str]:
        import html
        import re

        with time_machine.travel(dt.datetime(jour.year, jour.month, jour.day, 12, tzinfo=PARIS), tick=False):
            client.force_login(FacilitateurFactory())  # a session opened today has expired by then
            contenu = html.unescape(client.get(reverse("reporting:accueil"), {"alertes": "equipe"}).content.decode())
        return [" ".join(b.split()) for b in re.findall(r'<span class="badge[^"]*text-nowrap">(.*?)</span>', contenu)]

    def test_the_notice_deadline_is_named_as_such(self, client, convention):
        badges = self._badges(client, D(2027, 2, 1))
        assert "Date limite de dénonciation : 31 mars 2027" in badges
        assert not any(b.startswith("Échéance") for b in badges)
        assert "Date limite de dénonciation : aujourd'hui" in self._badges(client, D(2027, 3, 31))

    def test_the_echeance_of_a_bilan_is_an_echeance(self, client, convention):
        assert "Échéance : 30 juin 2027" in self._badges(client, D(2027, 6, 1))

    @pytest.mark.parametrize("type_", list(TypeAlerte))
    def test_every_kind_says_what_its_day_is(self, type_):
        import html

        from django.template.loader import render_to_string

        jour = D(2027, 2, 1)
        a_venir = alertes.Alerte(type_, "Texte", None, D(2027, 3, 31), (D(2027, 3, 31) - jour).days)
        rendu = html.unescape(
            " ".join(render_to_string("reporting/includes/alerte.html", {"alerte": a_venir}).split())
        )
        assert f"{alertes.LIBELLES_DATE[type_]} : 31 mars 2027" in rendu
