"""What the facilitator does with what a donneur d'ordre sends: declared marchés and proposed attributaires.

Services and the facilitator's views on real rows: accepting creates the company and the attribution (or
updates the existing one), correcting keeps the référent's original, refusing changes nothing else; an
existing attribution is never touched before acceptance; référents are refused (403).
"""

import datetime as dt
import html

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from conventions.factories import FacilitateurFactory, ReferentFactory
from entreprises.factories import EntrepriseFactory, siret_n
from entreprises.models import Entreprise
from marches import services
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from marches.models import (
    Attribution,
    Marche,
    Origine,
    PropositionAttribution,
    RoleAttributaire,
    StatutMarche,
    StatutProposition,
)

pytestmark = pytest.mark.django_db

D = dt.date


def texte(reponse) -> str:
    return html.unescape(reponse.content.decode())


@pytest.fixture
def referent():
    return ReferentFactory(user__first_name="Jeanne", user__last_name="Arnaud")


@pytest.fixture
def marche(referent):
    return MarcheFactory(donneur_d_ordre=referent.donneur_d_ordre, statut=StatutMarche.ATTRIBUE)


def proposer(marche, referent, lot=None, **valeurs) -> PropositionAttribution:
    ligne = {
        "lot": lot or LotFactory(marche=marche),
        "siret": siret_n(9001),
        "raison_sociale": "Bâtir Provence",
        "contact_nom": "Paul Roux",
        "contact_email": "paul.roux@batir.example",
        "contact_telephone": "04 90 11 22 33",
        "date_debut": D(2027, 1, 4),
        "date_fin": D(2027, 6, 30),
        **valeurs,
    }
    [proposition] = services.proposer_attributions(marche, referent.user, [ligne])
    return proposition


def photographie(*modeles) -> dict:
    return {m.__name__: list(m.objects.order_by("pk").values()) for m in modeles}


# --- Services ------------------------------------------------------------------------------------------


