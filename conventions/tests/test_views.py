import datetime as dt
import io

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from conventions.factories import (
    ConventionFactory,
    DonneurDOrdreFactory,
    FacilitateurFactory,
    ReferentFactory,
    UserFactory,
)
from conventions.models import (
    Avenant,
    Convention,
    DenoncePar,
    DonneurDOrdre,
    Referent,
    TypeDonneur,
    User,
)
from conventions.tests.outils import aujourd_hui, convention_limite_dans
from conventions.views import date_longue
from marches.factories import MarcheFactory
from marches.models import StatutMarche

D = dt.date
pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def messages_de(reponse) -> list[str]:
    return [str(m) for m in get_messages(reponse.wsgi_request)]


def erreurs(reponse, champ: str = "__all__") -> str:
    return " ".join(reponse.context["form"].errors.get(champ, []))


# --- Access -------------------------------------------------------------------------------------------------


def _urls() -> list[tuple[str, str]]:
    referent = ReferentFactory()
    convention = ConventionFactory(donneur_d_ordre=referent.donneur_d_ordre)
    donneur = referent.donneur_d_ordre.pk
    return [
        ("get", reverse("conventions:donneurs")),
        ("get", reverse("conventions:donneur", args=[donneur])),
        ("get", reverse("conventions:donneur_creation")),
        ("get", reverse("conventions:donneur_modification", args=[donneur])),
        ("get", reverse("conventions:referent_ajout", args=[donneur])),
        ("get", reverse("conventions:referent_retrait", args=[referent.pk])),
        ("get", reverse("conventions:conventions")),
        ("get", reverse("conventions:convention", args=[convention.pk])),
        ("get", reverse("conventions:convention_creation")),
        ("get", reverse("conventions:convention_modification", args=[convention.pk])),
        ("get", reverse("conventions:convention_denonciation", args=[convention.pk])),
        ("get", reverse("conventions:avenant_creation", args=[convention.pk])),
    ]


class TestAcces:
    def test_anonymous_is_sent_to_login(self, client):
        for _, url in _urls():
            reponse = client.get(url)
            assert reponse.status_code == 302, url
            assert reponse["Location"].startswith(reverse("connexion"))

    def test_a_referent_is_refused(self, client_referent):
        for _, url in _urls():
            assert client_referent.get(url).status_code == 403, url

    def test_a_referent_cannot_change_anything(self, client_referent):
        referent = ReferentFactory()
        convention = ConventionFactory(donneur_d_ordre=referent.donneur_d_ordre)
        donneur = referent.donneur_d_ordre
        envois = [
            (reverse("conventions:donneur_modification", args=[donneur.pk]), {"nom": "Piraté", "type": "commune"}),
            (reverse("conventions:referent_ajout", args=[donneur.pk]), {"email": "intrus@exemple.fr"}),
            (reverse("conventions:referent_retrait", args=[referent.pk]), {}),
            (
                reverse("conventions:convention_denonciation", args=[convention.pk]),
                {"date_denonciation": "2025-01-10", "denoncee_par": "donneur_d_ordre"},
            ),
            (
                reverse("conventions:avenant_creation", args=[convention.pk]),
                {"numero": 1, "objet": "X", "date_signature": "2025-01-10"},
            ),
            (reverse("conventions:convention_modification", args=[convention.pk]), {"numero": "Piraté"}),
        ]
        for url, donnees in envois:
            assert client_referent.post(url, donnees).status_code == 403, url
        donneur.refresh_from_db()
        convention.refresh_from_db()
        assert donneur.nom != "Piraté"
        assert Referent.objects.filter(pk=referent.pk).exists()
        assert not User.objects.filter(email="intrus@exemple.fr").exists()
        assert convention.date_denonciation is None and convention.numero != "Piraté"
        assert not Avenant.objects.exists()

    @pytest.mark.parametrize(
        "nom",
        [
            "conventions:donneur",
            "conventions:donneur_modification",
            "conventions:referent_ajout",
            "conventions:referent_retrait",
            "conventions:convention",
            "conventions:convention_modification",
            "conventions:convention_denonciation",
            "conventions:avenant_creation",
        ],
    )
    def test_unknown_id_is_404(self, client_facilitateur, nom):
        assert client_facilitateur.get(reverse(nom, args=[999999])).status_code == 404

    def test_removal_needs_post(self, client_facilitateur):
        referent = ReferentFactory()
        reponse = client_facilitateur.get(reverse("conventions:referent_retrait", args=[referent.pk]))
        assert reponse.status_code == 200
        assert "Retirer le référent" in reponse.content.decode()
        assert Referent.objects.filter(pk=referent.pk).exists()


