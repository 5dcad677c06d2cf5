"""The facilitator's annual bilans of a convention, the report archive's rules, and the models' constraints."""

import datetime as dt
import hashlib
import html

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from clauses.factories import HeuresMensuellesFactory, ParticipantFactory, PlacementFactory
from clauses.models import Genre
from conventions.factories import ConventionFactory, ReferentFactory
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from reporting import bilans
from reporting.models import BilanAnnuel, Rapport, StatutRapport, TypeRapport

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention():
    # Periods: n° 1 from 1 July 2024, n° 2 from 1 July 2025, n° 3 from 1 July 2026…
    return ConventionFactory(numero="C-2024-07", date_effet=dt.date(2024, 7, 1))


def texte(reponse) -> str:
    return html.unescape(reponse.content.decode())


def bilan_de(convention, numero=2, **kwargs) -> BilanAnnuel:
    periode = convention.periode_numero(numero)
    return BilanAnnuel.objects.create(
        convention=convention,
        numero_periode=numero,
        periode_debut=periode.debut,
        periode_fin=periode.echeance,
        **kwargs,
    )


# --- Access: facilitators only ----------------------------------------------------------------------------


class TestAccess:
    def test_referents_are_refused_everywhere(self, client_referent, convention):
        bilan = bilan_de(convention, texte_qualitatif="Texte")
        urls = [
            reverse("reporting:bilans", args=[convention.pk]),
            reverse("reporting:bilan_edition", args=[convention.pk, 2]),
            reverse("reporting:bilan_transmission", args=[bilan.pk]),
        ]
        for url in urls:
            assert client_referent.get(url).status_code == 403
            assert client_referent.post(url, {"texte_qualitatif": "Modifié"}).status_code == 403
        bilan.refresh_from_db()
        assert bilan.texte_qualitatif == "Texte"
        assert bilan.transmis_le is None

    def test_a_referent_of_the_convention_s_own_donneur_is_refused_too(self, client, convention):
        client.force_login(ReferentFactory(donneur_d_ordre=convention.donneur_d_ordre).user)
        assert client.get(reverse("reporting:bilans", args=[convention.pk])).status_code == 403
        assert (
            client.post(
                reverse("reporting:bilan_edition", args=[convention.pk, 1]), {"texte_qualitatif": "x"}
            ).status_code
            == 403
        )
        assert not BilanAnnuel.objects.exists()

    def test_anonymous_goes_to_login(self, client, convention):
        reponse = client.get(reverse("reporting:bilans", args=[convention.pk]))
        assert reponse.status_code == 302
        assert reponse["Location"].startswith(reverse("connexion"))


# --- List ---------------------------------------------------------------------------------------------


class TestListe:
    def test_every_started_period_with_its_bilan(self, client_facilitateur, convention):
        bilan_de(convention, 1, texte_qualitatif="Année 1", transmis_le=timezone.now(), commentaire_donneur="Merci !")
        bilan_de(convention, 2, texte_qualitatif="Année 2")

        reponse = client_facilitateur.get(reverse("reporting:bilans", args=[convention.pk]))

        assert reponse.status_code == 200
        contenu = texte(reponse)
        periodes = convention.periode_courante(timezone.localdate()).numero
        assert [ligne.periode.numero for ligne in reponse.context["lignes"]] == list(range(periodes, 0, -1))
        assert "Transmis le" in contenu
        assert "Rédigé, non transmis" in contenu
        assert "À rédiger" in contenu
        assert "Merci !" in contenu
        assert reverse("reporting:bilan_edition", args=[convention.pk, 1]) in contenu
        # Only the bilan not yet transmitted offers to transmit.
        assert contenu.count("Transmettre au donneur d'ordre") == 1

    def test_a_convention_not_yet_in_effect(self, client_facilitateur):
        convention = ConventionFactory(date_effet=timezone.localdate() + dt.timedelta(days=30))
        contenu = texte(client_facilitateur.get(reverse("reporting:bilans", args=[convention.pk])))
        assert "aucune année à dresser" in contenu

    def test_unknown_convention(self, client_facilitateur):
        assert client_facilitateur.get(reverse("reporting:bilans", args=[999999])).status_code == 404

    def test_the_convention_page_links_to_its_bilans(self, client_facilitateur, convention):
        contenu = texte(client_facilitateur.get(reverse("conventions:convention", args=[convention.pk])))
        assert reverse("reporting:bilans", args=[convention.pk]) in contenu

    def test_queries_do_not_grow_with_bilans(self, client_facilitateur, django_assert_max_num_queries):
        convention = ConventionFactory(date_effet=dt.date(2010, 1, 1))
        bilan_de(convention, 1, texte_qualitatif="x")
        url = reverse("reporting:bilans", args=[convention.pk])
        client_facilitateur.get(url)
        for numero in range(2, 15):
            bilan_de(convention, numero, texte_qualitatif="x", transmis_le=timezone.now(), commentaire_donneur="y")
        with django_assert_max_num_queries(6):
            assert client_facilitateur.get(url).status_code == 200


