"""The facilitator's annual bilans of a convention: list, write the qualitative text, transmit.

Facilitators only (``facilitateur_requis``). What the référent sees of a bilan is in ``portail.views.statistiques``.
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from config.formats import date_longue
from config.permissions import facilitateur_requis
from conventions import calendrier
from conventions.models import Convention
from conventions.noms import de_avec_article
from reporting import bilans
from reporting.models import BilanAnnuel

TEXTE_MAX = 20000


class BilanForm(forms.Form):
    texte_qualitatif = forms.CharField(
        label="Bilan qualitatif de l'année",
        help_text=(
            "Ce qui s'est passé dans l'année : marchés, parcours, difficultés, perspectives. "
            "Le donneur d'ordre le lira avec les chiffres ci-dessus une fois le bilan transmis. "
            "N'y nommez aucun participant."
        ),
        max_length=TEXTE_MAX,
        widget=forms.Textarea(attrs={"rows": 12}),
        error_messages={"required": "Écrivez le bilan qualitatif avant de l'enregistrer."},
    )


def _convention(pk: int) -> Convention:
    return get_object_or_404(Convention.objects.select_related("donneur_d_ordre"), pk=pk)


@facilitateur_requis
@require_safe
def liste(request, pk: int):
    convention = _convention(pk)
    jour = timezone.localdate()
    contexte = {
        "titre": f"Bilans annuels — {convention}",
        "convention": convention,
        "lignes": bilans.periodes_et_bilans(convention, jour),
        "jour": jour,
    }
    return render(request, "reporting/bilans/liste.html", contexte)


@facilitateur_requis
def edition(request, pk: int, numero: int):
    convention = _convention(pk)
    periode = bilans.periode_commencee(convention, numero, timezone.localdate())
    bilan = convention.bilans.filter(numero_periode=numero).select_related("transmis_par", "commentaire_par").first()
    if bilan is not None:
        debut, fin = bilan.periode_debut, bilan.periode_fin
    elif periode is not None:
        debut, fin = periode.debut, periode.echeance
    else:
        raise Http404("Cette période de la convention n'a pas commencé.")

    if request.method == "POST":
        formulaire = BilanForm(request.POST)
        if formulaire.is_valid():
            # A bilan whose period no longer exists (the convention's dates changed) keeps its own dates.
            periode_du_bilan = periode or calendrier.Periode(numero, debut, fin, fin)
            bilans.enregistrer_texte(convention, periode_du_bilan, formulaire.cleaned_data["texte_qualitatif"])
            messages.success(request, "Le bilan a été enregistré.")
            return redirect("reporting:bilans", pk=convention.pk)
    else:
        formulaire = BilanForm(initial={"texte_qualitatif": bilan.texte_qualitatif if bilan else ""})

    contexte = {
        "titre": f"Bilan du {date_longue(debut)} au {date_longue(fin)}",
        "convention": convention,
        "numero": numero,
        "debut": debut,
        "fin": fin,
        "bilan": bilan,
        "form": formulaire,
        **bilans.chiffres_du_bilan(convention.donneur_d_ordre_id, debut, fin),
    }
    return render(request, "reporting/bilans/edition.html", contexte)


@facilitateur_requis
@require_POST
def transmission(request, pk: int):
    bilan = get_object_or_404(BilanAnnuel.objects.select_related("convention__donneur_d_ordre"), pk=pk)
    if bilan.est_transmis:
        messages.info(
            request, f"Ce bilan a déjà été transmis le {date_longue(timezone.localdate(bilan.transmis_le))}."
        )
    elif not bilan.texte_qualitatif.strip():
        messages.error(request, "Écrivez le bilan qualitatif avant de le transmettre.")
    elif bilans.transmettre(bilan, request.user):
        du_donneur = de_avec_article(bilan.convention.donneur_d_ordre.nom)
        messages.success(request, f"Le bilan est transmis : les référents {du_donneur} le lisent sur le portail.")
    else:
        messages.info(request, "Ce bilan a déjà été transmis.")
    return redirect(reverse("reporting:bilans", args=[bilan.convention_id]))