# --- Donneurs d'ordre ---------------------------------------------------------------------------------------


class TestListeDonneurs:
    def test_columns(self, client_facilitateur):
        donneur = DonneurDOrdreFactory(nom="Commune d'Arles")
        ReferentFactory(donneur_d_ordre=donneur, user__first_name="Jeanne", user__last_name="Dupont")
        convention_limite_dans(100, donneur_d_ordre=donneur)
        MarcheFactory(donneur_d_ordre=donneur, statut=StatutMarche.EN_EXECUTION)
        MarcheFactory(donneur_d_ordre=donneur, statut=StatutMarche.ATTRIBUE)
        MarcheFactory(donneur_d_ordre=donneur, statut=StatutMarche.SOLDE)
        reponse = client_facilitateur.get(reverse("conventions:donneurs"))
        ligne = reponse.context["object_list"][0]
        assert ligne.nb_marches_actifs == 2
        assert ligne.situation.etat_libelle == "En vigueur"
        contenu = reponse.content.decode()
        assert "Jeanne Dupont" in contenu
        assert "En vigueur" in contenu

    def test_filters_and_search(self, client_facilitateur):
        arles = DonneurDOrdreFactory(nom="Commune d'Arles", commune="Arles")
        bailleur = DonneurDOrdreFactory(nom="Habitat 13", type=TypeDonneur.BAILLEUR, commune="Marseille")
        inactif = DonneurDOrdreFactory(nom="Ancien SIVOM", actif=False, commune="Tarascon")
        url = reverse("conventions:donneurs")
        assert list(client_facilitateur.get(url, {"type": "bailleur"}).context["object_list"]) == [bailleur]
        assert list(client_facilitateur.get(url, {"actif": "false"}).context["object_list"]) == [inactif]
        assert list(client_facilitateur.get(url, {"q": "marseil"}).context["object_list"]) == [bailleur]
        siret = f"{arles.siret[:3]} {arles.siret[3:9]}"
        assert list(client_facilitateur.get(url, {"q": siret}).context["object_list"]) == [arles]

    def test_sort_by_active_marches(self, client_facilitateur):
        a = DonneurDOrdreFactory(nom="A")
        b = DonneurDOrdreFactory(nom="B")
        MarcheFactory(donneur_d_ordre=b)
        reponse = client_facilitateur.get(reverse("conventions:donneurs"), {"tri": "-marches"})
        assert list(reponse.context["object_list"]) == [b, a]

    def test_query_count_does_not_grow_with_rows(self, client_facilitateur, django_assert_max_num_queries):
        for _ in range(25):
            donneur = DonneurDOrdreFactory()
            ReferentFactory.create_batch(2, donneur_d_ordre=donneur)
            ConventionFactory(donneur_d_ordre=donneur)
            MarcheFactory(donneur_d_ordre=donneur)
        with django_assert_max_num_queries(7):  # the page: its count, its ids, then its rows with their figures
            reponse = client_facilitateur.get(reverse("conventions:donneurs"))
        assert len(reponse.context["object_list"]) == 25

    def test_export_keeps_the_filters(self, client_facilitateur):
        bailleur = DonneurDOrdreFactory(nom="Habitat 13", type=TypeDonneur.BAILLEUR)
        ReferentFactory(donneur_d_ordre=bailleur, user__first_name="Jeanne", user__last_name="Dupont")
        convention_limite_dans(100, donneur_d_ordre=bailleur)
        DonneurDOrdreFactory(nom="Commune")
        reponse = client_facilitateur.get(reverse("conventions:donneurs"), {"type": "bailleur", "format": "xlsx"})
        assert reponse.status_code == 200
        lignes = list(load_workbook(io.BytesIO(b"".join(reponse.streaming_content))).active.values)
        assert lignes[0][:5] == ("Nom", "Type", "SIRET", "Commune", "Convention")
        assert len(lignes) == 2
        assert lignes[1][0] == "Habitat 13"
        assert lignes[1][4] == "En vigueur"
        assert lignes[1][7] == "Jeanne Dupont"