# --- Writing and transmitting -----------------------------------------------------------------------------


class TestEdition:
    def test_the_period_s_figures_are_shown_as_the_donneur_will_see_them(self, client_facilitateur, convention):
        attribution = AttributionFactory(
            lot=LotFactory(marche=MarcheFactory(donneur_d_ordre=convention.donneur_d_ordre))
        )
        for genre in (Genre.FEMME,) * 4 + (Genre.HOMME,):
            placement = PlacementFactory(participant=ParticipantFactory(genre=genre), attribution=attribution)
            HeuresMensuellesFactory(placement=placement, mois=dt.date(2026, 2, 1))

        reponse = client_facilitateur.get(reverse("reporting:bilan_edition", args=[convention.pk, 2]))

        assert reponse.status_code == 200
        contenu = texte(reponse)
        assert "Bilan du 1er juillet 2025 au 30 juin 2026" in contenu
        assert "600 h" in contenu
        assert "< 3" in contenu
        assert "Pas encore rédigé." in contenu

    def test_the_figures_walk_the_scope_once_whatever_the_people(
        self, client_facilitateur, convention, django_assert_max_num_queries
    ):
        url = reverse("reporting:bilan_edition", args=[convention.pk, 2])
        marches = [MarcheFactory(donneur_d_ordre=convention.donneur_d_ordre) for _ in range(3)]
        for i in range(12):
            attribution = AttributionFactory(lot=LotFactory(marche=marches[i % 3]))
            placement = PlacementFactory(participant=ParticipantFactory(), attribution=attribution)
            HeuresMensuellesFactory(placement=placement, mois=dt.date(2026, 2, 1))
        # Session, user, convention, bilan; then the hours and people (one walk), the target, the people's
        # breakdowns and publics, contracts with outcomes.
        with django_assert_max_num_queries(9):
            assert client_facilitateur.get(url).status_code == 200

    def test_create_then_update(self, client_facilitateur, convention):
        url = reverse("reporting:bilan_edition", args=[convention.pk, 2])

        reponse = client_facilitateur.post(url, {"texte_qualitatif": "Deux marchés livrés."})

        assert reponse.status_code == 302
        assert reponse["Location"] == reverse("reporting:bilans", args=[convention.pk])
        bilan = BilanAnnuel.objects.get()
        assert (bilan.numero_periode, bilan.periode_debut, bilan.periode_fin) == (
            2,
            dt.date(2025, 7, 1),
            dt.date(2026, 6, 30),
        )
        assert bilan.texte_qualitatif == "Deux marchés livrés."
        assert bilan.transmis_le is None

        client_facilitateur.post(url, {"texte_qualitatif": "Deux marchés livrés, un troisième lancé."})
        bilan.refresh_from_db()
        assert bilan.texte_qualitatif == "Deux marchés livrés, un troisième lancé."
        assert BilanAnnuel.objects.count() == 1
        assert "Deux marchés livrés, un troisième lancé." in texte(client_facilitateur.get(url))

    @pytest.mark.parametrize("saisie", ["", "   ", "x" * 20001])
    def test_bad_input_is_refused(self, client_facilitateur, convention, saisie):
        reponse = client_facilitateur.post(
            reverse("reporting:bilan_edition", args=[convention.pk, 2]), {"texte_qualitatif": saisie}
        )
        assert reponse.status_code == 200
        assert reponse.context["form"].errors
        assert not BilanAnnuel.objects.exists()

    @pytest.mark.parametrize("numero", [0, 99])
    def test_a_period_that_has_not_started_does_not_exist(self, client_facilitateur, convention, numero):
        url = reverse("reporting:bilan_edition", args=[convention.pk, numero])
        assert client_facilitateur.get(url).status_code == 404
        assert client_facilitateur.post(url, {"texte_qualitatif": "Trop tôt"}).status_code == 404
        assert not BilanAnnuel.objects.exists()

    def test_a_bilan_keeps_its_dates_when_the_convention_s_change(self, client_facilitateur, convention):
        bilan = bilan_de(convention, 2, texte_qualitatif="Avant")
        convention.date_effet = dt.date(2024, 9, 1)
        convention.save()
        url = reverse("reporting:bilan_edition", args=[convention.pk, 2])
        assert "Bilan du 1er juillet 2025 au 30 juin 2026" in texte(client_facilitateur.get(url))
        client_facilitateur.post(url, {"texte_qualitatif": "Après"})
        bilan.refresh_from_db()
        assert (bilan.texte_qualitatif, bilan.periode_debut) == ("Après", dt.date(2025, 7, 1))


