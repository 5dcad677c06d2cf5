"""One notion of residence in a quartier prioritaire (the placement's, at hiring), and a lot's QPV hours against its
clause's minimum on the lot's page, the marché report, the bilan annuel and the home alerts (issue 13 §3)."""

import datetime as dt
import html
import importlib
import re
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse

from clauses import objectif
from clauses.factories import ClauseInsertionFactory, HeuresMensuellesFactory, ParticipantFactory, PlacementFactory
from clauses.models import CRITERE_QPV_REFUSE, CritereEligibilite, Participant, Placement
from conventions.factories import AdminFactory, ConventionFactory, ReferentFactory
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from marches.models import StatutMarche
from reporting import alertes, diffusion, indicateurs
from reporting.cumuls import reconstruction
from reporting.documents import bilan_annuel, bilan_territorial, rapport_marche
from reporting.documents.rendu import rendre_pdf
from reporting.indicateurs import Periode
from reporting.models import Rapport, TypeRapport
from reporting.tests.outils_pdf import structure_porteuse, texte_pdf

pytestmark = pytest.mark.django_db
D = dt.date
ANNEE = Periode(D(2025, 1, 1), D(2025, 12, 31))
# On 15 July 2025 progress is judged at 30 June: 181 of the 365 days of 2025.
JOUR = D(2025, 7, 15)

migration = importlib.import_module("clauses.migrations.0009_une_seule_residence_qpv")


def _embauche(attribution, *, qpv_a_l_embauche: bool, heures: int, dossier_qpv: bool | None = None):
    """A person hired on 6 January 2025 with ``heures`` a month from January to June; their file says
    ``dossier_qpv`` today (where they live now), their placement ``qpv_a_l_embauche``."""
    participant = ParticipantFactory(reside_qpv=qpv_a_l_embauche if dossier_qpv is None else dossier_qpv)
    placement = PlacementFactory(
        participant=participant, attribution=attribution, date_debut=D(2025, 1, 6), reside_qpv=qpv_a_l_embauche
    )
    for mois in range(1, 7):
        HeuresMensuellesFactory(placement=placement, mois=D(2025, mois, 1), heures=Decimal(heures))
    return placement


@pytest.fixture
def lot_anru():
    """A lot of 2025 with a target of 1 000 h and a QPV minimum of 5 % (50 h): by 30 June, 495,89 h are expected,
    24,79 h of them from QPV residents."""
    structure_porteuse()
    marche = MarcheFactory(objet="Réhabilitation NPNRU", statut=StatutMarche.EN_EXECUTION)
    ConventionFactory(donneur_d_ordre=marche.donneur_d_ordre, date_effet=D(2025, 1, 1))
    lot = LotFactory(
        marche=marche, numero="1", intitule="Gros œuvre", date_debut=D(2025, 1, 1), date_fin=D(2025, 12, 31)
    )
    ClauseInsertionFactory(lot=lot, heures_forcees=1000, part_qpv_minimum=Decimal("5"))
    return lot, AttributionFactory(lot=lot)


# --- One notion ---------------------------------------------------------------------------------------------------


