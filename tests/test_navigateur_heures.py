"""Month end in a real browser: hours typed in the grid (htmx, no reload) and a statement imported."""

import datetime as dt
import io
import os
import re

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from openpyxl import Workbook
from playwright.sync_api import expect

from clauses.factories import ParticipantFactory, PlacementFactory
from clauses.models import HeuresMensuelles
from conventions.factories import MOT_DE_PASSE
from entreprises.factories import EntrepriseFactory, siret_n
from marches.factories import AttributionFactory
from tests.navigateur import se_connecter, violations_accessibilite

pytestmark = pytest.mark.django_db(transaction=True)

# Set CLAUSES_CAPTURES=/tmp/dossier to keep screenshots of the pages for a visual check.
CAPTURES = os.environ.get("CLAUSES_CAPTURES", "")


def capture(page, nom: str) -> None:
    if CAPTURES:
        page.screenshot(path=os.path.join(CAPTURES, f"{nom}.png"), full_page=True)


def mois_avant(n: int) -> dt.date:
    m = timezone.localdate().replace(day=1)
    for _ in range(n):
        m = (m - dt.timedelta(days=1)).replace(day=1)
    return m


def classeur(lignes) -> dict:
    wb = Workbook()
    for ligne in lignes:
        wb.active.append(ligne)
    sortie = io.BytesIO()
    wb.save(sortie)
    return {
        "name": "releve-octobre.xlsx",
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "buffer": sortie.getvalue(),
    }


# Four months back and last month in the same year: from January to March the grid of the current year would not
# show the months the test types in. The live server's clock travels with the test's (not the browser's).
@pytest.mark.time_machine("2027-10-15T12:00+02:00")
def test_hours_grid_then_statement_import(page, live_server, facilitateur):
    entreprise = EntrepriseFactory(raison_sociale="Peintures du Rhône", siret=siret_n(3))
    attribution = AttributionFactory(entreprise=entreprise, heures_objectif=400, date_debut=mois_avant(4))
    ines = PlacementFactory(
        attribution=attribution,
        date_debut=mois_avant(3) + dt.timedelta(days=4),
        participant=ParticipantFactory(nom="Durand", prenom="Inès"),
    )
    sam = PlacementFactory(
        attribution=attribution,
        date_debut=mois_avant(4),
        date_fin=mois_avant(2) + dt.timedelta(days=14),
        participant=ParticipantFactory(nom="Abdi", prenom="Sam"),
    )
    se_connecter(page, live_server.url, facilitateur.email, MOT_DE_PASSE)

    page.goto(f"{live_server.url}/attributions/{attribution.pk}/heures/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Heures de Peintures du Rhône — Lot"))
    assert violations_accessibilite(page) == []
    page.evaluate("window.pasRecharge = true")

    mois = mois_avant(1)
    libelle_mois = f"{mois:%Y-%m}"
    cellule = page.get_by_label(f"Heures de {ines.participant.reference} en {date_format(mois, 'F Y')}", exact=True)
    cellule.fill("35.5")
    cellule.press("Tab")
    expect(page.locator(f"#total-p{ines.pk}")).to_have_text("35,5 h")
    expect(page.locator(f"#total-m{libelle_mois}")).to_have_text("35,5 h")
    expect(page.locator("#avancement")).to_contain_text("35,5 h réalisées sur un objectif de 400 h")
    assert page.evaluate("window.pasRecharge") is True
    assert HeuresMensuelles.objects.get(placement=ines).mois == mois

    autre = page.get_by_label(f"Heures de {sam.participant.reference} en {date_format(mois_avant(3), 'F Y')}")
    autre.fill("260")
    autre.press("Tab")
    expect(page.get_by_text("260 heures en un mois dépasse le maximum de 220.")).to_be_visible()
    assert page.evaluate("window.pasRecharge") is True
    assert HeuresMensuelles.objects.count() == 1
    assert violations_accessibilite(page) == []
    capture(page, "grille")

    page.goto(f"{live_server.url}/imports/")
    assert violations_accessibilite(page) == []
    page.get_by_role("link", name="Importer un relevé d'heures mensuel").click()
    assert violations_accessibilite(page) == []
    entete = ["SIRET", "Référence participant", "Mois", "Heures"]
    m2 = f"{mois_avant(2):%m/%Y}"
    page.get_by_label("Fichier à importer").set_input_files(
        classeur([entete, [entreprise.siret, ines.participant.reference, m2, 20], [siret_n(99), "P-000001", m2, 10]])
    )
    page.get_by_role("button", name="Vérifier le fichier").click()
    expect(page.get_by_text(f"Ligne 3 : SIRET {siret_n(99)} inconnu")).to_be_visible()
    assert violations_accessibilite(page) == []
    capture(page, "import-erreurs")

    page.get_by_label("Fichier à importer").set_input_files(
        classeur(
            [
                entete,
                [entreprise.siret, ines.participant.reference, m2, 20],
                [entreprise.siret, sam.participant.reference, m2, "10,5"],
            ]
        )
    )
    page.get_by_role("button", name="Vérifier le fichier").click()
    expect(page.get_by_text("2 lignes lues : 2 lignes ajoutées, 0 mise à jour, 0 inchangée.")).to_be_visible()
    assert violations_accessibilite(page) == []
    capture(page, "import-apercu")
    page.get_by_role("button", name="Confirmer l'import").click()
    expect(page.get_by_text("terminé : 2 lignes ajoutées")).to_be_visible()
    assert violations_accessibilite(page) == []
    assert HeuresMensuelles.objects.count() == 3


