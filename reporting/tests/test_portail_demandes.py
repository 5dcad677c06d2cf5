"""What a référent sends from the portal: a marché to declare, the attributaires of an awarded one.

Real rows, the test client: good and bad input, another organisation's marché (404), a marché not awarded,
the emails to the facilitators, and the "Demandes des donneurs d'ordre" alerts on the facilitator's home.
"""

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from clauses.factories import PlacementFactory
from conventions.factories import FacilitateurFactory, ReferentFactory, UserFactory
from entreprises.factories import EntrepriseFactory, siret_n
from marches import services
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from marches.models import Attribution, Marche, Origine, PropositionAttribution, StatutMarche, StatutProposition
from reporting import alertes
from reporting.alertes import LIMITE_PAR_TYPE, TypeAlerte

pytestmark = pytest.mark.django_db

D = dt.date
DECLARER = reverse("portail:marche_declaration")


def texte(reponse) -> str:
    return html.unescape(reponse.content.decode())


@pytest.fixture
def referent():
    return ReferentFactory(
        user__first_name="Jeanne",
        user__last_name="Arnaud",
        user__email="jeanne.arnaud@arles.example",
        user__telephone="04 90 49 36 36",
        donneur_d_ordre__nom="Ville d'Arles",
    )


@pytest.fixture
def client_jeanne(client, referent):
    client.force_login(referent.user)
    return client


def page_du_marche(marche) -> str:
    return reverse("portail:marche", args=[marche.pk])


# --- Declaring a marché --------------------------------------------------------------------------------

DECLARATION = {
    "objet": "Construction d'un groupe scolaire",
    "type": "travaux",
    "montant_estime_ht": "4500000",
    "maitre_oeuvre": "Atelier Rhône Architectes",
    "date_publication": "2027-03-01",
    "date_debut_prevue": "2027-09-01",
    "date_fin_prevue": "2029-06-30",
    "contact_nom": "Jeanne Arnaud",
    "contact_email": "jeanne.arnaud@arles.example",
    "contact_telephone": "04 90 49 36 36",
    "message_donneur": "Nous souhaitons une clause sur le gros œuvre.",
}


class TestDeclaration:
    def test_the_form_is_prefilled_with_the_referents_contact(self, client_jeanne):
        reponse = client_jeanne.get(DECLARER)
        assert reponse.status_code == 200
        form = reponse.context["form"]
        assert form["contact_nom"].value() == "Jeanne Arnaud"
        assert form["contact_email"].value() == "jeanne.arnaud@arles.example"
        assert form["contact_telephone"].value() == "04 90 49 36 36"
        assert "Ville d'Arles" in texte(reponse)

    def test_declare(self, client_jeanne, referent, facilitateur, mailoutbox, django_capture_on_commit_callbacks):
        UserFactory(email="pas.facilitateur@exemple.fr")
        with django_capture_on_commit_callbacks(execute=True):
            reponse = client_jeanne.post(DECLARER, DECLARATION)
        marche = Marche.objects.get()
        assert reponse.status_code == 302 and reponse["Location"] == page_du_marche(marche)
        assert marche.donneur_d_ordre == referent.donneur_d_ordre
        assert marche.statut == StatutMarche.EN_PREPARATION and marche.origine == Origine.PORTAIL
        assert marche.declare_par == referent.user and marche.declare_le is not None
        assert marche.pris_en_charge_le is None and marche.facilitateur is None
        assert marche.montant_estime_ht == Decimal("4500000")
        assert (marche.date_publication, marche.date_debut_prevue, marche.date_fin_prevue) == (
            D(2027, 3, 1),
            D(2027, 9, 1),
            D(2029, 6, 30),
        )
        assert marche.contact == "Jeanne Arnaud · jeanne.arnaud@arles.example · 04 90 49 36 36"
        assert marche.message_donneur == "Nous souhaitons une clause sur le gros œuvre."
        [message] = mailoutbox
        assert message.to == [facilitateur.email]
        assert message.subject == "Nouveau marché déclaré par la Ville d'Arles : Construction d'un groupe scolaire"
        declarant = "Jeanne Arnaud (jeanne.arnaud@arles.example), pour la Ville d'Arles, a déclaré un marché"
        assert declarant in message.body
        assert "Montant estimé : 4 500 000 € HT" in message.body.replace("\u202f", " ").replace("\xa0", " ")
        assert "http://testserver" + reverse("marches:marche", args=[marche.pk]) in message.body
        assert "Ville d&#x27;Arles" not in message.body  # the text part is not HTML-escaped
        suite = texte(client_jeanne.get(reponse["Location"]))
        assert "a été transmis au facilitateur" in suite

    @pytest.mark.parametrize(
        "modifs, champ, message",
        [
            ({"montant_estime_ht": "0"}, "montant_estime_ht", "Le montant estimé doit être positif."),
            ({"montant_estime_ht": "-10"}, "montant_estime_ht", "Le montant estimé doit être positif."),
            (
                {"date_debut_prevue": "2027-02-01"},
                "date_debut_prevue",
                "Le début des travaux ne peut pas précéder le lancement de la consultation.",
            ),
            (
                {"date_fin_prevue": "2027-08-01"},
                "date_fin_prevue",
                "La fin d'exécution prévue ne peut pas précéder le début.",
            ),
            ({"objet": ""}, "objet", "Ce champ est obligatoire."),
            ({"contact_email": "pas-une-adresse"}, "contact_email", "Saisissez une adresse de courriel valide."),
        ],
    )
    def test_bad_input(self, client_jeanne, mailoutbox, modifs, champ, message):
        reponse = client_jeanne.post(DECLARER, {**DECLARATION, **modifs})
        assert reponse.status_code == 200
        assert message in reponse.context["form"].errors[champ]
        assert not Marche.objects.exists() and not mailoutbox

    def test_only_for_referents(self, client, client_facilitateur):
        assert client_facilitateur.get(DECLARER).status_code == 403
        assert client_facilitateur.post(DECLARER, DECLARATION).status_code == 403
        client.logout()
        reponse = client.get(DECLARER)
        assert reponse.status_code == 302 and reponse["Location"].startswith(reverse("connexion"))
        assert not Marche.objects.exists()

    def test_declared_for_the_current_organisation(self, client_jeanne, referent):
        autre = ReferentFactory(user=referent.user, donneur_d_ordre__nom="Arles Crau Camargue Montagnette")
        client_jeanne.post(reverse("portail:changer_donneur"), {"donneur": autre.donneur_d_ordre.pk})
        client_jeanne.post(DECLARER, DECLARATION)
        assert Marche.objects.get().donneur_d_ordre == autre.donneur_d_ordre


