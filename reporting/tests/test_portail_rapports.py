"""Documents a référent asks for on the portal: their own organisation's rapport périodique or bilan annuel,
never a nominative copy, followed by the same polling partial as the dashboard's, under the portal's rules
(another organisation's row does not exist; another person's request is not theirs to follow)."""

import datetime as dt
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from conventions.factories import ConventionFactory, DonneurDOrdreFactory, FacilitateurFactory, ReferentFactory
from conventions.models import Periodicite
from marches.factories import MarcheFactory
from reporting.demandes_rapports import periodes_periodiques
from reporting.models import Rapport, StatutRapport, TypeRapport

pytestmark = pytest.mark.django_db

RAPPORTS = reverse("portail:rapports")
DEMANDE = reverse("portail:rapport_demande")
HTMX = {"HTTP_HX_REQUEST": "true"}


def texte(reponse) -> str:
    return html.unescape(reponse.content.decode())


@pytest.fixture
def donneur():
    return DonneurDOrdreFactory(nom="Ville d'Arles", periodicite_rapport=Periodicite.MENSUELLE)


@pytest.fixture
def autre():
    return DonneurDOrdreFactory(nom="Habitat du Delta")


@pytest.fixture
def convention(donneur):
    return ConventionFactory(donneur_d_ordre=donneur, numero="C-ARLES", date_effet=dt.date(2024, 7, 1))


@pytest.fixture
def referent(donneur):
    return ReferentFactory(donneur_d_ordre=donneur).user


@pytest.fixture
def client_a(client, referent):
    client.force_login(referent)
    return client


def dernier_mois() -> str:
    return periodes_periodiques(Periodicite.MENSUELLE, timezone.localdate(), 1)[0][0].isoformat()


def rapport(donneur, statut=StatutRapport.EN_ATTENTE, **kwargs) -> Rapport:
    rapport = Rapport.objects.create(
        type=kwargs.pop("type", TypeRapport.RAPPORT_PERIODIQUE),
        donneur_d_ordre=donneur,
        periode_debut=dt.date(2026, 1, 1),
        periode_fin=dt.date(2026, 1, 31),
        **kwargs,
    )
    if statut == StatutRapport.PRET:
        rapport.enregistrer_fichier("rapport.pdf", b"%PDF-1.7 test")
    elif statut == StatutRapport.ECHEC:
        rapport.enregistrer_echec("La production a été interrompue ; réessayez.")
    elif statut == StatutRapport.EN_COURS:
        Rapport.objects.filter(pk=rapport.pk).update(statut=statut)
    return rapport


# --- The page ------------------------------------------------------------------------------------------------


