"""Documents asked for on demand, in a real browser: the page shows « En attente », follows the row by htmx
polling, and shows the download link (or the failure and « Relancer ») without being reloaded.

No worker runs here: the test plays its part, writing a real PDF on the row with ``Rapport.enregistrer_fichier``
(or recording a failure) while the page is open. Screenshots go to the folder given by CAPTURES, if any.
"""

import datetime as dt
import io
import os
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from conventions.factories import MOT_DE_PASSE, ConventionFactory, DonneurDOrdreFactory, ReferentFactory
from marches.factories import MarcheFactory
from reporting.documents import produire
from reporting.models import Rapport, StatutRapport, TypeRapport
from tests.navigateur import se_connecter, violations_accessibilite

pytestmark = pytest.mark.django_db(transaction=True)

CAPTURES = os.environ.get("CAPTURES")
# Marks the page: still there after the document is ready, it proves the page was not reloaded.
MARQUER = "window.__meme_page = true"
MEME_PAGE = "window.__meme_page === true"


def capture(page, nom: str) -> None:
    if CAPTURES:
        Path(CAPTURES).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{CAPTURES}/rapports-{nom}.png", full_page=True)


def pdf(texte: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=f"<h1>{texte}</h1>").write_pdf()


class Sondages:
    """The answers to the page's polls of a row's state: 204 while unchanged, 200 when it changed."""

    def __init__(self, page, chemin: str):
        self.page = page
        self.chemin = chemin
        self.statuts: list[int] = []
        page.on("response", lambda r: self.est_un_sondage(r) and self.statuts.append(r.status))

    def est_un_sondage(self, reponse) -> bool:
        return self.chemin in reponse.url and "connu=" in reponse.url

    def attendre_un_sondage_sans_changement(self) -> None:
        with self.page.expect_response(lambda r: self.est_un_sondage(r) and r.status == 204, timeout=10_000):
            pass


def test_the_facilitator_follows_a_rapport_de_marche_until_its_download(page, live_server, facilitateur):
    donneur = DonneurDOrdreFactory(nom="Ville d'Arles")
    marche = MarcheFactory(
        donneur_d_ordre=donneur, objet="Groupe scolaire Mistral", date_debut_prevue=dt.date(2025, 9, 1)
    )
    se_connecter(page, live_server.url, facilitateur.email, MOT_DE_PASSE)
    page.goto(f"{live_server.url}{reverse('marches:marche', args=[marche.pk])}")
    expect(page.get_by_role("heading", name="Rapport de marché (PDF)")).to_be_visible()
    assert violations_accessibilite(page) == []
    page.evaluate(MARQUER)

    page.get_by_role("button", name="Rapport de marché (PDF), copie nominative").click()
    etat = page.locator("#rapport-marche-etat")
    expect(etat).to_contain_text("En attente")
    expect(etat).to_contain_text("Groupe scolaire Mistral")
    rapport = Rapport.objects.get()
    assert rapport.type == TypeRapport.RAPPORT_MARCHE and rapport.statut == StatutRapport.EN_ATTENTE
    assert rapport.nominatif and rapport.donneur_d_ordre is None and rapport.demande_par == facilitateur
    sondages = Sondages(page, reverse("reporting:rapport_etat", args=[rapport.pk]))
    expect(etat.locator("[hx-trigger='every 2s']")).to_have_count(1)
    assert violations_accessibilite(page) == []
    capture(page, "1-marche-en-attente")
    sondages.attendre_un_sondage_sans_changement()
    expect(etat).to_contain_text("En attente")

    # The worker's part: the PDF is written on the row.
    rapport.enregistrer_fichier("rapport-marche.pdf", pdf("Rapport de marché — Groupe scolaire Mistral"))

    lien = etat.get_by_role("link", name=re.compile("Télécharger le PDF"))
    expect(lien).to_be_visible(timeout=10_000)
    expect(etat).to_contain_text("Prêt")
    assert page.evaluate(MEME_PAGE), "la page a été rechargée"
    assert 204 in sondages.statuts and sondages.statuts[-1] == 200
    expect(etat.locator("[hx-trigger]")).to_have_count(0)  # polling stopped
    assert violations_accessibilite(page) == []
    capture(page, "2-marche-pret")

    with page.expect_download() as telechargement:
        lien.click()
    fichier = telechargement.value
    assert fichier.suggested_filename.endswith("-nominatif.pdf")
    assert Path(fichier.path()).read_bytes().startswith(b"%PDF")

    # The archive lists it, with its checksum.
    page.get_by_role("link", name="Rapports", exact=True).click()
    expect(page.get_by_role("heading", name="Rapports", level=1)).to_be_visible()
    rapport.refresh_from_db()
    expect(page.locator("code").first).to_have_text(f"{rapport.empreinte[:12]}…")
    assert violations_accessibilite(page) == []
    capture(page, "3-archive")


