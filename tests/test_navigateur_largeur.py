"""Every page fits its window: a facilitator's 1366 px laptop and a référent's 390 px phone.

Every facilitator page and every portal page of the URL matrix (tests/test_matrice_urls.py: a new URL name is
walked without anyone adding it here) is opened in Chromium at 1366×768 and 390×844, with the matrix's world
of objects; the public pages are walked too, logged out. A page fails when the document is wider than the
window, i.e. when the window scrolls sideways (a wide table scrolls inside its own ``.table-responsive``,
which is fine). The failure names the page, the width and the element that sticks out furthest, with a
selector, so whoever widens a page knows where to look. Two narrower faults fail it too: a figure alone in a
table cell broken across lines (« € » alone under its amount), and the menu button pushed under the brand.

Set CLAUSES_CAPTURES=/tmp/dossier to keep a screenshot of every page at both sizes.
"""

import os
import re
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client

from tests.test_matrice_urls import (
    ACCUEIL,
    CONNECTE,
    MATRICE,
    PORTAIL,
    PORTAIL_OBJET,
    PUBLIC,
    TABLEAU,
    TABLEAU_PERSONNEL,
    _url,
    monde,  # noqa: F401  (the matrix's world of objects, a fixture)
)

pytestmark = pytest.mark.django_db(transaction=True)

CAPTURES = os.environ.get("CLAUSES_CAPTURES", "")

TAILLES = {"ordinateur": (1366, 768), "telephone": (390, 844)}

# URL names that are not a page to look at, and why. Everything else of the matrix is walked.
PAS_UNE_PAGE = {
    "deconnexion": "POST seulement",
    "sante": "contrôle de santé en texte",
    "suggestions_de_filtre": "fragment htmx",
    "export_fichier": "téléchargement",
    "reporting:rapport_etat": "fragment htmx",
    "reporting:rapport_telecharger": "téléchargement",
    "reporting:rapport_relance": "POST seulement",
    "reporting:bilan_transmission": "POST seulement",
    "conventions:referent_retrait": "POST seulement",
    "conventions:invitation_renvoi": "POST seulement",
    "conventions:invitation_annulation": "POST seulement",
    "marches:marche_statut": "POST seulement",
    "marches:marche_prise_en_charge": "POST seulement",
    "marches:proposition_acceptation": "POST seulement",
    "marches:proposition_refus": "POST seulement",
    "clauses:calcul_apercu": "fragment htmx",
    "clauses:redaction_docx": "téléchargement",
    "clauses:redaction_pdf": "téléchargement",
    "clauses:heures_cellule": "fragment htmx",
    "clauses:import_modele": "téléchargement",
    "clauses:participant_notice": "POST seulement",
    "reporting:notice_participant": "téléchargement",
    "clauses:portefeuille_modele": "téléchargement",
    "clauses:import_portefeuille_rapport": "téléchargement",
    "clauses:portefeuille_export": "téléchargement",
    "clauses:participant_acces_fichier": "téléchargement",
    "portail:changer_donneur": "POST seulement",
    "portail:convention_document": "téléchargement",
    "portail:avenant_document": "téléchargement",
    "portail:rapport_demande": "POST seulement",
    "portail:rapport_etat": "fragment htmx",
    "portail:rapport_relance": "POST seulement",
    "portail:rapport_telecharger": "téléchargement",
    "conventions:convention_document": "téléchargement",
    "conventions:avenant_document": "téléchargement",
    "conventions:structure_logo": "téléchargement",
    "reporting:agenda_flux": "fichier iCalendar",
}

# Who opens each kind of page: the matrix's users.
LECTEUR = {
    TABLEAU: "facilitateur",
    TABLEAU_PERSONNEL: "facilitateur",
    ACCUEIL: "facilitateur",
    PORTAIL: "referent_a",
    PORTAIL_OBJET: "referent_a",
    PUBLIC: "anonyme",
    CONNECTE: "facilitateur",
}


