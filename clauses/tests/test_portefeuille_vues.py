"""The portfolio import's pages: upload, preview across sheets, the report's download, confirmation; the template
and the export downloads."""

import csv
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from clauses.importation import portefeuille
from clauses.models import HeuresMensuelles, Participant
from clauses.tests.test_portefeuille import SIRET_MACON, classeur, portefeuille_complet
from conventions.factories import FacilitateurFactory
from conventions.models import DonneurDOrdre
from marches.models import Marche

pytestmark = pytest.mark.django_db

URL = reverse("clauses:import_portefeuille")


@pytest.fixture
def client_camille(client):
    client.force_login(FacilitateurFactory(email="camille@accm.example"))
    return client


def envoyer(client, contenu: bytes, nom="portefeuille.xlsx"):
    return client.post(URL, {"fichier": SimpleUploadedFile(nom, contenu)})


def test_the_page_explains_every_sheet_and_the_imports_page_leads_to_it(client_camille):
    contenu = client_camille.get(URL).content.decode()
    for type_ in portefeuille.TYPES:
        assert f"<summary>{type_.titre}</summary>".replace("'", "&#x27;") in contenu
    assert "Clé : Le marché (donneur d&#x27;ordre et référence) et le numéro du lot." in contenu
    index = client_camille.get(reverse("clauses:imports")).content.decode()
    assert f'href="{URL}"' in index and "Exporter le portefeuille" in index


def test_a_portfolio_with_errors_lists_them_by_sheet_line_and_column_and_keeps_nothing_to_confirm(client_camille):
    feuilles = portefeuille_complet()
    feuilles["Entreprises"][2][0] = "123"
    reponse = envoyer(client_camille, classeur(feuilles))
    assert reponse.status_code == 200
    contenu = reponse.content.decode()
    assert (
        "Feuille Entreprises, ligne 3, colonne « SIRET » : SIRET « 123 » invalide : il doit compter 14 chiffres."
        in contenu
    )
    assert "Rien ne sera enregistré tant que ces erreurs restent" in contenu
    assert not reponse.context["jeton"] and reponse.context["jeton_rapport"]
    assert 'name="confirmer"' not in contenu
    # The whole report, as a file: each error's sheet, line and column in their own columns.
    telecharge = client_camille.get(URL, {"rapport": reponse.context["jeton_rapport"], "format": "csv"})
    lignes = list(csv.reader(io.StringIO(telecharge.content.decode("utf-8-sig")), delimiter=";"))
    assert lignes[0] == ["Feuille", "Ligne", "Colonne", "Résultat", "Concerne", "Avant", "Après", "Message"]
    assert lignes[1][:4] == ["Entreprises", "3", "SIRET", "Erreur"]
    assert any(ligne[0] == "Placements" and ligne[2] == "SIRET de l'entreprise" for ligne in lignes)
    assert not DonneurDOrdre.objects.exists()


def test_preview_then_confirmation_writes_every_sheet(client_camille):
    reponse = envoyer(client_camille, classeur(portefeuille_complet()))
    contenu = reponse.content.decode()
    assert "24 lignes lues dans 13 types de feuille : 24 lignes ajoutées, 0 mise à jour, 0 inchangée." in contenu
    assert "<summary>Marchés : 2 ajouts, 0 mise à jour, 0 inchangée</summary>" in contenu
    assert not Marche.objects.exists()
    reponse = client_camille.post(URL, {"jeton": reponse.context["jeton"], "confirmer": ""})
    assert reponse.status_code == 302 and reponse["Location"] == reverse("clauses:imports")
    assert Marche.objects.count() == 2 and HeuresMensuelles.objects.count() == 3
    suite = client_camille.get(reverse("clauses:imports")).content.decode()
    assert "Import de « portefeuille.xlsx » terminé : 24 lignes ajoutées, 0 mise à jour, 0 inchangée." in suite
    # The same file again: nothing to confirm.
    reponse = envoyer(client_camille, classeur(portefeuille_complet()))
    assert "Rien à importer : toutes les lignes sont déjà enregistrées à l'identique." in reponse.content.decode()
    assert not reponse.context["jeton"]


def test_another_facilitator_cannot_confirm_my_upload(client_camille, client):
    jeton = envoyer(client_camille, classeur(portefeuille_complet())).context["jeton"]
    client.force_login(FacilitateurFactory())
    reponse = client.post(URL, {"jeton": jeton, "confirmer": ""})
    assert reponse.status_code == 400 and not Marche.objects.exists()


def test_a_file_that_is_neither_a_workbook_nor_a_zip_is_refused_by_the_form(client_camille):
    reponse = envoyer(client_camille, b"SIRET;Mois\n", nom="releve.csv")
    assert "Le portefeuille doit être un classeur XLSX" in reponse.content.decode()


@pytest.mark.parametrize("format_fichier", ["xlsx", "zip"])
def test_the_template_and_the_export_download_and_read_back(client_camille, format_fichier):
    modele = client_camille.get(reverse("clauses:portefeuille_modele"), {"format": format_fichier})
    assert modele["Content-Disposition"] == f'attachment; filename="modele-portefeuille.{format_fichier}"'
    if format_fichier == "xlsx":
        assert load_workbook(io.BytesIO(modele.content), read_only=True).sheetnames[0] == "Lisez-moi"
    else:
        assert zipfile.ZipFile(io.BytesIO(modele.content)).namelist()[0] == "Lisez-moi.csv"
    envoyer(client_camille, classeur(portefeuille_complet()))
    jeton = envoyer(client_camille, classeur(portefeuille_complet())).context["jeton"]
    client_camille.post(URL, {"jeton": jeton, "confirmer": ""})
    export = client_camille.get(reverse("clauses:portefeuille_export"), {"format": format_fichier})
    assert export.status_code == 200
    contenu = b"".join(export.streaming_content)
    rapport = portefeuille.analyser(io.BytesIO(contenu), f"p.{format_fichier}", len(contenu))
    assert rapport.valide and not rapport.a_ecrire
    assert rapport.lignes == 24


def test_a_national_export_is_left_to_the_command(client_camille, monkeypatch):
    from clauses.views import portefeuille as vues

    jeton = envoyer(client_camille, classeur(portefeuille_complet())).context["jeton"]
    client_camille.post(URL, {"jeton": jeton, "confirmer": ""})
    monkeypatch.setattr(vues, "EXPORT_DIRECT_MAX", 2)
    reponse = client_camille.get(reverse("clauses:portefeuille_export"), {"format": "zip"})
    assert reponse.status_code == 413
    assert "manage.py exporter_portefeuille" in reponse.content.decode()
    assert Participant.objects.count() == 2 and SIRET_MACON
