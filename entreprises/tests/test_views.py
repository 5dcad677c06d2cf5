import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from entreprises.factories import EntrepriseFactory, OperateurFactory, siret_n
from entreprises.models import Entreprise, Operateur, TypeOperateur
from marches.factories import AttributionFactory

pytestmark = pytest.mark.django_db


class TestAcces:
    @pytest.mark.parametrize(
        "nom", ["entreprises:entreprises", "entreprises:operateurs", "entreprises:entreprise_creation"]
    )
    def test_anonymous_is_sent_to_login(self, client, nom):
        reponse = client.get(reverse(nom))
        assert reponse.status_code == 302
        assert reponse["Location"].startswith(reverse("connexion"))

    @pytest.mark.parametrize(
        "nom", ["entreprises:entreprises", "entreprises:operateurs", "entreprises:entreprise_creation"]
    )
    def test_a_referent_is_refused(self, client_referent, nom):
        assert client_referent.get(reverse(nom)).status_code == 403

    def test_a_referent_cannot_post(self, client_referent):
        reponse = client_referent.post(
            reverse("entreprises:entreprise_creation"), {"raison_sociale": "X", "siret": siret_n(1)}
        )
        assert reponse.status_code == 403
        assert not Entreprise.objects.exists()


class TestListeEntreprises:
    def test_search_filter_sort(self, client_facilitateur):
        a = EntrepriseFactory(raison_sociale="Peintures du Rhône", commune="Arles")
        b = EntrepriseFactory(raison_sociale="Bâtiment Crau", commune="Istres")
        AttributionFactory(entreprise=b)
        url = reverse("entreprises:entreprises")
        assert list(client_facilitateur.get(url, {"q": "rhône"}).context["object_list"]) == [a]
        assert list(client_facilitateur.get(url, {"q": b.siret}).context["object_list"]) == [b]
        assert list(client_facilitateur.get(url, {"commune": "istr"}).context["object_list"]) == [b]
        assert list(client_facilitateur.get(url, {"tri": "-attributions"}).context["object_list"]) == [b, a]
        assert list(client_facilitateur.get(url, {"tri": "raison_sociale"}).context["object_list"]) == [b, a]
        # An unknown sort key falls back to the default order rather than failing.
        assert client_facilitateur.get(url, {"tri": "mot_de_passe"}).status_code == 200

    def test_pagination(self, client_facilitateur):
        EntrepriseFactory.create_batch(55)
        reponse = client_facilitateur.get(reverse("entreprises:entreprises"), {"page": 2})
        assert len(reponse.context["object_list"]) == 5
        assert "Page 2 sur 2" in reponse.content.decode()

    def test_query_count_does_not_grow_with_rows(self, client_facilitateur, django_assert_max_num_queries):
        for _ in range(30):
            AttributionFactory()
        with django_assert_max_num_queries(6):
            assert client_facilitateur.get(reverse("entreprises:entreprises")).status_code == 200

    def test_export_keeps_the_filters(self, client_facilitateur):
        EntrepriseFactory(raison_sociale="Peintures du Rhône")
        EntrepriseFactory(raison_sociale='=HYPERLINK("x")')
        reponse = client_facilitateur.get(reverse("entreprises:entreprises"), {"q": "rhône", "format": "xlsx"})
        assert reponse.status_code == 200
        assert reponse["Content-Type"].startswith("application/vnd.openxmlformats")
        feuille = load_workbook(io.BytesIO(b"".join(reponse.streaming_content))).active
        lignes = list(feuille.values)
        assert lignes[0][:2] == ("Raison sociale", "SIRET")
        assert [ligne[0] for ligne in lignes[1:]] == ["Peintures du Rhône"]

    def test_export_neutralises_formulas(self, client_facilitateur):
        EntrepriseFactory(raison_sociale='=HYPERLINK("http://x")')
        reponse = client_facilitateur.get(reverse("entreprises:entreprises"), {"format": "xlsx"})
        feuille = load_workbook(io.BytesIO(b"".join(reponse.streaming_content))).active
        assert list(feuille.values)[1][0] == '\'=HYPERLINK("http://x")'