# --- The facilitator's home: requests from the donneurs d'ordre ---------------------------------------


def declarer(referent, **kwargs) -> Marche:
    return MarcheFactory(
        donneur_d_ordre=referent.donneur_d_ordre,
        statut=StatutMarche.EN_PREPARATION,
        origine=Origine.PORTAIL,
        declare_par=referent.user,
        declare_le=kwargs.pop("declare_le", timezone.now()),
        **kwargs,
    )


class TestAlertes:
    def test_on_the_home_page_until_taken_in_charge(self, client_facilitateur, referent, facilitateur):
        marche = declarer(referent, objet="Groupe scolaire")
        MarcheFactory(statut=StatutMarche.EN_PREPARATION)  # entered by a facilitator: no request
        contenu = texte(client_facilitateur.get(reverse("reporting:accueil")))
        assert "Demandes des donneurs d'ordre (1)" in contenu
        assert "La Ville d'Arles a déclaré le marché « Groupe scolaire » et demande l'appui du facilitateur" in contenu
        assert f'href="{reverse("marches:marche", args=[marche.pk])}"' in contenu

        services.prendre_en_charge(marche, facilitateur)
        contenu = texte(client_facilitateur.get(reverse("reporting:accueil")))
        assert "Demandes des donneurs d'ordre" not in contenu

    def test_proposals_waiting_are_requests_too(self, referent, facilitateur):
        marche = MarcheFactory(donneur_d_ordre=referent.donneur_d_ordre, statut=StatutMarche.ATTRIBUE, objet="Voirie")
        lot = LotFactory(marche=marche)
        lignes = [
            {
                "lot": lot,
                "siret": siret_n(n),
                "raison_sociale": f"Entreprise {n}",
                "contact_nom": "Paul Roux",
                "contact_email": "",
                "contact_telephone": "06 00 00 00 00",
                "date_debut": D(2027, 1, 1),
                "date_fin": D(2027, 2, 1),
            }
            for n in (1, 2)
        ]
        premiere, seconde = services.proposer_attributions(marche, referent.user, lignes)
        [alerte], total = alertes.demandes_des_donneurs(timezone.localdate())
        assert total == 1
        assert alerte.texte == (
            "Ville d'Arles : 2 attributaires proposés pour le marché « Voirie », à accepter, corriger ou refuser"
        )
        services.accepter_proposition(premiere, facilitateur)
        services.refuser_proposition(seconde, facilitateur, "Non retenue.")
        assert alertes.demandes_des_donneurs(timezone.localdate()) == ([], 0)

    def test_oldest_first_bounded_in_one_query(self, referent, django_assert_num_queries):
        maintenant = timezone.now()
        for n in range(LIMITE_PAR_TYPE + 3):
            declarer(referent, objet=f"Marché {n}", declare_le=maintenant - dt.timedelta(days=n))
        declarer(referent, objet="Pris en charge").__class__.objects.filter(objet="Pris en charge").update(
            pris_en_charge_le=maintenant
        )
        with django_assert_num_queries(1):
            liste, total = alertes.demandes_des_donneurs(timezone.localdate())
        assert total == LIMITE_PAR_TYPE + 3 and len(liste) == LIMITE_PAR_TYPE
        assert f"« Marché {LIMITE_PAR_TYPE + 2} »" in liste[0].texte
        assert [a.echeance for a in liste] == sorted(a.echeance for a in liste)
        assert liste[0].en_depassement and liste[0].type == TypeAlerte.DEMANDE

    def test_the_group_is_in_the_list_of_kinds(self, referent):
        declarer(referent)
        groupes = {g.type: g for g in alertes.alertes(timezone.localdate())}
        assert groupes[TypeAlerte.DEMANDE].titre == "Demandes des donneurs d'ordre"
        assert groupes[TypeAlerte.DEMANDE].total == 1


