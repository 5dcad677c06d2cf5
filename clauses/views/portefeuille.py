"""The portfolio import's pages (issue 16 §1): upload, then the import's own page, which follows the worker's check
(htmx polling), shows the preview across every sheet — each sheet's additions, updates and unchanged rows, every
error with its sheet, line and column —, and confirms; the template and the export of the whole portfolio.

The check and the import run in the worker (``clauses.importation.portefeuille.travail``): a portfolio takes
longer than a request may. Only its author sees an import (another facilitator's answers 404).
"""

import tempfile

from django.contrib import messages
from django.core.files.storage import default_storage
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from clauses.forms.imports import FormatPortefeuilleForm, FormatRapportForm, PortefeuilleForm
from clauses.importation import portefeuille
from clauses.importation.portefeuille import modele, travail
from clauses.importation.portefeuille import rapport as compte_rendu
from clauses.importation.portefeuille.export import exporter
from clauses.models import HeuresMensuelles, ImportPortefeuille
from clauses.views.imports import PORTEFEUILLE
from config.export import reponse_xlsx
from config.permissions import facilitateur_requis

# Past this many rows of hours, the export is written by the command (``manage.py exporter_portefeuille``): minutes
# of writing would pass the web server's timeout.
EXPORT_DIRECT_MAX = 300_000
# The author's latest imports, listed under the form.
DERNIERS = 10


def _contexte(request, **extra) -> dict:
    return {
        "titre": PORTEFEUILLE["titre"],
        "config": PORTEFEUILLE,
        "form": PortefeuilleForm(),
        "imports": ImportPortefeuille.objects.filter(demande_par=request.user)[:DERNIERS],
        **extra,
    }


@facilitateur_requis
def import_portefeuille(request):
    """The upload, and the author's latest imports."""
    if request.method == "POST":
        form = PortefeuilleForm(request.POST, request.FILES)
        if form.is_valid():
            import_ = travail.deposer(request.user, form.cleaned_data["fichier"])
            return redirect("clauses:import_portefeuille_suivi", import_.pk)
        return render(request, "clauses/imports/portefeuille.html", _contexte(request, form=form))
    return render(request, "clauses/imports/portefeuille.html", _contexte(request))


def _de_l_auteur(request, pk: int) -> ImportPortefeuille:
    return get_object_or_404(ImportPortefeuille, pk=pk, demande_par=request.user)


@facilitateur_requis
def import_portefeuille_suivi(request, pk: int):
    """One import: its state while the worker works (htmx polls it), its preview, its confirmation."""
    import_ = _de_l_auteur(request, pk)
    if request.method == "POST":
        if "annuler" in request.POST:
            if travail.annuler(import_):
                messages.info(request, "Import annulé : rien n'a été enregistré.")
            return redirect("clauses:import_portefeuille")
        if not travail.confirmer(import_):
            messages.error(request, "Cet import ne peut plus être confirmé : déposez le fichier de nouveau.")
        return redirect("clauses:import_portefeuille_suivi", import_.pk)
    contexte = {
        "titre": f"Import de « {import_.nom_fichier} »",
        "import": import_,
        "apercu": import_.apercu,
        "config": PORTEFEUILLE,
        "rapport_disponible": import_.apercu is not None
        and default_storage.exists(travail.chemin_rapport(import_.pk)),
    }
    if request.htmx:
        if request.GET.get("connu") == import_.statut:
            return HttpResponse(status=204)
        return render(request, "clauses/imports/includes/portefeuille_etat.html", contexte)
    return render(request, "clauses/imports/portefeuille_suivi.html", contexte)


@facilitateur_requis
def import_portefeuille_rapport(request, pk: int):
    """The whole preview's report, as CSV or XLSX: every error by sheet, line and column, every change."""
    import_ = _de_l_auteur(request, pk)
    form = FormatRapportForm(request.GET or {"format": "xlsx"})
    chemin = travail.chemin_rapport(import_.pk)
    if not form.is_valid() or not default_storage.exists(chemin):
        raise Http404("Ce rapport n'est pas disponible.")
    with default_storage.open(chemin, "rb") as stocke:
        donnees = stocke.read()
    nom = "rapport-import-portefeuille"
    if form.cleaned_data["format"] == "xlsx":
        return reponse_xlsx(nom, "Rapport d'import", compte_rendu.colonnes_xlsx(), compte_rendu.lignes(donnees))
    reponse = HttpResponse(compte_rendu.csv_(donnees), content_type="text/csv; charset=utf-8")
    reponse["Content-Disposition"] = f'attachment; filename="{nom}.csv"'
    return reponse


@facilitateur_requis
def modele_portefeuille(request):
    form = FormatPortefeuilleForm(request.GET)
    if not form.is_valid():
        raise Http404("Modèle inconnu.")
    format_fichier = form.cleaned_data["format"]
    reponse = HttpResponse(
        modele.fichier_modele(format_fichier, portefeuille.TYPES), content_type=modele.CONTENT_TYPES[format_fichier]
    )
    reponse["Content-Disposition"] = f'attachment; filename="modele-portefeuille.{format_fichier}"'
    return reponse


@facilitateur_requis
def export_portefeuille(request):
    """The whole portfolio as a file the import reads back: written to a temporary file, then sent."""
    form = FormatPortefeuilleForm(request.GET)
    if not form.is_valid():
        raise Http404("Format inconnu.")
    format_fichier = form.cleaned_data["format"]
    heures = HeuresMensuelles.objects.aggregate(n=Count("pk"))["n"]
    if heures > EXPORT_DIRECT_MAX:
        return render(
            request,
            "clauses/imports/export_trop_long.html",
            {"titre": "Exporter le portefeuille", "heures": heures, "maximum": EXPORT_DIRECT_MAX},
            status=413,
        )
    fichier = tempfile.TemporaryFile()
    exporter(fichier, format_fichier)
    fichier.seek(0)
    horodatage = timezone.localtime().strftime("%Y-%m-%d")
    return FileResponse(
        fichier,
        as_attachment=True,
        filename=f"portefeuille-{horodatage}.{format_fichier}",
        content_type=modele.CONTENT_TYPES[format_fichier],
    )
