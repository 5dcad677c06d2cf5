"""The import preview in a real browser, on a laptop and on a phone: what will change, the rows added together,
the errors with their hints, the report's download, and no sideways scrolling of the page."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from clauses.factories import HeuresMensuellesFactory, ParticipantFactory, PlacementFactory
from clauses.models import HeuresMensuelles
from conventions.factories import MOT_DE_PASSE
from entreprises.factories import EntrepriseFactory, siret_n
from marches.factories import AttributionFactory
from tests.navigateur import se_connecter, violations_accessibilite
from tests.test_navigateur_heures import capture, classeur, mois_avant

pytestmark = pytest.mark.django_db(transaction=True)

LARGEURS = {"ordinateur": (1366, 768), "telephone": (390, 844)}


def largeur_document(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.time_machine("2027-10-15T12:00+02:00")
@pytest.mark.parametrize("ecran", sorted(LARGEURS))
def test_the_preview_says_what_will_change_and_fits_the_screen(page, live_server, facilitateur, ecran):
    largeur, hauteur = LARGEURS[ecran]
    page.set_viewport_size({"width": largeur, "height": hauteur})
    entreprise = EntrepriseFactory(
        raison_sociale="Société Nouvelle des Peintures et Revêtements du Rhône", siret=siret_n(3)
    )
    attribution = AttributionFactory(entreprise=entreprise, date_debut=mois_avant(6))
    ines = PlacementFactory(
        attribution=attribution,
        participant=ParticipantFactory(nom="N’Diaye-Fontaine de la Tour", prenom="Marie-Léopoldine"),
        date_debut=mois_avant(5),
    )
    sam = PlacementFactory(
        attribution=attribution, date_debut=mois_avant(5), date_fin=mois_avant(3) + dt.timedelta(days=20)
    )
    m1, m2, m3 = (f"{mois_avant(n):%m/%Y}" for n in (3, 2, 1))
    HeuresMensuellesFactory(placement=ines, mois=mois_avant(3), heures=10)
    HeuresMensuellesFactory(placement=ines, mois=mois_avant(1), heures=7)
    se_connecter(page, live_server.url, facilitateur.email, MOT_DE_PASSE)
    page.goto(f"{live_server.url}/imports/releve/")
    reference = ines.participant.reference

    # Errors first: a reference one digit off, a month after the end of a placement.
    faute = reference[:-2] + reference[-1] + reference[-2]
    page.get_by_label("Fichier à importer").set_input_files(
        classeur(
            [
                ["N° SIRET", "Référence participant", "Mois", "Heures effectuées"],
                [entreprise.siret, faute, m1, "35h30"],
                [entreprise.siret, sam.participant.reference, m3, 8],
            ]
        )
    )
    page.get_by_role("button", name="Vérifier le fichier").click()
    if faute != reference:
        expect(page.get_by_text(f"Vouliez-vous dire {reference}")).to_be_visible()
    expect(page.get_by_text("son placement court du")).to_be_visible()
    with page.expect_download() as telechargement:
        page.get_by_role("link", name="télécharger en XLSX").click()
    assert telechargement.value.suggested_filename.startswith("rapport-import-releve")
    assert largeur_document(page) <= largeur
    assert violations_accessibilite(page) == []
    capture(page, f"import-erreurs-{ecran}")

    # Then a good file: one month changed, one added (two weekly rows), one unchanged.
    page.get_by_label("Fichier à importer").set_input_files(
        classeur(
            [
                ["SIRET", "Référence participant", "Mois", "Nombre d’heures"],
                [entreprise.siret, reference, m1, "35:30"],
                [entreprise.siret, reference, m2, 16],
                [entreprise.siret, reference, m2, "19,5"],
                [entreprise.siret, reference, m3, 7],
            ]
        )
    )
    page.get_by_role("button", name="Vérifier le fichier").click()
    expect(page.get_by_role("heading", name="Ce que l'import va changer")).to_be_visible()
    tableau = page.get_by_role("table", name="Ce que l'import va changer")
    expect(tableau.get_by_role("row")).to_have_count(3)
    expect(tableau.get_by_role("cell", name="10 h", exact=True)).to_be_visible()
    expect(tableau.get_by_role("cell", name="35,5 h", exact=True).first).to_be_visible()
    expect(page.get_by_text("16 + 19,5 = 35,5 heures.")).to_be_visible()
    expect(page.get_by_text("1 ligne déjà enregistrée à l'identique")).to_be_visible()
    assert largeur_document(page) <= largeur
    assert violations_accessibilite(page) == []
    capture(page, f"import-apercu-{ecran}")
    page.get_by_role("button", name="Confirmer l'import").click()
    expect(page.get_by_text("terminé : 1 ligne ajoutée, 1 mise à jour, 1 inchangée")).to_be_visible()
    assert sorted(HeuresMensuelles.objects.values_list("heures", flat=True)) == [7, 35.5, 35.5]
