"""Participants, their placements with attributaires and their outcomes: facilitators only.

Participants are under professional secrecy: page titles and URLs carry the reference (P-000123) or the
id, never the person's name, so that a bookmark, a browser history or a shared link reveals nobody.
"""

from decimal import Decimal

from django.contrib import messages
from django.db.models import Count, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import DetailView

from clauses import services_parcours
from clauses.filters import ParticipantFilter, PlacementFilter
from clauses.forms.participants import ParticipantForm, PlacementForm, RemiseNoticeForm, SortieForm
from clauses.models import ModeRemiseNotice, MomentSortie, Participant, Placement, Sortie
from clauses.protection import conservation
from clauses.services_parcours import HEURES
from config import acces
from config.definition_liste import DefinitionListe
from config.formats import date_longue
from config.listes import VueListe
from config.permissions import FacilitateurRequisMixin
from config.vues import VueCreation, VueModification
from conventions.models import StructurePorteuse

# Short labels of the usual criteria for the list's badges; the full label stays in the title attribute.
CRITERES_ABREGES = {
    "deld": "DELD",
    "rsa": "RSA",
    "ass_aah": "ASS, AAH",
    "rqth": "RQTH",
    "jeune": "Jeune",
    "senior": "50 ans et +",
    "siae_epide_e2c": "SIAE, EPIDE, E2C",
    "qpv": "QPV",
    "avis_prescripteur": "Avis prescripteur",
}


def _critere_abrege(critere) -> str:
    return CRITERES_ABREGES.get(critere.code, critere.libelle)


def _criteres_texte(participant) -> str:
    return ", ".join(_critere_abrege(c) for c in participant.criteres.all())


# --- Participants ----------------------------------------------------------------------------------


class DefinitionParticipants(DefinitionListe):
    model = Participant
    filterset_class = ParticipantFilter
    titre = "Participants"
    nom_export = "participants"
    champ_personne = "pk"
    nominative = True
    tris = {
        "reference": "reference",
        "nom": "nom",
        "age": "-date_naissance",
        "commune": "commune",
        "placements": "nb_placements",
        "heures": "total_heures",
    }
    # The same figures as services_parcours.participants_avec_indicateurs, by a grouped join for the sort.
    tris_agreges = {
        "placements": Count("placements"),
        "heures": Coalesce(Sum("placements__heures__heures"), Value(Decimal(0)), output_field=HEURES),
    }
    tri_par_defaut = "nom"
    # The facilitator's own file: names are allowed here, this export is not meant for the donneurs d'ordre.
    colonnes_export = [
        ("Référence", lambda p: p.reference),
        ("Nom", lambda p: p.nom),
        ("Prénom", lambda p: p.prenom),
        ("Date de naissance", lambda p: p.date_naissance),
        ("Âge", lambda p: p.age(timezone.localdate())),
        ("Genre", lambda p: p.get_genre_display()),
        ("Commune", lambda p: p.commune),
        ("Code postal", lambda p: p.code_postal),
        ("Réside en QPV", lambda p: p.reside_qpv),
        ("Quartier prioritaire", lambda p: p.qpv),
        ("Niveau de qualification", lambda p: p.get_niveau_qualification_display()),
        ("Critères d'éligibilité", _criteres_texte),
        ("Prescripteur", lambda p: p.prescripteur.nom if p.prescripteur else ""),
        ("Identifiant France Travail", lambda p: p.identifiant_france_travail),
        ("Date d'orientation", lambda p: p.date_orientation),
        ("Placements", lambda p: p.nb_placements),
        ("Heures réalisées", lambda p: p.total_heures),
        ("En poste", lambda p: p.en_poste),
        ("Notice d'information remise le", lambda p: p.notice_remise_le),
    ]

    def lignes(self):
        return services_parcours.participants_avec_indicateurs(timezone.localdate())


class ParticipantListe(VueListe):
    definition = DefinitionParticipants
    template_name = "clauses/participants/participant_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        jour = timezone.localdate()
        # The page's rows are already loaded (criteria prefetched): ages and badges add no query.
        for participant in context["object_list"]:
            participant.age_actuel = participant.age(jour)
            participant.criteres_abreges = [(_critere_abrege(c), c.libelle) for c in participant.criteres.all()]
        return context


