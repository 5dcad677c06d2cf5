"""The monthly hours grid of an attribution: one input per placement and month, saved cell by cell
with htmx, or as a whole form without JavaScript."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View
from django.views.decorators.http import require_POST

from clauses import heures as service
from clauses.forms.heures import lire_annee, lire_saisies
from clauses.models import Placement
from config.permissions import FacilitateurRequisMixin, facilitateur_requis
from marches.models import Attribution


def url_grille(attribution_id: int, annee: int) -> str:
    return f"{reverse('clauses:heures_grille', args=[attribution_id])}?annee={annee}"


class GrilleHeures(FacilitateurRequisMixin, View):
    template_name = "clauses/heures/grille.html"

    def get_attribution(self) -> Attribution:
        return get_object_or_404(
            Attribution.objects.select_related("entreprise", "lot__marche__donneur_d_ordre", "lot__clause"),
            pk=self.kwargs["pk"],
        )

    def rendre(self, grille: service.Grille):
        attribution = grille.attribution
        titre = (
            f"Heures de {attribution.entreprise.raison_sociale} — {attribution.lot} ({attribution.lot.marche.objet})"
        )
        return render(self.request, self.template_name, {"titre": titre, "grille": grille})

    def get(self, request, pk):
        attribution = self.get_attribution()
        return self.rendre(service.construire_grille(attribution, lire_annee(request.GET.get("annee"))))

    def post(self, request, pk):
        attribution = self.get_attribution()
        annee = lire_annee(request.POST.get("annee"))
        saisies = lire_saisies(request.POST)
        erreurs = service.enregistrer_grille(attribution, saisies, request.user)
        grille = service.construire_grille(attribution, annee, saisies=saisies if erreurs else None, erreurs=erreurs)
        if erreurs:
            return self.rendre(grille)
        messages.success(request, "La grille a été enregistrée.")
        return HttpResponseRedirect(url_grille(attribution.pk, grille.annee))


@facilitateur_requis
@require_POST
def cellule(request, pk: str, mois: str):
    """Saves one cell; answers the cell and, out of band, the totals it changes."""
    placement = get_object_or_404(Placement.objects.select_related("participant", "attribution__lot__clause"), pk=pk)
    premier = service.mois_depuis_texte(mois)
    if premier is None:
        raise Http404("Mois invalide.")
    texte = request.POST.get(service.nom_champ(placement.pk, premier), "")
    case = service.Cellule(placement=placement, mois=premier, active=True, saisie=texte)
    try:
        case.valeur = service.enregistrer_heures(placement, premier, texte, request.user)
    except ValidationError as erreur:
        case.erreur = " ".join(erreur.messages)
    if not request.htmx:
        if case.erreur:
            messages.error(request, f"{case.libelle} : {case.erreur}")
        return HttpResponseRedirect(url_grille(placement.attribution_id, premier.year))
    contexte = {"cellule": case}
    if not case.erreur:
        attribution = placement.attribution
        contexte.update(
            total_placement=service.total_placement_annee(placement.pk, premier.year),
            total_mois=service.total_mois(attribution.pk, premier),
            total_annee=service.total_attribution_annee(attribution.pk, premier.year),
            avancement=service.avancement_attribution(attribution),
        )
    return render(request, "clauses/heures/includes/cellule_reponse.html", contexte)
