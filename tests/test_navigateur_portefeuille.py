"""The portfolio import in a real browser: the upload, the worker's check followed by the page (htmx polling, no
reload), the errors across sheets named by sheet, line and column, then a good workbook's preview, its confirmation
and the import's end; on a laptop and on a phone, without sideways scrolling, with no accessibility violation.

No worker runs here: the test plays its part (``travail.traiter``) while the page is open, as the documents'
browser test does.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from clauses.importation.portefeuille import travail
from clauses.models import HeuresMensuelles, ImportPortefeuille, StatutImportPortefeuille
from clauses.tests.test_portefeuille import classeur, portefeuille_complet
from conventions.factories import MOT_DE_PASSE, FacilitateurFactory
from marches.models import Marche
from tests.navigateur import se_connecter, violations_accessibilite
from tests.test_navigateur_heures import capture

pytestmark = pytest.mark.django_db(transaction=True)

TYPE_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def fichier(feuilles: dict, nom: str = "portefeuille.xlsx") -> dict:
    return {"name": nom, "mimeType": TYPE_XLSX, "buffer": classeur(feuilles)}


def largeur_document(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def deposer(page, live_server, feuilles: dict) -> ImportPortefeuille:
    page.goto(f"{live_server.url}{reverse('clauses:import_portefeuille')}")
    page.get_by_label("Portefeuille à importer").set_input_files(fichier(feuilles))
    page.get_by_role("button", name="Vérifier le fichier").click()
    expect(page.get_by_text("Vérification du portefeuille en cours")).to_be_visible()
    return ImportPortefeuille.objects.latest("pk")


def test_upload_preview_errors_then_confirmation(page, live_server):
    facilitatrice = FacilitateurFactory(email="camille@accm.example")
    se_connecter(page, live_server.url, facilitatrice.email, MOT_DE_PASSE)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.evaluate("window.__meme_page = true")

    # A workbook with errors in three sheets.
    feuilles = portefeuille_complet()
    feuilles["Entreprises"][2][0] = "123"
    feuilles["Placements"][1][8] = "31/02/2025"
    feuilles["Sorties"][1][5] = "Embauché"
    import_ = deposer(page, live_server, feuilles)
    assert violations_accessibilite(page) == []
    page.evaluate("window.__meme_page = true")
    travail.traiter(import_.pk)  # the worker's part
    liste = page.locator(".liste-erreurs-import")
    expect(liste).to_be_visible(timeout=10_000)
    assert page.evaluate("window.__meme_page === true"), "la page a été rechargée au lieu d'être mise à jour"
    for attendue in (
        "Feuille Entreprises, ligne 3, colonne « SIRET » : SIRET « 123 » invalide : il doit compter 14 chiffres.",
        "Feuille Placements, ligne 2, colonne « Début » : « 31/02/2025 » n'est pas une date : JJ/MM/AAAA attendu.",
        "Feuille Sorties, ligne 2, colonne « Situation » : « Embauché » n'est pas une valeur connue",
    ):
        expect(liste.get_by_text(attendue)).to_be_visible()
    expect(page.get_by_role("button", name="Confirmer l'import")).to_have_count(0)
    with page.expect_download() as telechargement:
        page.get_by_role("link", name="télécharger en XLSX").click()
    assert telechargement.value.suggested_filename.startswith("rapport-import-portefeuille")
    assert largeur_document(page) <= 1366
    assert violations_accessibilite(page) == []
    capture(page, "portefeuille-erreurs-ordinateur")
    page.set_viewport_size({"width": 390, "height": 844})
    assert largeur_document(page) <= 390
    capture(page, "portefeuille-erreurs-telephone")
    page.set_viewport_size({"width": 1366, "height": 768})

    # The same workbook corrected: the preview, sheet by sheet, then the confirmation.
    import_ = deposer(page, live_server, portefeuille_complet())
    travail.traiter(import_.pk)
    tableau = page.get_by_role("table", name="Feuille par feuille")
    expect(tableau).to_be_visible(timeout=10_000)
    expect(tableau.get_by_role("row")).to_have_count(14)
    ligne_marches = tableau.get_by_role("row", name="Marchés")
    expect(ligne_marches.get_by_role("cell")).to_have_text(["2", "2", "0", "0", "0"])
    expect(page.get_by_text("24 lignes lues dans 13 types de feuille")).to_be_visible()
    page.get_by_text("Heures mensuelles : 3 ajouts, 0 mise à jour, 0 inchangée").click()
    expect(page.get_by_role("table", name="Heures mensuelles : ce que l'import change")).to_be_visible()
    assert violations_accessibilite(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    assert largeur_document(page) <= 390
    capture(page, "portefeuille-apercu-telephone")
    page.set_viewport_size({"width": 1366, "height": 768})
    assert not Marche.objects.exists()
    page.get_by_role("button", name="Confirmer l'import").click()
    expect(page.get_by_text("Import en cours")).to_be_visible()
    assert ImportPortefeuille.objects.get(pk=import_.pk).statut == StatutImportPortefeuille.IMPORT_EN_ATTENTE
    page.evaluate("window.__meme_page = true")
    travail.traiter(import_.pk)
    expect(page.get_by_text("Import terminé : 24 lignes ajoutées, 0 mise à jour, 0 inchangée.")).to_be_visible(
        timeout=10_000
    )
    assert page.evaluate("window.__meme_page === true")
    assert Marche.objects.count() == 2 and HeuresMensuelles.objects.count() == 3
    assert violations_accessibilite(page) == []
    capture(page, "portefeuille-termine-ordinateur")

    # The page lists the author's imports.
    page.goto(f"{live_server.url}{reverse('clauses:import_portefeuille')}")
    expect(page.get_by_role("table").get_by_text("Terminé : 24 lignes ajoutées")).to_be_visible()
    assert violations_accessibilite(page) == []
