from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import DetailView, View

from config.definition_liste import DefinitionListe
from config.listes import VueListe
from config.permissions import FacilitateurRequisMixin
from config.vues import VueCreation, VueModification
from marches import services
from marches.filters import MarcheFilter
from marches.forms import (
    AttributionForm,
    CorrectionPropositionForm,
    LotForm,
    MarcheForm,
    RefusPropositionForm,
    StatutForm,
)
from marches.models import Attribution, Lot, Marche, PropositionAttribution, StatutProposition


def _ids_par_taux(queryset, descendant: bool) -> list[int]:
    """The ids of ``queryset`` ordered by services.marches_avec_chiffres' taux_realisation, as the database orders it
    (no target: NULL, which PostgreSQL puts last when ascending; then by id).

    Two grouped queries over all the marchés rather than two subqueries per marché in the ORDER BY; a sum over
    the lots and a sum over the monthly hours cannot share one join without counting each lot once per hour row.
    """
    base = queryset.order_by().values("pk")
    lots = Lot.objects.filter(marche__in=base).order_by().values("marche")
    objectifs = dict(lots.annotate(total=Sum(services.OBJECTIF_LOT)).values_list("marche", "total"))
    realisees = dict(
        lots.annotate(total=Sum("attributions__placements__heures__heures")).values_list("marche", "total")
    )

    # PostgreSQL holds NULL for the largest value.
    sans_objectif_en_tete = descendant

    def cle(pk: int):
        objectif = objectifs.get(pk) or 0
        if objectif <= 0:
            return (0 if sans_objectif_en_tete else 2, 0.0, pk)
        taux = float(realisees.get(pk) or 0) / float(objectif)
        return (1, -taux if descendant else taux, pk)

    return sorted(base.values_list("pk", flat=True), key=cle)


