"""The référent's read pages of the portal: home, marchés, a marché, a convention, their own details.

Who gets what (anonymous → login, no membership → 403, another organisation's object → 404), the
organisation switcher, the figures (the same expectation and 80 % rule as the facilitator's lot page), a
query count that does not grow with the rows, and no participant's identity on any page.
"""

import datetime as dt
import html
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clauses import objectif
from clauses.factories import (
    ClauseInsertionFactory,
    HeuresMensuellesFactory,
    ParticipantFactory,
    PlacementFactory,
)
from clauses.services import avancement_lot
from config.formats import date_longue
from conventions.calendrier import add_months
from conventions.factories import ConventionFactory, DonneurDOrdreFactory, ReferentFactory, UserFactory
from conventions.models import Avenant
from conventions.portail import CLE_SESSION
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from marches.models import StatutMarche
from reporting import indicateurs

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 convention signee"


def _texte(reponse) -> str:
    """The page's text, entities decoded (Django escapes the apostrophes of messages)."""
    return html.unescape(reponse.content.decode())


def _jour() -> dt.date:
    return timezone.localdate()


def _lot_a_mi_parcours(marche, objectif_heures: int = 1000, **kwargs):
    """A lot whose execution is exactly half elapsed at the day progress is judged at: 50 % is expected."""
    arrete = objectif.date_d_arrete(_jour())
    debut = arrete - dt.timedelta(days=199)
    lot = LotFactory(marche=marche, date_debut=debut, date_fin=debut + dt.timedelta(days=399), **kwargs)
    ClauseInsertionFactory(lot=lot, heures_forcees=objectif_heures)
    return lot


def _mois_termine() -> dt.date:
    return objectif.date_d_arrete(_jour()).replace(day=1)


def _heures(attribution, heures, participant=None, mois=None):
    placement = PlacementFactory(
        attribution=attribution,
        date_debut=_mois_termine() - dt.timedelta(days=60),
        **({"participant": participant} if participant else {}),
    )
    return HeuresMensuellesFactory(placement=placement, mois=mois or _mois_termine(), heures=Decimal(heures))


@pytest.fixture
def donneur_a():
    return DonneurDOrdreFactory(nom="Commune A")


@pytest.fixture
def donneur_b():
    return DonneurDOrdreFactory(nom="Commune B")


@pytest.fixture
def referent_a(donneur_a):
    return ReferentFactory(donneur_d_ordre=donneur_a, fonction="Acheteuse", user__email="referente@a.fr")


@pytest.fixture
def client_a(client, referent_a):
    client.force_login(referent_a.user)
    return client


@pytest.fixture
def objets_a(donneur_a):
    convention = ConventionFactory(donneur_d_ordre=donneur_a, numero="CONV-A")
    convention.document.save("convention-a.pdf", ContentFile(PDF), save=True)
    avenant = Avenant.objects.create(
        convention=convention, numero=1, objet="Extension aux services", date_signature=dt.date(2024, 10, 1)
    )
    avenant.document.save("avenant-a.pdf", ContentFile(PDF), save=True)
    marche = MarcheFactory(donneur_d_ordre=donneur_a, objet="Groupe scolaire A")
    lot = _lot_a_mi_parcours(marche, intitule="Gros œuvre A")
    return {"convention": convention, "avenant": avenant, "marche": marche, "lot": lot}


@pytest.fixture
def objets_b(donneur_b):
    convention = ConventionFactory(donneur_d_ordre=donneur_b, numero="CONV-B")
    convention.document.save("convention-b.pdf", ContentFile(PDF), save=True)
    avenant = Avenant.objects.create(
        convention=convention, numero=1, objet="Avenant de B", date_signature=dt.date(2024, 10, 1)
    )
    avenant.document.save("avenant-b.pdf", ContentFile(PDF), save=True)
    marche = MarcheFactory(donneur_d_ordre=donneur_b, objet="Piscine de B")
    _lot_a_mi_parcours(marche, intitule="Lot de B")
    return {"convention": convention, "avenant": avenant, "marche": marche}


def _urls(objets) -> dict[str, str]:
    return {
        "accueil": reverse("portail:accueil"),
        "marches": reverse("portail:marches"),
        "marche": reverse("portail:marche", args=[objets["marche"].pk]),
        "convention": reverse("portail:convention", args=[objets["convention"].pk]),
        "convention_document": reverse("portail:convention_document", args=[objets["convention"].pk]),
        "avenant_document": reverse("portail:avenant_document", args=[objets["avenant"].pk]),
        "profil": reverse("portail:profil"),
    }