class TestUneSeuleNotion:
    def test_a_new_placement_takes_the_residence_of_the_file(self):
        assert PlacementFactory(participant=ParticipantFactory(reside_qpv=True)).reside_qpv is True
        assert PlacementFactory(participant=ParticipantFactory(reside_qpv=False)).reside_qpv is False

    def test_people_count_by_their_residence_at_hiring_not_by_their_file_today(self, lot_anru):
        _, attribution = lot_anru
        # Moved out of Barriol since hired: still a QPV resident for 2025. Moved in since: not one.
        _embauche(attribution, qpv_a_l_embauche=True, dossier_qpv=False, heures=10)
        _embauche(attribution, qpv_a_l_embauche=False, dossier_qpv=True, heures=100)
        _embauche(attribution, qpv_a_l_embauche=False, heures=100)
        parts = indicateurs.personnes_par_qpv(ANNEE.debut, ANNEE.fin, marche=attribution.lot.marche)
        assert [(p.code, p.valeur) for p in parts] == [("qpv", 1), ("hors_qpv", 2)]
        repartitions = indicateurs.repartitions_des_personnes(ANNEE.debut, ANNEE.fin, marche=attribution.lot.marche)
        assert [(p.code, p.valeur) for p in repartitions.qpv] == [("qpv", 1), ("hors_qpv", 2)]

    def test_no_eligibility_criterion_duplicates_it(self):
        assert not CritereEligibilite.objects.filter(code="qpv").exists()
        assert not CritereEligibilite.objects.filter(libelle__icontains="quartier prioritaire").exists()

    def test_no_criterion_for_it_can_be_added_again_in_the_admin(self, client):
        """A criterion « Habitant d'un QPV » would print a second QPV count next to the residence's in every table of
        people (the eligible public): the admin, where criteria are kept, refuses one, by its label or its code."""
        client.force_login(AdminFactory())
        ajout = reverse("admin:clauses_critereeligibilite_add")
        avant = set(CritereEligibilite.objects.values_list("code", flat=True))
        for libelle, code in (
            ("Habitant d'un QPV", "habitant"),
            ("Résident d'un quartier prioritaire de la ville", "resident"),
            ("Habitant d'un quartier de la politique de la ville", "quartier"),
            ("Public des quartiers", "qpv"),
        ):
            reponse = client.post(ajout, {"libelle": libelle, "code": code, "ordre": 9})
            assert reponse.status_code == 200, libelle
            assert CRITERE_QPV_REFUSE in html.unescape(reponse.content.decode())
        assert set(CritereEligibilite.objects.values_list("code", flat=True)) == avant
        # Renaming a criterion into one is refused too; any other criterion is welcome.
        rsa = CritereEligibilite.objects.get(code="rsa")
        modification = reverse("admin:clauses_critereeligibilite_change", args=[rsa.pk])
        reponse = client.post(modification, {"libelle": "Habitant QPV bénéficiaire du RSA", "ordre": rsa.ordre})
        assert reponse.status_code == 200
        rsa.refresh_from_db()
        assert rsa.libelle == "Bénéficiaire du RSA"
        reponse = client.post(ajout, {"libelle": "Sortant de détention", "code": "sortant", "ordre": 9})
        assert reponse.status_code == 302
        assert CritereEligibilite.objects.filter(code="sortant").exists()

    def test_the_migration_folds_the_criterion_into_the_one_notion_and_back(self, lot_anru):
        _, attribution = lot_anru
        critere = CritereEligibilite.objects.create(code="qpv", libelle=migration.LIBELLE, ordre=7)
        rsa = CritereEligibilite.objects.get(code="rsa")
        # The criterion without the field, the field without the criterion, neither; placements recorded before
        # the field existed (False: the column's default).
        par_le_critere = _embauche(attribution, qpv_a_l_embauche=False, heures=10).participant
        par_le_champ = _embauche(attribution, qpv_a_l_embauche=False, dossier_qpv=True, heures=10).participant
        ni_l_un = _embauche(attribution, qpv_a_l_embauche=False, heures=10).participant
        par_le_critere.criteres.set([critere, rsa])
        ni_l_un.criteres.set([rsa])
        assert reconstruction.ecarts() == {}

        migration.une_seule_residence(apps, None)

        assert not CritereEligibilite.objects.filter(code="qpv").exists()
        assert set(Participant.objects.filter(reside_qpv=True)) == {par_le_critere, par_le_champ}
        assert set(Placement.objects.filter(reside_qpv=True).values_list("participant", flat=True)) == {
            par_le_critere.pk,
            par_le_champ.pk,
        }
        assert list(par_le_critere.criteres.values_list("code", flat=True)) == ["rsa"]
        # The running totals by criterion followed (triggers), exactly.
        assert reconstruction.ecarts() == {}

        migration.critere_retabli(apps, None)
        critere = CritereEligibilite.objects.get(code="qpv")
        assert set(critere.participants.all()) == {par_le_critere, par_le_champ}
        assert reconstruction.ecarts() == {}


# --- QPV hours against the minimum ----------------------------------------------------------------------------