def _pourcentage(taux: Decimal | None) -> Decimal | None:
    if taux is None:
        return None
    return (Decimal(str(taux)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class DefinitionMarches(DefinitionListe):
    model = Marche
    filterset_class = MarcheFilter
    titre = "Marchés"
    nom_export = "marches"
    tris = {
        "objet": "objet",
        "donneur": "donneur_d_ordre__nom",
        "statut": "statut",
        "montant": "montant_estime_ht",
        "lots": "nb_lots",
        "objectif": "heures_objectif",
        "realisees": "heures_realisees",
        "taux": "taux_realisation",
        "cree": "cree_le",
    }
    # The same figure as services.marches_avec_chiffres, by one grouped join to order the whole list.
    tris_agreges = {
        "realisees": Coalesce(
            Sum("lots__attributions__placements__heures__heures"), Value(Decimal(0)), output_field=services.HEURES
        )
    }
    tri_par_defaut = "-cree"
    colonnes_export = [
        ("Objet", lambda m: m.objet),
        ("Référence", lambda m: m.reference),
        ("Donneur d'ordre", lambda m: m.donneur_d_ordre.nom),
        ("Type", lambda m: m.get_type_display()),
        ("Statut", lambda m: m.get_statut_display()),
        ("Facilitateur", lambda m: str(m.facilitateur) if m.facilitateur else ""),
        ("Avis de faisabilité", lambda m: m.get_avis_faisabilite_display()),
        ("Montant estimé HT (€)", lambda m: m.montant_estime_ht),
        ("Lots", lambda m: m.nb_lots),
        ("Objectif (h)", lambda m: m.heures_objectif),
        ("Réalisé (h)", lambda m: m.heures_realisees),
        ("Réalisation (%)", lambda m: _pourcentage(m.taux_realisation)),
        ("Date d'attribution", lambda m: m.date_attribution),
        ("Début prévu", lambda m: m.date_debut_prevue),
        ("Fin prévue", lambda m: m.date_fin_prevue),
    ]

    def lignes(self):
        return services.marches_avec_chiffres()

    def ids(self, queryset):
        ordre = self.ordre()
        if ordre and ordre[0] == "taux":
            return _ids_par_taux(queryset, descendant=ordre[1])
        return super().ids(queryset)


class MarcheListe(VueListe):
    definition = DefinitionMarches
    template_name = "marches/marche_list.html"


class MarcheDetail(FacilitateurRequisMixin, DetailView):
    model = Marche
    template_name = "marches/marche_detail.html"

    def get_queryset(self):
        return services.marches_avec_chiffres().select_related("declare_par")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        marche = self.object
        attributions = Attribution.objects.select_related("entreprise").order_by("role", "entreprise__raison_sociale")
        lots = list(
            services.lots_avec_chiffres(marche.lots.all()).prefetch_related(
                Prefetch("attributions", queryset=attributions)
            )
        )
        propositions = list(
            marche.propositions.select_related("lot", "envoye_par", "traite_par").order_by("envoye_le", "pk")
        )
        en_attente = [p for p in propositions if p.statut == StatutProposition.PROPOSEE]
        # What accepting would change is shown beside each proposal, before the facilitator decides.
        apercus = services.apercus(en_attente, (a for lot in lots for a in lot.attributions.all()))
        for proposition in en_attente:
            proposition.apercu = apercus[proposition.pk]
        context.update(
            titre=marche.objet,
            lots=lots,
            statut_form=StatutForm(choix=services.statuts_suivants(marche)),
            propositions_en_attente=en_attente,
            propositions_traitees=[p for p in propositions if p.statut != StatutProposition.PROPOSEE][::-1],
            refus_form=RefusPropositionForm(),
        )
        return context


class MarcheStatut(FacilitateurRequisMixin, View):
    """The small form of the marché page: move to one of the next statuts."""

    http_method_names = ["post"]

    def post(self, request, pk):
        marche = get_object_or_404(Marche, pk=pk)
        form = StatutForm(request.POST, choix=services.statuts_suivants(marche))
        if not form.is_valid():
            messages.error(request, "Choisissez l'un des statuts proposés.")
            return redirect("marches:marche", pk=marche.pk)
        try:
            marche = services.changer_statut(marche, form.cleaned_data["statut"])
        except ValidationError as erreur:
            messages.error(request, " ".join(erreur.messages))
        else:
            messages.success(request, f"Le marché est désormais « {marche.get_statut_display().lower()} ».")
        return redirect("marches:marche", pk=marche.pk)


class MarchePriseEnCharge(FacilitateurRequisMixin, View):
    """A marché declared on the portal: the facilitator takes it in charge (it leaves the home's requests)."""

    http_method_names = ["post"]

    def post(self, request, pk):
        marche = get_object_or_404(Marche, pk=pk)
        try:
            services.prendre_en_charge(marche, request.user)
        except ValidationError as erreur:
            messages.error(request, " ".join(erreur.messages))
        else:
            messages.success(request, "Vous avez pris en charge la demande du donneur d'ordre.")
        return redirect("marches:marche", pk=marche.pk)


class PropositionMixin(FacilitateurRequisMixin):
    # Loaded after the role check: a référent gets 403 whether the proposal exists or not.
    @cached_property
    def proposition(self) -> PropositionAttribution:
        return get_object_or_404(
            PropositionAttribution.objects.select_related("marche__donneur_d_ordre", "lot"), pk=self.kwargs["pk"]
        )

    def retour(self):
        return redirect(reverse("marches:marche", args=[self.proposition.marche_id]) + "#propositions")

    def message_acceptation(self, attribution: Attribution, creee: bool) -> None:
        quoi = "est désormais attributaire" if creee else "a son attribution mise à jour"
        messages.success(
            self.request,
            f"Proposition acceptée : {attribution.entreprise.raison_sociale} {quoi} du lot {attribution.lot.numero}.",
        )


class PropositionAcceptation(PropositionMixin, View):
    """Accepts a proposal as sent; what it changes was shown beside it on the marché's page."""

    http_method_names = ["post"]

    def post(self, request, pk):
        try:
            attribution, creee = services.accepter_proposition(self.proposition, request.user)
        except ValidationError as erreur:
            messages.error(request, " ".join(erreur.messages))
        else:
            self.message_acceptation(attribution, creee)
        return self.retour()


class PropositionRefus(PropositionMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        form = RefusPropositionForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors["motif"]))
            return self.retour()
        try:
            services.refuser_proposition(self.proposition, request.user, form.cleaned_data["motif"])
        except ValidationError as erreur:
            messages.error(request, " ".join(erreur.messages))
        else:
            messages.success(request, f"La proposition de {self.proposition.raison_sociale} a été refusée.")
        return self.retour()


class PropositionCorrection(PropositionMixin, View):
    """Corrects a proposal, then accepts it; the référent's original stays as sent."""

    template_name = "marches/proposition_correction.html"

    @cached_property
    def attribution_actuelle(self) -> Attribution | None:
        return (
            Attribution.objects.filter(lot=self.proposition.lot, entreprise__siret=self.proposition.siret)
            .select_related("entreprise")
            .first()
        )

    def _page(self, form):
        proposition = self.proposition
        attribution = self.attribution_actuelle
        apercu = services.apercus([proposition], [attribution] if attribution else [])[proposition.pk]
        return render(
            self.request,
            self.template_name,
            {
                "titre": f"Corriger la proposition de {proposition.raison_sociale}",
                "proposition": proposition,
                "marche": proposition.marche,
                "apercu": apercu,
                "form": form,
            },
        )

    def _form(self, data=None):
        attribution = self.attribution_actuelle
        return CorrectionPropositionForm(
            data, proposition=self.proposition, role_actuel=attribution.role if attribution else None
        )

    def get(self, request, pk):
        if self.proposition.statut != StatutProposition.PROPOSEE:
            messages.info(request, "Cette proposition a déjà été traitée.")
            return self.retour()
        return self._page(self._form())

    def post(self, request, pk):
        form = self._form(request.POST)
        if not form.is_valid():
            return self._page(form)
        try:
            attribution, creee = services.accepter_proposition(
                self.proposition,
                request.user,
                corrections=form.corrections(),
                role=form.cleaned_data["role"],
                motif=form.cleaned_data["motif"],
            )
        except ValidationError as erreur:
            for message in erreur.messages:
                form.add_error(None, message)
            return self._page(form)
        self.message_acceptation(attribution, creee)
        return self.retour()


class MarcheCreation(VueCreation):
    model = Marche
    form_class = MarcheForm
    template_name = "marches/marche_form.html"
    success_message = "Le marché « %(objet)s » a été enregistré. Ajoutez-lui ses lots."
    titre = "Nouveau marché"
    url_succes = "marches:marche"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "utilisateur": self.request.user}