PAGES = ["accueil", "marches", "marche", "convention", "convention_document", "avenant_document", "profil"]
PAGES_OBJET = ["marche", "convention", "convention_document", "avenant_document"]


class TestAcces:
    @pytest.mark.parametrize("nom_page", PAGES)
    def test_anonymous_is_sent_to_login(self, client, objets_a, nom_page):
        url = _urls(objets_a)[nom_page]
        reponse = client.get(url)
        assert reponse.status_code == 302
        assert reponse["Location"].startswith("/connexion/")

    @pytest.mark.parametrize("nom_page", PAGES)
    def test_a_user_without_membership_is_refused(self, client, objets_a, nom_page):
        client.force_login(UserFactory())
        assert client.get(_urls(objets_a)[nom_page]).status_code == 403

    @pytest.mark.parametrize("nom_page", PAGES)
    def test_a_facilitator_without_membership_is_refused(self, client_facilitateur, objets_a, nom_page):
        assert client_facilitateur.get(_urls(objets_a)[nom_page]).status_code == 403

    @pytest.mark.parametrize("nom_page", PAGES)
    def test_the_referent_reads_their_organisation(self, client_a, objets_a, nom_page):
        reponse = client_a.get(_urls(objets_a)[nom_page])
        assert reponse.status_code == 200
        if nom_page.endswith("_document"):
            assert b"".join(reponse.streaming_content) == PDF
            assert reponse["Content-Type"] == "application/pdf"
            assert "attachment" in reponse["Content-Disposition"]

    @pytest.mark.parametrize("nom_page", [p for p in PAGES if p != "profil"])
    def test_read_pages_refuse_post(self, client_a, objets_a, nom_page):
        assert client_a.post(_urls(objets_a)[nom_page]).status_code == 405

    @pytest.mark.parametrize("nom_page", PAGES_OBJET)
    def test_another_organisations_object_does_not_exist(self, client_a, objets_a, objets_b, nom_page):
        assert client_a.get(_urls(objets_b)[nom_page]).status_code == 404

    def test_a_convention_without_document_has_nothing_to_download(self, client_a, donneur_a):
        convention = ConventionFactory(donneur_d_ordre=donneur_a)
        assert client_a.get(reverse("portail:convention_document", args=[convention.pk])).status_code == 404

    def test_an_unknown_id_is_a_404(self, client_a, objets_a):
        assert client_a.get(reverse("portail:marche", args=[999999])).status_code == 404

    def test_removing_the_membership_cuts_access_at_once(self, client_a, referent_a, objets_a):
        assert client_a.get(reverse("portail:accueil")).status_code == 200
        referent_a.delete()
        assert client_a.get(reverse("portail:marche", args=[objets_a["marche"].pk])).status_code == 403


class TestChangementDOrganisation:
    @pytest.fixture
    def client_ab(self, client, referent_a, donneur_b):
        ReferentFactory(user=referent_a.user, donneur_d_ordre=donneur_b)
        client.force_login(referent_a.user)
        return client

    def test_the_referent_of_two_organisations_switches(self, client_ab, objets_a, objets_b, donneur_b):
        contenu = client_ab.get(reverse("portail:marches")).content.decode()
        assert "Groupe scolaire A" in contenu
        assert "Piscine de B" not in contenu
        assert 'id="choix-donneur"' in client_ab.get(reverse("portail:accueil")).content.decode()

        reponse = client_ab.post(reverse("portail:changer_donneur"), {"donneur": donneur_b.pk}, follow=True)
        assert "Vous consultez maintenant l'espace de la Commune B." in _texte(reponse)
        assert reponse.context["request"].donneur == donneur_b
        contenu = client_ab.get(reverse("portail:marches")).content.decode()
        assert "Piscine de B" in contenu
        assert "Groupe scolaire A" not in contenu
        # Now A's objects are the other organisation's: they do not exist here.
        assert client_ab.get(reverse("portail:marche", args=[objets_b["marche"].pk])).status_code == 200
        assert client_ab.get(reverse("portail:marche", args=[objets_a["marche"].pk])).status_code == 404
        assert client_ab.get(reverse("portail:convention", args=[objets_a["convention"].pk])).status_code == 404

    def test_posting_an_organisation_one_does_not_belong_to_changes_nothing(self, client_a, objets_a):
        etrangere = DonneurDOrdreFactory(nom="Commune étrangère")
        MarcheFactory(donneur_d_ordre=etrangere, objet="Marché étranger")
        reponse = client_a.post(reverse("portail:changer_donneur"), {"donneur": etrangere.pk}, follow=True)
        assert "Vous n'êtes pas référent de cette organisation." in _texte(reponse)
        assert CLE_SESSION not in client_a.session
        contenu = client_a.get(reverse("portail:marches")).content.decode()
        assert "Groupe scolaire A" in contenu
        assert "Marché étranger" not in contenu

    def test_the_switcher_refuses_get_and_garbage(self, client_a, objets_a):
        assert client_a.get(reverse("portail:changer_donneur")).status_code == 405
        reponse = client_a.post(reverse("portail:changer_donneur"), {"donneur": "abc"}, follow=True)
        assert "Vous n'êtes pas référent de cette organisation." in _texte(reponse)


