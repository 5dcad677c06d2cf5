"""Facilitator pages of the conventions app: donneurs d'ordre, their référents and invitations, conventions de
coopération. Also the one public page of the app: the invitation a référent opens from their email.

The calendar of a convention (état, échéances, notice deadline) depends on the day it is asked about: every view
reads it from ``conventions.calendrier`` (``situation`` for a row, ``situations`` to filter or sort a list on it).
"""

import datetime as dt
from collections.abc import Iterable, Iterator
from functools import cached_property

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import CreateView, DetailView, FormView, TemplateView, UpdateView

from config.definition_liste import DefinitionListe
from config.formats import date_longue
from config.listes import VueListe
from config.permissions import FacilitateurRequisMixin
from config.requetes import parmi
from config.vues import VueCreation, VueModification
from conventions import services
from conventions.calendrier import Situation, periodes_affichees, situation, situations
from conventions.filters import ConventionFilter, DonneurDOrdreFilter
from conventions.forms import (
    AcceptationInvitationForm,
    AvenantForm,
    ConventionForm,
    DenonciationForm,
    DonneurDOrdreForm,
    InvitationForm,
    ReferentForm,
)
from conventions.models import (
    Avenant,
    Convention,
    DonneurDOrdre,
    EtatConvention,
    Invitation,
    Referent,
    User,
    duree_invitation,
)
from conventions.noms import de_avec_article
from conventions.portail import choisir_donneur

# The donneur d'ordre's pages show its marchés: the dashboard reads across apps, the models do not.
from marches.models import STATUTS_ACTIFS, Marche

# Which convention stands for a donneur d'ordre: the one running, else the one being prepared, else the last.
_PRIORITE_ETAT = {
    EtatConvention.EN_VIGUEUR: 0,
    EtatConvention.DENONCEE: 0,
    EtatConvention.EN_PROJET: 1,
    EtatConvention.TERMINEE: 2,
}


def convention_courante(donneur: DonneurDOrdre, jour: dt.date) -> Convention | None:
    """Over the prefetched conventions of ``donneur`` (``liste_conventions``, else ``conventions``): no query."""
    conventions = getattr(donneur, "liste_conventions", None)
    return min(
        donneur.conventions.all() if conventions is None else conventions,
        key=lambda c: (_PRIORITE_ETAT[c.etat(jour)], -c.date_effet.toordinal()),
        default=None,
    )


def situation_du_donneur(donneur: DonneurDOrdre, jour: dt.date | None = None) -> Situation | None:
    jour = jour or timezone.localdate()
    courante = convention_courante(donneur, jour)
    return situation(courante, jour) if courante else None


def _etat_convention(donneur: DonneurDOrdre) -> str:
    s = situation_du_donneur(donneur)
    return s.etat_libelle if s else "Aucune"


def _date_limite(donneur: DonneurDOrdre) -> dt.date | None:
    s = situation_du_donneur(donneur)
    return s.date_limite if s else None


def noms_referents(donneur: DonneurDOrdre) -> str:
    return ", ".join(str(r.user) for r in donneur.liste_referents)


def _referents_tries():
    return Referent.objects.select_related("user").order_by("-principal", "user__last_name", "user__first_name")


# --- Donneurs d'ordre ---------------------------------------------------------------------------------------


