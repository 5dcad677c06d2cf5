"""The portfolio import's pages and its job: upload, the worker's check, the preview across sheets and its report,
confirmation, the worker's import; claims, and the reprise of what a lost message or a dead worker left; the
template and the export downloads."""

import csv
import datetime as dt
import io
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from clauses.importation import portefeuille
from clauses.importation.portefeuille import travail
from clauses.models import HeuresMensuelles, ImportPortefeuille, Participant, StatutImportPortefeuille
from clauses.tests.test_portefeuille import classeur, portefeuille_complet
from conventions.factories import FacilitateurFactory
from conventions.models import DonneurDOrdre
from marches.models import Marche
from reporting import travaux as reprise

pytestmark = pytest.mark.django_db

URL = reverse("clauses:import_portefeuille")
S = StatutImportPortefeuille


@pytest.fixture
def camille():
    return FacilitateurFactory(email="camille@accm.example")


@pytest.fixture
def client_camille(client, camille):
    client.force_login(camille)
    return client


def deposer(client, contenu: bytes, nom="portefeuille.xlsx", rappels=None) -> ImportPortefeuille:
    reponse = client.post(URL, {"fichier": SimpleUploadedFile(nom, contenu)})
    assert reponse.status_code == 302, reponse.content.decode()[:2000]
    import_ = ImportPortefeuille.objects.latest("pk")
    assert reponse["Location"] == reverse("clauses:import_portefeuille_suivi", args=[import_.pk])
    return import_


def page(client, import_: ImportPortefeuille) -> str:
    return client.get(reverse("clauses:import_portefeuille_suivi", args=[import_.pk])).content.decode()


def test_the_page_explains_every_sheet_and_the_imports_page_leads_to_it(client_camille):
    contenu = client_camille.get(URL).content.decode()
    for type_ in portefeuille.TYPES:
        assert f"<summary>{type_.titre}</summary>".replace("'", "&#x27;") in contenu
    assert "Clé : Le marché (donneur d&#x27;ordre et référence) et le numéro du lot." in contenu
    index = client_camille.get(reverse("clauses:imports")).content.decode()
    assert f'href="{URL}"' in index and "Exporter le portefeuille" in index