class TestFicheDonneur:
    def test_shows_referents_conventions_and_marches(self, client_facilitateur):
        donneur = DonneurDOrdreFactory()
        ReferentFactory(donneur_d_ordre=donneur, fonction="Acheteuse", user__email="jeanne@arles.fr")
        convention = convention_limite_dans(30, donneur_d_ordre=donneur, numero="2024-07")
        marche = MarcheFactory(donneur_d_ordre=donneur, objet="Réhabilitation école Jules Ferry")
        contenu = client_facilitateur.get(reverse("conventions:donneur", args=[donneur.pk])).content.decode()
        assert f'href="{reverse("marches:marche", args=[marche.pk])}"' in contenu
        assert "jeanne@arles.fr" in contenu and "Acheteuse" in contenu
        assert "N° 2024-07" in contenu
        assert date_longue(convention.date_limite_denonciation()).replace("1er", "1") in contenu
        assert "Réhabilitation école Jules Ferry" in contenu
        assert "1\xa0000\xa0000 €" in contenu
        assert f"{reverse('conventions:convention_creation')}?donneur={donneur.pk}" in contenu

    def test_query_count_does_not_grow_with_rows(self, client_facilitateur, django_assert_max_num_queries):
        donneur = DonneurDOrdreFactory()
        ReferentFactory.create_batch(10, donneur_d_ordre=donneur)
        ConventionFactory.create_batch(10, donneur_d_ordre=donneur)
        MarcheFactory.create_batch(10, donneur_d_ordre=donneur)
        with django_assert_max_num_queries(7):  # the history: one query
            assert client_facilitateur.get(reverse("conventions:donneur", args=[donneur.pk])).status_code == 200

    def test_create_without_siret(self, client_facilitateur):
        reponse = client_facilitateur.post(
            reverse("conventions:donneur_creation"),
            {"nom": "Commune de Saintes-Maries", "type": "commune", "periodicite_rapport": "trimestrielle"},
        )
        donneur = DonneurDOrdre.objects.get()
        assert reponse["Location"] == reverse("conventions:donneur", args=[donneur.pk])
        assert donneur.siret is None
        DonneurDOrdreFactory(siret=None)  # a second donneur without SIRET does not clash

    def test_bad_siret_is_explained(self, client_facilitateur):
        reponse = client_facilitateur.post(
            reverse("conventions:donneur_creation"),
            {"nom": "X", "type": "commune", "siret": "12345", "periodicite_rapport": "trimestrielle"},
        )
        assert "14 chiffres" in erreurs(reponse, "siret")
        assert not DonneurDOrdre.objects.exists()

    def test_edit(self, client_facilitateur):
        donneur = DonneurDOrdreFactory()
        client_facilitateur.post(
            reverse("conventions:donneur_modification", args=[donneur.pk]),
            {"nom": "Nouveau nom", "type": "epci", "siret": donneur.siret, "periodicite_rapport": "mensuelle"},
        )
        donneur.refresh_from_db()
        assert (donneur.nom, donneur.type, donneur.actif) == ("Nouveau nom", "epci", False)


