"""« Mon agenda » and the legal pages in a real browser, on the demo territory: the address created, shown once and
read back by a calendar application's parser, on both sides; the legal pages from every footer, logged out and in.
Accessibility (axe-core) and the Content-Security-Policy checked on every screen; screenshots at 1366 and 390 px wide
in the folder given by CLAUSES_CAPTURES, if any.
"""

import os
import re

import pytest
from django.urls import reverse
from icalendar import Calendar
from playwright.sync_api import expect

from clauses.demo import COMPTE_FACILITATEUR, COMPTE_REFERENT_COMMUNE, MOT_DE_PASSE_DEMO, charger_demo
from clauses.models import Participant
from config import accessibilite
from tests.navigateur import REGLES_WCAG, _axe, se_connecter, violations_accessibilite
from tests.test_navigateur_csp import Surveillance

pytestmark = pytest.mark.django_db(transaction=True)

CAPTURES = os.environ.get("CLAUSES_CAPTURES", "")
LARGEURS = {1366: 768, 390: 844}


def capturer(page, nom: str) -> None:
    if not CAPTURES:
        return
    for largeur, hauteur in LARGEURS.items():
        page.set_viewport_size({"width": largeur, "height": hauteur})
        page.screenshot(path=os.path.join(CAPTURES, f"{nom}-{largeur}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})


def verifier(page, surveillance: Surveillance, nom: str) -> None:
    assert violations_accessibilite(page) == [], nom
    assert surveillance.violations() == [], nom
    capturer(page, nom)


def abonner(page, surveillance: Surveillance, nom: str) -> tuple[str, Calendar]:
    """Create the address on « Mon agenda », as the user does, and fetch it as a calendar application would."""
    page.get_by_role("button", name="Créer mon adresse d'agenda").click()
    champ = page.get_by_label("Adresse à ajouter dans votre application d'agenda")
    expect(champ).to_be_visible()
    adresse = champ.input_value()
    assert re.fullmatch(r"http://[^/]+/agenda/[\w-]{43}\.ics", adresse), adresse
    verifier(page, surveillance, nom)
    reponse = page.context.request.get(adresse, headers={"Cookie": ""})
    assert reponse.status == 200 and reponse.headers["content-type"] == "text/calendar; charset=utf-8"
    return adresse, Calendar.from_ical(reponse.body())


def test_each_user_subscribes_to_their_calendar(browser, live_server):
    charger_demo()
    base = live_server.url

    # --- Camille, facilitator ------------------------------------------------------------------------------
    contexte = browser.new_context(locale="fr-FR", viewport={"width": 1366, "height": 768})
    page = contexte.new_page()
    surveillance = Surveillance(page)
    se_connecter(page, base, COMPTE_FACILITATEUR, MOT_DE_PASSE_DEMO)
    page.get_by_role("button", name=re.compile("Compte")).click()
    page.get_by_role("link", name="Mon agenda").click()
    expect(page.get_by_role("heading", name="Mon agenda", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Prochaines dates")).to_be_visible()
    verifier(page, surveillance, "agenda-facilitateur")
    adresse, agenda_lu = abonner(page, surveillance, "agenda-facilitateur-adresse")
    evenements = agenda_lu.walk("VEVENT")
    categories = {e["CATEGORIES"].cats[0] for e in evenements}
    assert {"Date limite de dénonciation", "Suivi à six mois", "Fin d'exécution d'un lot"} <= categories
    # Participants by reference only (a company may bear a participant's surname: full names are looked for).
    texte = " ".join(str(e["SUMMARY"]) + " " + str(e["DESCRIPTION"]) for e in evenements)
    noms = [f"{prenom} {nom}" for prenom, nom in Participant.objects.values_list("prenom", "nom")]
    assert not [nom for nom in noms if nom in texte]
    assert re.search(r"Suivi à six mois : P-\d{6} ", texte)

    # Shown once: back on the page, the address is no longer there; renewing stops it.
    page.goto(base + reverse("reporting:agenda"))
    expect(page.get_by_label("Adresse à ajouter dans votre application d'agenda")).to_have_count(0)
    expect(page.get_by_text("Adresse émise le")).to_be_visible()
    page.get_by_role("button", name="Renouveler l'adresse").click()
    expect(page.get_by_label("Adresse à ajouter dans votre application d'agenda")).to_be_visible()
    assert page.context.request.get(adresse).status == 404
    verifier(page, surveillance, "agenda-facilitateur-renouvele")
    assert surveillance.erreurs == []
    contexte.close()

    # --- Jeanne, référente of the Ville d'Arles ------------------------------------------------------------
    contexte = browser.new_context(locale="fr-FR", viewport={"width": 1366, "height": 768})
    page = contexte.new_page()
    surveillance = Surveillance(page)
    se_connecter(page, base, COMPTE_REFERENT_COMMUNE, MOT_DE_PASSE_DEMO)
    page.goto(base + reverse("portail:agenda"))
    expect(page.get_by_role("heading", name="Mon agenda", level=1)).to_be_visible()
    verifier(page, surveillance, "agenda-referent")
    _adresse, agenda_lu = abonner(page, surveillance, "agenda-referent-adresse")
    categories = {e["CATEGORIES"].cats[0] for e in agenda_lu.walk("VEVENT")}
    assert "Suivi à six mois" not in categories and "Date limite de dénonciation" in categories
    texte = agenda_lu.to_ical().decode()
    assert "P-0" not in texte and "Ville d'Arles" in texte
    page.get_by_role("button", name="Supprimer").click()
    expect(page.get_by_text("Votre agenda est supprimé")).to_be_visible()
    verifier(page, surveillance, "agenda-referent-supprime")
    assert surveillance.erreurs == []
    contexte.close()


def test_the_legal_pages_from_every_footer(browser, live_server):
    charger_demo()
    base = live_server.url
    contexte = browser.new_context(locale="fr-FR", viewport={"width": 1366, "height": 768})
    page = contexte.new_page()
    surveillance = Surveillance(page)

    # Logged out, from the login page's footer.
    page.goto(base + reverse("connexion"))
    pied = page.get_by_role("navigation", name="Informations légales")
    pied.get_by_role("link", name="Accessibilité : non conforme").click()
    expect(page.get_by_role("heading", name="Déclaration d'accessibilité", level=1)).to_be_visible()
    verifier(page, surveillance, "accessibilite")
    # The rules axe-core runs here are those the statement counts.
    resultats = _axe.run(page, options={"runOnly": {"type": "tag", "values": REGLES_WCAG}}).response
    regles = sum(len(resultats[cle]) for cle in ("passes", "violations", "incomplete", "inapplicable"))
    assert regles == accessibilite.REGLES_AXE
    assert resultats["testEngine"]["version"].startswith(accessibilite.AXE_VERSION + ".")

    page.get_by_role("navigation", name="Informations légales").get_by_role("link", name="Mentions légales").click()
    expect(page.get_by_role("heading", name="Mentions légales", level=1)).to_be_visible()
    expect(page.get_by_text("édité par la Communauté d'agglomération")).to_be_visible()
    verifier(page, surveillance, "mentions-legales")
    page.get_by_role("navigation", name="Informations légales").get_by_role("link", name="Plan du site").click()
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
    verifier(page, surveillance, "plan-du-site-anonyme")

    # Logged in, the map is the user's.
    se_connecter(page, base, COMPTE_FACILITATEUR, MOT_DE_PASSE_DEMO)
    page.get_by_role("navigation", name="Informations légales").get_by_role("link", name="Plan du site").click()
    expect(page.get_by_role("heading", name="Tableau de bord", level=2)).to_be_visible()
    expect(page.get_by_role("link", name="Se connecter")).to_have_count(0)
    verifier(page, surveillance, "plan-du-site-facilitateur")
    assert surveillance.erreurs == []
    contexte.close()
