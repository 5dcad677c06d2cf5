"""The référent's « Mon agenda »: the calendar feed of their donneurs d'ordre's dates (``reporting.agenda``).

The feed is the user's, not the current organisation's: it holds the dates of every donneur d'ordre they are a
référent of, and nothing about people.
"""

from conventions.portail import portail_requis
from reporting.views_agenda import page_agenda


@portail_requis
def agenda(request):
    return page_agenda(
        request,
        "reporting/portail/agenda.html",
        "portail:agenda",
        "les dates limites de dénonciation et les échéances des conventions, les bilans annuels, les rapports "
        "périodiques et les fins d'exécution des lots de vos marchés, pour chaque organisation dont vous êtes "
        "référent ; aucune information sur les personnes",
    )