class TestReferents:
    def url(self, donneur):
        return reverse("conventions:referent_ajout", args=[donneur.pk])

    def test_form_explains_the_invitation(self, client_facilitateur):
        contenu = client_facilitateur.get(self.url(DonneurDOrdreFactory())).content.decode()
        assert "pour lui ouvrir le portail, envoyez-lui ensuite une invitation" in contenu

    def test_add_creates_an_account(self, client_facilitateur):
        donneur = DonneurDOrdreFactory()
        reponse = client_facilitateur.post(
            self.url(donneur),
            {
                "email": "Jeanne@Arles.fr",
                "prenom": "Jeanne",
                "nom": "Dupont",
                "fonction": "Acheteuse",
                "principal": "on",
            },
        )
        assert reponse["Location"] == reverse("conventions:donneur", args=[donneur.pk])
        referent = Referent.objects.get()
        assert referent.user.email == "jeanne@arles.fr" and not referent.user.has_usable_password()
        assert referent.principal
        assert "Son compte n'a pas encore de mot de passe" in messages_de(reponse)[0]

    def test_add_reuses_an_existing_account(self, client_facilitateur):
        existant = ReferentFactory(user__email="jeanne@arles.fr")
        autre = DonneurDOrdreFactory()
        reponse = client_facilitateur.post(self.url(autre), {"email": "JEANNE@ARLES.FR"})
        assert Referent.objects.filter(donneur_d_ordre=autre, user=existant.user).exists()
        assert User.objects.count() == 2  # the existing référent and the facilitator
        assert "Le compte existant" in messages_de(reponse)[0]

    def test_duplicate_is_refused(self, client_facilitateur):
        existant = ReferentFactory()
        reponse = client_facilitateur.post(self.url(existant.donneur_d_ordre), {"email": existant.user.email})
        assert reponse.status_code == 200
        assert "déjà référente" in erreurs(reponse, "email")
        assert Referent.objects.count() == 1

    def test_facilitator_account_is_refused(self, client_facilitateur, facilitateur):
        reponse = client_facilitateur.post(self.url(DonneurDOrdreFactory()), {"email": facilitateur.email})
        assert "réservé au personnel du donneur d'ordre" in erreurs(reponse, "email")
        assert not Referent.objects.exists()

    def test_bad_email(self, client_facilitateur):
        reponse = client_facilitateur.post(self.url(DonneurDOrdreFactory()), {"email": "pas-une-adresse"})
        assert "adresse de courriel valide" in erreurs(reponse, "email")

    def test_removal(self, client_facilitateur):
        referent = ReferentFactory(user=UserFactory(email="jeanne@arles.fr"))
        reponse = client_facilitateur.post(reverse("conventions:referent_retrait", args=[referent.pk]))
        assert reponse["Location"] == reverse("conventions:donneur", args=[referent.donneur_d_ordre.pk])
        assert not Referent.objects.exists()
        assert User.objects.filter(email="jeanne@arles.fr").exists()


# --- Conventions --------------------------------------------------------------------------------------------


class TestFicheConvention:
    # A period that begins on a 1st, written « 1er » (in force since 1 August 2026 on that day).
    @pytest.mark.time_machine("2027-01-01T12:00+01:00")
    def test_calendar_block(self, client_facilitateur):
        convention = convention_limite_dans(120)
        reponse = client_facilitateur.get(reverse("conventions:convention", args=[convention.pk]))
        contenu = reponse.content.decode()
        assert "Période n° 1, du 1er août 2026 au 31 juillet 2027" in contenu
        limite = convention.date_limite_denonciation()
        jours = (limite - aujourd_hui()).days
        assert f"dans {jours} jours" in contenu
        assert "Renouvellement tacite" in contenu
        assert "Enregistrer une dénonciation" in contenu
        assert [ligne.statut for ligne in reponse.context["periodes"]] == ["En cours", "À venir", "À venir"]

    def test_says_when_the_coming_renewal_can_no_longer_be_stopped(self, client_facilitateur):
        convention = convention_limite_dans(-20)
        contenu = client_facilitateur.get(reverse("conventions:convention", args=[convention.pk])).content.decode()
        courante = convention.periode_courante()
        assert "est passée : la convention sera reconduite le" in contenu
        assert convention.date_limite_denonciation() == convention.periode_numero(2).date_limite_denonciation
        assert courante.numero == 1

    def test_denoncee_shows_its_end_and_hides_the_action(self, client_facilitateur):
        convention = convention_limite_dans(
            120,
            date_denonciation=aujourd_hui(),
            denoncee_par=DenoncePar.STRUCTURE_PORTEUSE,
            motif_denonciation="Fusion",
        )
        reponse = client_facilitateur.get(reverse("conventions:convention", args=[convention.pk]))
        contenu = reponse.content.decode()
        assert "Enregistrer une dénonciation" not in contenu
        assert "par la structure porteuse" in contenu and "Motif : Fusion" in contenu
        assert "Date de fin" in contenu
        assert "Renouvellement tacite" not in contenu
        assert [ligne.derniere for ligne in reponse.context["periodes"]] == [True]

    def test_avenants_and_document(self, client_facilitateur):
        convention = ConventionFactory(date_effet=D(2024, 7, 1), document=SimpleUploadedFile("c.pdf", PDF))
        Avenant.objects.create(
            convention=convention, numero=1, objet="Rapports trimestriels", date_signature=D(2025, 1, 5)
        )
        Avenant.objects.create(convention=convention, numero=2, objet="Bilan", date_signature=aujourd_hui())
        reponse = client_facilitateur.get(reverse("conventions:convention", args=[convention.pk]))
        contenu = reponse.content.decode()
        assert "Rapports trimestriels" in contenu and "Télécharger la convention signée (PDF)" in contenu
        assert [a.en_vigueur for a in reponse.context["avenants"]] == [True, False]
        assert "Non, à venir" in contenu

    def test_query_count_does_not_grow_with_rows(self, client_facilitateur, django_assert_max_num_queries):
        convention = ConventionFactory(date_effet=D(2016, 7, 1))
        for numero in range(1, 21):
            Avenant.objects.create(
                convention=convention, numero=numero, objet="A", date_signature=D(2016 + numero % 9, 2, 1)
            )
        with django_assert_max_num_queries(5):  # the history: one query
            assert client_facilitateur.get(reverse("conventions:convention", args=[convention.pk])).status_code == 200


