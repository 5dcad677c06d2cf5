"""The facilitator's home page: who gets it, what it shows, and a query count that does not grow."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clauses.demo import charger_demo
from clauses.factories import ClauseInsertionFactory, HeuresMensuellesFactory, PlacementFactory
from conventions.calendrier import add_months
from conventions.factories import ConventionFactory, UserFactory
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from marches.models import StatutMarche
from reporting import indicateurs

pytestmark = pytest.mark.django_db

URL = "/"


class TestAcces:
    def test_anonymous_is_sent_to_login(self, client):
        reponse = client.get(reverse("reporting:accueil"))
        assert reponse.status_code == 302
        assert reponse["Location"].startswith("/connexion/")

    def test_a_referent_goes_to_the_portal(self, client_referent):
        reponse = client_referent.get(URL)
        assert reponse.status_code == 302
        assert reponse["Location"] == reverse("portail:accueil")

    def test_a_user_with_no_role_is_refused(self, client):
        client.force_login(UserFactory())
        reponse = client.get(URL)
        assert reponse.status_code == 403
        assert "réservé aux facilitateurs" in reponse.content.decode()

    def test_an_admin_who_is_not_a_facilitator_goes_to_the_admin(self, client):
        client.force_login(UserFactory(is_staff=True))
        reponse = client.get(URL)
        assert reponse.status_code == 302
        assert reponse["Location"] == reverse("admin:index")


class TestPage:
    def test_empty_territory(self, client_facilitateur):
        reponse = client_facilitateur.get(URL)
        assert reponse.status_code == 200
        contenu = reponse.content.decode()
        annee = dt.date.today().year
        assert f"Chiffres clés {annee}" in contenu
        assert "Aucune alerte : rien ne demande votre attention aujourd'hui." in contenu
        assert "Aucune heure déclarée" in contenu
        assert f"Année précédente ({annee - 1})" in contenu

    def test_figures_charts_and_alerts(self, client_facilitateur):
        annee = dt.date.today().year
        lot = LotFactory(date_debut=dt.date(annee, 1, 1), date_fin=dt.date(annee, 12, 31))
        ClauseInsertionFactory(lot=lot, heures_forcees=1600)
        placement = PlacementFactory(attribution=AttributionFactory(lot=lot), date_debut=dt.date(annee, 1, 5))
        HeuresMensuellesFactory(placement=placement, mois=dt.date(annee, 1, 1), heures=200)
        HeuresMensuellesFactory(placement=placement, mois=dt.date(annee - 1, 12, 1), heures=100)
        reponse = client_facilitateur.get(URL, {"annee": annee - 1})
        assert reponse.context["chiffres"].heures == 100
        assert reponse.context["precedents"].heures == 0
        reponse = client_facilitateur.get(URL, {"annee": annee})
        contenu = reponse.content.decode()
        assert reponse.context["chiffres"].heures == 200
        assert reponse.context["chiffres"].objectif == 1600
        assert reponse.context["precedents"].heures == 100
        assert "sur un objectif de 1\xa0600 h pour" in contenu
        assert "13 % de l'objectif de l'année" in contenu
        assert '<progress class="w-100" max="100" value="13"' in contenu
        assert "0,1 ETP" in contenu
        assert "(+100 %)" in contenu
        # Charts are images with a name and a description, backed by a table; no inline style anywhere.
        assert 'role="img"' in contenu
        assert (
            '<title id="graphique-mois-titre">Heures réalisées par mois, sur les 12 derniers mois</title>' in contenu
        )
        assert "Voir les données" in contenu
        assert "Embauche directe par l&#x27;attributaire" in contenu
        assert "style=" not in contenu

    def test_a_past_year(self, client_facilitateur):
        annee = dt.date.today().year - 1
        reponse = client_facilitateur.get(URL, {"annee": annee})
        assert reponse.context["annee"] == annee
        assert [m.mois for m in reponse.context["mois"]][0] == dt.date(annee, 1, 1)
        assert f"Heures réalisées par mois en {annee}" in reponse.content.decode()

    @pytest.mark.parametrize("valeur", ["1990", "abc", "3000"])
    def test_an_unknown_year_falls_back_to_the_current_one(self, client_facilitateur, valeur):
        reponse = client_facilitateur.get(URL, {"annee": valeur})
        assert reponse.status_code == 200
        assert reponse.context["annee"] == dt.date.today().year

    def test_alerts_link_to_the_object(self, client_facilitateur):
        jour = dt.date.today()
        # First period ending about three months and a month from now: notice deadline about 30 days away.
        echeance = add_months(jour + dt.timedelta(days=30), 3)
        effet = add_months(echeance + dt.timedelta(days=1), -12)
        convention = ConventionFactory(date_effet=effet, date_signature=effet)
        assert 0 <= (convention.date_limite_denonciation(jour) - jour).days <= 60
        contenu = client_facilitateur.get(URL).content.decode()
        assert f'href="{reverse("conventions:convention", args=[convention.pk])}"' in contenu
        assert "Conventions proches de leur date limite de dénonciation (1)" in contenu
        assert "1 alerte" in contenu


class TestAlertesDesMarchesSuivis:
    """Two marchés awarded without attributaire: one in my charge, one in a colleague's."""

    @pytest.fixture
    def marches(self, facilitateur):
        from conventions.factories import FacilitateurFactory

        MarcheFactory(objet="Voirie de Boulbon", statut=StatutMarche.ATTRIBUE, facilitateur=facilitateur)
        MarcheFactory(objet="Crèche de Tarascon", statut=StatutMarche.ATTRIBUE, facilitateur=FacilitateurFactory())

    def test_mine_by_default(self, client_facilitateur, marches):
        reponse = client_facilitateur.get(URL)
        contenu = reponse.content.decode()
        assert reponse.context["portee_alertes"] == "miennes"
        assert "Voirie de Boulbon" in contenu and "Crèche de Tarascon" not in contenu
        assert '<span aria-current="true">Mes marchés et ceux sans facilitateur en charge</span>' in contenu
        assert f'href="?annee={dt.date.today().year}&amp;alertes=equipe">Toute l\'équipe</a>' in contenu

    def test_the_whole_team_on_request(self, client_facilitateur, marches):
        contenu = client_facilitateur.get(URL, {"alertes": "equipe"}).content.decode()
        assert "Voirie de Boulbon" in contenu and "Crèche de Tarascon" in contenu
        # The choice is kept when another year is asked for.
        assert f'href="?annee={dt.date.today().year - 1}&amp;alertes=equipe"' in contenu

    def test_the_team_for_a_facilitator_in_charge_of_nothing(self, client_facilitateur):
        MarcheFactory(objet="Crèche de Tarascon", statut=StatutMarche.ATTRIBUE)
        reponse = client_facilitateur.get(URL, {"alertes": "nimporte"})
        assert reponse.context["portee_alertes"] == "equipe"
        assert "Crèche de Tarascon" in reponse.content.decode()


def test_query_count_does_not_grow_with_the_territory(client_facilitateur, django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as vide:
        assert client_facilitateur.get(URL).status_code == 200
    charger_demo()
    with django_assert_max_num_queries(len(vide)):
        reponse = client_facilitateur.get(URL)
    assert reponse.status_code == 200
    assert reponse.context["nb_alertes"] > 0


def test_the_figures_are_those_of_the_indicators_one_by_one(client_facilitateur):
    """The page asks for both years at once and reuses the year's people: the figures are those computed alone."""
    charger_demo()
    jour = timezone.localdate()
    for annee in (jour.year, jour.year - 1):
        reponse = client_facilitateur.get(URL, {"annee": annee})
        periode = indicateurs.Periode.annee(annee)
        assert reponse.context["chiffres"] == indicateurs.chiffres_cles(periode, jour)
        assert reponse.context["precedents"] == indicateurs.chiffres_cles(indicateurs.Periode.annee(annee - 1), jour)
        publics, nombre = indicateurs.personnes_par_public(periode.debut, periode.fin)
        assert (reponse.context["publics"], reponse.context["nb_personnes_publics"]) == (publics, nombre)
        assert nombre == reponse.context["chiffres"].personnes