class DefinitionDonneurs(DefinitionListe):
    model = DonneurDOrdre
    filterset_class = DonneurDOrdreFilter
    titre = "Donneurs d'ordre"
    nom_export = "donneurs-d-ordre"
    tris = {"nom": "nom", "type": "type", "commune": "commune", "marches": "nb_marches_actifs"}
    # The same count as the annotation, by one grouped join to order all the donneurs d'ordre.
    tris_agreges = {"marches": Count("marches", filter=Q(marches__statut__in=STATUTS_ACTIFS))}
    tri_par_defaut = "nom"
    colonnes_export = [
        ("Nom", lambda d: d.nom),
        ("Type", lambda d: d.get_type_display()),
        ("SIRET", lambda d: d.siret),
        ("Commune", lambda d: d.commune),
        ("Convention", lambda d: _etat_convention(d)),
        ("Date limite de dénonciation", lambda d: _date_limite(d)),
        ("Marchés actifs", lambda d: d.nb_marches_actifs),
        ("Référents", noms_referents),
        ("Actif", lambda d: d.actif),
    ]

    def lignes(self):
        # A subquery rather than a grouped join: the page computes it for its own rows only.
        marches_actifs = (
            Marche.objects.filter(donneur_d_ordre=OuterRef("pk"), statut__in=STATUTS_ACTIFS)
            .order_by()
            .values("donneur_d_ordre")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return DonneurDOrdre.objects.annotate(
            nb_marches_actifs=Coalesce(Subquery(marches_actifs, output_field=IntegerField()), Value(0))
        ).prefetch_related(
            # Lists (to_attr) rather than managers: an export of thousands of donneurs d'ordre would otherwise
            # build a filtered queryset per donneur and relation.
            Prefetch("referents", queryset=_referents_tries(), to_attr="liste_referents"),
            Prefetch("conventions", queryset=Convention.objects.order_by("-date_effet"), to_attr="liste_conventions"),
        )


class DonneurListe(VueListe):
    definition = DefinitionDonneurs
    template_name = "conventions/donneur_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        jour = timezone.localdate()
        for donneur in context["object_list"]:
            donneur.situation = situation_du_donneur(donneur, jour)
        return context


class DonneurDetail(FacilitateurRequisMixin, DetailView):
    template_name = "conventions/donneur_detail.html"
    # Most donneurs d'ordre have no pending invitation: asking with the donneur's own row spares a query.
    queryset = DonneurDOrdre.objects.annotate(
        a_des_invitations=Exists(Invitation.objects.ouvertes().filter(donneur_d_ordre=OuterRef("pk")))
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        jour = timezone.localdate()
        conventions = list(self.object.conventions.order_by("-date_effet"))
        for convention in conventions:
            convention.situation = situation(convention, jour)
        context.update(
            titre=self.object.nom,
            referents=_referents_tries().filter(donneur_d_ordre=self.object),
            invitations=(
                list(self.object.invitations.ouvertes().order_by("email")) if self.object.a_des_invitations else []
            ),
            conventions=conventions,
            marches=self.object.marches.order_by("-cree_le", "-pk"),
        )
        return context


class DonneurCreation(VueCreation):
    model = DonneurDOrdre
    form_class = DonneurDOrdreForm
    template_name = "conventions/donneur_form.html"
    success_message = "Le donneur d'ordre « %(nom)s » a été enregistré."
    titre = "Nouveau donneur d'ordre"
    url_succes = "conventions:donneur"


class DonneurModification(VueModification):
    model = DonneurDOrdre
    form_class = DonneurDOrdreForm
    template_name = "conventions/donneur_form.html"
    success_message = "Le donneur d'ordre « %(nom)s » a été modifié."
    titre = "Modifier {objet.nom}"
    url_succes = "conventions:donneur"


# --- Référents ------------------------------------------------------------------------------------------------


class ReferentAjout(FacilitateurRequisMixin, FormView):
    form_class = ReferentForm
    template_name = "conventions/referent_form.html"

    @cached_property
    def donneur(self) -> DonneurDOrdre:
        # Looked up after the permission check, so that an anonymous visitor is sent to the login page.
        return get_object_or_404(DonneurDOrdre, pk=self.kwargs["pk"])

    def get_initial(self):
        return {"principal": not self.donneur.referents.exists()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(titre="Ajouter un référent", donneur=self.donneur, **kwargs)

    def form_valid(self, form):
        try:
            ajout = services.ajouter_referent(self.donneur, **form.cleaned_data)
        except ValidationError as erreur:
            form.add_error(None, erreur)
            return self.form_invalid(form)
        user = ajout.referent.user
        du_donneur = de_avec_article(self.donneur.nom)
        if ajout.compte_cree:
            messages.success(
                self.request,
                f"{user} ({user.email}) est désormais référent {du_donneur}. Son compte n'a pas encore de mot de "
                "passe : envoyez-lui une invitation pour lui ouvrir le portail.",
            )
        else:
            messages.success(
                self.request, f"Le compte existant de {user} ({user.email}) est désormais référent {du_donneur}."
            )
        return redirect("conventions:donneur", self.donneur.pk)


class ReferentRetrait(FacilitateurRequisMixin, TemplateView):
    """GET asks for confirmation; POST ends the membership (the user account stays)."""

    template_name = "conventions/referent_retrait.html"

    @cached_property
    def referent(self) -> Referent:
        return get_object_or_404(Referent.objects.select_related("user", "donneur_d_ordre"), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(titre="Retirer un référent", referent=self.referent, **kwargs)

    def post(self, request, *args, **kwargs):
        referent = self.referent
        donneur = referent.donneur_d_ordre
        services.retirer_referent(referent)
        message = f"{referent.user} n'est plus référent {de_avec_article(donneur.nom)}."
        if not referent.user.referents.exists():
            message += " Son compte reste ouvert, mais il n'a plus accès au portail."
        messages.success(request, message)
        return redirect("conventions:donneur", donneur.pk)


# --- Invitations ------------------------------------------------------------------------------------------------


class InvitationCreation(FacilitateurRequisMixin, FormView):
    form_class = InvitationForm
    template_name = "conventions/invitation_form.html"

    @cached_property
    def donneur(self) -> DonneurDOrdre:
        return get_object_or_404(DonneurDOrdre, pk=self.kwargs["pk"])

    def get_initial(self):
        # « Inviter » beside a référent whose account was created without a password: the form comes filled in.
        pk = self.request.GET.get("referent", "")
        referent = self.donneur.referents.select_related("user").filter(pk=pk).first() if pk.isdigit() else None
        if referent is None:
            return {}
        user = referent.user
        return {"email": user.email, "prenom": user.first_name, "nom": user.last_name, "fonction": referent.fonction}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            titre="Inviter un référent", donneur=self.donneur, jours=duree_invitation().days, **kwargs
        )

    def form_valid(self, form):
        try:
            invitation = services.inviter_referent(
                self.donneur,
                invite_par=self.request.user,
                lien_absolu=self.request.build_absolute_uri,
                **form.cleaned_data,
            )
        except ValidationError as erreur:
            form.add_error(None, erreur)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Invitation envoyée à {invitation.email}. Le lien est valable jusqu'au "
            f"{date_longue(timezone.localdate(invitation.expire_le))}.",
        )
        return redirect("conventions:donneur", self.donneur.pk)


class InvitationActionMixin(FacilitateurRequisMixin):
    """A button of the donneur d'ordre's page: POST only, then back to that page."""

    http_method_names = ["post"]

    @cached_property
    def invitation(self) -> Invitation:
        return get_object_or_404(
            Invitation.objects.select_related("donneur_d_ordre", "invite_par"), pk=self.kwargs["pk"]
        )

    def retour(self):
        return redirect("conventions:donneur", self.invitation.donneur_d_ordre_id)


class InvitationRenvoi(InvitationActionMixin, View):
    def post(self, request, *args, **kwargs):
        try:
            invitation = services.renvoyer_invitation(self.invitation, lien_absolu=request.build_absolute_uri)
        except ValidationError as erreur:
            messages.error(request, " ".join(erreur.messages))
        else:
            messages.success(
                request,
                f"Nouvelle invitation envoyée à {invitation.email}, valable jusqu'au "
                f"{date_longue(timezone.localdate(invitation.expire_le))}. Le lien précédent ne fonctionne plus.",
            )
        return self.retour()


class InvitationAnnulation(InvitationActionMixin, View):
    def post(self, request, *args, **kwargs):
        if services.annuler_invitation(self.invitation):
            messages.success(
                request, f"L'invitation de {self.invitation.email} est annulée : son lien ne fonctionne plus."
            )
        else:
            messages.info(request, f"L'invitation de {self.invitation.email} était déjà acceptée ou annulée.")
        return self.retour()


@method_decorator([login_not_required, never_cache, sensitive_post_parameters()], name="dispatch")
class InvitationAcceptation(View):
    """The page the emailed link opens. What it offers depends on who opens it:

    - no account for this email (or one created without a password): a form for names and password, which
      creates the account and the membership and logs the person in;
    - an account with a password: log in first; once logged in as that account, one button joins the donneur
      d'ordre's space; logged in as someone else, a refusal.

    An unknown, expired, used or cancelled link gets the same 404 page, which does not say which.
    """

    template_name = "conventions/invitation.html"

    def dispatch(self, request, *args, **kwargs):
        self.invitation = services.invitation_valide(kwargs["jeton"])
        if self.invitation is None:
            return self.invalide()
        self.compte = User.objects.filter(email=self.invitation.email).first()
        return super().dispatch(request, *args, **kwargs)

    def invalide(self):
        return render(
            self.request, "conventions/invitation_invalide.html", {"titre": "Lien d'invitation invalide"}, status=404
        )

    @property
    def etat(self) -> str:
        user = self.request.user
        if not services.compte_actif(self.compte):
            return "nouveau"
        if not user.is_authenticated:
            return "connexion"
        return "rejoindre" if user.pk == self.compte.pk else "autre_compte"

    def formulaire(self, data=None) -> AcceptationInvitationForm:
        compte = self.compte or User(email=self.invitation.email)
        initial = {
            "first_name": compte.first_name or self.invitation.prenom,
            "last_name": compte.last_name or self.invitation.nom,
        }
        return AcceptationInvitationForm(compte, data, initial=initial)

    def page(self, form=None, erreur: str = ""):
        etat = self.etat
        return render(
            self.request,
            self.template_name,
            {
                "titre": f"Rejoindre l'espace {de_avec_article(self.invitation.donneur_d_ordre.nom)}",
                "invitation": self.invitation,
                "donneur": self.invitation.donneur_d_ordre,
                "etat": etat,
                "form": form or (self.formulaire() if etat == "nouveau" else None),
                "erreur": erreur,
            },
            status=403 if etat == "autre_compte" else 200,
        )

    def get(self, request, *args, **kwargs):
        return self.page()

    def post(self, request, *args, **kwargs):
        etat = self.etat
        if etat == "connexion":
            return redirect_to_login(request.get_full_path())
        if etat == "autre_compte":
            return self.page()
        try:
            if etat == "nouveau":
                return self.creer_compte()
            referent = services.rejoindre_donneur(self.invitation, request.user)
        except services.InvitationInvalide:
            return self.invalide()
        except ValidationError as erreur:
            return self.page(erreur=" ".join(erreur.messages))
        du_donneur = de_avec_article(referent.donneur_d_ordre.nom)
        return self.vers_le_portail(referent, f"Vous êtes désormais référent {du_donneur}.")

    def creer_compte(self):
        form = self.formulaire(self.request.POST)
        if not form.is_valid():
            return self.page(form=form)
        try:
            referent = services.accepter_invitation(
                self.invitation,
                prenom=form.cleaned_data["first_name"],
                nom=form.cleaned_data["last_name"],
                mot_de_passe=form.cleaned_data["new_password1"],
            )
        except ValidationError as erreur:
            form.add_error(None, erreur.messages)
            return self.page(form=form)
        # The site may list several authentication backends (login throttling): name the one that applies.
        login(self.request, referent.user, backend="django.contrib.auth.backends.ModelBackend")
        du_donneur = de_avec_article(referent.donneur_d_ordre.nom)
        return self.vers_le_portail(referent, f"Bienvenue ! Votre compte est créé : vous êtes référent {du_donneur}.")

    def vers_le_portail(self, referent: Referent, message: str):
        choisir_donneur(self.request, referent.donneur_d_ordre_id)
        messages.success(self.request, message)
        return redirect("portail:accueil")


# --- Conventions ------------------------------------------------------------------------------------------------


def _avec_situations(conventions: Iterable[Convention], jour: dt.date) -> Iterator[Convention]:
    for convention in conventions:
        if not hasattr(convention, "situation"):
            convention.situation = situation(convention, jour)
        yield convention


class DefinitionConventions(DefinitionListe):
    model = Convention
    filterset_class = ConventionFilter
    titre = "Conventions de coopération"
    nom_export = "conventions"
    # "date_limite" depends on the day (conventions.calendrier): the database orders by date of effect, the
    # calendar re-sorts the ids (queryset).
    tris = {"donneur": "donneur_d_ordre__nom", "date_effet": "date_effet", "date_limite": "date_effet"}
    tri_par_defaut = "donneur"
    colonnes_export = [
        ("Donneur d'ordre", lambda c: c.donneur_d_ordre.nom),
        ("Type de donneur d'ordre", lambda c: c.donneur_d_ordre.get_type_display()),
        ("Numéro", lambda c: c.numero),
        ("Objet", lambda c: c.objet),
        ("Date de signature", lambda c: c.date_signature),
        ("Date d'effet", lambda c: c.date_effet),
        ("État", lambda c: c.situation.etat_libelle),
        ("Prochaine échéance", lambda c: c.situation.echeance),
        ("Date limite de dénonciation", lambda c: c.situation.date_limite),
        ("Reconductions", lambda c: c.situation.reconductions),
        ("Date de dénonciation", lambda c: c.date_denonciation),
        ("Date de fin", lambda c: c.date_fin),
    ]

    def __init__(self, utilisateur, parametres):
        super().__init__(utilisateur, parametres)
        self.jour = timezone.localdate()
        self.ids_calcules: list[int] | None = None  # the list's ids in order, when the calendar filtered or sorted

    def lignes(self):
        return Convention.objects.select_related("donneur_d_ordre")

    def queryset(self):
        queryset = super().queryset()
        self.ids_calcules = None
        # The état and the deadline depend on the day: the calendar (conventions.calendrier) decides them, over the
        # filtered conventions' dates (one query of six columns), when the list is filtered or sorted on them.
        # Otherwise the page computes them for its own rows only (the view and objets_a_exporter).
        filtres = self.filterset.filtres_calcules()
        tri = self.tri_courant()
        if not filtres["etat"] and filtres["preavis"] is None and tri.lstrip("-") != "date_limite":
            return queryset
        lignes = list(situations(queryset, self.jour))
        if filtres["etat"]:
            lignes = [(pk, s) for pk, s in lignes if s.etat == filtres["etat"]]
        if filtres["preavis"] is not None:
            lignes = [(pk, s) for pk, s in lignes if s.preavis_proche == filtres["preavis"]]
        if tri.lstrip("-") == "date_limite":
            # Conventions with nothing left to give notice for come last in both directions.
            avec = sorted(
                ((pk, s) for pk, s in lignes if s.date_limite),
                key=lambda ligne: ligne[1].date_limite,
                reverse=tri.startswith("-"),
            )
            lignes = avec + [(pk, s) for pk, s in lignes if not s.date_limite]
        self.ids_calcules = [pk for pk, _ in lignes]
        return queryset.filter(parmi("pk", self.ids_calcules))

    def ids(self, queryset):
        if self.ids_calcules is not None:
            return self.ids_calcules
        return super().ids(queryset)

    def lignes_des_ids(self, queryset):
        return self.lignes() if self.ids_calcules is not None else queryset

    def objets_a_exporter(self, queryset):
        return _avec_situations(super().objets_a_exporter(queryset), self.jour)


class ConventionListe(VueListe):
    definition = DefinitionConventions
    template_name = "conventions/convention_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object_list"] = list(_avec_situations(context["object_list"], self.liste.jour))
        return context


class ConventionDetail(FacilitateurRequisMixin, DetailView):
    model = Convention
    template_name = "conventions/convention_detail.html"
    queryset = Convention.objects.select_related("donneur_d_ordre")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        convention = self.object
        jour = timezone.localdate()
        courante = convention.periode_courante(jour)
        etat = situation(convention, jour)
        avenants = list(convention.avenants.all())
        for avenant in avenants:
            avenant.prend_effet = services.prend_effet(avenant)
            avenant.en_vigueur = avenant.prend_effet and avenant.date_effet <= jour
        denonciation_tardive = False
        if convention.date_denonciation:
            periode = convention.periode_courante(convention.date_denonciation)
            denonciation_tardive = convention.date_denonciation > periode.date_limite_denonciation
        context.update(
            titre=str(convention),
            aujourdhui=jour,
            situation=etat,
            courante=courante,
            # Notice can no longer stop the coming renewal: say so rather than let the next deadline surprise.
            limite_courante_passee=(
                etat.etat == EtatConvention.EN_VIGUEUR
                and courante.date_limite_denonciation < jour <= courante.echeance
            ),
            renouvellement=(
                courante.date_renouvellement
                if convention.date_fin is None and etat.etat != EtatConvention.TERMINEE
                else None
            ),
            periodes=periodes_affichees(convention, jour),
            avenants=avenants,
            denonciation_tardive=denonciation_tardive,
        )
        return context


class ConventionFormulaireMixin:
    def form_valid(self, form):
        self.object = form.save(commit=False)
        for avertissement in services.enregistrer_convention(self.object):
            messages.warning(self.request, avertissement)
        messages.success(self.request, self.message_succes)
        return HttpResponseRedirect(reverse("conventions:convention", args=[self.object.pk]))


class ConventionCreation(FacilitateurRequisMixin, ConventionFormulaireMixin, CreateView):
    model = Convention
    form_class = ConventionForm
    template_name = "conventions/convention_form.html"
    message_succes = "La convention a été enregistrée."
    extra_context = {"titre": "Nouvelle convention"}

    def get_initial(self):
        donneur = self.request.GET.get("donneur", "")
        if donneur.isdigit() and DonneurDOrdre.objects.filter(pk=donneur).exists():
            return {"donneur_d_ordre": int(donneur)}
        return {}


class ConventionModification(FacilitateurRequisMixin, ConventionFormulaireMixin, UpdateView):
    model = Convention
    form_class = ConventionForm
    template_name = "conventions/convention_form.html"
    message_succes = "La convention a été modifiée."

    def get_context_data(self, **kwargs):
        numero = f" n° {self.object.numero}" if self.object.numero else ""
        return super().get_context_data(titre=f"Modifier la convention{numero}", **kwargs)


class ConventionMixin:
    """A page about one convention, found after the permission check."""

    @cached_property
    def convention(self) -> Convention:
        return get_object_or_404(Convention.objects.select_related("donneur_d_ordre"), pk=self.kwargs["pk"])


class ConventionDenonciation(FacilitateurRequisMixin, ConventionMixin, FormView):
    form_class = DenonciationForm
    template_name = "conventions/denonciation_form.html"

    def get(self, request, *args, **kwargs):
        if self.convention.date_denonciation:
            messages.info(
                request, f"Cette convention a déjà été dénoncée le {date_longue(self.convention.date_denonciation)}."
            )
            return redirect("conventions:convention", self.convention.pk)
        if self.convention.date_signature is None:
            messages.info(request, "Cette convention n'est pas signée : il n'y a pas de reconduction à refuser.")
            return redirect("conventions:convention", self.convention.pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        jour = timezone.localdate()
        courante = self.convention.periode_courante(jour)
        suivante = self.convention.periode_numero(courante.numero + 1)
        return super().get_context_data(
            titre="Enregistrer une dénonciation",
            convention=self.convention,
            courante=courante,
            suivante=suivante,
            dans_les_delais=jour <= courante.date_limite_denonciation,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            resultat = services.denoncer_convention(
                self.convention,
                date_denonciation=form.cleaned_data["date_denonciation"],
                denoncee_par=form.cleaned_data["denoncee_par"],
                motif=form.cleaned_data["motif"],
            )
        except ValidationError as erreur:
            form.add_error(None, erreur)
            return self.form_invalid(form)
        fin = date_longue(resultat.date_fin)
        phrase_fin = (
            f"La convention a pris fin le {fin}."
            if resultat.date_fin < timezone.localdate()
            else f"La convention prendra fin le {fin}."
        )
        if resultat.dans_les_delais:
            messages.success(self.request, f"Dénonciation enregistrée. {phrase_fin}")
        else:
            messages.warning(
                self.request,
                f"Dénonciation enregistrée après la date limite du {date_longue(resultat.date_limite)} : la "
                f"convention est reconduite une dernière fois et prend fin à l'échéance suivante. {phrase_fin}",
            )
        return redirect("conventions:convention", self.convention.pk)


class AvenantCreation(FacilitateurRequisMixin, ConventionMixin, CreateView):
    model = Avenant
    form_class = AvenantForm
    template_name = "conventions/avenant_form.html"

    def get_initial(self):
        return {"numero": services.prochain_numero_avenant(self.convention)}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": Avenant(convention=self.convention)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(titre="Ajouter un avenant", convention=self.convention, **kwargs)

    def form_valid(self, form):
        avenant = form.save()
        if services.prend_effet(avenant):
            messages.success(
                self.request,
                f"L'avenant n° {avenant.numero} a été enregistré : il prend effet le "
                f"{date_longue(avenant.date_effet)} au renouvellement.",
            )
        else:
            messages.warning(
                self.request,
                f"L'avenant n° {avenant.numero} a été enregistré, mais la convention prend fin le "
                f"{date_longue(self.convention.date_fin)}, avant le renouvellement du "
                f"{date_longue(avenant.date_effet)} : il ne prendra pas effet.",
            )
        return redirect("conventions:convention", self.convention.pk)
