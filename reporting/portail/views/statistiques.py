"""Participant statistics (small counts suppressed), reports and annual bilans of the current organisation.

Every figure about people goes through ``reporting.diffusion``; every lookup starts from
``request.donneur``. The référent may ask for their organisation's rapport périodique or bilan annuel
(``reporting.demandes_rapports``) and follow its production; they follow only what is addressed to their
organisation and is ready, or what they asked for themselves. Nothing here reads a participant's row: the
tables are counts computed in the database.
"""

import datetime as dt

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from config.formats import date_longue
from conventions.portail import portail_requis
from reporting import bilans, demandes_rapports, diffusion, indicateurs
from reporting.demandes_rapports import DemandePortailForm
from reporting.indicateurs import Periode
from reporting.models import BilanAnnuel, Rapport, StatutRapport
from reporting.portail.forms import CommentaireForm
from reporting.views import ChoixAnneeForm

# The référent's own requests shown with their state: the recent ones, a handful.
DEMANDES_AFFICHEES = dt.timedelta(days=30)
LIMITE_DEMANDES = 10


@portail_requis
@require_safe
def statistiques(request):
    jour = timezone.localdate()
    formulaire = ChoixAnneeForm(request.GET or {"annee": jour.year}, annee_courante=jour.year)
    annee = formulaire.annee_choisie(jour.year)
    periode = Periode.annee(annee)
    donneur = request.donneur
    # One walk over the organisation's hours gives their sum and the people the tables break down.
    population = indicateurs.population_en_parcours(periode.debut, periode.fin, donneur=donneur)
    contexte = {
        "titre": f"Statistiques {annee} — {donneur.nom}",
        "annees": formulaire.annees,
        "annee": annee,
        "periode": periode,
        "heures": population.synthese.heures,
        "statistiques": diffusion.statistiques_personnes(
            periode.debut, periode.fin, population=population, donneur=donneur
        ),
        "seuil": diffusion.SEUIL,
        "regle_de_diffusion": diffusion.PHRASE,
    }
    return render(request, "reporting/portail/statistiques.html", contexte)


def _contexte_rapports(request, formulaire) -> dict:
    donneur = request.donneur
    # What the référent asked for lately and is not ready (ready documents are in the list above it).
    depuis = timezone.now() - DEMANDES_AFFICHEES
    demandes = (
        demandes_rapports.rapports_du_portail(donneur, request.user)
        .filter(demande_par=request.user, cree_le__gte=depuis)
        .exclude(statut=StatutRapport.PRET)
        .select_related("convention", "marche", "donneur_d_ordre")[:LIMITE_DEMANDES]
    )
    return {
        "titre": f"Rapports et bilans — {donneur.nom}",
        "rapports": Rapport.objects.pour_le_portail(donneur).select_related("convention", "marche"),
        "bilans_annuels": BilanAnnuel.objects.for_donneur(donneur)
        .transmis()
        .select_related("convention")
        .order_by("-periode_debut", "convention__numero"),
        "form": formulaire,
        "demandes": [demandes_rapports.contexte_etat(r, "portail") for r in demandes],
        "periodicite": donneur.get_periodicite_rapport_display().lower(),
    }


@portail_requis
@require_safe
def rapports(request):
    formulaire = DemandePortailForm(donneur=request.donneur)
    return render(request, "reporting/portail/rapports.html", _contexte_rapports(request, formulaire))


@portail_requis
@require_POST
def rapport_demande(request):
    """A rapport périodique or a bilan annuel of the current organisation, never a nominative copy."""
    formulaire = DemandePortailForm(request.POST, donneur=request.donneur)
    if not formulaire.is_valid():
        if request.htmx:
            return render(request, "reporting/includes/rapport_erreurs.html", {"form": formulaire})
        return render(request, "reporting/portail/rapports.html", _contexte_rapports(request, formulaire))
    rapport, nouveau = demandes_rapports.demander(formulaire.demande, request.user)
    if request.htmx:
        contexte = {**demandes_rapports.contexte_etat(rapport, "portail"), "deja_demande": not nouveau}
        return render(request, "reporting/includes/rapport_etat.html", contexte)
    if nouveau:
        messages.success(request, f"{rapport.get_type_display()} demandé : il sera prêt dans un instant.")
    else:
        messages.info(request, "Ce document est déjà en préparation : voici où il en est.")
    return redirect("portail:rapport_etat", pk=rapport.pk)


def _etat(request, rapport: Rapport):
    return render(request, "reporting/includes/rapport_etat.html", demandes_rapports.contexte_etat(rapport, "portail"))


def _rapport_suivi(request, pk: int) -> Rapport:
    return get_object_or_404(
        demandes_rapports.rapports_du_portail(request.donneur, request.user).select_related(
            "convention", "marche", "donneur_d_ordre"
        ),
        pk=pk,
    )


@portail_requis
@require_safe
def rapport_etat(request, pk: int):
    """A document of the organisation: its page, or for htmx its state partial (204 while unchanged)."""
    rapport = _rapport_suivi(request, pk)
    contexte = demandes_rapports.contexte_etat(rapport, "portail")
    if request.htmx:
        if contexte["suivi"] and request.GET.get("connu") == rapport.statut:
            return HttpResponse(status=204)
        return render(request, "reporting/includes/rapport_etat.html", contexte)
    contexte["titre"] = (
        f"{rapport.get_type_display()} du {date_longue(rapport.periode_debut)} au {date_longue(rapport.periode_fin)}"
    )
    return render(request, "reporting/portail/rapport_etat.html", contexte)


@portail_requis
@require_POST
def rapport_relance(request, pk: int):
    rapport = _rapport_suivi(request, pk)
    if rapport.statut != StatutRapport.ECHEC:
        if request.htmx:
            return _etat(request, rapport)
        messages.info(request, "Seul un document en échec se relance.")
        return redirect("portail:rapport_etat", pk=rapport.pk)
    nouveau = demandes_rapports.relancer(rapport, request.user)
    if request.htmx:
        return _etat(request, nouveau)
    messages.success(request, "Le document est redemandé.")
    return redirect("portail:rapport_etat", pk=nouveau.pk)


@portail_requis
@require_safe
def rapport_telecharger(request, pk: int):
    rapport = get_object_or_404(Rapport.objects.pour_le_portail(request.donneur), pk=pk)
    try:
        fichier = rapport.fichier.open("rb")
    except FileNotFoundError as exc:
        raise Http404("Le fichier de ce rapport est introuvable.") from exc
    return FileResponse(fichier, as_attachment=True, filename=rapport.nom_telechargement())


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
