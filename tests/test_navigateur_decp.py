"""The données essentielles in a real browser: the facilitator uploads the DECP sample, reviews a marché published with
a social clause and follows it in Clauses in one click; the watch list of article L2112-2-1 on the home page and on
the référent's portal. Accessibility checked on every page."""

import os

import pytest
from playwright.sync_api import expect

from conventions.factories import MOT_DE_PASSE, ReferentFactory
from entreprises.models import Entreprise
from marches.decp.lecture import EXEMPLE
from marches.models import Marche, MarcheDECP, Origine
from marches.tests.decp_territoire import INCONNUE, territoire
from tests.navigateur import se_connecter, violations_accessibilite

pytestmark = pytest.mark.django_db(transaction=True)

# Set CAPTURES=/tmp to keep screenshots of the pages (to look at them, not to test them).
CAPTURES = os.environ.get("CAPTURES")


def capture(page, nom: str) -> None:
    if CAPTURES:
        page.screenshot(path=f"{CAPTURES}/decp-{nom}.png", full_page=True)


def test_a_marche_followed_from_the_open_data(page, live_server, facilitateur):
    monde = territoire()
    se_connecter(page, live_server.url, facilitateur.email, MOT_DE_PASSE)

    # From the marchés' list to the upload.
    page.goto(f"{live_server.url}/marches/")
    page.get_by_role("link", name="Données essentielles (DECP)").click()
    expect(page.get_by_role("heading", name="Données essentielles de la commande publique", level=1)).to_be_visible()
    expect(page.get_by_text("Aucun marché à proposer : importez un fichier des données essentielles.")).to_be_visible()
    assert violations_accessibilite(page) == []
    page.get_by_role("link", name="Importer un fichier").click()
    assert violations_accessibilite(page) == []
    capture(page, "import")
    page.get_by_label("Fichier des données essentielles").set_input_files(str(EXEMPLE))
    page.get_by_role("button", name="Importer le fichier").click()

    # Back on the list: the marchés published with a social consideration, not followed yet.
    expect(
        page.get_by_text("Import de « exemple_decp.json » terminé : 11 marchés lus, 10 du territoire")
    ).to_be_visible()
    tableau = page.get_by_role("table", name="Marchés des données essentielles avec une considération sociale")
    expect(tableau.get_by_role("row")).to_have_count(5)  # the header and four marchés
    expect(tableau).to_contain_text("Entretien des espaces verts communaux")
    expect(tableau).not_to_contain_text("Fourniture de mobilier scolaire")
    assert violations_accessibilite(page) == []
    capture(page, "propositions")

    # The review: its titulaire is unknown to the directory; the facilitator names it and creates the marché.
    page.get_by_role("link", name="Examiner : Entretien des espaces verts communaux").click()
    expect(page.get_by_role("heading", name="Entretien des espaces verts communaux", level=1)).to_be_visible()
    expect(page.get_by_text("Clause sociale, Critère social")).to_be_visible()
    assert violations_accessibilite(page) == []
    capture(page, "examen")
    page.get_by_role("button", name="Créer le marché dans Clauses").click()
    expect(page.get_by_text("Saisissez la raison sociale de l'entreprise, ou décochez son ajout")).to_be_visible()
    assert not Marche.objects.exists()
    assert violations_accessibilite(page) == []
    page.get_by_label(f"Raison sociale (SIRET {INCONNUE})").fill("Jardins de Tarascon SCOP")
    page.get_by_role("button", name="Créer le marché dans Clauses").click()

    expect(page.get_by_role("heading", name="Entretien des espaces verts communaux", level=1)).to_be_visible()
    expect(page.get_by_text("est désormais suivi dans Clauses, avec son lot et 1 attributaire")).to_be_visible()
    expect(page.get_by_text("Jardins de Tarascon SCOP")).to_be_visible()
    marche = Marche.objects.get()
    assert (marche.donneur_d_ordre, marche.origine, marche.facilitateur) == (
        monde["donneurs"]["tarascon"],
        Origine.DECP,
        facilitateur,
    )
    assert marche.lots.get().attributions.get().entreprise == Entreprise.objects.get(siret=INCONNUE)
    assert MarcheDECP.objects.get(identifiant="2026-0588").marche == marche
    assert violations_accessibilite(page) == []

    # It is no longer proposed.
    page.goto(f"{live_server.url}/marches/decp/")
    expect(tableau.get_by_role("row")).to_have_count(4)
    expect(tableau).not_to_contain_text("Entretien des espaces verts communaux")

    # The watch list on the home page.
    page.goto(f"{live_server.url}/")
    veille = page.get_by_role("region", name="Veille L2112-2-1")
    expect(veille).to_contain_text("Construction du collège de Saint-Martin-de-Crau")
    expect(veille.get_by_role("row")).to_have_count(5)
    assert violations_accessibilite(page) == []
    capture(page, "accueil")


def test_the_portal_s_watch_list(page, live_server):
    monde = territoire()
    from marches.tests.decp_territoire import importer_exemple

    importer_exemple()
    referent = ReferentFactory(donneur_d_ordre=monde["donneurs"]["arles"])
    se_connecter(page, live_server.url, referent.user.email, MOT_DE_PASSE)
    veille = page.get_by_role("region", name="À vérifier : marché publié sans considération sociale")
    expect(veille).to_contain_text("Fourniture de mobilier scolaire")
    expect(veille).not_to_contain_text("Construction du collège")
    assert violations_accessibilite(page) == []
    capture(page, "portail")
