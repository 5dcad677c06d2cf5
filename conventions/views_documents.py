"""The stored files of the conventions app, for facilitators: signed conventions and avenants, the structure
porteuse's logo. The fields' ``url`` is these views (``config.fichiers.FichierProtege``): nothing serves them by
their storage path. Référents download their own organisation's documents through the portal's views."""

from django.shortcuts import get_object_or_404
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from config.fichiers import telechargement
from config.permissions import facilitateur_requis
from conventions.models import Avenant, Convention, StructurePorteuse


@facilitateur_requis
@require_safe
def convention_document(request, pk: int):
    convention = get_object_or_404(Convention.objects.select_related("donneur_d_ordre"), pk=pk)
    nom = f"convention-{slugify(convention.numero) or convention.pk}-{slugify(convention.donneur_d_ordre.nom)}"
    return telechargement(convention.document, f"{nom}.pdf", content_type="application/pdf")


@facilitateur_requis
@require_safe
def avenant_document(request, pk: int):
    avenant = get_object_or_404(Avenant.objects.select_related("convention__donneur_d_ordre"), pk=pk)
    nom = f"avenant-{avenant.numero}-{slugify(avenant.convention.donneur_d_ordre.nom)}"
    return telechargement(avenant.document, f"{nom}.pdf", content_type="application/pdf")


@facilitateur_requis
@require_safe
def structure_logo(request, pk: int):
    structure = get_object_or_404(StructurePorteuse, pk=pk)
    return telechargement(structure.logo, structure.logo.name.rsplit("/", 1)[-1])