def pages_a_voir() -> dict[str, list[str]]:
    """URL names to open, by reader."""
    par_lecteur: dict[str, list[str]] = {}
    for nom, (genre, _args) in sorted(MATRICE.items()):
        if nom not in PAS_UNE_PAGE:
            par_lecteur.setdefault(LECTEUR[genre], []).append(nom)
    return par_lecteur


# Measures the page in the browser: how wide the document is, and which element sticks out furthest past the
# window's right edge without a scrolling or clipping ancestor to hold it (an absolutely positioned element is
# held only by a clipping ancestor that is, or contains, its containing block: a `.visually-hidden` label inside
# `.table-responsive` escapes it unless the container is positioned).
MESURE = """
() => {
  const racine = document.documentElement;
  const fenetre = racine.clientWidth;
  const retenu = (el) => {
    let position = getComputedStyle(el).position;
    if (position === "fixed") return false;
    for (let parent = el.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
      const style = getComputedStyle(parent);
      if (position === "absolute" && style.position === "static" && style.transform === "none") continue;
      if (style.overflowX !== "visible") return true;
      position = style.position;
    }
    return false;
  };
  const selecteur = (el) => {
    const morceaux = [];
    for (let n = el; n && n !== document.body && morceaux.length < 6; n = n.parentElement) {
      let morceau = n.tagName.toLowerCase();
      if (n.id) { morceaux.unshift(`${morceau}#${n.id}`); break; }
      const classes = [...n.classList].slice(0, 3);
      if (classes.length) morceau += "." + classes.join(".");
      const freres = n.parentElement ? [...n.parentElement.children].filter((f) => f.tagName === n.tagName) : [];
      if (freres.length > 1) morceau += `:nth-of-type(${freres.indexOf(n) + 1})`;
      morceaux.unshift(morceau);
    }
    return morceaux.join(" > ");
  };
  let pire = null;
  let profondeurPire = 0;
  for (const el of document.body.querySelectorAll("*")) {
    const boite = el.getBoundingClientRect();
    const droite = boite.right + window.scrollX;
    if (droite <= fenetre + 0.5 || (boite.width === 0 && boite.height === 0) || retenu(el)) continue;
    let profondeur = 0;
    for (let n = el; n; n = n.parentElement) profondeur++;
    // The furthest right edge; on a tie, the outermost element (a table rather than its last cell).
    const egal = Math.abs(droite - (pire ? pire.droite : 0)) <= 0.5;
    if (!pire || (droite > pire.droite && !egal) || (egal && profondeur < profondeurPire)) {
      const texte = (el.textContent || "").trim().slice(0, 40);
      pire = {droite, largeur: boite.width, selecteur: selecteur(el), texte};
      profondeurPire = profondeur;
    }
  }
  // A figure alone in its cell that the browser broke across lines (« 1 000 000 » then « € » alone).
  const coupes = [];
  for (const cellule of document.querySelectorAll("td.nombre")) {
    if (cellule.children.length || !cellule.textContent.trim()) continue;
    const plage = document.createRange();
    plage.selectNodeContents(cellule);
    const lignes = new Set([...plage.getClientRects()].map((r) => Math.round(r.top)));
    if (lignes.size > 1) coupes.push(`${selecteur(cellule)} « ${cellule.textContent.trim()} »`);
  }
  // The menu button beside the brand, not under it.
  const marque = document.querySelector(".navbar-brand");
  const bouton = document.querySelector(".navbar-toggler");
  const menuDessous = Boolean(
    marque && bouton && bouton.offsetParent &&
    bouton.getBoundingClientRect().top >= marque.getBoundingClientRect().bottom - 1
  );
  return {fenetre, document: racine.scrollWidth, pire, coupes, menuDessous};
}
"""