class TestFicheEntreprise:
    def test_detail_shows_attributions_and_hours(self, client_facilitateur):
        attribution = AttributionFactory(heures_objectif=400)
        reponse = client_facilitateur.get(reverse("entreprises:entreprise", args=[attribution.entreprise.pk]))
        contenu = reponse.content.decode()
        assert attribution.lot.marche.objet in contenu
        assert "400 h" in contenu

    def test_unknown_id_is_404(self, client_facilitateur):
        assert client_facilitateur.get(reverse("entreprises:entreprise", args=[999999])).status_code == 404

    def test_create_with_spaces_in_siret(self, client_facilitateur):
        siret = siret_n(7)
        reponse = client_facilitateur.post(
            reverse("entreprises:entreprise_creation"),
            {"raison_sociale": "Peintures du Rhône", "siret": f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"},
        )
        entreprise = Entreprise.objects.get()
        assert entreprise.siret == siret
        assert reponse.status_code == 302 and reponse["Location"] == reverse(
            "entreprises:entreprise", args=[entreprise.pk]
        )

    @pytest.mark.parametrize(
        ("siret", "message"),
        [("12345", "14 chiffres"), ("73282932000075", "clé de contrôle"), ("", "Ce champ est obligatoire")],
    )
    def test_bad_siret_is_explained_beside_the_field(self, client_facilitateur, siret, message):
        reponse = client_facilitateur.post(
            reverse("entreprises:entreprise_creation"), {"raison_sociale": "X", "siret": siret}
        )
        assert reponse.status_code == 200
        assert message in " ".join(reponse.context["form"].errors["siret"])
        assert not Entreprise.objects.exists()

    def test_duplicate_siret(self, client_facilitateur):
        existante = EntrepriseFactory()
        reponse = client_facilitateur.post(
            reverse("entreprises:entreprise_creation"), {"raison_sociale": "Doublon", "siret": existante.siret}
        )
        assert "existe déjà" in " ".join(reponse.context["form"].errors["siret"])

    def test_edit(self, client_facilitateur):
        entreprise = EntrepriseFactory()
        reponse = client_facilitateur.post(
            reverse("entreprises:entreprise_modification", args=[entreprise.pk]),
            {"raison_sociale": "Nouveau nom", "siret": entreprise.siret, "naf": "4334Z"},
        )
        assert "43.34Z" in " ".join(reponse.context["form"].errors["naf"])
        client_facilitateur.post(
            reverse("entreprises:entreprise_modification", args=[entreprise.pk]),
            {"raison_sociale": "Nouveau nom", "siret": entreprise.siret, "naf": "43.34Z"},
        )
        entreprise.refresh_from_db()
        assert entreprise.raison_sociale == "Nouveau nom"


class TestOperateurs:
    def test_filter_by_type_and_commune(self, client_facilitateur):
        etti = OperateurFactory(type=TypeOperateur.ETTI, commune="Arles")
        OperateurFactory(type=TypeOperateur.GEIQ, commune="Arles")
        OperateurFactory(type=TypeOperateur.ETTI, commune="Tarascon")
        reponse = client_facilitateur.get(reverse("entreprises:operateurs"), {"type": "etti", "commune": "arl"})
        assert list(reponse.context["object_list"]) == [etti]

    def test_create_without_siret(self, client_facilitateur):
        reponse = client_facilitateur.post(
            reverse("entreprises:operateur_creation"),
            {"nom": "Mission locale du Delta", "type": "mission_locale", "actif": "on"},
        )
        assert reponse.status_code == 302
        assert Operateur.objects.get().siret is None

    def test_bad_type(self, client_facilitateur):
        reponse = client_facilitateur.post(reverse("entreprises:operateur_creation"), {"nom": "X", "type": "banque"})
        assert "type" in reponse.context["form"].errors
        assert not Operateur.objects.exists()