class TestMinimumQPV:
    def test_the_rule_is_the_target_s_pro_rata(self):
        attendues = objectif.heures_attendues(1000, D(2025, 1, 1), D(2025, 12, 31), D(2025, 6, 30))
        assert attendues == Decimal("495.89")
        minimum = objectif.minimum_qpv(Decimal(5), 1000, Decimal(600), Decimal(19), attendues)
        assert (minimum.objectif_qpv, minimum.attendues_qpv) == (Decimal("50.00"), Decimal("24.79"))
        # 80 % of 24,79 h is 19,83 h.
        assert minimum.situation == objectif.SituationAvancement.EN_RETARD
        assert objectif.minimum_qpv(Decimal(5), 1000, Decimal(600), Decimal(20), attendues).situation == (
            objectif.SituationAvancement.DANS_LES_TEMPS
        )
        assert objectif.minimum_qpv(None, 1000, Decimal(600), Decimal(0), attendues) is None

    def test_the_lot_page_shows_qpv_hours_against_the_minimum(self, client_facilitateur, lot_anru):
        lot, attribution = lot_anru
        _embauche(attribution, qpv_a_l_embauche=True, heures=3)
        _embauche(attribution, qpv_a_l_embauche=False, heures=100)
        with time_machine.travel(dt.datetime(2025, 7, 15, 10, tzinfo=dt.UTC)):
            page = client_facilitateur.get(reverse("clauses:lot", args=[lot.pk])).content.decode()
        assert "Heures des résidents de quartiers prioritaires (QPV)" in page
        assert "5 % de l'objectif, soit 50 h" in page
        assert "18 h" in page and "24,8 h" in page  # 6 × 3 h done, 24,79 h expected by 30 June
        assert "moins de 80 % des heures QPV attendues" in page

    def test_a_lot_below_its_minimum_is_a_home_alert(self, lot_anru):
        lot, attribution = lot_anru
        qpv = _embauche(attribution, qpv_a_l_embauche=True, heures=3)
        _embauche(attribution, qpv_a_l_embauche=False, heures=100)
        liste, total = alertes.lots_sous_minimum_qpv(JOUR)
        assert total == 1
        [alerte] = liste
        assert alerte.type == alertes.TypeAlerte.QPV
        assert alerte.url == reverse("clauses:lot", args=[lot.pk])
        assert alerte.texte == (
            "Lot 1 « Gros œuvre » du marché Réhabilitation NPNRU : 18 h réalisées par des résidents de QPV sur 25 h "
            "attendues au 30 juin 2025 (minimum de 5 % de l'objectif)"
        )
        groupe = next(g for g in alertes.alertes(JOUR) if g.type == alertes.TypeAlerte.QPV)
        assert groupe.total == 1 and groupe.titre == "Lots sous leur minimum d'heures QPV"
        # 6 × 4 h = 24 h of 24,79 h: within 80 %, no alert.
        qpv.heures.update(heures=Decimal(4))
        assert alertes.lots_sous_minimum_qpv(JOUR) == ([], 0)

    def test_the_marche_report_and_the_bilan_show_it_the_donneur_reading_hours_of_three_people_only(self, lot_anru):
        lot, attribution = lot_anru
        _embauche(attribution, qpv_a_l_embauche=True, heures=3)
        _embauche(attribution, qpv_a_l_embauche=False, heures=100)
        marche = lot.marche

        def rapport(nominatif: bool) -> str:
            donnees = rapport_marche.contenu(marche, ANNEE, nominatif=nominatif, aujourd_hui=JOUR)
            [ligne] = donnees.lignes_qpv
            assert ligne.qpv.heures_qpv == Decimal(18) and ligne.qpv.en_retard
            contexte = {"rapport": donnees, "graphique_tronque": False, "seuil": 3, "regle_periode": ""}
            contexte |= {"regle_de_diffusion": "", "regle_qpv": "" if nominatif else "Heures QPV d'un lot : publiées"}
            return " ".join(texte_pdf(rendre_pdf(rapport_marche.GABARIT, contexte)).split())

        nominatif, donneur = rapport(True), rapport(False)
        assert "Heures des résidents de quartiers prioritaires (QPV)" in nominatif
        assert "Lot 1 — Gros œuvre 5 % (50 h) 24,8 h 18 h 2,9 % En retard" in nominatif
        # One QPV resident on the lot: their hours, and where they live, stay with the facilitator.
        assert "Lot 1 — Gros œuvre 5 % (50 h) 24,8 h non publiées — En retard" in donneur

        with time_machine.travel(dt.datetime(2026, 1, 15, 10, tzinfo=dt.UTC)):
            document = Rapport(
                type=TypeRapport.BILAN_ANNUEL,
                convention=marche.donneur_d_ordre.conventions.get(),
                periode_debut=ANNEE.debut,
                periode_fin=ANNEE.fin,
                donneur_d_ordre=marche.donneur_d_ordre,
            )
            texte = " ".join(texte_pdf(bilan_annuel.produire(document).contenu).split())
            assert "Heures des résidents de quartiers prioritaires (QPV)" in texte
            assert "non publiées" in texte and "publiées lorsqu'au moins 3 personnes" in texte
            # Two more residents: three people, their hours are published (6 × (3 + 3 + 3) h = 54 h of 50 h).
            _embauche(attribution, qpv_a_l_embauche=True, heures=3)
            _embauche(attribution, qpv_a_l_embauche=True, heures=3)
            texte = " ".join(texte_pdf(bilan_annuel.produire(document).contenu).split())
            assert "5 % (50 h) 50 h 54 h" in texte and "non publiées" not in texte


