"""The facilitators' pages of the données essentielles: the marchés to follow, the upload, the review of one."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import cached_property
from django.views import View

from config.permissions import FacilitateurRequisMixin
from marches.decp import importation, services
from marches.decp.forms import CreationDepuisDECPForm, ImportDECPForm
from marches.models import ImportDECP, MarcheDECP

PAR_PAGE = 50
IMPORTS_AFFICHES = 5


class Propositions(FacilitateurRequisMixin, View):
    """The territory's DECP marchés with a social consideration that Clauses does not follow yet."""

    def get(self, request):
        queryset = services.propositions()
        page = Paginator(queryset, PAR_PAGE).get_page(request.GET.get("page"))
        return render(
            request,
            "marches/decp/propositions.html",
            {
                "titre": "Données essentielles de la commande publique",
                "marches": page.object_list,
                "page_obj": page,
                "paginator": page.paginator,
                "is_paginated": page.has_other_pages(),
                "params_sans_page": "",
                "nb_enregistres": MarcheDECP.objects.count(),
                "nb_suivis": MarcheDECP.objects.filter(marche__isnull=False).count(),
                "imports": ImportDECP.objects.select_related("utilisateur")[:IMPORTS_AFFICHES],
            },
        )


class Import(FacilitateurRequisMixin, View):
    """Upload of a DECP file: read and recorded at once (all or nothing, and nothing changes the second time)."""

    template_name = "marches/decp/import.html"

    def rendre(self, form, rapport=None, nom_fichier="", status=200):
        return render(
            self.request,
            self.template_name,
            {
                "titre": "Importer des données essentielles",
                "form": form,
                "rapport": rapport,
                "nom_fichier": nom_fichier,
                "erreurs_gardees": importation.ERREURS_GARDEES,
            },
            status=status,
        )

    def get(self, request):
        return self.rendre(ImportDECPForm())

    def post(self, request):
        form = ImportDECPForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.rendre(form, status=400)
        fichier = form.cleaned_data["fichier"]
        rapport = importation.importer(fichier, nom=fichier.name, utilisateur=request.user)
        if not rapport.valide:
            return self.rendre(ImportDECPForm(), rapport=rapport, nom_fichier=fichier.name, status=400)
        messages.success(request, f"Import de « {fichier.name} » terminé : {rapport.resume}")
        return redirect("marches:decp")


class Examen(FacilitateurRequisMixin, View):
    """One DECP marché: what following it in Clauses would create, then the creation in one click."""

    template_name = "marches/decp/examen.html"

    # Loaded after the role check: a référent gets 403 whether the record exists or not.
    @cached_property
    def decp(self) -> MarcheDECP:
        return get_object_or_404(MarcheDECP.objects.select_related("donneur_d_ordre", "marche"), pk=self.kwargs["pk"])

    @cached_property
    def titulaires(self) -> list[services.TitulaireApercu]:
        return services.titulaires(self.decp)

    def rendre(self, form, status=200):
        for titulaire in self.titulaires:
            if titulaire.creable:
                titulaire.champ_ajouter = form[f"ajouter_{titulaire.identifiant}"]
                titulaire.champ_raison = form[f"raison_{titulaire.identifiant}"]
        debut, fin = services.dates_d_execution(self.decp)
        return render(
            self.request,
            self.template_name,
            {
                "titre": self.decp.objet[:120],
                "decp": self.decp,
                "titulaires": self.titulaires,
                "form": form,
                "debut": debut,
                "fin": fin,
                "numero_lot": services.NUMERO_LOT_UNIQUE,
            },
            status=status,
        )

    def get(self, request, pk):
        return self.rendre(CreationDepuisDECPForm(titulaires=self.titulaires))

    def post(self, request, pk):
        form = CreationDepuisDECPForm(request.POST, titulaires=self.titulaires)
        if not form.is_valid():
            return self.rendre(form, status=400)
        try:
            marche = services.creer_marche(self.decp, request.user, form.nouvelles_entreprises())
        except ValidationError as erreur:
            messages.error(request, " ".join(erreur.messages))
            return redirect("marches:decp_examen", pk=self.decp.pk)
        nb = marche.lots.get().attributions.count()
        messages.success(
            request,
            f"Le marché « {marche.objet} » est désormais suivi dans Clauses, avec son lot et "
            f"{nb} attributaire{'s' if nb > 1 else ''}. Calculez l'objectif d'heures de son lot.",
        )
        return redirect("marches:marche", pk=marche.pk)