# --- Sending the attributaires ------------------------------------------------------------------------


@pytest.fixture
def marche(referent):
    marche = MarcheFactory(donneur_d_ordre=referent.donneur_d_ordre, statut=StatutMarche.ATTRIBUE, objet="Voirie")
    LotFactory(marche=marche, numero="1", intitule="Terrassement")
    LotFactory(marche=marche, numero="2", intitule="Revêtements")
    return marche


def url_attributaires(marche) -> str:
    return reverse("portail:attributaires", args=[marche.pk])


def ligne(marche, n=0, **valeurs) -> dict:
    lots = list(marche.lots.order_by("numero"))
    return {
        "lot": lots[0].pk,
        "siret": siret_n(7000 + n),
        "raison_sociale": f"Entreprise {n}",
        "contact_nom": "Paul Roux",
        "contact_email": "paul.roux@exemple.fr",
        "contact_telephone": "",
        "date_debut": "2027-01-04",
        "date_fin": "2027-06-30",
        **valeurs,
    }


def donnees(*lignes, total=None, marche=None) -> dict:
    """The formset's POST: the given rows, then rows left as displayed up to ``total`` (row n on lot n)."""
    total = total or len(lignes)
    lots = list(marche.lots.order_by("numero")) if marche else []
    resultat = {
        "attributaires-TOTAL_FORMS": str(total),
        "attributaires-INITIAL_FORMS": "0",
        "attributaires-MIN_NUM_FORMS": "0",
        "attributaires-MAX_NUM_FORMS": "20",
    }
    for i, valeurs in enumerate(lignes):
        resultat.update({f"attributaires-{i}-{cle}": valeur for cle, valeur in valeurs.items()})
    for i in range(len(lignes), total):
        resultat[f"attributaires-{i}-lot"] = lots[i].pk if i < len(lots) else ""
    return resultat