class TestAccepter:
    def test_unknown_siret_creates_the_company_and_the_attribution(self, marche, referent, facilitateur):
        proposition = proposer(marche, referent)
        assert not Entreprise.objects.filter(siret=proposition.siret).exists()

        attribution, creee = services.accepter_proposition(proposition, facilitateur)

        assert creee
        entreprise = Entreprise.objects.get(siret=proposition.siret)
        assert entreprise.raison_sociale == "Bâtir Provence"
        assert entreprise.contact_email == "paul.roux@batir.example"
        assert attribution.entreprise == entreprise and attribution.lot == proposition.lot
        assert attribution.role == RoleAttributaire.TITULAIRE
        assert (attribution.date_debut, attribution.date_fin) == (D(2027, 1, 4), D(2027, 6, 30))
        assert attribution.contact_nom == "Paul Roux"
        proposition.refresh_from_db()
        assert proposition.statut == StatutProposition.ACCEPTEE
        assert proposition.traite_par == facilitateur and proposition.traite_le is not None
        assert proposition.attribution == attribution
        assert not proposition.corrigee

    def test_a_known_company_keeps_its_directory_name(self, marche, referent, facilitateur):
        entreprise = EntrepriseFactory(raison_sociale="BATIR PROVENCE SAS", siret=siret_n(9001))
        proposition = proposer(marche, referent, raison_sociale="Bâtir Provence")
        attribution, creee = services.accepter_proposition(proposition, facilitateur)
        assert creee and attribution.entreprise == entreprise
        assert Entreprise.objects.filter(siret=siret_n(9001)).count() == 1
        entreprise.refresh_from_db()
        assert entreprise.raison_sociale == "BATIR PROVENCE SAS"

    def test_an_existing_attribution_is_unchanged_until_accepted(self, marche, referent, facilitateur):
        lot = LotFactory(marche=marche)
        existante = AttributionFactory(
            lot=lot,
            entreprise=EntrepriseFactory(siret=siret_n(9001)),
            role=RoleAttributaire.MANDATAIRE,
            heures_objectif=400,
            date_debut=D(2026, 9, 1),
            date_fin=D(2027, 3, 31),
            contact_nom="Ancien contact",
            contact_email="ancien@batir.example",
        )
        avant = photographie(Attribution, Entreprise)
        proposition = proposer(marche, referent, lot=lot, contact_email="")
        assert photographie(Attribution, Entreprise) == avant

        attribution, creee = services.accepter_proposition(proposition, facilitateur)

        assert not creee and attribution.pk == existante.pk
        attribution.refresh_from_db()
        assert (attribution.date_debut, attribution.date_fin) == (D(2027, 1, 4), D(2027, 6, 30))
        assert attribution.contact_nom == "Paul Roux"
        # What the proposal leaves empty, and what it does not carry, stays as validated.
        assert attribution.contact_email == "ancien@batir.example"
        assert attribution.role == RoleAttributaire.MANDATAIRE and attribution.heures_objectif == 400
        assert Attribution.objects.count() == 1

    def test_the_preview_lists_what_will_change(self, marche, referent):
        lot = LotFactory(marche=marche)
        existante = AttributionFactory(
            lot=lot, entreprise=EntrepriseFactory(siret=siret_n(9001)), date_debut=D(2026, 9, 1), date_fin=None
        )
        proposition = proposer(marche, referent, lot=lot)
        apercu = services.apercus([proposition], [existante])[proposition.pk]
        assert not apercu.nouvelle_entreprise and not apercu.nouvelle_attribution
        assert ("Début prévu", "1er septembre 2026", "4 janvier 2027") in apercu.changements
        assert ("Fin prévue", "—", "30 juin 2027") in apercu.changements

    def test_corrections_go_to_the_attribution_the_proposal_stays_as_sent(self, marche, referent, facilitateur):
        proposition = proposer(marche, referent)
        autre_lot = LotFactory(marche=marche)
        attribution, _ = services.accepter_proposition(
            proposition,
            facilitateur,
            corrections={"lot": autre_lot, "date_fin": D(2027, 9, 30)},
            role=RoleAttributaire.CO_TRAITANT,
            motif="Fin des travaux repoussée au 30 septembre.",
        )
        assert attribution.lot == autre_lot and attribution.date_fin == D(2027, 9, 30)
        assert attribution.role == RoleAttributaire.CO_TRAITANT
        proposition.refresh_from_db()
        assert proposition.date_fin == D(2027, 6, 30) and proposition.lot != autre_lot
        assert proposition.corrigee and proposition.motif == "Fin des travaux repoussée au 30 septembre."

    def test_a_lot_of_another_marche_is_refused(self, marche, referent, facilitateur):
        proposition = proposer(marche, referent)
        with pytest.raises(ValidationError):
            services.accepter_proposition(proposition, facilitateur, corrections={"lot": LotFactory()})
        proposition.refresh_from_db()
        assert proposition.statut == StatutProposition.PROPOSEE
        assert not Attribution.objects.exists()

    def test_a_decided_proposal_cannot_be_decided_again(self, marche, referent, facilitateur):
        proposition = proposer(marche, referent)
        services.refuser_proposition(proposition, facilitateur, "Entreprise non retenue.")
        with pytest.raises(ValidationError, match="déjà été refusée"):
            services.accepter_proposition(proposition, facilitateur)
        assert not Attribution.objects.exists()


class TestRefuser:
    def test_changes_nothing_but_the_proposal(self, marche, referent, facilitateur):
        lot = LotFactory(marche=marche)
        AttributionFactory(lot=lot, entreprise=EntrepriseFactory(siret=siret_n(9001)), date_debut=D(2026, 9, 1))
        proposition = proposer(marche, referent, lot=lot)
        avant = photographie(Attribution, Entreprise, Marche)

        services.refuser_proposition(proposition, facilitateur, "  Ce n'est pas le titulaire du lot.  ")

        assert photographie(Attribution, Entreprise, Marche) == avant
        proposition.refresh_from_db()
        assert proposition.statut == StatutProposition.REFUSEE
        assert proposition.motif == "Ce n'est pas le titulaire du lot."
        assert proposition.traite_par == facilitateur and proposition.attribution is None

    def test_a_reason_is_required(self, marche, referent, facilitateur):
        proposition = proposer(marche, referent)
        with pytest.raises(ValidationError, match="motif"):
            services.refuser_proposition(proposition, facilitateur, "   ")
        proposition.refresh_from_db()
        assert proposition.statut == StatutProposition.PROPOSEE