# --- The territorial bilan -----------------------------------------------------------------------------------------


class TestBilanTerritorial:
    def test_the_lots_with_a_minimum_are_listed_against_it_hours_of_three_people_only(self, lot_anru):
        """The bilan leaves the facilitators' hands (elected officials, the national survey): it lists every lot
        whose clause sets a QPV minimum under its donneur d'ordre and marché, and prints a lot's QPV hours as a
        donneur d'ordre may read them (``diffusion.heures_qpv_publiees``), with the rule's sentence."""
        lot, attribution = lot_anru
        marche = lot.marche
        sans_minimum = LotFactory(marche=marche, numero="2", intitule="Peinture")
        ClauseInsertionFactory(lot=sans_minimum, heures_forcees=500)
        _embauche(AttributionFactory(lot=sans_minimum), qpv_a_l_embauche=True, heures=50)
        _embauche(attribution, qpv_a_l_embauche=True, heures=3)
        _embauche(attribution, qpv_a_l_embauche=False, heures=100)

        texte = texte_pdf(bilan_territorial.rendre(ANNEE, JOUR))
        assert "Heures des résidents de quartiers prioritaires (QPV)" in texte
        assert f"{marche.donneur_d_ordre.nom} — Réhabilitation NPNRU Lot 1 — Gros œuvre" in texte
        # One QPV resident on the lot: the situation against the minimum, not their hours.
        assert "Lot 1 — Gros œuvre 5 % (50 h) 24,8 h non publiées — En retard" in texte
        assert diffusion.PHRASE_QPV in texte
        # The lot without a minimum is no row of the table.
        assert "Lot 2 — Peinture" not in texte

        # Two more residents: three people, their hours are published (6 × (3 + 3 + 3) h = 54 h, 8,3 % of the
        # lot's 654 h).
        _embauche(attribution, qpv_a_l_embauche=True, heures=3)
        _embauche(attribution, qpv_a_l_embauche=True, heures=3)
        texte = texte_pdf(bilan_territorial.rendre(ANNEE, JOUR))
        assert "Lot 1 — Gros œuvre 5 % (50 h) 24,8 h 54 h 8,3 %" in texte
        assert "non publiées" not in texte


# --- The référents' portal ----------------------------------------------------------------------------------------


def _bloc_qpv(page: str) -> str:
    """The text of the one QPV block of a portal page, tags removed."""
    [bloc] = re.findall(r'<section class="mb-3" aria-labelledby="qpv-.*?</section>', page)
    return " ".join(re.sub(r"<[^>]+>", " ", bloc).split())


