"""A lot's page, its hour calculator and the clause drafter."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from clauses import redaction
from clauses.forms.clause import ClauseForm, OptionsRedactionForm, RedactionForm
from clauses.services import avancement_lot, enregistrer_clause
from config.permissions import facilitateur_requis
from conventions.models import StructurePorteuse
from marches.models import Lot
from marches.services import attributions_avec_chiffres

TEMPLATE_RESULTAT = "clauses/clause/includes/calcul_resultat.html"


def _lot(pk: int) -> Lot:
    return get_object_or_404(
        Lot.objects.select_related("marche__donneur_d_ordre", "marche__facilitateur", "clause__corps_d_etat"),
        pk=pk,
    )


def _calcul_de(clause) -> redaction.Calcul | None:
    if clause is None:
        return None
    return redaction.Calcul(
        clause.montant_ht, clause.part_main_oeuvre, clause.taux_insertion, clause.cout_horaire, clause.heures_calculees
    )


@facilitateur_requis
def lot(request, pk):
    lot = _lot(pk)
    clause = getattr(lot, "clause", None)
    avancement = avancement_lot(lot, timezone.localdate())
    attributions = attributions_avec_chiffres(lot.attributions.all()).order_by("role", "entreprise__raison_sociale")
    return render(
        request,
        "clauses/clause/lot.html",
        {
            "titre": f"Lot {lot.numero} — {lot.intitule}",
            "lot": lot,
            "marche": lot.marche,
            "clause": clause,
            "modalites": list(clause.modalites.all()) if clause else [],
            "calcul": _calcul_de(clause),
            "avancement": avancement,
            "attributions": attributions,
        },
    )


@facilitateur_requis
def calcul_objectif(request, pk):
    lot = _lot(pk)
    clause = getattr(lot, "clause", None)
    if request.method == "POST":
        form = ClauseForm(request.POST, lot=lot, instance=clause)
        recalcul = request.POST.get("action") == "recalculer"
        # A share just copied from a newly chosen corps d'état is shown before it is saved.
        if not recalcul and form.part_reprise is None and form.is_valid():
            enregistrer_clause(lot, **form.donnees_clause())
            messages.success(request, f"La clause du lot {lot.numero} a été enregistrée.")
            return redirect("clauses:lot", pk=lot.pk)
        if form.part_reprise is not None and not recalcul:
            messages.info(
                request,
                f"La part de main-d'œuvre du corps d'état « {form.part_reprise.libelle} » a été reprise : "
                "vérifiez le résultat, puis enregistrez.",
            )
        form.is_valid()
    else:
        form = ClauseForm(lot=lot, instance=clause)
    calcul = form.calcul() if form.is_bound else _calcul_de(clause)
    return render(
        request,
        "clauses/clause/calcul.html",
        {
            "titre": f"Objectif d'heures — lot {lot.numero}",
            "lot": lot,
            "marche": lot.marche,
            "clause": clause,
            "form": form,
            "calcul": calcul,
            "oob": False,
        },
    )


@facilitateur_requis
@require_POST
def calcul_apercu(request, pk):
    """htmx: the live result of the calculator, and the labour share when the corps d'état changed."""
    lot = _lot(pk)
    form = ClauseForm(request.POST, lot=lot, instance=getattr(lot, "clause", None))
    form.is_valid()
    return render(request, TEMPLATE_RESULTAT, {"form": form, "calcul": form.calcul(), "lot": lot, "oob": True})


@facilitateur_requis
def redaction_page(request, pk):
    lot = _lot(pk)
    clause = getattr(lot, "clause", None)
    if clause is None:
        messages.info(request, "Calculez d'abord l'objectif d'heures du lot et choisissez sa modalité juridique.")
        return redirect("clauses:calcul_objectif", pk=lot.pk)
    facilitateur = lot.marche.facilitateur or request.user
    options = OptionsRedactionForm(request.GET or None)
    textes = redaction.textes_proposes(clause, facilitateur, StructurePorteuse.get(), options.options())
    return render(
        request,
        "clauses/clause/redaction.html",
        {
            "titre": f"Rédaction de la clause — lot {lot.numero}",
            "lot": lot,
            "marche": lot.marche,
            "clause": clause,
            "modalites": list(clause.modalites.all()),
            "options": options,
            "form": RedactionForm(initial=textes),
        },
    )


def _telecharger(request, pk, format_: str):
    lot = _lot(pk)
    form = RedactionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.non_field_errors()) or "Les textes sont trop longs.")
        return redirect("clauses:redaction", pk=lot.pk)
    clause = getattr(lot, "clause", None)
    objectif = f" — objectif : {redaction.nombre(clause.heures_objectif)} heures" if clause else ""
    document = redaction.Document(
        titre=f"Clause sociale d'insertion — {lot.marche.objet}",
        sous_titre=f"{lot.marche.donneur_d_ordre.nom} — lot n° {lot.numero} « {lot.intitule} »{objectif}",
        sections=form.sections(),
        structure=StructurePorteuse.get(),
        date=timezone.localdate(),
    )
    nom = f"clause-{slugify(lot.marche.objet)[:50]}-lot-{slugify(lot.numero)}"
    if format_ == "docx":
        contenu = redaction.document_docx(document)
        type_mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    else:
        contenu = redaction.document_pdf(document)
        type_mime = "application/pdf"
    reponse = HttpResponse(contenu, content_type=type_mime)
    reponse["Content-Disposition"] = f'attachment; filename="{nom}.{format_}"'
    return reponse


@facilitateur_requis
@require_POST
def redaction_docx(request, pk):
    return _telecharger(request, pk, "docx")


@facilitateur_requis
@require_POST
def redaction_pdf(request, pk):
    return _telecharger(request, pk, "pdf")