class TestProposer:
    def test_not_on_a_marche_not_awarded(self, referent):
        marche = MarcheFactory(donneur_d_ordre=referent.donneur_d_ordre, statut=StatutMarche.EN_CONSULTATION)
        with pytest.raises(ValidationError, match="attribué ou en exécution"):
            proposer(marche, referent)
        assert not PropositionAttribution.objects.exists()

    def test_the_lot_must_belong_to_the_marche(self, marche, referent):
        with pytest.raises(ValidationError) as erreur:
            proposer(marche, referent, lot=LotFactory())
        assert "Ce lot n'appartient pas à ce marché." in erreur.value.messages
        assert not PropositionAttribution.objects.exists()

    def test_the_database_refuses_dates_out_of_order_and_an_unexplained_refusal(self, marche, referent):
        proposition = proposer(marche, referent)
        with transaction.atomic(), pytest.raises(IntegrityError):
            PropositionAttribution.objects.filter(pk=proposition.pk).update(date_fin=D(2026, 1, 1))
        with transaction.atomic(), pytest.raises(IntegrityError):
            PropositionAttribution.objects.filter(pk=proposition.pk).update(
                statut=StatutProposition.REFUSEE, traite_le=timezone.now(), motif=""
            )

    def test_facilitators_are_emailed_after_commit(
        self, marche, referent, facilitateur, mailoutbox, django_capture_on_commit_callbacks
    ):
        FacilitateurFactory(email="parti@exemple.fr", is_active=False)
        with django_capture_on_commit_callbacks(execute=True):
            proposer(marche, referent)
        assert [m.to for m in mailoutbox] == [[facilitateur.email]]
        message = mailoutbox[0]
        assert message.subject == f"Attributaires proposés par la {marche.donneur_d_ordre.nom} : {marche.objet}"
        assert "Bâtir Provence (SIRET" in message.body and "du 4 janvier 2027 au 30 juin 2027" in message.body
        assert reverse("marches:marche", args=[marche.pk]) in message.body
        assert message.alternatives[0][1] == "text/html"

    def test_only_the_facilitator_in_charge_is_emailed(
        self, marche, referent, facilitateur, mailoutbox, django_capture_on_commit_callbacks
    ):
        en_charge = FacilitateurFactory(email="en.charge@exemple.fr")
        marche.facilitateur = en_charge
        marche.save()
        with django_capture_on_commit_callbacks(execute=True):
            proposer(marche, referent)
        assert [m.to for m in mailoutbox] == [["en.charge@exemple.fr"]]


class TestPrendreEnCharge:
    def test_sets_the_date_and_the_facilitator(self, referent, facilitateur):
        marche = MarcheFactory(
            donneur_d_ordre=referent.donneur_d_ordre,
            statut=StatutMarche.EN_PREPARATION,
            origine=Origine.PORTAIL,
            declare_par=referent.user,
            declare_le=timezone.now(),
        )
        services.prendre_en_charge(marche, facilitateur)
        marche.refresh_from_db()
        assert marche.pris_en_charge_le is not None and marche.facilitateur == facilitateur
        with pytest.raises(ValidationError, match="déjà pris en charge par Camille Martin"):
            services.prendre_en_charge(marche, FacilitateurFactory())

    def test_only_a_declared_marche(self, facilitateur):
        with pytest.raises(ValidationError, match="pas été déclaré"):
            services.prendre_en_charge(MarcheFactory(), facilitateur)


# --- The facilitator's views ---------------------------------------------------------------------------


def url(nom, objet):
    return reverse(f"marches:{nom}", args=[objet.pk])