class TestPortail:
    def test_the_marche_page_shows_the_minimum_and_the_hours_of_three_people_only(self, client, lot_anru):
        """The marché page of the portal shows a lot's QPV minimum, the QPV hours expected pro rata and those done,
        through the disclosure policy as the donneur's copy of the marché report: never a person."""
        lot, attribution = lot_anru
        marche = lot.marche
        sans_minimum = LotFactory(marche=marche, numero="2", intitule="Peinture")
        ClauseInsertionFactory(lot=sans_minimum, heures_forcees=500)
        resident = _embauche(attribution, qpv_a_l_embauche=True, heures=3).participant
        Participant.objects.filter(pk=resident.pk).update(nom="Quillebœuf", prenom="Zéphyrine")
        _embauche(attribution, qpv_a_l_embauche=False, heures=100)
        client.force_login(ReferentFactory(donneur_d_ordre=marche.donneur_d_ordre).user)
        url = reverse("portail:marche", args=[marche.pk])

        def page() -> str:
            with time_machine.travel(dt.datetime(2025, 7, 15, 10, tzinfo=dt.UTC)):
                reponse = client.get(url)
            assert reponse.status_code == 200
            return " ".join(html.unescape(reponse.content.decode()).split())

        texte = page()
        # One block (the lot without a minimum has none). One QPV resident: their hours stay with the facilitator,
        # the minimum, the QPV hours expected by 30 June and the situation are given.
        assert _bloc_qpv(texte) == (
            "Heures des résidents de quartiers prioritaires (QPV) Minimum 5 % de l'objectif, soit 50 h "
            "Minimum attendu 24,8 h au 30 juin 2025 Heures QPV depuis le début non publiées (réalisées par moins de "
            "3 personnes) Situation En retard"
        )
        assert diffusion.PHRASE_QPV in texte
        assert "Quillebœuf" not in texte and "Zéphyrine" not in texte and resident.reference not in texte

        # Three residents: 6 × (3 + 3 + 3) h = 54 h, 8,3 % of the lot's 654 h, over the 24,8 h expected.
        _embauche(attribution, qpv_a_l_embauche=True, heures=3)
        _embauche(attribution, qpv_a_l_embauche=True, heures=3)
        bloc = _bloc_qpv(page())
        assert "Heures QPV depuis le début 54 h (8,3 % des heures du lot) Situation Dans les temps" in bloc


# --- The facilitator's placement and participant pages --------------------------------------------------------------


def _texte_page(client, url: str) -> str:
    """A page's text as read, tags removed."""
    reponse = client.get(url)
    assert reponse.status_code == 200
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", reponse.content.decode())).split())


class TestPagesDuFacilitateur:
    def test_the_placement_and_the_participant_state_the_one_residence(self, client_facilitateur, lot_anru):
        """The placement page states its residence at hiring (what every figure counts), dated, and says when the
        participant's file reads otherwise today; the participant page gives the file as today's and each placement's
        residence at hiring."""
        _, attribution = lot_anru
        # Lived in Barriol when hired on 6 January 2025, moved out since.
        avant = _embauche(attribution, qpv_a_l_embauche=True, dossier_qpv=False, heures=10)
        participant = avant.participant
        ensuite = PlacementFactory(
            participant=participant, attribution=AttributionFactory(), date_debut=D(2025, 9, 1), reside_qpv=False
        )

        texte = _texte_page(client_facilitateur, reverse("clauses:placement", args=[avant.pk]))
        assert "Résidait en QPV à l'embauche oui (le 6 janvier 2025, jour de l'embauche)" in texte
        assert "Le dossier du participant indique aujourd'hui une résidence hors QPV" in texte
        texte = _texte_page(client_facilitateur, reverse("clauses:placement", args=[ensuite.pk]))
        assert "Résidait en QPV à l'embauche non (le 1er septembre 2025, jour de l'embauche)" in texte
        assert "Le dossier du participant indique" not in texte

        texte = _texte_page(client_facilitateur, reverse("clauses:participant", args=[participant.pk]))
        assert "Réside en QPV aujourd'hui non Dossier actuel" in texte
        assert "Réside en QPV non" not in texte
        # The placements, most recent first, with their residence at hiring.
        assert "Début Fin QPV à l'embauche Heures" in texte
        assert re.search(r"1er septembre 2025 .*? non .*? 6 janvier 2025 .*? oui ", texte)