class TestAccueil:
    def test_conventions_figures_and_active_marches(self, client_a, objets_a, donneur_a):
        lot = objets_a["lot"]
        attribution = AttributionFactory(lot=lot)
        _heures(attribution, 100)
        MarcheFactory(donneur_d_ordre=donneur_a, objet="Marché en préparation", statut=StatutMarche.EN_PREPARATION)
        reponse = client_a.get(reverse("portail:accueil"))
        contenu = reponse.content.decode()
        convention = objets_a["convention"]
        jour = _jour()
        # The convention: état, notice deadline, avenant and its date of effect, the portal's download link.
        assert "Convention n° CONV-A" in contenu
        assert convention.get_etat_display(jour) in contenu
        assert "Date limite de dénonciation" in contenu
        assert "Extension aux services" in contenu
        assert reverse("portail:convention_document", args=[convention.pk]) in contenu
        assert "/media/" not in contenu
        # The year's figures, through reporting.indicateurs for this organisation.
        chiffres = reponse.context["chiffres"]
        assert chiffres.heures == (100 if _mois_termine().year == jour.year else 0)
        assert f"Chiffres clés {jour.year}" in contenu
        # Active marchés only, with a late lot flagged in words: 100 h done of 500 expected.
        assert [m.objet for m in reponse.context["marches_actifs"]] == ["Groupe scolaire A"]
        assert reponse.context["marches_actifs"][0].lots_en_retard == 1
        assert "En retard" in contenu
        assert "Marché en préparation" not in contenu
        assert reverse("portail:marche", args=[objets_a["marche"].pk]) in contenu

    def test_an_organisation_with_nothing_yet(self, client_a):
        contenu = client_a.get(reverse("portail:accueil")).content.decode()
        assert "Aucune convention de coopération n'est enregistrée" in contenu
        assert "Aucun marché attribué ou en exécution pour l'instant." in contenu

    def test_small_counts_of_people_are_suppressed(self, client_a, objets_a, donneur_a):
        jour = _jour()
        attribution = AttributionFactory(lot=objets_a["lot"])
        placement = PlacementFactory(attribution=attribution, date_debut=dt.date(jour.year, 1, 1))
        HeuresMensuellesFactory(placement=placement, mois=dt.date(jour.year, jour.month, 1), heures=35)
        reponse = client_a.get(reverse("portail:accueil"))
        annee = indicateurs.Periode.annee(jour.year)
        assert indicateurs.personnes_en_parcours(annee.debut, annee.fin, donneur=donneur_a) == 1
        assert reponse.context["personnes"] == "< 3"
        assert reponse.context["contrats"].total == "< 3"
        # Under 10 contracts, no breakdown by type (reporting.diffusion), and the card says so.
        assert reponse.context["contrats"].lignes == []
        contenu = reponse.content.decode()
        assert '<p class="fs-3 fw-semibold mb-1">&lt; 3</p>' in contenu
        assert "Répartition non publiée : moins de 10 contrats." in contenu