class TestFormulaireConvention:
    def donnees(self, donneur, **kwargs):
        return {
            "donneur_d_ordre": donneur.pk,
            "numero": "2026-12",
            "objet": "Clauses d'insertion dans les marchés",
            "date_signature": "2026-06-20",
            "date_effet": "2026-07-01",
            "duree_mois": 12,
            "preavis_mois": 3,
            **kwargs,
        }

    def test_prefill_from_the_donneur(self, client_facilitateur):
        donneur = DonneurDOrdreFactory()
        reponse = client_facilitateur.get(reverse("conventions:convention_creation"), {"donneur": donneur.pk})
        assert reponse.context["form"].initial["donneur_d_ordre"] == donneur.pk
        assert 'type="date"' in reponse.content.decode()
        # A wrong parameter is ignored rather than failing.
        assert client_facilitateur.get(reverse("conventions:convention_creation"), {"donneur": "x"}).status_code == 200

    def test_create_with_a_pdf(self, client_facilitateur):
        donneur = DonneurDOrdreFactory()
        reponse = client_facilitateur.post(
            reverse("conventions:convention_creation"),
            self.donnees(donneur, document=SimpleUploadedFile("convention.pdf", PDF, "application/pdf")),
        )
        convention = Convention.objects.get()
        assert reponse["Location"] == reverse("conventions:convention", args=[convention.pk])
        assert convention.document.name.endswith(".pdf")
        assert convention.date_effet == D(2026, 7, 1)

    def test_unsigned_is_en_projet(self, client_facilitateur):
        client_facilitateur.post(
            reverse("conventions:convention_creation"), self.donnees(DonneurDOrdreFactory(), date_signature="")
        )
        assert Convention.objects.get().etat() == "en_projet"

    @pytest.mark.parametrize(
        ("changement", "champ", "message"),
        [
            ({"preavis_mois": 12}, "preavis_mois", "plus court que la durée"),
            ({"date_signature": "2099-01-01"}, "date_signature", "ne peut pas être dans le futur"),
            ({"date_effet": ""}, "date_effet", "Ce champ est obligatoire"),
            ({"duree_mois": 0}, "duree_mois", "supérieure ou égale à 1"),
            ({"document": SimpleUploadedFile("c.pdf", b"pas un pdf")}, "document", "fichier PDF"),
            ({"document": SimpleUploadedFile("c.docx", PDF)}, "document", "fichier PDF"),
        ],
    )
    def test_bad_input(self, client_facilitateur, changement, champ, message):
        reponse = client_facilitateur.post(
            reverse("conventions:convention_creation"), self.donnees(DonneurDOrdreFactory(), **changement)
        )
        assert reponse.status_code == 200
        assert message in erreurs(reponse, champ)
        assert not Convention.objects.exists()

    def test_too_large_pdf(self, client_facilitateur):
        gros = SimpleUploadedFile("c.pdf", PDF + b"0" * (10 * 1024 * 1024))
        reponse = client_facilitateur.post(
            reverse("conventions:convention_creation"), self.donnees(DonneurDOrdreFactory(), document=gros)
        )
        assert "10 Mo" in erreurs(reponse, "document")

    def test_edit_moves_the_avenants(self, client_facilitateur):
        convention = ConventionFactory(date_effet=D(2024, 7, 1))
        avenant = Avenant.objects.create(convention=convention, numero=1, objet="A", date_signature=D(2025, 2, 1))
        reponse = client_facilitateur.post(
            reverse("conventions:convention_modification", args=[convention.pk]),
            self.donnees(convention.donneur_d_ordre, date_signature="2024-08-20", date_effet="2024-09-01"),
        )
        assert reponse.status_code == 302
        avenant.refresh_from_db()
        assert avenant.date_effet == D(2025, 9, 1)


