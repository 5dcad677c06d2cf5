"""Camille's "new marché" journey in a real browser: the marché, a lot, its target with the live calculator,
the legal modality, and the drafted clause downloaded as .docx. Accessibility checked on every page."""

import io
import os
import re
from pathlib import Path

import pytest
from docx import Document as Docx
from playwright.sync_api import expect

from clauses.models import ClauseInsertion
from conventions.factories import MOT_DE_PASSE, DonneurDOrdreFactory
from conventions.models import TypeDonneur
from marches.models import Marche
from tests.navigateur import se_connecter, violations_accessibilite

pytestmark = pytest.mark.django_db(transaction=True)


# Set CAPTURES=/tmp to keep screenshots of the pages (to look at them, not to test them).
CAPTURES = os.environ.get("CAPTURES")


def capture(page, nom: str) -> None:
    if CAPTURES:
        page.screenshot(path=f"{CAPTURES}/marches-{nom}.png", full_page=True)


def test_a_new_marche_from_feasibility_to_the_drafted_clause(page, live_server, facilitateur):
    DonneurDOrdreFactory(nom="Habitat du Delta", type=TypeDonneur.BAILLEUR)
    se_connecter(page, live_server.url, facilitateur.email, MOT_DE_PASSE)

    page.goto(f"{live_server.url}/marches/")
    expect(page.get_by_role("heading", name="Marchés", level=1)).to_be_visible()
    assert violations_accessibilite(page) == []

    # The marché, with the feasibility notes.
    page.get_by_role("link", name="Nouveau marché").click()
    assert violations_accessibilite(page) == []
    page.get_by_role("combobox", name="Donneur d'ordre").select_option(label="Habitat du Delta")
    page.get_by_label("Objet").fill("Réhabilitation de 120 logements, résidence Les Cigales")
    page.get_by_label("Montant estimé HT").fill("2400000")
    page.get_by_label("Avis de faisabilité").select_option(label="Favorable")
    page.get_by_label("Faisabilité : durée").fill("11 mois, surtout du second œuvre")
    page.get_by_label("Faisabilité : technicité").fill("Peu technique : favorable à l'insertion")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name="Réhabilitation de 120 logements, résidence Les Cigales")).to_be_visible()
    marche = Marche.objects.get()
    assert marche.facilitateur == facilitateur
    assert violations_accessibilite(page) == []

    # A lot: saving it leads to the calculator.
    page.get_by_role("link", name="Ajouter un lot").first.click()
    page.get_by_label("Numéro").fill("3")
    page.get_by_label("Intitulé").fill("Peinture intérieure")
    page.get_by_label("Montant HT").fill("300000")
    page.get_by_label("Début d'exécution").fill("2026-03-01")
    page.get_by_label("Fin d'exécution").fill("2027-01-31")
    assert violations_accessibilite(page) == []
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name="Objectif d'heures d'insertion")).to_be_visible()
    assert violations_accessibilite(page) == []

    # The calculator: the corps d'état brings its labour share, the result follows each change (htmx).
    resultat = page.locator("#resultat-calcul")
    page.get_by_label("Corps d'état").select_option(label="Peinture intérieure (70 %)")
    expect(page.get_by_label("Part de main-d'œuvre")).to_have_value("70")
    expect(resultat).to_contain_text(re.compile(r"300\s000 € × 70 % × 5 % ÷ 30 €/h = 350 h"))
    page.get_by_label("Taux d'insertion").fill("7")
    expect(resultat).to_contain_text(re.compile(r"300\s000 € × 70 % × 7 % ÷ 30 €/h = 490 h"))
    expect(resultat).to_contain_text("≈ 0,31 ETP")
    page.get_by_label("Condition d'exécution (article L2112-2)").check()
    assert violations_accessibilite(page) == []
    capture(page, "calculateur")
    page.get_by_role("button", name="Enregistrer", exact=True).click()

    expect(page.get_by_role("heading", name="Lot 3 — Peinture intérieure")).to_be_visible()
    clause = ClauseInsertion.objects.get()
    assert (clause.heures_objectif, clause.part_main_oeuvre, clause.taux_insertion) == (490, 70, 7)
    assert violations_accessibilite(page) == []

    # The drafter, then the .docx for the tender documents.
    page.get_by_role("link", name="Rédiger la clause").click()
    expect(page.get_by_role("heading", name="Rédaction de la clause")).to_be_visible()
    ccap = page.get_by_label("Article du CCAP")
    expect(ccap).to_have_value(re.compile(r"490 heures \(quatre cent quatre-vingt-dix heures\)"))
    ccap.fill(ccap.input_value() + "\nRelu par Camille.")
    assert violations_accessibilite(page) == []
    capture(page, "redaction")
    with page.expect_download() as telechargement:
        page.get_by_role("button", name="Télécharger en .docx").click()
    fichier = telechargement.value
    assert fichier.suggested_filename.endswith("-lot-3.docx")
    paragraphes = [p.text for p in Docx(io.BytesIO(Path(fichier.path()).read_bytes())).paragraphs]
    assert "Relu par Camille." in paragraphes
    assert any("490 heures" in p for p in paragraphes)

    page.goto(f"{live_server.url}/marches/{marche.pk}/")
    expect(page.locator("tbody").get_by_role("cell", name="490 h")).to_be_visible()
    capture(page, "fiche")


def test_a_long_donneur_filter_is_searched_then_removed(page, live_server, facilitateur, monkeypatch):
    from config import listes
    from marches.factories import MarcheFactory

    monkeypatch.setattr(listes, "OPTIONS_MAX", 2)
    for nom in ("Ville d'Arles", "Tarascon", "Boulbon"):
        MarcheFactory(donneur_d_ordre=DonneurDOrdreFactory(nom=nom), objet=f"Voirie de {nom}")
    se_connecter(page, live_server.url, facilitateur.email, MOT_DE_PASSE)
    page.goto(f"{live_server.url}/marches/")
    expect(page.get_by_text("3 résultats")).to_be_visible()

    page.get_by_label("Donneur d'ordre").press_sequentially("tara", delay=30)
    page.locator("#suggestions_donneur_d_ordre").get_by_role("link", name="Tarascon").click()
    expect(page.get_by_text("1 résultat", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="Voirie de Tarascon")).to_be_visible()
    capture(page, "filtre-cherchable")
    assert violations_accessibilite(page) == []

    # The filter stays when another is added, then goes.
    page.get_by_label("Statut").select_option(label="En exécution")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_text("1 résultat", exact=True)).to_be_visible()
    page.get_by_role("link", name="Retirer le filtre Donneur d'ordre").click()
    expect(page.get_by_text("3 résultats")).to_be_visible()
    expect(page).to_have_url(re.compile(r"statut=en_execution"))