class TestPageDuMarche:
    def test_declared_marche_shows_the_request_and_the_button(self, client_facilitateur, referent):
        marche = MarcheFactory(
            donneur_d_ordre=referent.donneur_d_ordre,
            statut=StatutMarche.EN_PREPARATION,
            declare_par=referent.user,
            declare_le=timezone.now(),
            message_donneur="Nous voulons une clause sur le gros œuvre.",
        )
        contenu = texte(client_facilitateur.get(url("marche", marche)))
        assert "Demande du donneur d'ordre" in contenu and "par Jeanne Arnaud" in contenu
        assert "Nous voulons une clause sur le gros œuvre." in contenu
        assert f'action="{url("marche_prise_en_charge", marche)}"' in contenu
        assert "Prendre en charge" in contenu

    def test_pending_proposals_with_what_accepting_changes(self, client_facilitateur, marche, referent):
        lot = LotFactory(marche=marche, numero="2")
        AttributionFactory(lot=lot, entreprise=EntrepriseFactory(siret=siret_n(9001)), date_debut=D(2026, 9, 1))
        proposition = proposer(marche, referent, lot=lot)
        nouvelle = proposer(marche, referent, lot=lot, siret=siret_n(9002), raison_sociale="Nouvelle SARL")
        contenu = texte(client_facilitateur.get(url("marche", marche)))
        assert "Attributaires proposés par le donneur d'ordre" in contenu and "2 à traiter" in contenu
        assert "Elle est déjà attributaire du lot 2 : son attribution changera ainsi." in contenu
        assert "1er septembre 2026" in contenu and "4 janvier 2027" in contenu
        assert "L'entreprise n'est pas dans l'annuaire : elle y sera ajoutée sous le nom « Nouvelle SARL »" in contenu
        for p in (proposition, nouvelle):
            assert f'action="{url("proposition_acceptation", p)}"' in contenu
            assert f'href="{url("proposition_correction", p)}"' in contenu
            assert f'action="{url("proposition_refus", p)}"' in contenu

    def test_query_count_does_not_grow_with_proposals(
        self, client_facilitateur, marche, referent, django_assert_max_num_queries
    ):
        for n in range(12):
            lot = LotFactory(marche=marche, numero=str(n))
            AttributionFactory(lot=lot)
            proposer(marche, referent, lot=lot, siret=siret_n(9100 + n))
        services.refuser_proposition(marche.propositions.first(), FacilitateurFactory(), "Non.")
        with django_assert_max_num_queries(8):
            reponse = client_facilitateur.get(url("marche", marche))
        assert len(reponse.context["propositions_en_attente"]) == 11