def test_the_upload_is_recorded_and_queued_then_the_worker_checks_it(
    client_camille, camille, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as rappels:
        import_ = deposer(client_camille, classeur(portefeuille_complet()))
    assert len(rappels) == 1  # the check, queued once the row is committed
    assert (import_.demande_par, import_.statut, import_.nom_fichier) == (
        camille,
        S.ANALYSE_EN_ATTENTE,
        "portefeuille.xlsx",
    )
    assert default_storage.exists(import_.chemin)
    contenu = page(client_camille, import_)
    assert "Vérification du portefeuille en cours" in contenu
    assert (
        f'hx-get="{reverse("clauses:import_portefeuille_suivi", args=[import_.pk])}?connu=analyse_en_attente"'
        in contenu
    )
    # The poll answers 204 while nothing changed.
    suivi = reverse("clauses:import_portefeuille_suivi", args=[import_.pk])
    assert client_camille.get(suivi, {"connu": "analyse_en_attente"}, HTTP_HX_REQUEST="true").status_code == 204

    travail.traiter(import_.pk)
    import_.refresh_from_db()
    assert import_.statut == S.APERCU and import_.apercu["valide"] and import_.apercu["a_ecrire"]
    partiel = client_camille.get(suivi, {"connu": "analyse_en_attente"}, HTTP_HX_REQUEST="true")
    assert partiel.status_code == 200 and "Confirmer l&#x27;import" not in partiel.content.decode()
    contenu = page(client_camille, import_)
    assert "24 lignes lues dans 13 types de feuille : 24 lignes ajoutées, 0 mise à jour, 0 inchangée." in contenu
    assert "<summary>Marchés : 2 ajouts, 0 mise à jour, 0 inchangée</summary>" in contenu
    assert "Confirmer l'import" in contenu and "hx-get" not in contenu
    assert not Marche.objects.exists()


def test_confirmation_queues_the_import_which_the_worker_writes(client_camille, django_capture_on_commit_callbacks):
    import_ = deposer(client_camille, classeur(portefeuille_complet()))
    travail.traiter(import_.pk)
    suivi = reverse("clauses:import_portefeuille_suivi", args=[import_.pk])
    with django_capture_on_commit_callbacks() as rappels:
        reponse = client_camille.post(suivi, {"confirmer": ""})
    assert reponse.status_code == 302 and len(rappels) == 1
    import_.refresh_from_db()
    assert import_.statut == S.IMPORT_EN_ATTENTE
    assert "Import en cours" in page(client_camille, import_)
    travail.traiter(import_.pk)
    import_.refresh_from_db()
    assert (import_.statut, import_.resultat, import_.chemin) == (
        S.TERMINE,
        "24 lignes ajoutées, 0 mise à jour, 0 inchangée",
        "",
    )
    assert Marche.objects.count() == 2 and HeuresMensuelles.objects.count() == 3
    assert "Import terminé : 24 lignes ajoutées, 0 mise à jour, 0 inchangée." in page(client_camille, import_)
    # Confirming twice, or a redelivered message, writes nothing twice.
    assert client_camille.post(suivi, {"confirmer": ""}).status_code == 302
    travail.traiter(import_.pk)
    assert Marche.objects.count() == 2
    # The same file again: nothing to confirm.
    second = deposer(client_camille, classeur(portefeuille_complet()))
    travail.traiter(second.pk)
    second.refresh_from_db()
    assert second.chemin == "" and not default_storage.exists(import_.chemin or "x")
    assert "Rien à importer : toutes les lignes sont déjà enregistrées à l'identique." in page(client_camille, second)


def test_errors_are_listed_by_sheet_line_and_column_downloadable_and_nothing_can_be_confirmed(client_camille):
    feuilles = portefeuille_complet()
    feuilles["Entreprises"][2][0] = "123"
    import_ = deposer(client_camille, classeur(feuilles))
    chemin = import_.chemin
    travail.traiter(import_.pk)
    import_.refresh_from_db()
    assert import_.chemin == "" and not default_storage.exists(chemin)  # an upload with errors is not kept
    contenu = page(client_camille, import_)
    assert (
        "Feuille Entreprises, ligne 3, colonne « SIRET » : SIRET « 123 » invalide : il doit compter 14 chiffres."
        in contenu
    )
    assert "Rien ne sera enregistré tant que ces erreurs restent" in contenu and 'name="confirmer"' not in contenu
    assert client_camille.post(reverse("clauses:import_portefeuille_suivi", args=[import_.pk]), {"confirmer": ""})
    assert ImportPortefeuille.objects.get(pk=import_.pk).statut == S.APERCU
    # The whole report, as a file: each error's sheet, line and column in their own columns.
    telecharge = client_camille.get(
        reverse("clauses:import_portefeuille_rapport", args=[import_.pk]), {"format": "csv"}
    )
    lignes = list(csv.reader(io.StringIO(telecharge.content.decode("utf-8-sig")), delimiter=";"))
    assert lignes[0] == ["Feuille", "Ligne", "Colonne", "Résultat", "Concerne", "Avant", "Après", "Message"]
    assert lignes[1][:4] == ["Entreprises", "3", "SIRET", "Erreur"]
    assert any(ligne[0] == "Placements" and ligne[2] == "SIRET de l'entreprise" for ligne in lignes)
    xlsx = client_camille.get(reverse("clauses:import_portefeuille_rapport", args=[import_.pk]), {"format": "xlsx"})
    assert next(load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active.values)[0] == "Feuille"
    assert not DonneurDOrdre.objects.exists()


def test_an_import_that_became_invalid_since_its_check_writes_nothing_and_says_why(client_camille):
    import_ = deposer(client_camille, classeur(portefeuille_complet()))
    travail.traiter(import_.pk)
    assert travail.confirmer(ImportPortefeuille.objects.get(pk=import_.pk))
    # The facilitator in charge of the marchés lost the role meanwhile (her session stays, for the test's page).
    get_user_model().objects.filter(email="camille@accm.example").update(is_facilitateur=False)
    travail.traiter(import_.pk)
    import_.refresh_from_db()
    assert import_.statut == S.ECHEC and "ont changé depuis la vérification" in import_.message_erreur
    attendue = "aucun compte facilitateur de Clauses n'a l'adresse camille@accm.example."
    assert import_.apercu["erreurs"] and all(attendue in erreur for erreur in import_.apercu["erreurs"])
    assert not Marche.objects.exists()


def test_cancel_forgets_the_upload(client_camille):
    import_ = deposer(client_camille, classeur(portefeuille_complet()))
    travail.traiter(import_.pk)
    chemin = ImportPortefeuille.objects.get(pk=import_.pk).chemin
    reponse = client_camille.post(reverse("clauses:import_portefeuille_suivi", args=[import_.pk]), {"annuler": ""})
    assert reponse.status_code == 302
    assert ImportPortefeuille.objects.get(pk=import_.pk).statut == S.ANNULE and not default_storage.exists(chemin)
    assert not travail.confirmer(ImportPortefeuille.objects.get(pk=import_.pk))


def test_another_facilitators_import_is_not_found(client_camille, client):
    import_ = deposer(client_camille, classeur(portefeuille_complet()))
    client.force_login(FacilitateurFactory())
    assert client.get(reverse("clauses:import_portefeuille_suivi", args=[import_.pk])).status_code == 404
    assert (
        client.post(reverse("clauses:import_portefeuille_suivi", args=[import_.pk]), {"annuler": ""}).status_code
        == 404
    )


def test_a_file_that_is_neither_a_workbook_nor_a_zip_is_refused_by_the_form(client_camille):
    reponse = client_camille.post(URL, {"fichier": SimpleUploadedFile("releve.csv", b"SIRET;Mois\n")})
    assert "Le portefeuille doit être un classeur XLSX" in reponse.content.decode()
    assert not ImportPortefeuille.objects.exists()


class TestReprise:
    def test_a_row_never_queued_lost_or_left_by_a_dead_worker_is_queued_again(self, camille):
        maintenant = timezone.now()
        il_y_a = maintenant - dt.timedelta(minutes=10)

        def ligne(**champs) -> ImportPortefeuille:
            import_ = ImportPortefeuille.objects.create(demande_par=camille, nom_fichier="p.xlsx", **champs)
            ImportPortefeuille.objects.filter(pk=import_.pk).update(cree_le=il_y_a - dt.timedelta(hours=1))
            return import_

        jamais = ligne()
        perdu = ligne(statut=S.IMPORT_EN_ATTENTE, mis_en_file_le=il_y_a)
        mort = ligne(statut=S.ANALYSE_EN_COURS, pris_le=il_y_a)
        vivant = ligne(statut=S.IMPORT_EN_COURS, pris_le=maintenant - dt.timedelta(seconds=10))
        ligne(statut=S.APERCU)
        assert sorted(travail.a_reprendre(maintenant, 10)) == sorted([jamais.pk, perdu.pk, mort.pk])
        lances = reprise.reprendre_travaux(maintenant)
        assert {int(x.cle) for x in lances if x.code == "import_portefeuille"} == {jamais.pk, perdu.pk, mort.pk}
        # A dead worker's check is taken again by the next one; a live one's is not.
        assert travail.reclamer(mort.pk)[1] == S.ANALYSE_EN_COURS
        assert travail.reclamer(vivant.pk) is None


@pytest.mark.parametrize("format_fichier", ["xlsx", "zip"])
def test_the_template_and_the_export_download_and_read_back(client_camille, format_fichier):
    modele = client_camille.get(reverse("clauses:portefeuille_modele"), {"format": format_fichier})
    assert modele["Content-Disposition"] == f'attachment; filename="modele-portefeuille.{format_fichier}"'
    if format_fichier == "xlsx":
        assert load_workbook(io.BytesIO(modele.content), read_only=True).sheetnames[0] == "Lisez-moi"
    else:
        assert zipfile.ZipFile(io.BytesIO(modele.content)).namelist()[0] == "Lisez-moi.csv"
    contenu = classeur(portefeuille_complet())
    assert portefeuille.importer(io.BytesIO(contenu), "p.xlsx", len(contenu)).valide
    export = client_camille.get(reverse("clauses:portefeuille_export"), {"format": format_fichier})
    assert export.status_code == 200
    contenu = b"".join(export.streaming_content)
    rapport = portefeuille.analyser(io.BytesIO(contenu), f"p.{format_fichier}", len(contenu))
    assert rapport.valide and not rapport.a_ecrire
    assert rapport.lignes == 24


def test_a_national_export_is_left_to_the_command(client_camille, monkeypatch):
    from clauses.views import portefeuille as vues

    contenu = classeur(portefeuille_complet())
    assert portefeuille.importer(io.BytesIO(contenu), "p.xlsx", len(contenu)).valide
    monkeypatch.setattr(vues, "EXPORT_DIRECT_MAX", 2)
    reponse = client_camille.get(reverse("clauses:portefeuille_export"), {"format": "zip"})
    assert reponse.status_code == 413
    assert "manage.py exporter_portefeuille" in reponse.content.decode()
    assert Participant.objects.count() == 2