def test_a_referent_sees_a_failure_and_asks_again(page, live_server):
    donneur = DonneurDOrdreFactory(nom="Ville d'Arles")
    ConventionFactory(donneur_d_ordre=donneur, numero="C-ARLES", date_effet=dt.date(2024, 7, 1))
    referent = ReferentFactory(donneur_d_ordre=donneur).user
    se_connecter(page, live_server.url, referent.email, MOT_DE_PASSE)
    page.goto(f"{live_server.url}{reverse('portail:rapports')}")
    expect(page.get_by_role("heading", name="Demander un document")).to_be_visible()
    assert violations_accessibilite(page) == []
    page.evaluate(MARQUER)

    page.get_by_role("button", name="Demander le rapport périodique").click()
    etat = page.locator("#demande-etat")
    expect(etat).to_contain_text("En attente")
    rapport = Rapport.objects.get()
    assert rapport.donneur_d_ordre == donneur and not rapport.nominatif and rapport.demande_par == referent
    capture(page, "4-portail-en-attente")

    # The worker fails for good and says why.
    Rapport.objects.get(pk=rapport.pk).enregistrer_echec(
        "Le service de production des documents est indisponible : réessayez dans quelques minutes."
    )
    expect(etat).to_contain_text("Le service de production des documents est indisponible", timeout=10_000)
    expect(etat).to_contain_text("Échec")
    assert page.evaluate(MEME_PAGE)
    assert violations_accessibilite(page) == []
    capture(page, "5-portail-echec")

    etat.get_by_role("button", name=re.compile("Relancer")).click()
    expect(etat).to_contain_text("En attente")
    nouveau = Rapport.objects.exclude(pk=rapport.pk).get()
    assert nouveau.statut == StatutRapport.EN_ATTENTE and nouveau.periode_debut == rapport.periode_debut
    assert Rapport.objects.get(pk=rapport.pk).statut == StatutRapport.ECHEC  # the failure is kept

    nouveau.enregistrer_fichier("rapport-periodique.pdf", pdf("Rapport périodique — Ville d'Arles"))
    expect(etat.get_by_role("link", name=re.compile("Télécharger le PDF"))).to_be_visible(timeout=10_000)
    assert page.evaluate(MEME_PAGE)
    capture(page, "6-portail-pret")


def test_the_facilitator_asks_for_the_national_survey_from_the_reports_page(page, live_server, facilitateur):
    """« Enquête nationale (année) » on /rapports/: the button the facilitator clicks says which document (htmx sends
    it with the form), the row follows until « Télécharger le tableur », and the file is the survey's workbook."""
    annee = timezone.localdate().year - 1
    se_connecter(page, live_server.url, facilitateur.email, MOT_DE_PASSE)
    page.goto(f"{live_server.url}{reverse('reporting:rapports')}")
    expect(page.get_by_role("heading", name=f"Enquête nationale ({annee})")).to_be_visible()
    assert violations_accessibilite(page) == []
    page.evaluate(MARQUER)

    page.get_by_role("button", name=f"Enquête nationale {annee} (tableur)").click()
    etat = page.locator("#enquete-etat")
    expect(etat).to_contain_text("En attente")
    expect(etat).to_contain_text("Enquête nationale (tableur)")
    rapport = Rapport.objects.get()
    assert rapport.type == TypeRapport.ENQUETE_NATIONALE and rapport.donneur_d_ordre is None
    assert (rapport.periode_debut, rapport.periode_fin) == (dt.date(annee, 1, 1), dt.date(annee, 12, 31))
    capture(page, "7-enquete-en-attente")

    # The worker's part: the workbook is written on the row.
    document = produire(rapport)
    rapport.enregistrer_fichier(document.nom, document.contenu)
    lien = etat.get_by_role("link", name=re.compile("Télécharger le tableur"))
    expect(lien).to_be_visible(timeout=10_000)
    assert page.evaluate(MEME_PAGE), "la page a été rechargée"
    assert violations_accessibilite(page) == []
    capture(page, "8-enquete-prete")
    with page.expect_download() as telechargement:
        lien.click()
    fichier = telechargement.value
    assert fichier.suggested_filename == f"enquete-nationale-{annee}-01-01-{annee}-12-31.xlsx"
    classeur = load_workbook(io.BytesIO(Path(fichier.path()).read_bytes()))  # the path has no extension
    assert classeur.sheetnames[:2] == ["Structure", "A. Activité et acteurs"]

    # The other button asks for the summary, a second row.
    page.get_by_role("button", name="Synthèse d'une page (PDF)").click()
    expect(etat).to_contain_text("Enquête nationale (synthèse)")
    assert Rapport.objects.filter(type=TypeRapport.ENQUETE_SYNTHESE).count() == 1
