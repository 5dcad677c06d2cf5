"""The facilitator's home page in a real browser, on the demo territory: alerts, charts, accessibility."""

import pytest
from playwright.sync_api import expect

from clauses.demo import COMPTE_FACILITATEUR, MOT_DE_PASSE_DEMO, charger_demo
from tests.navigateur import se_connecter, violations_accessibilite

pytestmark = pytest.mark.django_db(transaction=True)


def test_camille_sees_her_alerts_and_follows_one(page, live_server):
    charger_demo()
    se_connecter(page, live_server.url, COMPTE_FACILITATEUR, MOT_DE_PASSE_DEMO)
    expect(page.get_by_role("heading", name="Tableau de bord", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Conventions proches de leur date limite de dénonciation")).to_be_visible()
    expect(page.get_by_role("img", name="Heures réalisées par mois, sur les 12 derniers mois")).to_be_visible()
    assert violations_accessibilite(page) == []

    # The data behind a chart opens under it, in a real table.
    page.get_by_text("Voir les données").first.click()
    expect(page.get_by_role("columnheader", name="Heures réalisées")).to_be_visible()
    assert violations_accessibilite(page) == []

    lien = page.get_by_role("link", name="La convention avec la Ville d'Arles arrive à sa date limite de dénonciation")
    destination = lien.get_attribute("href")
    lien.click()
    expect(page).to_have_url(f"{live_server.url}{destination}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
