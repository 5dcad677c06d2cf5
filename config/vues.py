"""Base views of the dashboard's create and edit pages, and the facilitator's exports."""

from django.contrib.messages.views import SuccessMessageMixin
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe
from django.views.generic import CreateView, UpdateView

from config import acces, exports_longs
from config.definition_liste import definition_nommee
from config.models import ExportListe, StatutExport
from config.permissions import FacilitateurRequisMixin, facilitateur_requis


class VueFormulaire(FacilitateurRequisMixin, SuccessMessageMixin):
    """Facilitators only, a French success message, then the page named by ``url_succes`` for the object."""

    url_succes = ""  # URL name taking the saved object's pk
    titre = ""  # the page's title; "{objet}" stands for the object being edited

    def get_success_url(self):
        return reverse(self.url_succes, args=[self.object.pk])

    def get_context_data(self, **kwargs):
        kwargs.setdefault("titre", self.titre.format(objet=self.object))
        return super().get_context_data(**kwargs)


class VueCreation(VueFormulaire, CreateView):
    pass


class VueModification(VueFormulaire, UpdateView):
    pass


# --- The exports prepared by the worker (config.exports_longs) ---------------------------------------------------

EXPORTS_AFFICHES = 20


@facilitateur_requis
@require_safe
def mes_exports(request):
    """The facilitator's latest exports; while one is being prepared, the table asks again every three seconds."""
    exports = list(ExportListe.objects.filter(demande_par=request.user)[:EXPORTS_AFFICHES])
    for export in exports:
        export.filtres = exports_longs.filtres_lisibles(export)
    contexte = {
        "titre": "Mes exports",
        "exports": exports,
        "seuil": exports_longs.EXPORT_DIRECT_MAX,
        "suivi": any(e.statut in (StatutExport.EN_ATTENTE, StatutExport.EN_COURS) for e in exports),
    }
    if request.htmx:
        return render(request, "includes/exports_tableau.html", contexte)
    return render(request, "exports.html", contexte)


@facilitateur_requis
@require_safe
def fichier_export(request, pk: int):
    """The workbook, for the facilitator who asked for it only (another's export does not exist for you)."""
    export = get_object_or_404(ExportListe.objects.filter(demande_par=request.user, statut=StatutExport.PRET), pk=pk)
    try:
        fichier = export.fichier.open("rb")
    except FileNotFoundError as exc:
        raise Http404("Le fichier de cet export est introuvable.") from exc
    if _nominatif(export):
        # The names leave when the file is downloaded, not when the worker writes it.
        acces.export(request, export.titre, export.lignes or 0, QueryDict(export.parametres))
    return FileResponse(fichier, as_attachment=True, filename=export.nom_fichier)


def _nominatif(export: ExportListe) -> bool:
    try:
        return definition_nommee(export.vue).nominative
    except (ImportError, TypeError):
        # A list renamed since the export was written: assume it names people rather than leave a read unrecorded.
        return True