class MarcheModification(VueModification):
    model = Marche
    form_class = MarcheForm
    template_name = "marches/marche_form.html"
    success_message = "Le marché « %(objet)s » a été modifié."
    titre = "Modifier le marché « {objet.objet} »"
    url_succes = "marches:marche"


class LotCreation(VueCreation):
    model = Lot
    form_class = LotForm
    template_name = "marches/lot_form.html"
    success_message = "Le lot %(numero)s a été ajouté. Calculez maintenant son objectif d'heures d'insertion."
    titre = "Nouveau lot"
    url_succes = "clauses:calcul_objectif"

    # Loaded after the role check: a référent gets 403 whether the marché exists or not.
    @cached_property
    def marche(self):
        return get_object_or_404(Marche.objects.select_related("donneur_d_ordre"), pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "marche": self.marche}

    def get_context_data(self, **kwargs):
        return super().get_context_data(marche=self.marche, **kwargs)


class LotModification(VueModification):
    model = Lot
    form_class = LotForm
    template_name = "marches/lot_form.html"
    success_message = "Le lot %(numero)s a été modifié."
    titre = "Modifier le lot {objet.numero}"
    url_succes = "clauses:lot"

    def get_queryset(self):
        return Lot.objects.select_related("marche__donneur_d_ordre")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "marche": self.object.marche}

    def get_context_data(self, **kwargs):
        return super().get_context_data(marche=self.object.marche, **kwargs)


class AttributionMixin:
    model = Attribution
    form_class = AttributionForm
    template_name = "marches/attribution_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "lot": self.lot}

    def get_context_data(self, **kwargs):
        return super().get_context_data(lot=self.lot, marche=self.lot.marche, **kwargs)

    def get_success_message(self, cleaned_data):
        return f"L'attribution de {self.object.entreprise.raison_sociale} a été enregistrée."

    def form_valid(self, form):
        reponse = super().form_valid(form)
        depassement = services.depassement_des_parts(self.lot)
        if depassement is not None:
            parts, objectif = depassement
            messages.warning(
                self.request,
                f"Les parts attribuées ({parts} h au total) dépassent l'objectif du lot ({objectif} h) : "
                "vérifiez la répartition entre attributaires.",
            )
        return reponse

    def get_success_url(self):
        # Back to the lot, where the attributaires and their shares are listed.
        return reverse("clauses:lot", args=[self.lot.pk])


class AttributionCreation(AttributionMixin, VueCreation):
    titre = "Nouvel attributaire"

    # Loaded after the role check: a référent gets 403 whether the lot exists or not.
    @cached_property
    def lot(self):
        return get_object_or_404(Lot.objects.select_related("marche__donneur_d_ordre"), pk=self.kwargs["pk"])


class AttributionModification(AttributionMixin, VueModification):
    titre = "Modifier l'attribution de {objet.entreprise}"

    def get_queryset(self):
        return Attribution.objects.select_related("entreprise", "lot__marche__donneur_d_ordre")

    def get_object(self, queryset=None):
        attribution = super().get_object(queryset)
        self.lot = attribution.lot
        return attribution
