"""The portfolio import's pages: upload → preview across every sheet → confirmation, its template, and the export
of the whole portfolio in the same layout (issue 16 §1).

The page is an import like the others (``VueImport``: the upload kept between preview and confirmation, the
preview's report downloadable), whose preview lists each sheet's additions, updates and unchanged rows, and every
error with its sheet, line and column.
"""

import tempfile

from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clauses.forms.imports import FormatPortefeuilleForm, PortefeuilleForm
from clauses.importation import portefeuille
from clauses.importation.portefeuille import modele
from clauses.importation.portefeuille import rapport as compte_rendu_portefeuille
from clauses.importation.portefeuille.export import exporter
from clauses.models import HeuresMensuelles
from clauses.views.imports import PORTEFEUILLE, VueImport
from config.permissions import facilitateur_requis

# Past this many rows of hours, the export is written by the command (``manage.py exporter_portefeuille``): minutes
# of writing would pass the web server's timeout.
EXPORT_DIRECT_MAX = 300_000


class ImportPortefeuille(VueImport):
    type_import = PORTEFEUILLE["type"]
    template_name = "clauses/imports/portefeuille.html"
    form_class = PortefeuilleForm
    compte_rendu = compte_rendu_portefeuille

    @property
    def nom_rapport(self) -> str:
        return "rapport-import-portefeuille"

    @property
    def config(self) -> dict:
        return PORTEFEUILLE

    def analyser(self, fichier, nom: str, taille: int):
        return portefeuille.analyser(fichier, nom, taille, utilisateur=self.request.user)

    def importer(self, fichier, nom: str, taille: int):
        return portefeuille.importer(fichier, nom, taille, self.request.user)


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