class TestAttributaires:
    def test_one_row_per_lot_each_on_its_lot(self, client_jeanne, marche):
        reponse = client_jeanne.get(url_attributaires(marche))
        assert reponse.status_code == 200
        formset = reponse.context["formset"]
        lots = list(marche.lots.order_by("numero"))
        assert [f["lot"].value() for f in formset] == [lots[0].pk, lots[1].pk]
        contenu = texte(reponse)
        assert "Ligne 1" in contenu and "Ligne 2" in contenu
        assert "Vous n'avez encore envoyé aucun attributaire pour ce marché." in contenu
        assert len(client_jeanne.get(url_attributaires(marche) + "?lignes=5").context["formset"].forms) == 5

    def test_send(self, client_jeanne, marche, referent, facilitateur, mailoutbox, django_capture_on_commit_callbacks):
        deuxieme_lot = marche.lots.get(numero="2")
        with django_capture_on_commit_callbacks(execute=True):
            reponse = client_jeanne.post(
                url_attributaires(marche),
                # Row 2 is left as displayed (its lot preselected, nothing else): it is ignored.
                donnees(
                    ligne(marche, 1, siret="  " + siret_n(7001)[:9] + " " + siret_n(7001)[9:]),
                    {"lot": deuxieme_lot.pk},
                ),
            )
        assert reponse.status_code == 302 and reponse["Location"] == url_attributaires(marche)
        proposition = PropositionAttribution.objects.get()
        assert proposition.marche == marche and proposition.siret == siret_n(7001)
        assert proposition.statut == StatutProposition.PROPOSEE and proposition.envoye_par == referent.user
        assert not Attribution.objects.exists()
        assert [m.to for m in mailoutbox] == [[facilitateur.email]]
        contenu = texte(client_jeanne.get(url_attributaires(marche)))
        assert "1 attributaire envoyé au facilitateur" in contenu
        assert "Entreprise 1" in contenu and "Proposée — en attente" in contenu

    @pytest.mark.parametrize(
        "valeurs, message",
        [
            ({"siret": "12345678901234"}, "Ligne 1 : Le SIRET 12345678901234 n'est pas valide"),
            ({"siret": "1234"}, "Ligne 1 : Le SIRET doit compter 14 chiffres"),
            ({"date_fin": "2026-12-31"}, "Ligne 1 : La fin prévue ne peut pas précéder le début prévu."),
            (
                {"contact_email": "", "contact_telephone": ""},
                "Ligne 1 : Indiquez l'e-mail ou le téléphone du contact.",
            ),
            ({"raison_sociale": ""}, "Ligne 1 : Ce champ est obligatoire."),
        ],
    )
    def test_bad_input(self, client_jeanne, marche, mailoutbox, valeurs, message):
        reponse = client_jeanne.post(url_attributaires(marche), donnees(ligne(marche, **valeurs)))
        assert reponse.status_code == 200
        contenu = texte(reponse)
        assert message in contenu and "L'envoi n'a pas été fait" in contenu
        assert not PropositionAttribution.objects.exists() and not mailoutbox

    def test_a_lot_of_another_marche(self, client_jeanne, marche, referent):
        autre = LotFactory(
            marche=MarcheFactory(donneur_d_ordre=referent.donneur_d_ordre, statut=StatutMarche.ATTRIBUE)
        )
        reponse = client_jeanne.post(
            url_attributaires(marche), donnees(ligne(marche, 1), ligne(marche, 2, lot=autre.pk))
        )
        assert reponse.status_code == 200
        assert "Ligne 2 : ce lot n'appartient pas à ce marché ; choisissez l'un de ses lots." in texte(reponse)
        assert not PropositionAttribution.objects.exists()

    def test_nothing_filled(self, client_jeanne, marche):
        reponse = client_jeanne.post(url_attributaires(marche), donnees(total=3, marche=marche))
        assert reponse.status_code == 200
        assert "Renseignez au moins un attributaire" in texte(reponse)

    def test_twice_the_same_company_for_a_lot(self, client_jeanne, marche):
        reponse = client_jeanne.post(url_attributaires(marche), donnees(ligne(marche, 1), ligne(marche, 1)))
        assert "Ligne 2 : cette entreprise figure déjà plus haut pour ce lot." in texte(reponse)
        client_jeanne.post(url_attributaires(marche), donnees(ligne(marche, 1)))
        reponse = client_jeanne.post(url_attributaires(marche), donnees(ligne(marche, 1)))
        assert "Ligne 1 : vous avez déjà proposé cette entreprise pour ce lot" in texte(reponse)
        assert PropositionAttribution.objects.count() == 1

    def test_another_organisations_marche_is_404(self, client_jeanne, marche):
        autre = MarcheFactory(statut=StatutMarche.ATTRIBUE)
        LotFactory(marche=autre)
        assert client_jeanne.get(url_attributaires(autre)).status_code == 404
        assert client_jeanne.post(url_attributaires(autre), donnees(ligne(autre))).status_code == 404
        assert client_jeanne.get(reverse("portail:attributaires", args=[999999])).status_code == 404
        assert not PropositionAttribution.objects.exists()

    @pytest.mark.parametrize(
        "statut", [StatutMarche.EN_PREPARATION, StatutMarche.EN_CONSULTATION, StatutMarche.ACHEVE]
    )
    def test_a_marche_not_awarded(self, client_jeanne, marche, statut):
        marche.statut = statut
        marche.save()
        reponse = client_jeanne.get(url_attributaires(marche))
        assert reponse.status_code == 200 and reponse.context["formset"] is None
        assert "une fois le marché attribué ou en exécution" in texte(reponse)
        reponse = client_jeanne.post(url_attributaires(marche), donnees(ligne(marche)))
        assert "rien n'a été envoyé" in texte(reponse)
        assert not PropositionAttribution.objects.exists()

    def test_an_existing_attribution_is_unchanged_until_accepted(self, client_jeanne, marche, facilitateur):
        lot = marche.lots.get(numero="1")
        attribution = AttributionFactory(
            lot=lot,
            entreprise=EntrepriseFactory(siret=siret_n(7001)),
            date_debut=D(2026, 9, 1),
            date_fin=D(2026, 12, 31),
        )
        client_jeanne.post(url_attributaires(marche), donnees(ligne(marche, 1)))
        attribution.refresh_from_db()
        assert (attribution.date_debut, attribution.date_fin) == (D(2026, 9, 1), D(2026, 12, 31))
        services.accepter_proposition(PropositionAttribution.objects.get(), facilitateur)
        attribution.refresh_from_db()
        assert (attribution.date_debut, attribution.date_fin) == (D(2027, 1, 4), D(2027, 6, 30))

    def test_the_referent_sees_the_decisions(self, client_jeanne, marche, referent, facilitateur):
        client_jeanne.post(url_attributaires(marche), donnees(ligne(marche, 1), ligne(marche, 2)))
        acceptee, refusee = PropositionAttribution.objects.order_by("siret")
        services.accepter_proposition(
            acceptee, facilitateur, corrections={"date_fin": D(2027, 7, 31)}, motif="Fin au 31 juillet."
        )
        services.refuser_proposition(refusee, facilitateur, "Cette entreprise est sous-traitante, pas titulaire.")
        contenu = texte(client_jeanne.get(url_attributaires(marche)))
        assert "Acceptée avec corrections" in contenu and "Fin au 31 juillet." in contenu
        assert "Refusée" in contenu and "Cette entreprise est sous-traitante, pas titulaire." in contenu
        # The validated attributaire is listed, with the corrected calendar.
        assert "Attributaires enregistrés par le facilitateur" in contenu and "31 juillet 2027" in contenu

    def test_query_count_does_not_grow_with_rows(
        self, client_jeanne, marche, referent, facilitateur, django_assert_max_num_queries
    ):
        client_jeanne.get(url_attributaires(marche))
        with django_assert_max_num_queries(20) as requetes:
            client_jeanne.get(url_attributaires(marche))
        peu = len(requetes)
        for n in range(10):
            lot = LotFactory(marche=marche, numero=str(10 + n))
            AttributionFactory(lot=lot)
            services.proposer_attributions(
                marche,
                referent.user,
                [{**ligne(marche, 100 + n), "lot": lot, "date_debut": D(2027, 1, 1), "date_fin": D(2027, 2, 1)}],
            )
        with django_assert_max_num_queries(peu):
            client_jeanne.get(url_attributaires(marche))

    def test_no_participant_appears(self, client_jeanne, marche):
        attribution = AttributionFactory(lot=marche.lots.first())
        placement = PlacementFactory(attribution=attribution, participant__nom="Zorglub", participant__prenom="Ysolde")
        contenu = texte(client_jeanne.get(url_attributaires(marche)))
        assert "Zorglub" not in contenu and "Ysolde" not in contenu
        assert placement.participant.reference not in contenu

    def test_facilitators_are_refused(self, client_facilitateur, marche):
        assert client_facilitateur.get(url_attributaires(marche)).status_code == 403
        assert client_facilitateur.post(url_attributaires(marche), donnees(ligne(marche))).status_code == 403
        assert not PropositionAttribution.objects.exists()


def test_another_facilitator_is_not_emailed_twice(referent, mailoutbox, django_capture_on_commit_callbacks):
    FacilitateurFactory(email="a@exemple.fr")
    FacilitateurFactory(email="b@exemple.fr")
    with django_capture_on_commit_callbacks(execute=True):
        services.declarer_marche(
            donneur=referent.donneur_d_ordre,
            utilisateur=referent.user,
            donnees={"objet": "Piscine", "montant_estime_ht": Decimal("1")},
        )
    assert sorted(m.to[0] for m in mailoutbox) == ["a@exemple.fr", "b@exemple.fr"]
    assert all(len(m.to) == 1 for m in mailoutbox)
