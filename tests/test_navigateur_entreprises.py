"""The companies directory in a real browser: login form, list, creation, accessibility."""

import pytest
from playwright.sync_api import expect

from conventions.factories import MOT_DE_PASSE
from entreprises.factories import EntrepriseFactory, siret_n
from entreprises.models import Entreprise
from tests.navigateur import se_connecter, violations_accessibilite

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_facilitator_adds_a_company(page, live_server, facilitateur):
    EntrepriseFactory(raison_sociale="Peintures du Rhône")
    se_connecter(page, live_server.url, facilitateur.email, MOT_DE_PASSE)
    page.goto(f"{live_server.url}/entreprises/")
    expect(page.get_by_role("heading", name="Entreprises")).to_be_visible()
    assert violations_accessibilite(page) == []

    page.get_by_role("link", name="Ajouter une entreprise").click()
    page.get_by_label("Raison sociale").fill("Maçonnerie Camarguaise")
    page.get_by_label("SIRET").fill("732 829 320 00075")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("clé de contrôle ne correspond pas")).to_be_visible()
    assert violations_accessibilite(page) == []

    siret = siret_n(42)
    page.get_by_label("SIRET").fill(siret)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name="Maçonnerie Camarguaise")).to_be_visible()
    assert Entreprise.objects.filter(siret=siret).exists()
    assert violations_accessibilite(page) == []
