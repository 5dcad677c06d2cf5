"""A facilitator's walk through a donneur d'ordre and its convention, in a real browser, checking accessibility."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conventions import calendrier
from conventions.factories import MOT_DE_PASSE, ConventionFactory, DonneurDOrdreFactory
from conventions.models import Avenant, Convention, Referent
from marches.factories import MarcheFactory
from tests.navigateur import se_connecter, violations_accessibilite

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_facilitator_follows_a_convention(page, live_server, facilitateur):
    aujourd_hui = timezone.localdate()
    donneur = DonneurDOrdreFactory(nom="Commune d'Arles")
    MarcheFactory(donneur_d_ordre=donneur, objet="Réhabilitation école Jules Ferry")
    # The notice deadline of the current period passed 20 days ago: a dénonciation today comes late.
    effet = calendrier.add_months(aujourd_hui - dt.timedelta(days=20), -9)
    convention = ConventionFactory(donneur_d_ordre=donneur, numero="2024-07", date_signature=effet, date_effet=effet)

    se_connecter(page, live_server.url, facilitateur.email, MOT_DE_PASSE)
    page.goto(f"{live_server.url}/donneurs/")
    expect(page.get_by_role("heading", name="Donneurs d'ordre")).to_be_visible()
    assert violations_accessibilite(page) == []

    page.get_by_role("link", name="Commune d'Arles").click()
    expect(page.get_by_role("heading", name="Commune d'Arles", level=1)).to_be_visible()
    expect(page.get_by_text("Réhabilitation école Jules Ferry")).to_be_visible()
    assert violations_accessibilite(page) == []

    page.get_by_role("link", name="Ajouter un référent").click()
    assert violations_accessibilite(page) == []
    page.get_by_label("Adresse e-mail").fill("jeanne.dupont@arles.fr")
    page.get_by_label("Prénom").fill("Jeanne")
    page.get_by_label("Nom", exact=True).fill("Dupont")
    page.get_by_label("Fonction").fill("Responsable de la commande publique")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Jeanne Dupont (jeanne.dupont@arles.fr) est désormais référent")).to_be_visible()
    assert Referent.objects.filter(donneur_d_ordre=donneur, user__email="jeanne.dupont@arles.fr").exists()
    assert violations_accessibilite(page) == []

    page.get_by_role("link", name="N° 2024-07").click()
    expect(page.get_by_role("heading", name="Calendrier", exact=False)).to_be_visible()
    assert violations_accessibilite(page) == []

    page.get_by_role("link", name="Enregistrer une dénonciation").click()
    expect(page.get_by_text("reconduite une dernière fois").first).to_be_visible()
    assert violations_accessibilite(page) == []
    page.get_by_label("Le donneur d'ordre").check()
    page.get_by_label("Motif").fill("Le service est repris par l'agglomération.")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Dénonciation enregistrée après la date limite")).to_be_visible()
    convention.refresh_from_db()
    assert convention.date_denonciation == aujourd_hui
    expect(page.get_by_role("link", name="Enregistrer une dénonciation")).to_have_count(0)
    assert violations_accessibilite(page) == []

    page.get_by_role("link", name="Ajouter un avenant").click()
    expect(page.get_by_label("Numéro")).to_have_value("1")
    assert violations_accessibilite(page) == []
    page.get_by_label("Objet").fill("Rapports trimestriels")
    page.get_by_label("Date de signature").fill(aujourd_hui.isoformat())
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("L'avenant n° 1 a été enregistré : il prend effet le")).to_be_visible()
    assert Avenant.objects.filter(convention=convention, numero=1).exists()
    expect(page.get_by_role("cell", name="Rapports trimestriels")).to_be_visible()
    assert violations_accessibilite(page) == []
    assert Convention.objects.get(pk=convention.pk).date_fin > aujourd_hui