class TestMarche:
    def test_progress_per_lot_and_per_attributaire(self, client_a, objets_a):
        lot = objets_a["lot"]  # 1 000 h, 500 h expected
        en_retard = AttributionFactory(lot=lot, heures_objectif=600, entreprise__raison_sociale="Lente SARL")
        a_l_heure = AttributionFactory(lot=lot, heures_objectif=400, entreprise__raison_sociale="Rapide SAS")
        _heures(en_retard, 100)  # 300 h expected
        _heures(a_l_heure, 200)
        _heures(a_l_heure, 150)  # 350 h of 200 expected
        reponse = client_a.get(reverse("portail:marche", args=[objets_a["marche"].pk]))
        contenu = reponse.content.decode()
        (ligne,) = reponse.context["lignes"]
        # The lot reads as on the facilitator's lot page.
        assert ligne.avancement == avancement_lot(lot, _jour())
        assert ligne.avancement.realisees == 450
        assert ligne.avancement.attendues == 500
        assert not ligne.avancement.en_retard  # 450 ≥ 80 % of 500
        lente, rapide = ligne.attributaires
        assert (lente.attribution, lente.avancement.objectif, lente.avancement.realisees) == (en_retard, 600, 100)
        assert lente.avancement.attendues == 300
        assert lente.avancement.en_retard
        assert (rapide.avancement.realisees, rapide.avancement.en_retard) == (350, False)
        # A progress bar with its figure in text, and the delay in words, not only in colour.
        assert 'aria-label="Réalisation de Lente SARL, lot' in contenu
        assert ">17 %</progress>" in contenu
        assert contenu.count('<span class="badge text-bg-danger">En retard</span>') == 1
        assert "45 % de l'objectif réalisé" in contenu
        # People are published per year for the whole donneur d'ordre, not per lot (reporting.diffusion).
        assert "ayant travaillé sur le lot" not in contenu

    def test_a_sole_attributaire_without_share_carries_the_lots_target(self, client_a, objets_a):
        AttributionFactory(lot=objets_a["lot"])
        reponse = client_a.get(reverse("portail:marche", args=[objets_a["marche"].pk]))
        (attributaire,) = reponse.context["lignes"][0].attributaires
        assert attributaire.avancement.objectif == 1000

    def test_shares_not_split_between_attributaires_are_said(self, client_a, objets_a):
        AttributionFactory(lot=objets_a["lot"])
        AttributionFactory(lot=objets_a["lot"])
        reponse = client_a.get(reverse("portail:marche", args=[objets_a["marche"].pk]))
        assert [a.avancement for a in reponse.context["lignes"][0].attributaires] == [None, None]
        assert "Non répartie" in reponse.content.decode()

    def test_nothing_is_expected_before_award(self, client_a, donneur_a):
        marche = MarcheFactory(donneur_d_ordre=donneur_a, statut=StatutMarche.EN_CONSULTATION)
        _lot_a_mi_parcours(marche)
        reponse = client_a.get(reverse("portail:marche", args=[marche.pk]))
        avancement = reponse.context["lignes"][0].avancement
        assert avancement.attendues is None
        assert not avancement.en_retard
        assert "Non évalué" in reponse.content.decode()

    def test_a_lot_not_started_yet_is_neither_late_nor_on_time(self, client_a, donneur_a):
        marche = MarcheFactory(donneur_d_ordre=donneur_a, statut=StatutMarche.ATTRIBUE)
        debut = _jour() + dt.timedelta(days=30)
        ClauseInsertionFactory(
            lot=LotFactory(marche=marche, date_debut=debut, date_fin=debut + dt.timedelta(days=300))
        )
        reponse = client_a.get(reverse("portail:marche", args=[marche.pk]))
        assert reponse.context["lignes"][0].avancement.attendues == 0
        contenu = _texte(reponse)
        assert "Rien d'attendu à ce jour" in contenu
        assert "Dans les temps" not in contenu

    def test_no_count_of_people_per_lot(self, client_a, objets_a):
        _heures(AttributionFactory(lot=objets_a["lot"]), 70)
        reponse = client_a.get(reverse("portail:marche", args=[objets_a["marche"].pk]))
        assert not hasattr(reponse.context["lignes"][0], "personnes")
        contenu = reponse.content.decode()
        assert "ayant travaillé sur le lot" not in contenu
        assert "Les effectifs de personnes sont publiés par année" in contenu


