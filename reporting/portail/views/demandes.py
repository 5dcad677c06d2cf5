"""What a référent sends: a new marché to support, the attributaires and calendar of an awarded one.

Both land as requests for the facilitator (a marché "en préparation" waiting to be taken in charge, proposals
waiting to be accepted): nothing a référent sends here overwrites validated data. Every lookup starts from
``request.donneur``; another organisation's marché answers 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse

from conventions.portail import portail_requis
from marches import services
from marches.forms import LIGNES_MAX, DeclarationMarcheForm, formset_propositions
from marches.models import STATUTS_ACTIFS, Attribution, Marche, PropositionAttribution


def _url_du_marche(marche: Marche) -> str:
    """The marché's portal page; the portal's list (or home) while that page does not exist."""
    for nom, args in (("portail:marche", [marche.pk]), ("portail:marches", None), ("portail:accueil", None)):
        try:
            return reverse(nom, args=args)
        except NoReverseMatch:
            continue
    raise NoReverseMatch("Aucune page du portail pour le marché.")


def _site(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _contact_initial(user) -> dict:
    return {
        "contact_nom": user.get_full_name(),
        "contact_email": user.email,
        "contact_telephone": getattr(user, "telephone", ""),
    }


@portail_requis
def marche_declaration(request):
    if request.method == "POST":
        form = DeclarationMarcheForm(request.POST)
        if form.is_valid():
            marche, nouveau = services.declarer_marche(
                donneur=request.donneur,
                utilisateur=request.user,
                donnees=form.donnees(),
                site=_site(request),
                cle=form.cle_de_soumission(),
            )
            if nouveau:
                messages.success(
                    request,
                    f"Votre marché « {marche.objet} » a été transmis au facilitateur, qui va prendre contact avec "
                    "vous.",
                )
            else:
                messages.info(
                    request,
                    f"Ce formulaire avait déjà été envoyé : votre marché « {marche.objet} » a bien été transmis une "
                    "seule fois au facilitateur.",
                )
            return redirect(_url_du_marche(marche))
    else:
        form = DeclarationMarcheForm(initial=_contact_initial(request.user))
    return render(
        request,
        "reporting/portail/demandes/declaration.html",
        {"titre": "Déclarer un marché", "form": form},
    )


def _lignes_demandees(request) -> int | None:
    try:
        return max(1, min(int(request.GET.get("lignes", "")), LIGNES_MAX))
    except ValueError:
        return None


@portail_requis
def attributaires(request, pk):
    marche = get_object_or_404(Marche.objects.for_donneur(request.donneur), pk=pk)
    lots = list(marche.lots.order_by("numero", "pk"))
    attribue = marche.statut in STATUTS_ACTIFS
    formset = None
    if attribue and lots:
        if request.method == "POST":
            formset = formset_propositions(marche, lots, data=request.POST)
            if formset.is_valid():
                try:
                    propositions = services.proposer_attributions(
                        marche, request.user, formset.lignes(), site=_site(request)
                    )
                except ValidationError as erreur:
                    messages.error(request, " ".join(erreur.messages))
                else:
                    nombre = len(propositions)
                    messages.success(
                        request,
                        f"{nombre} attributaire{'s' if nombre > 1 else ''} envoyé{'s' if nombre > 1 else ''} au "
                        "facilitateur. Vous verrez ci-dessous sa réponse.",
                    )
                    return redirect("portail:attributaires", pk=marche.pk)
        else:
            formset = formset_propositions(marche, lots, lignes=_lignes_demandees(request))
    elif request.method == "POST":
        messages.error(request, "Ce marché ne peut pas recevoir d'attributaires pour l'instant : rien n'a été envoyé.")
    envois = (
        PropositionAttribution.objects.for_donneur(request.donneur)
        .filter(marche=marche)
        .select_related("lot")
        .order_by("-envoye_le", "-pk")
    )
    enregistrees = (
        Attribution.objects.for_donneur(request.donneur)
        .filter(lot__marche=marche)
        .select_related("lot", "entreprise")
        .order_by("lot__numero", "role", "entreprise__raison_sociale")
    )
    return render(
        request,
        "reporting/portail/demandes/attributaires.html",
        {
            "titre": f"Attributaires — {marche.objet}",
            "marche": marche,
            "url_marche": _url_du_marche(marche),
            "attribue": attribue,
            "lots": lots,
            "formset": formset,
            "envois": envois,
            "attributions": enregistrees,
            "lignes_possibles": range(1, LIGNES_MAX + 1),
        },
    )
