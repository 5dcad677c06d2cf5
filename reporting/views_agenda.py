"""« Mon agenda »: a user's calendar feed (``reporting.agenda``), its page and the feed itself.

The page is the facilitator's here and the référent's in ``portail.views.agenda``; both go through ``page_agenda``,
which knows only the logged-in user: a feed is its owner's, not an organisation's. The feed answers without a session
(calendar applications open it), only for a valid address, with its owner's dates as they are on the day it is read:
a user who lost their role or their account gets a 404, as a renewed or deleted address does.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from config.permissions import facilitateur_requis
from reporting import agenda, alertes

# Upcoming dates shown on the page, under the address.
PROCHAINES_DATES = 12


def page_agenda(request: HttpRequest, gabarit: str, nom_url: str, ce_qu_il_contient: str) -> HttpResponse:
    """The page of the user's feed: create it, renew its address (the old one stops at once), or delete it.

    The address is shown once, in the answer to the POST that issued it: only its hash is kept. Reloading that page
    asks to send the form again, which issues yet another address; harmless, since the previous one was never used.
    """
    adresse = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "emettre":
            jeton = agenda.emettre_adresse(request.user)
            adresse = request.build_absolute_uri(reverse("reporting:agenda_flux", args=[jeton]))
        elif action == "supprimer":
            if agenda.supprimer_adresse(request.user):
                messages.success(request, "Votre agenda est supprimé : son adresse ne répond plus.")
            return redirect(nom_url)
        else:
            return redirect(nom_url)
    jour = timezone.localdate()
    liste = agenda.evenements(request.user, jour) or []
    prochaines = [e for e in liste if e.jour >= jour][:PROCHAINES_DATES]
    contexte = {
        "titre": "Mon agenda",
        "abonnement": agenda.abonnement(request.user),
        "adresse": adresse,
        "mois": agenda.regroupes_par_mois(prochaines),
        "nombre": len(liste),
        "debut": agenda.fenetre(jour)[0],
        "fin": agenda.fenetre(jour)[1],
        "ce_qu_il_contient": ce_qu_il_contient,
        "url_page": reverse(nom_url),
    }
    return render(request, gabarit, contexte)


@facilitateur_requis
def agenda_facilitateur(request):
    if alertes.portee_par_defaut(request.user) is None:
        portee = "de toute l'équipe : vous n'avez la charge d'aucun marché"
    else:
        portee = "de vos marchés et de ceux dont personne n'a la charge, et les conventions de leurs donneurs d'ordre"
    return page_agenda(
        request,
        "reporting/agenda.html",
        "reporting:agenda",
        "les dates limites de dénonciation et les échéances des conventions, les bilans annuels et les rapports "
        "périodiques, les suivis à six mois des placements terminés (chaque participant par sa seule référence) et "
        f"les fins d'exécution des lots, {portee}",
    )


@login_not_required
@require_safe
@never_cache
def flux(request, jeton: str):
    """The feed at its secret address: an iCalendar file of its owner's dates."""
    if agenda.client_bloque(request):
        return HttpResponse(
            "Trop d'adresses d'agenda inconnues demandées : réessayez dans une heure.",
            status=429,
            content_type="text/plain; charset=utf-8",
        )
    abonnement = agenda.ouvrir(jeton)
    liste = agenda.evenements(abonnement.user, timezone.localdate()) if abonnement else None
    if liste is None:
        agenda.compter_echec(request)
        raise Http404("Cette adresse d'agenda n'existe pas ou plus.")
    contenu = agenda.calendrier_ics(liste, request.build_absolute_uri, timezone.now())
    reponse = HttpResponse(contenu, content_type="text/calendar; charset=utf-8")
    reponse["Content-Disposition"] = 'inline; filename="clauses.ics"'
    reponse["X-Robots-Tag"] = "noindex"
    return reponse