class TestConvention:
    def test_an_unsigned_convention_has_no_deadline(self, client, referent_a, donneur_a):
        """Taking effect on 1 July 2024, unsigned, seen on 15 February 2027: signed, its notice deadline would be
        31 March 2027, in 44 days."""
        projet = ConventionFactory(donneur_d_ordre=donneur_a, date_effet=dt.date(2024, 7, 1), date_signature=None)
        with time_machine.travel(dt.datetime(2027, 2, 15, 12, tzinfo=ZoneInfo("Europe/Paris")), tick=False):
            client.force_login(referent_a.user)
            accueil = client.get(reverse("portail:accueil"))
            page = client.get(reverse("portail:convention", args=[projet.pk]))
        [ligne] = accueil.context["conventions"]
        assert (ligne.situation.etat, ligne.situation.date_limite) == ("en_projet", None)
        assert page.context["situation"].date_limite is None
        for reponse in (accueil, page):
            assert "au plus tard le" not in _texte(reponse) and "préavis proche" not in _texte(reponse)

    def test_calendar_and_avenants(self, client_a, objets_a):
        convention = objets_a["convention"]
        jour = _jour()
        reponse = client_a.get(reverse("portail:convention", args=[convention.pk]))
        contenu = reponse.content.decode()
        assert reponse.context["situation"].date_limite == convention.date_limite_denonciation(jour)
        assert reponse.context["situation"].reconductions == convention.nombre_reconductions(jour)
        assert "Date limite de dénonciation" in contenu
        assert "Nombre de reconductions" in contenu
        assert "1er juillet 2024" in contenu  # date d'effet
        # Signed on 1 October 2024, the avenant takes effect at the next renewal, 1 July 2025.
        assert objets_a["avenant"].date_effet == dt.date(2025, 7, 1)
        assert "1er juillet 2025" in contenu
        assert reverse("portail:avenant_document", args=[objets_a["avenant"].pk]) in contenu
        assert "/media/" not in contenu

    def test_a_past_deadline_says_which_echeance_the_next_one_is_for(self, client_a, donneur_a):
        # In force for eleven months: this year's deadline (three months before the échéance) has passed.
        jour = _jour()
        effet = add_months(jour, -11)
        convention = ConventionFactory(donneur_d_ordre=donneur_a, date_effet=effet, date_signature=effet)
        prochaine, suivante = convention.prochaine_echeance(jour), convention.echeance_denoncable(jour)
        assert suivante > prochaine
        contenu = client_a.get(reverse("portail:accueil")).content.decode()
        assert (
            f"(pour l'échéance du {date_longue(suivante)} : celle du {date_longue(prochaine)} ne peut plus être "
            "dénoncée)"
        ) in contenu
        contenu = client_a.get(reverse("portail:convention", args=[convention.pk])).content.decode()
        assert f"avant l'échéance du {date_longue(suivante)})" in contenu


class TestProfil:
    def test_the_form_shows_the_email_without_letting_it_change(self, client_a):
        contenu = client_a.get(reverse("portail:profil")).content.decode()
        assert "referente@a.fr" in contenu
        assert 'name="email"' not in contenu
        assert 'value="Acheteuse"' in contenu

    def test_good_input_is_saved(self, client_a, referent_a, donneur_b):
        autre = ReferentFactory(user=referent_a.user, donneur_d_ordre=donneur_b, fonction="Élue")
        reponse = client_a.post(
            reverse("portail:profil"),
            {
                "first_name": " Jeanne ",
                "last_name": "Arnaud",
                "telephone": "04 90  49 36 36",
                "fonction": "Directrice de la commande publique",
                "email": "pirate@exemple.fr",
            },
            follow=True,
        )
        assert "Vos coordonnées ont été enregistrées." in reponse.content.decode()
        referent_a.refresh_from_db()
        referent_a.user.refresh_from_db()
        autre.refresh_from_db()
        user = referent_a.user
        assert (user.first_name, user.last_name, user.telephone) == ("Jeanne", "Arnaud", "04 90 49 36 36")
        assert user.email == "referente@a.fr"
        assert referent_a.fonction == "Directrice de la commande publique"
        # The fonction is the one held in the current organisation only.
        assert autre.fonction == "Élue"

    @pytest.mark.parametrize(
        ("donnees", "message"),
        [
            ({"first_name": "Jeanne", "last_name": "", "telephone": ""}, "Ce champ est obligatoire."),
            ({"first_name": "Jeanne", "last_name": "Arnaud", "telephone": "appelez-moi"}, "10 à 15 chiffres"),
            ({"first_name": "Jeanne", "last_name": "Arnaud", "telephone": "04 90"}, "10 à 15 chiffres"),
        ],
    )
    def test_bad_input_is_refused(self, client_a, referent_a, donnees, message):
        avant = (referent_a.user.first_name, referent_a.user.last_name, referent_a.user.telephone)
        reponse = client_a.post(reverse("portail:profil"), {**donnees, "fonction": "Autre"})
        assert reponse.status_code == 200
        assert message in reponse.content.decode()
        referent_a.refresh_from_db()
        referent_a.user.refresh_from_db()
        assert (referent_a.user.first_name, referent_a.user.last_name, referent_a.user.telephone) == avant
        assert referent_a.fonction == "Acheteuse"