def grille_pleine():
    """An attribution whose 2026 grid has four placements, the longest labels and « 151,67 » in every month."""
    attribution = AttributionFactory(
        entreprise=EntrepriseFactory(raison_sociale="Société Méditerranéenne de Bâtiment et de Travaux Publics"),
        heures_objectif=8000,
    )
    placements = [
        PlacementFactory(
            attribution=attribution,
            date_debut=dt.date(2025, 11, 17),
            date_fin_prevue=dt.date(2027, 9, 30),
            modalite=modalite,
            type_contrat=contrat,
            participant=ParticipantFactory(nom=nom, prenom=prenom),
        )
        for nom, prenom, modalite, contrat in [
            ("Quillebœuf-Delacroix-Fontaine", "Marie-Françoise", "sous_traitance_siae", "cddi"),
            ("N'Diaye", "Aminata", "mad_etti", "interim"),
            ("Durand", "Inès", "embauche_directe", "cdi_chantier"),
            ("Abdi", "Sam", "mad_geiq", "professionnalisation"),
        ]
    ]
    for placement in placements:
        for mois in range(1, 13):
            HeuresMensuelles.objects.create(placement=placement, mois=dt.date(2026, mois, 1), heures="151.67")
    return attribution, placements


BOITES = """
() => {
  const boite = (el) => { const b = el.getBoundingClientRect(); return {gauche: b.left, droite: b.right}; };
  const conteneur = document.querySelector(".grille-heures").parentElement;
  return {
    fenetre: document.documentElement.clientWidth,
    defile: conteneur.scrollWidth > conteneur.clientWidth,
    largeurs: `${conteneur.scrollWidth} px de grille pour ${conteneur.clientWidth} px`,
    participant: boite(document.querySelector(".grille-heures thead th:first-child")),
    total: boite(document.querySelector("#total-annee")),
    actif: document.activeElement.id,
    champ: boite(document.activeElement),
  };
}
"""


# The whole year and its total at 1366×768, the participant and the total always in view on a phone, with the
# keyboard, the htmx saving and the fields' labels as they were.
@pytest.mark.time_machine("2026-12-15T12:00+01:00")
@pytest.mark.parametrize("largeur, hauteur", [(1366, 768), (390, 844)])
def test_the_hours_grid_fits_the_window(browser, live_server, facilitateur, largeur, hauteur):
    attribution, placements = grille_pleine()
    contexte = browser.new_context(locale="fr-FR", viewport={"width": largeur, "height": hauteur})
    try:
        _verifier_la_grille(contexte, live_server, facilitateur, attribution, placements, largeur)
    finally:
        contexte.close()


def _verifier_la_grille(contexte, live_server, facilitateur, attribution, placements, largeur):
    page = contexte.new_page()
    se_connecter(page, live_server.url, facilitateur.email, MOT_DE_PASSE)
    page.goto(f"{live_server.url}/attributions/{attribution.pk}/heures/?annee=2026")
    premier = placements[0]
    janvier = page.get_by_label(f"Heures de {premier.participant.reference} en janvier 2026", exact=True)
    janvier.focus()
    capture(page, f"grille-pleine-{largeur}")
    mesure = page.evaluate(BOITES)
    assert page.evaluate("document.documentElement.scrollWidth") <= mesure["fenetre"]
    decembre = page.locator(f"#champ-c-{premier.pk}-2026-12")
    if largeur == 1366:
        # Nothing to scroll: December and the year's total are on the screen.
        assert not mesure["defile"], f"La grille défile : {mesure['largeurs']}"
        assert mesure["total"]["droite"] <= mesure["fenetre"]
        boite = decembre.bounding_box()
        assert boite is not None and boite["x"] + boite["width"] <= mesure["fenetre"]
    else:
        # The months scroll; the participant and the total stay at the window's edges.
        assert mesure["defile"]
        assert mesure["participant"]["gauche"] >= 0, "la colonne des participants est sortie de l'écran"
        assert mesure["total"]["droite"] <= mesure["fenetre"], "le total de l'année est hors de l'écran"

    # Typed and saved with the keyboard, month after month up to December, each field in view when reached.
    janvier.fill("35")
    for mois in range(1, 12):
        page.keyboard.press("Tab")
        mesure = page.evaluate(BOITES)
        assert mesure["actif"] == f"champ-c-{premier.pk}-2026-{mois + 1:02d}", f"Tab mène à {mesure['actif']}"
        assert mesure["champ"]["gauche"] >= mesure["participant"]["droite"] - 1, f"mois {mois + 1} caché"
        assert mesure["champ"]["droite"] <= mesure["total"]["gauche"] + 1, f"mois {mois + 1} caché"
    decembre.fill("20")
    page.keyboard.press("Tab")
    expect(page.locator(f"#total-p{premier.pk}")).to_have_text(re.compile(r"^1\s571,7\sh$"))
    expect(page.locator("#total-annee")).to_have_text(re.compile(r"^7\s031,8\sh$"))
    assert page.evaluate("document.documentElement.scrollWidth") <= mesure["fenetre"]
    assert violations_accessibilite(page) == []
    capture(page, f"grille-pleine-{largeur}-saisie")
