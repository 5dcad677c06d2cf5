"""The dashboard's main menu, as a context processor: one list, the active entry marked."""

from django.urls import NoReverseMatch, reverse

from config.permissions import est_facilitateur

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