class TestNombreDeRequetes:
    """The pages run the same number of queries for 1 and for 10 rows."""

    @staticmethod
    def _marches(donneur, nombre):
        for i in range(nombre):
            marche = MarcheFactory(donneur_d_ordre=donneur, objet=f"Marché {i}")
            lot = _lot_a_mi_parcours(marche)
            for _ in range(2):
                _heures(AttributionFactory(lot=lot, heures_objectif=500), 40)

    @staticmethod
    def _requetes(client, url) -> int:
        with CaptureQueriesContext(connection) as requetes:
            assert client.get(url).status_code == 200
        return len(requetes)

    @pytest.mark.parametrize("nom_page", ["accueil", "marches"])
    def test_lists(self, client_a, donneur_a, django_assert_max_num_queries, nom_page):
        ConventionFactory(donneur_d_ordre=donneur_a)
        url = reverse(f"portail:{nom_page}")
        self._marches(donneur_a, 1)
        une = self._requetes(client_a, url)
        self._marches(donneur_a, 9)
        with django_assert_max_num_queries(une):
            client_a.get(url)

    def test_a_marche_with_many_lots(self, client_a, donneur_a, django_assert_max_num_queries):
        marche = MarcheFactory(donneur_d_ordre=donneur_a)
        url = reverse("portail:marche", args=[marche.pk])

        def lot():
            _heures(AttributionFactory(lot=_lot_a_mi_parcours(marche), heures_objectif=500), 40)

        lot()
        un = self._requetes(client_a, url)
        for _ in range(9):
            lot()
        with django_assert_max_num_queries(un):
            client_a.get(url)

    def test_the_counts_are_small(self, client_a, donneur_a, django_assert_max_num_queries):
        ConventionFactory(donneur_d_ordre=donneur_a)
        self._marches(donneur_a, 3)
        marche = donneur_a.marches.first()
        for url, maximum in (
            # One of them reads the watch list of article L2112-2-1 (reporting.veille_decp).
            (reverse("portail:accueil"), 13),
            (reverse("portail:marches"), 7),
            (reverse("portail:marche", args=[marche.pk]), 9),
        ):
            with django_assert_max_num_queries(maximum):
                client_a.get(url)


class TestConfidentialite:
    def test_no_participant_identity_on_any_page(self, client_a, objets_a):
        lot = objets_a["lot"]
        jour = _jour()
        participants = [
            ParticipantFactory(nom=nom, prenom=prenom, date_naissance=naissance)
            for nom, prenom, naissance in (
                ("Zorglubescu", "Philomène", dt.date(1987, 3, 14)),
                ("Quintanilha", "Barnabé", dt.date(1999, 11, 2)),
                ("Wojciechowska", "Eulalie", dt.date(1975, 6, 29)),
                ("Ravoisier", "Théodebert", dt.date(2003, 8, 9)),
            )
        ]
        for i, participant in enumerate(participants):
            attribution = AttributionFactory(lot=lot) if i < 2 else lot.attributions.first()
            _heures(attribution, 70 + i, participant=participant, mois=dt.date(jour.year, jour.month, 1))
        interdits = []
        for p in participants:
            interdits += [p.nom, p.prenom, p.reference, p.date_naissance.isoformat()]
            interdits += [p.date_naissance.strftime("%d/%m/%Y")]
        interdits += ["14 mars 1987", "2 novembre 1999", "29 juin 1975", "9 août 2003"]
        for page, url in _urls(objets_a).items():
            if page.endswith("_document"):
                continue
            contenu = client_a.get(url).content.decode()
            presents = [i for i in interdits if i in contenu]
            assert not presents, f"{page} montre {presents}"
        # The figures about them are there, as aggregates of the year.
        contenu = client_a.get(reverse("portail:statistiques")).content.decode()
        assert "Personnes en parcours" in contenu