class ParticipantDetail(FacilitateurRequisMixin, DetailView):
    model = Participant
    template_name = "clauses/participants/participant_detail.html"

    def get(self, request, *args, **kwargs):
        reponse = super().get(request, *args, **kwargs)
        acces.fiche(request, self.object, self.object.reference, f"Fiche du participant {self.object.reference}")
        return reponse

    def get_queryset(self):
        return Participant.objects.select_related("prescripteur").prefetch_related("criteres")

    def get_context_data(self, **kwargs):
        jour = timezone.localdate()
        participant = self.object
        placements = list(
            services_parcours.placements_avec_heures(jour).filter(participant=participant).order_by("-date_debut")
        )
        for placement in placements:
            placement.six_mois_a_saisir = services_parcours.sortie_six_mois_attendue(placement, jour)
        kwargs.setdefault(
            "formulaire_notice",
            RemiseNoticeForm(
                initial={
                    "remise_le": participant.notice_remise_le or jour,
                    "mode": participant.notice_mode_remise or ModeRemiseNotice.MAIN_PROPRE,
                }
            ),
        )
        return super().get_context_data(
            titre=f"Participant {participant.reference}",
            age=participant.age(jour),
            # Whether the notice can name the DPO (the structure porteuse's settings): said to the facilitator.
            structure=StructurePorteuse.objects.only("nom", "dpo_email").filter(pk=1).first(),
            placements=placements,
            six_mois_a_saisir=[p for p in placements if p.six_mois_a_saisir],
            sorties=services_parcours.sorties_du_participant(participant),
            echeance=conservation.echeance(participant),
            **kwargs,
        )


