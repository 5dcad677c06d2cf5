"""The legal pages linked in every footer (config.pages_legales): the accessibility statement and its figures held to
what the test suite measures, the legal notice filled from the structure porteuse, and a site map that lists only
pages its reader can open."""

import datetime as dt
import html
import re
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from config import accessibilite
from config.accessibilite import Audit, EtatConformite
from conventions.factories import AdminFactory, FacilitateurFactory, ReferentFactory, UserFactory
from conventions.models import StructurePorteuse

pytestmark = pytest.mark.django_db

RACINE = Path(__file__).resolve().parent.parent
PAGES = ("accessibilite", "mentions_legales", "plan_du_site")


def texte(reponse) -> str:
    return html.unescape(reponse.content.decode())


# --- In every footer, readable without an account ------------------------------------------------------------


@pytest.mark.parametrize("nom", PAGES)
def test_the_legal_pages_are_public(client, nom):
    reponse = client.get(reverse(nom))
    assert reponse.status_code == 200
    assert client.post(reverse(nom)).status_code == 405


def _liens_du_pied(contenu: str) -> list[str]:
    pied = contenu[contenu.index("<footer") : contenu.index("</footer>")]
    return re.findall(r'href="([^"]+)"', pied)


def test_every_footer_links_them_the_accessibility_state_first(client):
    attendus = [reverse(nom) for nom in PAGES]
    # A page of the dashboard, of the portal, the login page and an error page rendered without any request.
    client.force_login(FacilitateurFactory())
    assert _liens_du_pied(client.get(reverse("reporting:accueil")).content.decode()) == attendus
    referent = ReferentFactory()
    client.force_login(referent.user)
    assert _liens_du_pied(client.get(reverse("portail:accueil")).content.decode()) == attendus
    client.logout()
    contenu = client.get(reverse("connexion")).content.decode()
    assert _liens_du_pied(contenu) == attendus
    assert "Accessibilité : non conforme</a>" in contenu
    assert _liens_du_pied(render_to_string("500.html")) == attendus


# --- The accessibility statement ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("audit", "attendu"),
    [
        (None, EtatConformite.NON_CONFORME),
        (Audit(dt.date(2026, 6, 1), "Équipe interne", 100), EtatConformite.TOTALE),
        (Audit(dt.date(2026, 6, 1), "Équipe interne", 74), EtatConformite.PARTIELLE),
        (Audit(dt.date(2026, 6, 1), "Équipe interne", 50), EtatConformite.PARTIELLE),
        (Audit(dt.date(2026, 6, 1), "Équipe interne", 49), EtatConformite.NON_CONFORME),
        # An audit is valid three years: after that, as if there were none.
        (Audit(dt.date(2022, 6, 1), "Équipe interne", 100), EtatConformite.NON_CONFORME),
    ],
)
def test_the_state_of_conformity_is_the_rgaas_rule(audit, attendu):
    assert accessibilite.etat(audit, dt.date(2026, 12, 8)) == attendu


def test_the_statement_follows_the_dinum_model_with_the_structures_contact(client):
    StructurePorteuse.objects.create(
        nom="Communauté d'agglomération Arles Crau Camargue Montagnette",
        email="clauses@agglo-accm.fr",
        telephone="04 86 52 60 00",
        adresse="5 rue Yvan Audouard",
        code_postal="13200",
        commune="Arles",
    )
    contenu = texte(client.get(reverse("accessibilite")))
    for titre in (
        "État de conformité",
        "Résultats des tests",
        "Contenus non accessibles",
        "Établissement de cette déclaration",
        "Retour d'information et contact",
        "Voies de recours",
    ):
        assert f">{titre}</h" in contenu, titre
    assert "La Communauté d'agglomération Arles Crau Camargue Montagnette s'engage" in contenu
    assert "Clauses est <strong>non conforme</strong> avec le référentiel général d'amélioration" in contenu
    assert "aucun audit de conformité n'a encore été réalisé" in contenu
    assert f"les {accessibilite.REGLES_AXE} règles de l'outil axe-core {accessibilite.AXE_VERSION}" in contenu
    assert "n'ont pas été\n    évalués" in contenu or "n'ont pas été évalués" in " ".join(contenu.split())
    assert "établie le 7 décembre 2026" in contenu
    assert 'href="mailto:clauses@agglo-accm.fr"' in contenu and "04 86 52 60 00" in contenu
    assert "Défenseur des droits, Libre réponse 71120" in " ".join(contenu.split())


def _points_de_controle_axe() -> int:
    """The places in the browser tests that check a screen with axe-core: each call, and each step of the two
    journeys (whose ``etape`` makes the call)."""
    total = 0
    for fichier in sorted((RACINE / "tests").glob("test_*.py")):
        source = fichier.read_text(encoding="utf-8")
        total += len(re.findall(r"(?<!def )violations_accessibilite\(", source))
        if "def etape(" in source:
            total += len(re.findall(r"\.etape\(", source)) - 1  # the call inside etape is counted by its steps
    return total


