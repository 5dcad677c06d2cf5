"""The facilitator's report archive, and the documents asked for from the dashboard's pages.

Facilitators only. A request creates the row « en attente » (the worker does the rest); the page then
follows the row: an htmx request gets the state partial, which polls every two seconds until the document
is ready (a download link) or has failed (its message, and « Relancer »). Without htmx, the request
redirects to the row's page, which shows the same partial. What a référent asks for is in
``portail.views.statistiques``.
"""

import datetime as dt

import django_filters
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from config import acces
from config.definition_liste import DefinitionListe
from config.formats import date_longue
from config.listes import VueListe
from config.permissions import facilitateur_requis
from conventions.models import DonneurDOrdre
from reporting import demandes_rapports
from reporting.demandes_rapports import DemandeRapportForm
from reporting.documents import rapport_marche
from reporting.models import Rapport, StatutRapport, TypeRapport

ANNEES_PROPOSEES = 10


def _annees():
    annee = timezone.localdate().year
    return [(str(a), str(a)) for a in range(annee, annee - ANNEES_PROPOSEES, -1)]


class RapportFilter(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(label="Document", choices=TypeRapport.choices, empty_label="Tous")
    statut = django_filters.ChoiceFilter(label="Statut", choices=StatutRapport.choices, empty_label="Tous")
    donneur_d_ordre = django_filters.ModelChoiceFilter(
        # Only what the options show (str() is the name): a territory has thousands of donneurs d'ordre.
        label="Donneur d'ordre",
        queryset=DonneurDOrdre.objects.only("pk", "nom").order_by("nom", "pk"),
        empty_label="Tous",
    )
    annee = django_filters.ChoiceFilter(label="Année", choices=_annees, empty_label="Toutes", method="filtrer_annee")

    class Meta:
        model = Rapport
        fields = ["type", "statut", "donneur_d_ordre", "annee"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for champ in self.form.fields.values():
            champ.widget.attrs.setdefault("class", "form-select form-select-sm")

    def filtrer_annee(self, queryset, name, value):
        # A document belongs to every year its period touches (a convention's year straddles two).
        annee = int(value)
        return queryset.filter(periode_debut__lte=dt.date(annee, 12, 31), periode_fin__gte=dt.date(annee, 1, 1))


def _portee(rapport: Rapport) -> str:
    if rapport.marche is not None:
        return f"Marché « {rapport.marche.objet} »"
    if rapport.convention is not None:
        numero = f" n° {rapport.convention.numero}" if rapport.convention.numero else ""
        return f"Convention{numero}"
    return "Tout le territoire" if not rapport.donneur_d_ordre_id else ""


class DefinitionRapports(DefinitionListe):
    model = Rapport
    filterset_class = RapportFilter
    titre = "Rapports"
    nom_export = "rapports"
    tris = {
        "type": "type",
        "donneur": "donneur_d_ordre__nom",
        "periode": "periode_debut",
        "statut": "statut",
        "demande": "cree_le",
        "envoi": "envoye_le",
    }
    tri_par_defaut = "-demande"
    colonnes_export = [
        ("Document", lambda r: r.get_type_display()),
        ("Donneur d'ordre", lambda r: r.donneur_d_ordre.nom if r.donneur_d_ordre_id else ""),
        ("Portée", _portee),
        ("Copie nominative", lambda r: r.nominatif),
        ("Début", lambda r: r.periode_debut),
        ("Fin", lambda r: r.periode_fin),
        ("Statut", lambda r: r.get_statut_display()),
        ("Message d'erreur", lambda r: r.message_erreur),
        ("Demandé par", lambda r: str(r.demande_par) if r.demande_par_id else "Calendrier"),
        ("Demandé le", lambda r: r.cree_le),
        ("Terminé le", lambda r: r.termine_le),
        ("Envoyé le", lambda r: r.envoye_le),
        ("Destinataires", lambda r: ", ".join(r.destinataires.split())),
        ("Empreinte SHA-256", lambda r: r.empreinte),
    ]

    def lignes(self):
        return Rapport.objects.select_related("donneur_d_ordre", "convention", "marche", "demande_par")


class RapportListe(VueListe):
    definition = DefinitionRapports
    template_name = "reporting/rapports/liste.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The national survey is answered for the last complete year (reporting.enquete_nationale).
        context["annee_enquete"] = timezone.localdate().year - 1
        return context


# --- Asking for a document, following it ----------------------------------------------------------------------


def _reponse_etat(request, rapport: Rapport, *, deja_demande: bool = False, status: int = 200):
    contexte = {**demandes_rapports.contexte_etat(rapport, "reporting"), "deja_demande": deja_demande}
    return render(request, "reporting/includes/rapport_etat.html", contexte, status=status)


def _objet_choisi(formulaire, nom: str):
    """The marché or convention a request is about, to name it on the page (None if there is none or it is wrong)."""
    if formulaire.is_bound:
        return getattr(formulaire, "cleaned_data", {}).get(nom)
    valeur = formulaire.initial.get(nom)
    if not valeur:
        return None
    try:
        return formulaire.fields[nom].clean(valeur)
    except ValidationError:  # a wrong ?marche= in a link only leaves the scope unnamed
        return None


@facilitateur_requis
@require_http_methods(["GET", "HEAD", "POST"])
def demande(request):
    """GET: the request form (prefilled from the link that led here). POST: create the row and follow it."""
    if request.method == "POST":
        formulaire = DemandeRapportForm(request.POST)
        if formulaire.is_valid():
            rapport, nouveau = demandes_rapports.demander(formulaire.demande, request.user)
            if request.htmx:
                return _reponse_etat(request, rapport, deja_demande=not nouveau)
            if nouveau:
                messages.success(request, f"{rapport.get_type_display()} demandé : il sera prêt dans un instant.")
            else:
                messages.info(request, "Ce document est déjà en préparation : voici où il en est.")
            return redirect("reporting:rapport_etat", pk=rapport.pk)
        if request.htmx:
            return render(request, "reporting/includes/rapport_erreurs.html", {"form": formulaire})
    else:
        champs = DemandeRapportForm.base_fields
        formulaire = DemandeRapportForm(initial={k: v for k, v in request.GET.items() if k in champs})
    contexte = {
        "titre": "Demander un rapport",
        "form": formulaire,
        "marche_choisi": _objet_choisi(formulaire, "marche"),
        "convention_choisie": _objet_choisi(formulaire, "convention"),
    }
    return render(request, "reporting/rapports/demande.html", contexte)


def _rapport(pk: int) -> Rapport:
    return get_object_or_404(
        Rapport.objects.select_related("donneur_d_ordre", "convention", "marche", "demande_par"), pk=pk
    )


@facilitateur_requis
@require_safe
def etat(request, pk: int):
    """The row's page; for htmx, its state partial — nothing at all (204) while the state is the one the page
    already shows, so a poll every two seconds neither redraws nor re-announces the same words."""
    rapport = _rapport(pk)
    contexte = demandes_rapports.contexte_etat(rapport, "reporting")
    if request.htmx:
        if contexte["suivi"] and request.GET.get("connu") == rapport.statut:
            return HttpResponse(status=204)
        return render(request, "reporting/includes/rapport_etat.html", contexte)
    debut, fin = date_longue(rapport.periode_debut), date_longue(rapport.periode_fin)
    contexte["titre"] = f"{rapport.get_type_display()} du {debut} au {fin}"
    return render(request, "reporting/rapports/etat.html", contexte)


@facilitateur_requis
@require_POST
def relance(request, pk: int):
    rapport = _rapport(pk)
    if rapport.statut != StatutRapport.ECHEC:
        if request.htmx:
            return _reponse_etat(request, rapport)
        messages.info(request, "Seul un document en échec se relance.")
        return redirect("reporting:rapport_etat", pk=rapport.pk)
    nouveau = demandes_rapports.relancer(rapport, request.user)
    if request.htmx:
        return _reponse_etat(request, nouveau)
    messages.success(request, "Le document est redemandé ; l'échec précédent reste dans l'archive.")
    return redirect("reporting:rapport_etat", pk=nouveau.pk)


@facilitateur_requis
@require_safe
def telecharger(request, pk: int):
    rapport = get_object_or_404(Rapport.objects.prets(), pk=pk)
    try:
        fichier = rapport.fichier.open("rb")
    except FileNotFoundError as exc:
        raise Http404("Le fichier de ce rapport est introuvable.") from exc
    nom = rapport.nom_telechargement()
    if rapport.nominatif:
        # The facilitator may hold both copies of one report: the names say which is which.
        base, _, extension = nom.rpartition(".")
        nom = f"{base}-nominatif.{extension}"
        personnes = rapport_marche.personnes_nommees(rapport) if rapport.marche_id else 0
        acces.document(request, f"{rapport} — copie nominative", objet=rapport, personnes=personnes)
    return FileResponse(fichier, as_attachment=True, filename=nom)