class ParticipantNoticeRemise(ParticipantDetail):
    """Records when and how the information notice was given; an invalid form shows the page again with its errors."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        formulaire = RemiseNoticeForm(request.POST)
        if formulaire.is_valid():
            jour, mode = formulaire.cleaned_data["remise_le"], formulaire.cleaned_data["mode"]
            services_parcours.enregistrer_remise_notice(self.object, jour, mode)
            messages.success(
                request,
                f"Remise de la notice d'information enregistrée : le {date_longue(jour)}, "
                f"{ModeRemiseNotice(mode).label.lower()}.",
            )
            return redirect("clauses:participant", self.object.pk)
        reference = self.object.reference
        acces.fiche(request, self.object, reference, f"Fiche du participant {reference}")
        return self.render_to_response(self.get_context_data(formulaire_notice=formulaire), status=400)


class _ParticipantFormulaire:
    model = Participant
    form_class = ParticipantForm
    template_name = "clauses/participants/participant_form.html"
    url_succes = "clauses:participant"

    def form_valid(self, form):
        # The service saves the participant with its criteria; the reference exists only once it has run.
        self.object = services_parcours.enregistrer_participant(form)
        messages.success(self.request, self.success_message % {"reference": self.object.reference})
        return redirect(self.get_success_url())


class ParticipantCreation(_ParticipantFormulaire, VueCreation):
    titre = "Nouveau participant"
    success_message = "Le participant %(reference)s a été enregistré."


class ParticipantModification(_ParticipantFormulaire, VueModification):
    titre = "Modifier le participant {objet.reference}"
    success_message = "Le participant %(reference)s a été modifié."

    def get_queryset(self):
        # An anonymised file is not edited again: nothing identifying may come back into it.
        return Participant.objects.identifiables()

    def get(self, request, *args, **kwargs):
        # The form shows the whole file, as the participant's page does.
        reponse = super().get(request, *args, **kwargs)
        reference = self.object.reference
        acces.fiche(request, self.object, reference, f"Formulaire de modification du participant {reference}")
        return reponse


# --- Placements ------------------------------------------------------------------------------------


class DefinitionPlacements(DefinitionListe):
    model = Placement
    filterset_class = PlacementFilter
    titre = "Placements"
    nom_export = "placements"
    champ_personne = "participant_id"
    nominative = True
    tris = {
        "participant": "participant__reference",
        "entreprise": "attribution__entreprise__raison_sociale",
        "debut": "date_debut",
        "fin": "date_fin",
        "heures": "total_heures",
    }
    # The same figure as services_parcours.placements_avec_heures, by one grouped join for the sort.
    tris_agreges = {
        "heures": Coalesce(Sum("heures__heures"), Value(Decimal(0)), output_field=HEURES),
    }
    tri_par_defaut = "-debut"
    colonnes_export = [
        ("Référence du participant", lambda p: p.participant.reference),
        ("Nom", lambda p: p.participant.nom),
        ("Prénom", lambda p: p.participant.prenom),
        ("Entreprise", lambda p: p.attribution.entreprise.raison_sociale),
        ("SIRET", lambda p: p.attribution.entreprise.siret),
        ("Donneur d'ordre", lambda p: p.attribution.lot.marche.donneur_d_ordre.nom),
        ("Marché", lambda p: p.attribution.lot.marche.objet),
        ("Lot", lambda p: f"{p.attribution.lot.numero} — {p.attribution.lot.intitule}"),
        ("Modalité", lambda p: p.get_modalite_display()),
        ("Opérateur", lambda p: p.operateur.nom if p.operateur else ""),
        ("Type de contrat", lambda p: p.get_type_contrat_display()),
        ("Poste", lambda p: p.poste),
        ("Début", lambda p: p.date_debut),
        ("Fin prévue", lambda p: p.date_fin_prevue),
        ("Fin effective", lambda p: p.date_fin),
        ("Durée hebdomadaire (h)", lambda p: p.duree_hebdomadaire),
        ("Heures réalisées", lambda p: p.total_heures),
        ("En cours", lambda p: p.en_cours),
    ]

    def lignes(self):
        return services_parcours.placements_avec_heures(timezone.localdate())


class PlacementListe(VueListe):
    definition = DefinitionPlacements
    template_name = "clauses/participants/placement_list.html"


class PlacementDetail(FacilitateurRequisMixin, DetailView):
    model = Placement
    template_name = "clauses/participants/placement_detail.html"

    def get(self, request, *args, **kwargs):
        reponse = super().get(request, *args, **kwargs)
        reference = self.object.participant.reference
        acces.fiche(request, self.object, reference, f"Placement n° {self.object.pk} du participant {reference}")
        return reponse

    def get_queryset(self):
        return services_parcours.placements_avec_heures(timezone.localdate())

    def get_context_data(self, **kwargs):
        placement = self.object
        return super().get_context_data(
            titre=f"Placement {placement.participant.reference} — {placement.attribution.entreprise.raison_sociale}",
            heures=placement.heures.order_by("mois"),
            sorties=placement.sorties.order_by("date_constat"),
            six_mois_a_saisir=services_parcours.sortie_six_mois_attendue(placement, timezone.localdate()),
            date_six_mois=(services_parcours.date_sortie_six_mois(placement.date_fin) if placement.date_fin else None),
            **kwargs,
        )


class _PlacementFormulaire:
    model = Placement
    form_class = PlacementForm
    template_name = "clauses/participants/placement_form.html"
    url_succes = "clauses:placement"

    def form_valid(self, form):
        reponse = super().form_valid(form)
        for avertissement in form.avertissements():
            messages.warning(self.request, avertissement)
        return reponse


class PlacementCreation(_PlacementFormulaire, VueCreation):
    success_message = "Le placement a été enregistré."
    titre = "Nouveau placement"

    def get_initial(self):
        initial = super().get_initial()
        # Prefilled from a participant's page (?participant=) or an attributaire's (?attribution=).
        for champ in ("participant", "attribution"):
            valeur = self.request.GET.get(champ, "")
            if valeur.isdigit():
                initial[champ] = int(valeur)
        return initial


class PlacementModification(_PlacementFormulaire, VueModification):
    success_message = "Le placement a été modifié."
    titre = "Modifier le placement {objet.participant.reference}"

    def get_queryset(self):
        return Placement.objects.select_related("participant", "attribution__entreprise")


# --- Outcomes --------------------------------------------------------------------------------------


class _SortieFormulaire:
    model = Sortie
    form_class = SortieForm
    template_name = "clauses/participants/sortie_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "placement": self.placement}

    def get_context_data(self, **kwargs):
        return super().get_context_data(placement=self.placement, **kwargs)

    def get_success_url(self):
        # Back to the participant, where the outcomes are listed, rather than to the outcome itself.
        return reverse("clauses:participant", args=[self.placement.participant_id])


class SortieCreation(_SortieFormulaire, VueCreation):
    success_message = "La sortie a été enregistrée."

    @cached_property
    def placement(self) -> Placement:
        # Looked up once the access check has passed, so that a référent gets 403 and never learns which ids exist.
        return get_object_or_404(
            Placement.objects.select_related("participant", "attribution__entreprise"), pk=self.kwargs["pk"]
        )

    def get_initial(self):
        initial = super().get_initial()
        if self.request.GET.get("moment") in MomentSortie.values:
            initial["moment"] = self.request.GET["moment"]
        return initial

    def get_context_data(self, **kwargs):
        # No object yet to name in ``titre``: the placement does.
        return super().get_context_data(
            titre=f"Nouvelle sortie — placement {self.placement.participant.reference}", **kwargs
        )


class SortieModification(_SortieFormulaire, VueModification):
    success_message = "La sortie a été modifiée."
    titre = "Modifier la sortie — placement {objet.placement.participant.reference}"

    def get_queryset(self):
        return Sortie.objects.select_related("placement__participant", "placement__attribution__entreprise")

    @cached_property
    def placement(self) -> Placement:
        return self.object.placement