def test_the_statements_figures_are_no_more_than_the_tests_measure():
    from tests.test_navigateur_largeur import TAILLES, pages_a_voir

    assert sum(len(noms) for noms in pages_a_voir().values()) >= accessibilite.PAGES_DEUX_LARGEURS
    assert sorted(TAILLES.values()) == [(390, 844), (1366, 768)]
    assert _points_de_controle_axe() >= accessibilite.ECRANS_AXE
    # The number of axe-core rules is counted on a real run: tests/test_navigateur_pages_legales.py.
    regles = (RACINE / "tests" / "navigateur.py").read_text(encoding="utf-8")
    assert 'REGLES_WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]' in regles


# --- The legal notice --------------------------------------------------------------------------------------------


def test_the_legal_notice_is_filled_from_the_structure_porteuse(client):
    structure = StructurePorteuse.objects.create(
        nom="Ville d'Arles",
        sigle="VA",
        service="Service emploi",
        siret="21130004200014",
        adresse="Place de la République",
        code_postal="13200",
        commune="Arles",
        email="emploi@ville-arles.fr",
        signataire_nom="Patrick de Carolis",
        signataire_qualite="le Maire",
    )
    contenu = " ".join(texte(client.get(reverse("mentions_legales"))).split())
    assert "édité par la Ville d'Arles (VA), Service emploi" in contenu
    assert "SIRET : 21130004200014" in contenu
    # Until they are filled in: the signatory directs the publication, the host is to be given.
    assert "Patrick de Carolis, le Maire" in contenu
    assert "Hébergement</h2> <p>À renseigner par l'administrateur" in contenu
    assert 'écrivez à la Ville d\'Arles : <a href="mailto:emploi@ville-arles.fr">' in contenu
    assert "Information détaillée" not in contenu

    structure.directeur_publication = "Anne Martin, directrice générale des services"
    structure.hebergeur = "OVH SAS\n2 rue Kellermann, 59100 Roubaix"
    structure.dpo_email = "dpo@ville-arles.fr"
    structure.url_donnees_personnelles = "https://www.ville-arles.fr/donnees-personnelles"
    structure.save()
    contenu = " ".join(texte(client.get(reverse("mentions_legales"))).split())
    assert "Anne Martin, directrice générale des services" in contenu and "Carolis" not in contenu
    assert "OVH SAS<br>2 rue Kellermann, 59100 Roubaix" in contenu
    assert 'délégué à la protection des données de la Ville d\'Arles : <a href="mailto:dpo@ville-arles.fr">' in contenu
    assert 'href="https://www.ville-arles.fr/donnees-personnelles">Information détaillée' in contenu


def test_the_legal_notice_writes_nothing_before_the_structure_is_filled_in(client):
    assert "Structure porteuse (à renseigner)" in texte(client.get(reverse("mentions_legales")))
    assert not StructurePorteuse.objects.exists()


# --- The site map ------------------------------------------------------------------------------------------------


def _liens_du_plan(client) -> dict[str, str]:
    contenu = client.get(reverse("plan_du_site")).content.decode()
    principal = contenu[contenu.index("<main") : contenu.index("</main>")]
    liens = re.findall(r'<li><a href="([^"]+)">([^<]+)</a>', principal)
    return {html.unescape(libelle): url for url, libelle in liens}


@pytest.mark.parametrize("role", ["anonyme", "sans_role", "referent", "facilitateur", "admin"])
def test_the_site_map_lists_only_pages_its_reader_can_open(client, role):
    utilisateurs = {
        "anonyme": None,
        "sans_role": UserFactory(),
        "referent": ReferentFactory().user,
        "facilitateur": FacilitateurFactory(),
        "admin": AdminFactory(),
    }
    if utilisateurs[role] is not None:
        client.force_login(utilisateurs[role])
    liens = _liens_du_plan(client)
    for libelle, url in liens.items():
        reponse = client.get(url)
        assert reponse.status_code == 200, f"{role} : « {libelle} » ({url}) répond {reponse.status_code}"
    publiques = {"Déclaration d'accessibilité", "Mentions légales", "Plan du site"}
    attendus = {
        "anonyme": publiques | {"Se connecter", "Mot de passe oublié"},
        "sans_role": publiques,
        "referent": publiques
        | {"Accueil", "Marchés", "Statistiques", "Rapports et bilans", "Déclarer un marché", "Mes coordonnées"}
        | {"Mon agenda"},
        "facilitateur": publiques
        | {"Tableau de bord", "Donneurs d'ordre", "Conventions", "Marchés", "Entreprises", "Opérateurs"}
        | {"Participants", "Placements", "Imports", "Rapports", "Mes exports", "Mon agenda"},
        "admin": publiques
        | {"Tableau de bord", "Donneurs d'ordre", "Conventions", "Marchés", "Entreprises", "Opérateurs"}
        | {"Participants", "Placements", "Imports", "Rapports", "Mes exports", "Mon agenda", "Administration"},
    }
    assert set(liens) == attendus[role]