class TestPage:
    def test_the_forms_offer_the_organisation_s_own_periods_only(self, client_a, convention, autre):
        ConventionFactory(donneur_d_ordre=autre, numero="C-DELTA", date_effet=dt.date(2023, 1, 1))
        contenu = texte(client_a.get(RAPPORTS))
        assert "Demander le rapport périodique" in contenu
        assert "périodicité mensuelle" in contenu
        debut = periodes_periodiques(Periodicite.MENSUELLE, timezone.localdate(), 1)[0][0]
        assert f'<option value="{debut.isoformat()}"' in contenu
        assert "Convention n° C-ARLES — année du 1er juillet 2024 au 30 juin 2025" in contenu
        assert "C-DELTA" not in contenu
        assert f'hx-post="{DEMANDE}"' in contenu and 'hx-target="#demande-etat"' in contenu
        assert "nominati" not in contenu.lower()

    def test_without_a_started_convention_there_is_no_bilan_to_ask(self, client_a):
        contenu = texte(client_a.get(RAPPORTS))
        assert "Aucune année de convention n'a encore commencé." in contenu
        assert "Demander le bilan de cette année" not in contenu

    def test_shows_the_state_of_what_the_referent_asked(self, client_a, referent, donneur, autre):
        attente = rapport(donneur, demande_par=referent)
        echec = rapport(donneur, StatutRapport.ECHEC, demande_par=referent, type=TypeRapport.BILAN_ANNUEL)
        pret = rapport(donneur, StatutRapport.PRET, demande_par=referent)
        # Not theirs to follow: a colleague's request, the facilitator's, another organisation's.
        collegue = ReferentFactory(donneur_d_ordre=donneur).user
        rapport(donneur, demande_par=collegue, type=TypeRapport.RAPPORT_MARCHE)
        rapport(donneur, StatutRapport.ECHEC, demande_par=FacilitateurFactory(), type=TypeRapport.COURRIER_ECHEANCE)
        rapport(autre, demande_par=referent, type=TypeRapport.BILAN_TERRITORIAL)

        contenu = texte(client_a.get(RAPPORTS))

        assert reverse("portail:rapport_etat", args=[attente.pk]) + "?connu=en_attente" in contenu
        assert 'hx-trigger="every 2s"' in contenu
        assert "La production a été interrompue ; réessayez." in contenu
        assert reverse("portail:rapport_relance", args=[echec.pk]) in contenu
        # Ready, it is in the list of documents (its download link), not among the requests.
        assert reverse("portail:rapport_telecharger", args=[pret.pk]) in contenu
        assert f'id="rapport-etat-{pret.pk}"' not in contenu
        assert "Rapport de marché" not in contenu
        assert "Courrier d'échéance" not in contenu
        assert "Bilan territorial" not in contenu

    def test_query_count_does_not_grow(self, client_a, referent, donneur, django_assert_max_num_queries):
        ConventionFactory(donneur_d_ordre=donneur, date_effet=dt.date(2024, 7, 1))
        rapport(donneur, demande_par=referent)
        client_a.get(RAPPORTS)
        for _ in range(8):
            convention = ConventionFactory(donneur_d_ordre=donneur, date_effet=dt.date(2023, 1, 1))
            marche = MarcheFactory(donneur_d_ordre=donneur)
            rapport(donneur, demande_par=referent, convention=convention)
            rapport(donneur, StatutRapport.ECHEC, demande_par=referent, marche=marche)
            rapport(donneur, StatutRapport.PRET, convention=convention, marche=marche)
        with django_assert_max_num_queries(8):
            assert client_a.get(RAPPORTS).status_code == 200


# --- Asking ----------------------------------------------------------------------------------------------------