class TestDenonciation:
    def url(self, convention):
        return reverse("conventions:convention_denonciation", args=[convention.pk])

    def test_page_explains_the_rule(self, client_facilitateur):
        convention = convention_limite_dans(120)
        reponse = client_facilitateur.get(self.url(convention))
        contenu = reponse.content.decode()
        assert "reconduite une dernière fois" in contenu
        assert reponse.context["form"]["date_denonciation"].value() == aujourd_hui()

    def test_on_time(self, client_facilitateur):
        convention = convention_limite_dans(120)
        reponse = client_facilitateur.post(
            self.url(convention),
            {"date_denonciation": aujourd_hui().isoformat(), "denoncee_par": "donneur_d_ordre", "motif": "Fusion"},
        )
        assert reponse["Location"] == reverse("conventions:convention", args=[convention.pk])
        fin = convention.periode_courante().echeance
        assert messages_de(reponse) == [f"Dénonciation enregistrée. La convention prendra fin le {date_longue(fin)}."]
        convention.refresh_from_db()
        assert convention.date_fin == fin and convention.motif_denonciation == "Fusion"

    def test_late_renews_once_more(self, client_facilitateur):
        convention = convention_limite_dans(-20)
        courante = convention.periode_courante()
        assert courante.date_limite_denonciation < aujourd_hui()
        reponse = client_facilitateur.post(
            self.url(convention),
            {"date_denonciation": aujourd_hui().isoformat(), "denoncee_par": "structure_porteuse"},
        )
        fin = convention.periode_numero(courante.numero + 1).echeance
        (message,) = messages_de(reponse)
        assert f"après la date limite du {date_longue(courante.date_limite_denonciation)}" in message
        assert "reconduite une dernière fois" in message
        assert f"La convention prendra fin le {date_longue(fin)}." in message
        convention.refresh_from_db()
        assert convention.date_fin == fin

    def test_fixed_example(self, client_facilitateur):
        convention = ConventionFactory(date_effet=D(2024, 7, 1))
        reponse = client_facilitateur.post(
            self.url(convention), {"date_denonciation": "2025-03-31", "denoncee_par": "donneur_d_ordre"}
        )
        assert messages_de(reponse) == ["Dénonciation enregistrée. La convention a pris fin le 30 juin 2025."]

    @pytest.mark.parametrize(
        ("donnees", "champ", "message"),
        [
            ({"date_denonciation": "2099-01-01"}, "date_denonciation", "ne peut pas être dans le futur"),
            ({"date_denonciation": "2020-01-01"}, "date_denonciation", "ne peut pas précéder la date d'effet"),
            ({"date_denonciation": ""}, "date_denonciation", "Ce champ est obligatoire"),
            ({"denoncee_par": "le_voisin"}, "denoncee_par", "Sélectionnez un choix valide"),
        ],
    )
    def test_bad_input(self, client_facilitateur, donnees, champ, message):
        convention = ConventionFactory(date_effet=D(2024, 7, 1))
        reponse = client_facilitateur.post(
            self.url(convention), {"date_denonciation": "2025-01-10", "denoncee_par": "donneur_d_ordre", **donnees}
        )
        assert reponse.status_code == 200
        assert message in erreurs(reponse, champ)
        convention.refresh_from_db()
        assert convention.date_denonciation is None

    def test_already_denoncee(self, client_facilitateur):
        convention = ConventionFactory(date_denonciation=D(2025, 1, 10), denoncee_par=DenoncePar.DONNEUR_D_ORDRE)
        reponse = client_facilitateur.get(self.url(convention))
        assert reponse["Location"] == reverse("conventions:convention", args=[convention.pk])
        reponse = client_facilitateur.post(
            self.url(convention), {"date_denonciation": "2025-02-10", "denoncee_par": "structure_porteuse"}
        )
        assert "déjà été dénoncée le 10 janvier 2025" in erreurs(reponse)
        convention.refresh_from_db()
        assert convention.date_denonciation == D(2025, 1, 10)

    def test_unsigned(self, client_facilitateur):
        convention = ConventionFactory(date_signature=None)
        assert client_facilitateur.get(self.url(convention)).status_code == 302
        detail = client_facilitateur.get(reverse("conventions:convention", args=[convention.pk])).content.decode()
        assert "Enregistrer une dénonciation" not in detail and "prévisionnelles" in detail
        reponse = client_facilitateur.post(
            self.url(convention), {"date_denonciation": "2025-01-10", "denoncee_par": "donneur_d_ordre"}
        )
        assert "pas signée" in erreurs(reponse)