class TestTransmission:
    def test_transmit(self, client_facilitateur, facilitateur, convention):
        bilan = bilan_de(convention, texte_qualitatif="Prêt")
        url = reverse("reporting:bilan_transmission", args=[bilan.pk])

        reponse = client_facilitateur.post(url, follow=True)

        bilan.refresh_from_db()
        assert bilan.transmis_le is not None
        assert bilan.transmis_par == facilitateur
        assert "Le bilan est transmis" in texte(reponse)

        premier = bilan.transmis_le
        reponse = client_facilitateur.post(url, follow=True)
        bilan.refresh_from_db()
        assert bilan.transmis_le == premier
        assert "déjà été transmis" in texte(reponse)

    def test_without_text_it_is_not_transmitted(self, client_facilitateur, convention):
        bilan = bilan_de(convention)
        reponse = client_facilitateur.post(reverse("reporting:bilan_transmission", args=[bilan.pk]), follow=True)
        bilan.refresh_from_db()
        assert bilan.transmis_le is None
        assert "Écrivez le bilan qualitatif avant de le transmettre." in texte(reponse)

    def test_get_is_not_allowed(self, client_facilitateur, convention):
        bilan = bilan_de(convention, texte_qualitatif="Prêt")
        assert client_facilitateur.get(reverse("reporting:bilan_transmission", args=[bilan.pk])).status_code == 405
        bilan.refresh_from_db()
        assert bilan.transmis_le is None

    def test_unknown_bilan(self, client_facilitateur):
        assert client_facilitateur.post(reverse("reporting:bilan_transmission", args=[999999])).status_code == 404

    def test_the_service_transmits_once(self, facilitateur, convention):
        bilan = bilan_de(convention, texte_qualitatif="Prêt")
        assert bilans.transmettre(bilan, facilitateur)
        assert not bilans.transmettre(bilan, facilitateur)


# --- Models ---------------------------------------------------------------------------------------------


class TestModeles:
    def test_one_bilan_per_period(self, convention):
        bilan_de(convention, 2)
        with pytest.raises(IntegrityError), transaction.atomic():
            bilan_de(convention, 2)

    def test_a_transmitted_bilan_has_a_text(self, convention):
        with pytest.raises(IntegrityError), transaction.atomic():
            bilan_de(convention, 2, transmis_le=timezone.now())

    def test_a_ready_report_has_a_file_and_a_checksum(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            Rapport.objects.create(
                type=TypeRapport.BILAN_TERRITORIAL,
                periode_debut=dt.date(2026, 1, 1),
                periode_fin=dt.date(2026, 12, 31),
                statut=StatutRapport.PRET,
            )

    def test_a_report_s_period_is_ordered(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            Rapport.objects.create(
                type=TypeRapport.BILAN_TERRITORIAL,
                periode_debut=dt.date(2026, 12, 31),
                periode_fin=dt.date(2026, 1, 1),
            )

    def test_storing_the_file_marks_it_ready_with_its_checksum(self):
        rapport = Rapport.objects.create(
            type=TypeRapport.BILAN_ANNUEL, periode_debut=dt.date(2025, 7, 1), periode_fin=dt.date(2026, 6, 30)
        )
        assert rapport.statut == StatutRapport.EN_ATTENTE
        rapport.enregistrer_fichier("bilan.pdf", b"%PDF contenu")
        rapport.refresh_from_db()
        assert rapport.statut == StatutRapport.PRET
        assert rapport.empreinte == hashlib.sha256(b"%PDF contenu").hexdigest()
        assert rapport.fichier.name.startswith(f"rapports/{timezone.now():%Y}/")
        assert rapport.termine_le is not None

    def test_a_failure_is_recorded(self):
        rapport = Rapport.objects.create(
            type=TypeRapport.BILAN_ANNUEL, periode_debut=dt.date(2025, 7, 1), periode_fin=dt.date(2026, 6, 30)
        )
        rapport.enregistrer_echec("WeasyPrint : police introuvable")
        rapport.refresh_from_db()
        assert (rapport.statut, rapport.message_erreur) == (StatutRapport.ECHEC, "WeasyPrint : police introuvable")