class TestActions:
    def test_take_in_charge(self, client_facilitateur, facilitateur, referent):
        marche = MarcheFactory(donneur_d_ordre=referent.donneur_d_ordre, declare_le=timezone.now())
        assert client_facilitateur.get(url("marche_prise_en_charge", marche)).status_code == 405
        reponse = client_facilitateur.post(url("marche_prise_en_charge", marche), follow=True)
        assert "Vous avez pris en charge la demande du donneur d'ordre." in texte(reponse)
        marche.refresh_from_db()
        assert marche.facilitateur == facilitateur and marche.pris_en_charge_le is not None
        assert "Prise en charge" in texte(reponse)

    def test_accept(self, client_facilitateur, marche, referent):
        proposition = proposer(marche, referent)
        assert client_facilitateur.get(url("proposition_acceptation", proposition)).status_code == 405
        assert not Attribution.objects.exists()
        reponse = client_facilitateur.post(url("proposition_acceptation", proposition))
        assert reponse.status_code == 302
        assert reponse["Location"] == url("marche", marche) + "#propositions"
        attribution = Attribution.objects.get()
        assert attribution.entreprise.siret == proposition.siret
        contenu = texte(client_facilitateur.get(reponse["Location"]))
        assert (
            f"Proposition acceptée : Bâtir Provence est désormais attributaire du lot {proposition.lot.numero}"
            in contenu
        )
        assert "Propositions déjà traitées (1)" in contenu

    def test_refuse(self, client_facilitateur, marche, referent):
        proposition = proposer(marche, referent)
        assert client_facilitateur.get(url("proposition_refus", proposition)).status_code == 405
        reponse = client_facilitateur.post(url("proposition_refus", proposition), {"motif": ""}, follow=True)
        assert "Indiquez le motif du refus" in texte(reponse)
        proposition.refresh_from_db()
        assert proposition.statut == StatutProposition.PROPOSEE
        client_facilitateur.post(url("proposition_refus", proposition), {"motif": "Lot déjà attribué."})
        proposition.refresh_from_db()
        assert proposition.statut == StatutProposition.REFUSEE and proposition.motif == "Lot déjà attribué."
        assert not Attribution.objects.exists() and not Entreprise.objects.exists()

    def test_correct_then_accept(self, client_facilitateur, marche, referent):
        proposition = proposer(marche, referent)
        reponse = client_facilitateur.get(url("proposition_correction", proposition))
        assert reponse.status_code == 200
        form = reponse.context["form"]
        assert form["siret"].value() == proposition.siret and form["lot"].value() == proposition.lot_id
        assert "Aucune entreprise de l'annuaire n'a le SIRET" in texte(reponse)
        donnees = {
            "lot": proposition.lot_id,
            "role": RoleAttributaire.TITULAIRE,
            "siret": proposition.siret,
            "raison_sociale": "Bâtir Provence SAS",
            "contact_nom": "Paul Roux",
            "contact_email": "paul.roux@batir.example",
            "contact_telephone": "",
            "date_debut": "2027-02-01",
            "date_fin": "2027-01-01",
            "motif": "Début décalé en février.",
        }
        reponse = client_facilitateur.post(url("proposition_correction", proposition), donnees)
        assert reponse.status_code == 200
        assert "La fin prévue ne peut pas précéder le début prévu." in texte(reponse)
        assert not Attribution.objects.exists()

        donnees["date_fin"] = "2027-06-30"
        reponse = client_facilitateur.post(url("proposition_correction", proposition), donnees)
        assert reponse.status_code == 302
        attribution = Attribution.objects.get()
        assert attribution.date_debut == D(2027, 2, 1)
        assert attribution.entreprise.raison_sociale == "Bâtir Provence SAS"
        proposition.refresh_from_db()
        assert proposition.corrigee and proposition.date_debut == D(2027, 1, 4)
        # Decided: the correction page sends back to the marché.
        assert client_facilitateur.get(url("proposition_correction", proposition)).status_code == 302

    def test_correction_with_a_lot_of_another_marche(self, client_facilitateur, marche, referent):
        proposition = proposer(marche, referent)
        autre = LotFactory()
        reponse = client_facilitateur.post(
            url("proposition_correction", proposition),
            {
                "lot": autre.pk,
                "role": RoleAttributaire.TITULAIRE,
                "siret": proposition.siret,
                "raison_sociale": "X",
                "contact_nom": "Y",
                "contact_email": "y@exemple.fr",
                "date_debut": "2027-01-01",
                "date_fin": "2027-02-01",
            },
        )
        assert reponse.status_code == 200
        assert "ce lot n'appartient pas à ce marché" in texte(reponse)
        assert not Attribution.objects.exists()


class TestReferentRefused:
    @pytest.mark.parametrize(
        "nom", ["proposition_acceptation", "proposition_refus", "proposition_correction", "marche_prise_en_charge"]
    )
    def test_403_and_nothing_changes(self, client, marche, referent, nom):
        marche.declare_le = timezone.now()
        marche.save()
        proposition = proposer(marche, referent)
        objet = marche if nom == "marche_prise_en_charge" else proposition
        client.force_login(referent.user)
        avant = photographie(Marche, PropositionAttribution, Attribution, Entreprise)
        assert client.get(url(nom, objet)).status_code == 403
        assert client.post(url(nom, objet), {"motif": "Non."}).status_code == 403
        assert photographie(Marche, PropositionAttribution, Attribution, Entreprise) == avant

    def test_403_whether_the_proposal_exists_or_not(self, client, referent):
        client.force_login(referent.user)
        assert client.post(reverse("marches:proposition_acceptation", args=[999999])).status_code == 403