class TestAvenant:
    def url(self, convention):
        return reverse("conventions:avenant_creation", args=[convention.pk])

    def test_number_is_prefilled(self, client_facilitateur):
        convention = ConventionFactory()
        Avenant.objects.create(convention=convention, numero=1, objet="A", date_signature=D(2025, 1, 5))
        assert client_facilitateur.get(self.url(convention)).context["form"].initial["numero"] == 2

    def test_create(self, client_facilitateur):
        convention = ConventionFactory(date_effet=D(2024, 7, 1))
        reponse = client_facilitateur.post(
            self.url(convention),
            {
                "numero": 1,
                "objet": "Rapports trimestriels",
                "date_signature": "2025-02-03",
                "document": SimpleUploadedFile("avenant.pdf", PDF, "application/pdf"),
            },
        )
        assert reponse["Location"] == reverse("conventions:convention", args=[convention.pk])
        avenant = Avenant.objects.get()
        assert avenant.date_effet == D(2025, 7, 1)
        assert messages_de(reponse) == [
            "L'avenant n° 1 a été enregistré : il prend effet le 1er juillet 2025 au renouvellement."
        ]

    def test_last_period_warns(self, client_facilitateur):
        convention = ConventionFactory(
            date_effet=D(2024, 7, 1), date_denonciation=D(2025, 1, 10), denoncee_par=DenoncePar.DONNEUR_D_ORDRE
        )
        reponse = client_facilitateur.post(
            self.url(convention), {"numero": 1, "objet": "A", "date_signature": "2025-02-03"}
        )
        assert "il ne prendra pas effet" in messages_de(reponse)[0]

    @pytest.mark.parametrize(
        ("donnees", "champ", "message"),
        [
            ({"numero": 1}, "numero", "existe déjà"),
            ({"numero": 0}, "numero", "supérieure ou égale à 1"),
            ({"date_signature": "2099-01-01"}, "date_signature", "ne peut pas être dans le futur"),
            ({"date_signature": "2026-08-01"}, "date_signature", "La convention est terminée à cette date"),
            ({"objet": ""}, "objet", "Ce champ est obligatoire"),
            ({"document": SimpleUploadedFile("a.pdf", b"texte")}, "document", "fichier PDF"),
        ],
    )
    def test_bad_input(self, client_facilitateur, donnees, champ, message):
        convention = ConventionFactory(
            date_effet=D(2024, 7, 1), date_denonciation=D(2025, 1, 10), denoncee_par=DenoncePar.DONNEUR_D_ORDRE
        )
        Avenant.objects.create(convention=convention, numero=1, objet="A", date_signature=D(2025, 1, 5))
        reponse = client_facilitateur.post(
            self.url(convention), {"numero": 2, "objet": "B", "date_signature": "2025-02-03", **donnees}
        )
        assert reponse.status_code == 200
        assert message in erreurs(reponse, champ)
        assert Avenant.objects.count() == 1


def test_a_second_facilitator_sees_the_same_pages(client):
    client.force_login(FacilitateurFactory())
    assert client.get(reverse("conventions:conventions")).status_code == 200
