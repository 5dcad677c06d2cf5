"""The facilitators' pages about personal data: who will be anonymised soon and keeping someone longer, the right of
access (a PDF for the person, a JSON file), the erasure with its reason. Facilitators only; URLs carry ids, never
a name (clauses.protection does the work)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from clauses.forms.protection import EffacementForm, ProlongationForm
from clauses.models import Participant
from clauses.protection import acces, anonymisation, conservation
from config import acces as journal_des_lectures
from config.formats import date_longue
from config.permissions import facilitateur_requis
from conventions.models import StructurePorteuse

PAR_PAGE = 50
FORMATS_ACCES = {
    "pdf": ("application/pdf", acces.en_pdf),
    "json": ("application/json; charset=utf-8", acces.en_json),
}


@facilitateur_requis
@require_safe
def conservation_a_venir(request):
    """The people the purge will anonymise within a month, and those past their term (anonymised at the next run)."""
    jour = timezone.localdate()
    echeances = conservation.a_venir(jour)
    page = Paginator(echeances, PAR_PAGE).get_page(request.GET.get("page"))
    participants = Participant.objects.in_bulk([e.participant_id for e in page.object_list])
    lignes = [(e, participants[e.participant_id]) for e in page.object_list if e.participant_id in participants]
    structure = StructurePorteuse.get()
    contexte = {
        "titre": "Données personnelles : anonymisations à venir",
        "jour": jour,
        "limite": jour + conservation.PREAVIS,
        "page_obj": page,
        "paginator": page.paginator,
        "is_paginated": page.has_other_pages(),
        "params_sans_page": "",
        "lignes": lignes,
        "total": len(echeances),
        "structure": structure,
    }
    return render(request, "clauses/protection/conservation.html", contexte)


def _participant(pk: int) -> Participant:
    return get_object_or_404(Participant, pk=pk)


@facilitateur_requis
@require_http_methods(["GET", "HEAD", "POST"])
def prolongation(request, pk: int):
    participant = _participant(pk)
    if participant.est_anonymise:
        messages.info(request, "Ce participant est déjà anonymisé : il n'y a plus rien à conserver.")
        return redirect("clauses:participant", pk=participant.pk)
    echeance = conservation.echeance(participant)
    if request.method == "POST":
        formulaire = ProlongationForm(request.POST)
        if formulaire.is_valid():
            date = formulaire.cleaned_data["conserver_jusqu_au"]
            conservation.prolonger(
                participant, jusqu_au=date, motif=formulaire.cleaned_data["motif"], par=request.user
            )
            if echeance is not None and date <= echeance.calculee:
                messages.success(
                    request,
                    f"Décision enregistrée : la durée normale s'applique, conservation jusqu'au "
                    f"{date_longue(echeance.calculee)}.",
                )
            else:
                messages.success(
                    request, f"Les données de {participant.reference} sont conservées jusqu'au {date_longue(date)}."
                )
            return redirect("clauses:conservation")
    else:
        formulaire = ProlongationForm()
    contexte = {
        "titre": f"Prolonger la conservation — {participant.reference}",
        "participant": participant,
        "echeance": echeance,
        "decisions": participant.prolongations.select_related("decide_par").order_by("-decide_le", "-pk"),
        "form": formulaire,
    }
    return render(request, "clauses/protection/prolongation.html", contexte)


@facilitateur_requis
@require_safe
def droit_d_acces(request, pk: int):
    participant = _participant(pk)
    contexte = {
        "titre": f"Droit d'accès — {participant.reference}",
        "participant": participant,
        "formats": FORMATS_ACCES,
    }
    return render(request, "clauses/protection/acces.html", contexte)


@facilitateur_requis
@require_safe
def droit_d_acces_fichier(request, pk: int, format_: str):
    participant = _participant(pk)
    type_mime, produire = FORMATS_ACCES[format_]
    export = acces.exporter(participant)
    contenu = produire(export)
    # A read of the person's whole file: the log of who read what keeps it (the next export lists it).
    journal_des_lectures.document(
        request,
        f"Droit d'accès : export des données de {participant.reference} ({format_.upper()})",
        objet=participant,
        reference=participant.reference,
    )
    reponse = HttpResponse(contenu, content_type=type_mime)
    reponse["Content-Disposition"] = f'attachment; filename="{acces.nom_de_fichier(export, format_)}"'
    reponse["Cache-Control"] = "no-store"
    return reponse


@facilitateur_requis
@require_http_methods(["GET", "HEAD", "POST"])
def effacement(request, pk: int):
    participant = _participant(pk)
    if participant.est_anonymise:
        messages.info(request, "Ce participant est déjà anonymisé.")
        return redirect("clauses:participant", pk=participant.pk)
    if request.method == "POST":
        formulaire = EffacementForm(request.POST)
        if formulaire.is_valid():
            reference = participant.reference
            anonymisation.effacer(participant, motif=formulaire.cleaned_data["motif"].strip(), par=request.user)
            participant.refresh_from_db()
            messages.success(
                request,
                f"{reference} est effacé : son identité, ses coordonnées et ses notes n'existent plus. Ses placements "
                f"et ses heures restent comptés sous la référence {participant.reference}.",
            )
            return redirect(reverse("clauses:participant", args=[participant.pk]))
    else:
        formulaire = EffacementForm()
    contexte = {
        "titre": f"Effacer (anonymiser) — {participant.reference}",
        "participant": participant,
        "placements": participant.placements.count(),
        "form": formulaire,
    }
    return render(request, "clauses/protection/effacement.html", contexte)
