"""The portal's home, its conventions and marchés, the organisation switcher and the référent's details."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from conventions.portail import choisir_donneur, portail_requis


@portail_requis
def accueil(request):
    return render(request, "reporting/portail/accueil.html", {"titre": f"Portail — {request.donneur.nom}"})


@require_POST
@portail_requis
def changer_donneur(request):
    try:
        donneur_id = int(request.POST.get("donneur", ""))
    except ValueError:
        donneur_id = 0
    donneur = choisir_donneur(request, donneur_id)
    if donneur is None:
        messages.error(request, "Vous n'êtes pas référent de cette organisation.")
    else:
        messages.success(request, f"Vous consultez maintenant l'espace de {donneur.nom}.")
    return redirect("portail:accueil")


urlpatterns = [
    path("", accueil, name="accueil"),
    path("organisation/", changer_donneur, name="changer_donneur"),
]
