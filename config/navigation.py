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
]


def menu(request):
    if not est_facilitateur(getattr(request, "user", None)):
        return {"menu": []}
    entrees = []
    chemin = request.path
    for libelle, nom in MENU_FACILITATEUR:
        try:
            url = reverse(nom)
        except NoReverseMatch:
            continue
        actif = chemin == url if url == "/" else chemin.startswith(url)
        entrees.append({"libelle": libelle, "url": url, "actif": actif})
    return {"menu": entrees}
