"""The dashboard's main menu, as a context processor: one list, the active entry marked."""

from django.urls import NoReverseMatch, reverse

from config.permissions import est_facilitateur
from conventions.portail import est_referent

# (label, URL name). Entries whose URL does not exist yet are left out, so the menu follows the apps.
MENU_FACILITATEUR = [
    ("Tableau de bord", "reporting:accueil"),
    ("Donneurs d'ordre", "conventions:donneurs"),
    ("Conventions", "conventions:conventions"),
    ("Marchés", "marches:marches"),
    ("Entreprises", "entreprises:entreprises"),
    ("Opérateurs", "entreprises:operateurs"),
    ("Participants", "clauses:participants"),
    ("Placements", "clauses:placements"),
    ("Imports", "clauses:imports"),
    ("Rapports", "reporting:rapports"),
]


# The référents' portal: its home is active only on itself, the other entries on their subpages too.
MENU_PORTAIL = [
    ("Accueil", "portail:accueil"),
    ("Marchés", "portail:marches"),
    ("Statistiques", "portail:statistiques"),
    ("Rapports et bilans", "portail:rapports"),
    ("Déclarer un marché", "portail:marche_declaration"),
]
ACCUEILS = {"/", "/portail/"}


def _entrees(modele, chemin: str) -> list[dict]:
    entrees = []
    for libelle, nom in modele:
        try:
            url = reverse(nom)
        except NoReverseMatch:
            continue
        entrees.append({"libelle": libelle, "url": url, "actif": False})
    # The entry whose URL is the longest prefix of the page's path is the active one: « Déclarer un
    # marché » (/portail/marches/declarer/), not « Marchés » (/portail/marches/).
    candidates = [e for e in entrees if (chemin == e["url"] if e["url"] in ACCUEILS else chemin.startswith(e["url"]))]
    if candidates:
        max(candidates, key=lambda e: len(e["url"]))["actif"] = True
    return entrees


def menu(request):
    user = getattr(request, "user", None)
    if est_facilitateur(user):
        return {"menu": _entrees(MENU_FACILITATEUR, request.path), "espace": "tableau_de_bord"}
    if user is not None and user.is_authenticated and request.path.startswith("/portail/"):
        return {"menu": _entrees(MENU_PORTAIL, request.path), "espace": "portail"}
    return {"menu": [], "espace": ""}


# --- The site map: what the current user can open, from the same menus ----------------------------------------

# Pages every visitor may open, logged in or not.
PAGES_PUBLIQUES = [
    ("Déclaration d'accessibilité", "accessibilite"),
    ("Mentions légales", "mentions_legales"),
    ("Plan du site", "plan_du_site"),
]
CONNEXION = [("Se connecter", "connexion"), ("Mot de passe oublié", "password_reset")]
COMPTE_FACILITATEUR = [("Mes exports", "exports"), ("Mon agenda", "reporting:agenda")]
COMPTE_PORTAIL = [("Mes coordonnées", "portail:profil"), ("Mon agenda", "portail:agenda")]


def plan(user) -> list[dict]:
    """The site map's sections for ``user``: the menus they are shown (config's own, so the map never lists a page
    the menu would not), their account's pages, the administration for staff, and the public pages."""
    sections = []
    if est_facilitateur(user):
        sections.append({"titre": "Tableau de bord", "entrees": _entrees(MENU_FACILITATEUR + COMPTE_FACILITATEUR, "")})
    if user.is_authenticated and est_referent(user):
        sections.append(
            {"titre": "Portail des donneurs d'ordre", "entrees": _entrees(MENU_PORTAIL + COMPTE_PORTAIL, "")}
        )
    if user.is_authenticated and user.is_active and user.is_staff:
        sections.append({"titre": "Administration", "entrees": _entrees([("Administration", "admin:index")], "")})
    if not user.is_authenticated:
        sections.append({"titre": "Connexion", "entrees": _entrees(CONNEXION, "")})
    sections.append({"titre": "Informations", "entrees": _entrees(PAGES_PUBLIQUES, "")})
    return sections
