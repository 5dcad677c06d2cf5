"""Participant statistics (small counts suppressed), reports and annual bilans of the current organisation.

Every figure about people goes through ``reporting.confidentialite``; every lookup starts from
``request.donneur``. Nothing here reads a participant's row: the tables are counts computed in the database.
"""

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_safe

from config.formats import date_longue
from conventions.portail import portail_requis
from reporting import bilans, confidentialite, indicators
from reporting.indicators import Periode
from reporting.models import BilanAnnuel, Rapport
from reporting.views import ChoixAnneeForm


@portail_requis
@require_safe
def statistiques(request):
    jour = timezone.localdate()
    formulaire = ChoixAnneeForm(request.GET or {"annee": jour.year}, annee_courante=jour.year)
    annee = formulaire.annee_choisie(jour.year)
    periode = Periode.annee(annee)
    donneur = request.donneur
    contexte = {
        "titre": f"Statistiques {annee} — {donneur.nom}",
        "annees": formulaire.fields["annee"].choices,
        "annee": annee,
        "periode": periode,
        "heures": indicators.heures_realisees(periode.debut, periode.fin, donneur=donneur),
        "statistiques": confidentialite.statistiques_personnes(periode.debut, periode.fin, donneur=donneur),
        "seuil": confidentialite.SEUIL,
    }
    return render(request, "reporting/portail/statistiques.html", contexte)


@portail_requis
@require_safe
def rapports(request):
    donneur = request.donneur
    contexte = {
        "titre": f"Rapports et bilans — {donneur.nom}",
        "rapports": Rapport.objects.pour_le_portail(donneur).select_related("convention", "marche"),
        "bilans_annuels": BilanAnnuel.objects.for_donneur(donneur)
        .transmis()
        .select_related("convention")
        .order_by("-periode_debut", "convention__numero"),
    }
    return render(request, "reporting/portail/rapports.html", contexte)


@portail_requis
@require_safe
def rapport_telecharger(request, pk: int):
    rapport = get_object_or_404(Rapport.objects.pour_le_portail(request.donneur), pk=pk)
    try:
        fichier = rapport.fichier.open("rb")
    except FileNotFoundError as exc:
        raise Http404("Le fichier de ce rapport est introuvable.") from exc
    return FileResponse(fichier, as_attachment=True, filename=rapport.nom_telechargement())


class CommentaireForm(forms.Form):
    commentaire_donneur = forms.CharField(
        label="Votre commentaire sur ce bilan",
        help_text="Le facilitateur le lit avec le bilan. Vous pouvez le modifier à tout moment.",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Écrivez votre commentaire avant de l'enregistrer."},
    )


@portail_requis
def bilan(request, pk: int):
    bilan = get_object_or_404(
        BilanAnnuel.objects.for_donneur(request.donneur).transmis().select_related("convention", "commentaire_par"),
        pk=pk,
    )
    if request.method == "POST":
        formulaire = CommentaireForm(request.POST)
        if formulaire.is_valid():
            bilans.commenter(bilan, formulaire.cleaned_data["commentaire_donneur"], request.user)
            messages.success(request, "Votre commentaire a été enregistré.")
            return redirect("portail:bilan", pk=bilan.pk)
    else:
        formulaire = CommentaireForm(initial={"commentaire_donneur": bilan.commentaire_donneur})
    contexte = {
        "titre": f"Bilan du {date_longue(bilan.periode_debut)} au {date_longue(bilan.periode_fin)}",
        "bilan": bilan,
        "form": formulaire,
        **bilans.chiffres_du_bilan(request.donneur.pk, bilan.periode_debut, bilan.periode_fin),
    }
    return render(request, "reporting/portail/bilan.html", contexte)


urlpatterns = [
    path("statistiques/", statistiques, name="statistiques"),
    path("rapports/", rapports, name="rapports"),
    path("rapports/<int:pk>/telecharger/", rapport_telecharger, name="rapport_telecharger"),
    path("bilans/<int:pk>/", bilan, name="bilan"),
]