@dataclass
class Defaut:
    """What is wrong with one page at one size, in a line for the failure's message."""

    nom: str
    url: str
    taille: str
    mesure: dict

    def __str__(self) -> str:
        m = self.mesure
        page = f"{self.nom} ({self.url}) à {self.taille}"
        lignes = []
        if m["document"] > m["fenetre"]:
            coupable = "élément introuvable"
            if m["pire"]:
                coupable = (
                    f"le plus à droite : {m['pire']['selecteur']} (bord droit à {m['pire']['droite']:.0f} px, "
                    f"{m['pire']['largeur']:.0f} px de large, « {m['pire']['texte']} »)"
                )
            lignes.append(f"{page} : {m['document']} px de large pour {m['fenetre']} px ; {coupable}")
        lignes += [f"{page} : nombre coupé sur deux lignes, {coupe}" for coupe in m["coupes"]]
        if m["menuDessous"]:
            lignes.append(f"{page} : le bouton du menu passe sous le nom du site")
        return "\n".join(lignes)


def mesurer(page, url: str) -> dict:
    # A download, a POST-only view or an htmx fragment is no page to look at: name it in PAS_UNE_PAGE.
    reponse = page.goto(url)
    assert reponse is not None and reponse.status == 200, f"{url} : {reponse and reponse.status} (PAS_UNE_PAGE ?)"
    type_ = reponse.headers.get("content-type", "")
    assert type_.startswith("text/html"), f"{url} : {type_} (PAS_UNE_PAGE ?)"
    page.wait_for_load_state("networkidle")
    return page.evaluate(MESURE)


def contexte_de(browser, live_server, utilisateur, largeur: int, hauteur: int):
    contexte = browser.new_context(locale="fr-FR", viewport={"width": largeur, "height": hauteur})
    if utilisateur is not None:
        client = Client()
        client.force_login(utilisateur)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        contexte.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return contexte


def defauts(browser, live_server, monde, taille: str) -> tuple[list[Defaut], int]:  # noqa: F811
    largeur, hauteur = TAILLES[taille]
    trouves, vues = [], 0
    for lecteur, noms in pages_a_voir().items():
        contexte = contexte_de(browser, live_server, monde.utilisateurs[lecteur], largeur, hauteur)
        page = contexte.new_page()
        for nom in noms:
            chemin = _url(nom, MATRICE[nom][1], monde)
            mesure = mesurer(page, live_server.url + chemin)
            vues += 1
            if CAPTURES:
                fichier = re.sub(r"[^\w-]+", "_", nom)
                page.screenshot(path=os.path.join(CAPTURES, f"{fichier}-{largeur}.png"), full_page=True)
            if mesure["document"] > mesure["fenetre"] or mesure["coupes"] or mesure["menuDessous"]:
                trouves.append(Defaut(nom, chemin, f"{largeur}×{hauteur}", mesure))
        contexte.close()
    return trouves, vues


def test_every_excluded_name_is_in_the_matrix():
    assert set(PAS_UNE_PAGE) <= set(MATRICE), sorted(set(PAS_UNE_PAGE) - set(MATRICE))


# The hours grid of the world's placement shows the twelve months of 2026.
@pytest.mark.time_machine("2026-12-15T12:00+01:00")
@pytest.mark.parametrize("taille", sorted(TAILLES))
def test_no_page_scrolls_sideways(browser, live_server, monde, taille):  # noqa: F811
    trouves, vues = defauts(browser, live_server, monde, taille)
    assert vues >= 60  # the matrix's pages, both sides
    assert not trouves, "Pages qui ne tiennent pas dans la fenêtre :\n" + "\n".join(map(str, trouves))


def test_the_walk_sees_a_lot_with_a_qpv_minimum(client, monde):  # noqa: F811
    """The world's lot carries a QPV minimum, so the walk measures the pages that show it against its minimum: the
    référent's marché page and the facilitator's lot page."""
    for lecteur, nom in (("referent_a", "portail:marche"), ("facilitateur", "clauses:lot")):
        client.force_login(monde.utilisateurs[lecteur])
        page = client.get(_url(nom, MATRICE[nom][1], monde)).content.decode()
        assert "Heures des résidents de quartiers prioritaires (QPV)" in page, nom