class TestDemande:
    def test_rapport_periodique(self, client_a, referent, donneur, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks() as taches:
            reponse = client_a.post(DEMANDE, {"type": "rapport_periodique", "periode": dernier_mois()})
        nouveau = Rapport.objects.get()
        assert reponse.status_code == 302
        assert reponse["Location"] == reverse("portail:rapport_etat", args=[nouveau.pk])
        assert len(taches) == 1
        assert nouveau.type == TypeRapport.RAPPORT_PERIODIQUE
        assert nouveau.donneur_d_ordre == donneur and not nouveau.nominatif
        assert nouveau.demande_par == referent and nouveau.statut == StatutRapport.EN_ATTENTE
        assert nouveau.periode_debut.isoformat() == dernier_mois()
        assert nouveau.periode_fin.month == nouveau.periode_debut.month
        assert (nouveau.periode_fin + dt.timedelta(days=1)).day == 1

    def test_bilan_annuel_of_their_convention(self, client_a, donneur, convention):
        reponse = client_a.post(DEMANDE, {"type": "bilan_annuel", "annee_convention": f"{convention.pk}-1"}, **HTMX)
        nouveau = Rapport.objects.get()
        assert reponse.status_code == 200
        contenu = texte(reponse)
        assert 'hx-trigger="every 2s"' in contenu and "En attente" in contenu
        assert reverse("portail:rapport_etat", args=[nouveau.pk]) in contenu
        assert f'"{reverse("reporting:rapport_etat", args=[nouveau.pk])}' not in contenu  # the portal's URLs only
        assert nouveau.convention == convention and nouveau.donneur_d_ordre == donneur
        assert (nouveau.periode_debut, nouveau.periode_fin) == (dt.date(2024, 7, 1), dt.date(2025, 6, 30))

    def test_another_organisation_s_convention_is_refused(self, client_a, autre):
        leur = ConventionFactory(donneur_d_ordre=autre, date_effet=dt.date(2023, 1, 1))
        reponse = client_a.post(DEMANDE, {"type": "bilan_annuel", "annee_convention": f"{leur.pk}-1"})
        assert reponse.status_code == 200
        assert "Choisissez l'une des années de vos conventions." in texte(reponse)
        assert not Rapport.objects.exists()

    def test_never_nominative_nor_for_someone_else(self, client_a, donneur, autre):
        marche = MarcheFactory(donneur_d_ordre=donneur)
        client_a.post(
            DEMANDE,
            {
                "type": "rapport_periodique",
                "periode": dernier_mois(),
                "nominatif": "on",
                "copie": "nominative",
                "donneur": autre.pk,
                "donneur_d_ordre": autre.pk,
                "marche": marche.pk,
            },
        )
        nouveau = Rapport.objects.get()
        assert not nouveau.nominatif and nouveau.donneur_d_ordre == donneur and nouveau.marche is None

    @pytest.mark.parametrize(
        ("donnees", "message"),
        [
            ({"type": "rapport_marche"}, "Ce document ne se demande pas depuis le portail."),
            ({"type": "bilan_territorial"}, "Ce document ne se demande pas depuis le portail."),
            ({}, "Choisissez le document à produire."),
            ({"type": "rapport_periodique"}, "Choisissez la période du rapport."),
            ({"type": "rapport_periodique", "periode": "1999-01-01"}, "Choisissez l'une des périodes proposées."),
            ({"type": "bilan_annuel"}, "Choisissez l'année de la convention."),
            ({"type": "bilan_annuel", "annee_convention": "abc"}, "Choisissez l'une des années de vos conventions."),
        ],
    )
    def test_refused_with_a_french_message(self, client_a, convention, donnees, message):
        assert message in texte(client_a.post(DEMANDE, donnees))
        reponse = client_a.post(DEMANDE, donnees, **HTMX)
        assert message in texte(reponse) and 'role="alert"' in texte(reponse)
        assert not Rapport.objects.exists()

    def test_a_period_not_started_in_the_choices_is_refused(self, client_a, convention):
        reponse = client_a.post(DEMANDE, {"type": "bilan_annuel", "annee_convention": f"{convention.pk}-40"})
        assert "Choisissez l'une des années de vos conventions." in texte(reponse)
        assert not Rapport.objects.exists()

    def test_get_is_not_a_request(self, client_a):
        assert client_a.get(DEMANDE).status_code == 405

    def test_facilitators_are_refused(self, client):
        client.force_login(FacilitateurFactory())
        assert client.post(DEMANDE, {"type": "rapport_periodique", "periode": dernier_mois()}).status_code == 403
        assert not Rapport.objects.exists()


# --- Following it ------------------------------------------------------------------------------------------------


def etat(client, rapport, **params):
    return client.get(reverse("portail:rapport_etat", args=[rapport.pk]), params, **HTMX)


class TestEtat:
    def test_own_request_polls_then_shows_the_portal_link(self, client_a, referent, donneur):
        attente = rapport(donneur, demande_par=referent)
        contenu = texte(etat(client_a, attente))
        assert 'hx-trigger="every 2s"' in contenu and "En attente" in contenu
        assert etat(client_a, attente, connu="en_attente").status_code == 204
        attente.enregistrer_fichier("rapport.pdf", b"%PDF-1.7 test")
        contenu = texte(etat(client_a, attente, connu="en_attente"))
        assert reverse("portail:rapport_telecharger", args=[attente.pk]) in contenu
        assert "hx-trigger" not in contenu
        telechargement = client_a.get(reverse("portail:rapport_telecharger", args=[attente.pk]))
        assert telechargement.status_code == 200
        telechargement.close()

    def test_failed_shows_the_message(self, client_a, referent, donneur):
        echec = rapport(donneur, StatutRapport.ECHEC, demande_par=referent)
        contenu = texte(etat(client_a, echec))
        assert "La production a été interrompue ; réessayez." in contenu
        assert "Relancer" in contenu and "hx-trigger" not in contenu

    def test_the_page_without_htmx(self, client_a, referent, donneur):
        attente = rapport(donneur, demande_par=referent)
        contenu = texte(client_a.get(reverse("portail:rapport_etat", args=[attente.pk])))
        assert "Rapport périodique du 1er janvier 2026 au 31 janvier 2026" in contenu
        assert 'Espace <strong class="text-body">' in contenu and 'aria-live="polite"' in contenu
        # A long wait is told in the référent's words, not the facilitator's.
        Rapport.objects.filter(pk=attente.pk).update(cree_le=timezone.now() - dt.timedelta(minutes=5))
        contenu = texte(etat(client_a, attente))
        assert "plus de temps que d'habitude" in contenu and "Celery" not in contenu

    def test_what_is_not_theirs_does_not_exist(self, client_a, referent, donneur, autre):
        introuvables = [
            rapport(autre, demande_par=referent),  # another organisation's, even if they asked it
            rapport(autre, StatutRapport.PRET),
            rapport(donneur, demande_par=FacilitateurFactory()),  # not ready, asked by someone else
            rapport(donneur, StatutRapport.ECHEC),
            rapport(None, StatutRapport.PRET, type=TypeRapport.BILAN_TERRITORIAL),
            rapport(None, StatutRapport.PRET, type=TypeRapport.RAPPORT_MARCHE, nominatif=True),
        ]
        for introuvable in introuvables:
            assert client_a.get(reverse("portail:rapport_etat", args=[introuvable.pk])).status_code == 404
            assert etat(client_a, introuvable).status_code == 404
            assert client_a.post(reverse("portail:rapport_relance", args=[introuvable.pk])).status_code == 404
        assert Rapport.objects.count() == len(introuvables)
        # Their organisation's ready documents are theirs to see, whoever asked.
        pret = rapport(donneur, StatutRapport.PRET)
        assert etat(client_a, pret).status_code == 200

    def test_the_current_organisation_decides(self, client, donneur, autre):
        user = ReferentFactory(donneur_d_ordre=donneur).user
        ReferentFactory(donneur_d_ordre=autre, user=user)
        client.force_login(user)
        client.post(reverse("portail:changer_donneur"), {"donneur": autre.pk})
        pour_delta = rapport(autre, demande_par=user)
        pour_arles = rapport(donneur, demande_par=user)
        assert etat(client, pour_delta).status_code == 200
        assert etat(client, pour_arles).status_code == 404

    def test_facilitators_are_refused(self, client, donneur):
        pret = rapport(donneur, StatutRapport.PRET)
        client.force_login(FacilitateurFactory())
        assert client.get(reverse("portail:rapport_etat", args=[pret.pk])).status_code == 403


class TestRelance:
    def test_own_failed_request_is_asked_again(self, client_a, referent, donneur, convention):
        echec = rapport(donneur, StatutRapport.ECHEC, demande_par=referent, convention=convention)
        reponse = client_a.post(reverse("portail:rapport_relance", args=[echec.pk]), **HTMX)
        nouveau = Rapport.objects.exclude(pk=echec.pk).get()
        assert reponse.status_code == 200 and 'hx-trigger="every 2s"' in texte(reponse)
        assert (nouveau.donneur_d_ordre, nouveau.convention, nouveau.nominatif) == (donneur, convention, False)
        assert nouveau.demande_par == referent
        echec.refresh_from_db()
        assert echec.statut == StatutRapport.ECHEC

    def test_only_a_failed_one(self, client_a, referent, donneur):
        attente = rapport(donneur, demande_par=referent)
        reponse = client_a.post(reverse("portail:rapport_relance", args=[attente.pk]), follow=True)
        assert "Seul un document en échec se relance." in texte(reponse)
        assert Rapport.objects.count() == 1
