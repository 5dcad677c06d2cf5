"""Admin of users, the structure porteuse, donneurs d'ordre (with their référents and invitations), référents,
conventions and avenants.

Also holds a helper the other apps' admins share: ``filtre_titre``.
"""

import datetime as dt

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.db import models
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html

from conventions.models import Avenant, Convention, DonneurDOrdre, Invitation, Referent, StructurePorteuse, User
from entreprises.admin import SiretAdminMixin

# --- Helpers shared by the apps' admins -------------------------------------------------------------


def filtre_titre(titre: str, base: type[admin.FieldListFilter] = admin.ChoicesFieldListFilter):
    """A list filter with its own title: « type » alone is ambiguous once it follows a relation."""

    class FiltreTitre(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = titre

    return FiltreTitre


# --- Users -------------------------------------------------------------------------------------------


class EmailNormaliseMixin:
    """The model lowercases the email on save; do it before validation so that uniqueness is checked on it."""

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class UserCreationForm(EmailNormaliseMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)
        field_classes: dict = {}


class UserChangeForm(EmailNormaliseMixin, DjangoUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes: dict = {}


class ReferentDuUserInline(admin.TabularInline):
    model = Referent
    fk_name = "user"
    fields = ("donneur_d_ordre", "fonction", "principal")
    autocomplete_fields = ("donneur_d_ordre",)
    extra = 0
    verbose_name = "référent d'un donneur d'ordre"
    verbose_name_plural = "référent des donneurs d'ordre suivants"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Identité", {"fields": ("first_name", "last_name", "telephone")}),
        (
            "Rôle et permissions",
            {"fields": ("is_facilitateur", "is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "first_name",
                    "last_name",
                    "telephone",
                    "is_facilitateur",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")
    list_display = ("email", "last_name", "first_name", "is_facilitateur", "is_staff", "is_active", "referent_de")
    list_filter = ("is_facilitateur", "is_staff", "is_active", "is_superuser", "groups")
    search_fields = ("email", "first_name", "last_name", "telephone")
    ordering = ("last_name", "first_name", "email")
    inlines = (ReferentDuUserInline,)

    def get_inlines(self, request, obj):
        # Memberships are added once the account exists, like the other options of the user.
        return self.inlines if obj is not None else ()

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("referents__donneur_d_ordre")

    @admin.display(description="référent de")
    def referent_de(self, obj: User) -> str:
        return ", ".join(r.donneur_d_ordre.nom for r in obj.referents.all())


# --- Structure porteuse ---------------------------------------------------------------------------------


@admin.register(StructurePorteuse)
class StructurePorteuseAdmin(SiretAdminMixin, admin.ModelAdmin):
    """A single row: no second one, no deletion, and the list goes straight to the form."""

    fieldsets = (
        ("Identité", {"fields": ("nom", "sigle", "service", "siret", "logo", "apercu_logo")}),
        ("Coordonnées", {"fields": ("adresse", ("code_postal", "commune"), "email", "telephone")}),
        ("Signature des documents", {"fields": ("signataire_nom", "signataire_qualite")}),
        (
            "Données personnelles des participants",
            {
                "fields": ("conservation_annees", "conservation_sans_placement_annees"),
                "description": "Durées de conservation avant l'anonymisation automatique (voir la documentation "
                "« Données personnelles »).",
            },
        ),
        (
            "Mentions légales",
            {"fields": ("directeur_publication", "hebergeur", "url_donnees_personnelles")},
        ),
        (
            "Protection des données personnelles",
            {
                "fields": ("dpo_nom", "dpo_email", "dpo_adresse"),
                "description": "Coordonnées imprimées sur la notice d'information remise à chaque participant et "
                "sur la page des mentions légales.",
            },
        ),
    )
    readonly_fields = ("apercu_logo",)
    # An address typed without its scheme is taken as https (Django 6's default, asked for now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not StructurePorteuse.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        structure = StructurePorteuse.objects.first()
        if structure is None:
            return HttpResponseRedirect(reverse("admin:conventions_structureporteuse_add"))
        return HttpResponseRedirect(reverse("admin:conventions_structureporteuse_change", args=[structure.pk]))

    @admin.display(description="aperçu du logo")
    def apercu_logo(self, obj: StructurePorteuse) -> str:
        if not obj.logo:
            return "Aucun logo : les documents n'affichent que le nom."
        apercu = obj.logo_en_data_uri()
        if apercu is None:
            return "Logo illisible : les documents n'affichent que le nom."
        return format_html('<img src="{}" alt="Logo de {}" class="apercu-logo">', apercu, obj.nom)


# --- Donneurs d'ordre and référents ----------------------------------------------------------------------


def _date(jour: dt.date | None) -> str | None:
    # Formatted here: a read-only field of the change form would show a bare date in ISO form.
    return date_format(jour) if jour is not None else None


class ConventionCalendrierMixin:
    """Computed read-only columns and fields of a convention; each answers for today."""

    @staticmethod
    def _calculable(obj: Convention | None) -> bool:
        return obj is not None and obj.pk is not None and obj.date_effet is not None

    @admin.display(description="état")
    def etat(self, obj: Convention) -> str | None:
        return obj.get_etat_display() if self._calculable(obj) else None

    @admin.display(description="prochaine échéance")
    def prochaine_echeance(self, obj: Convention) -> str | None:
        return _date(obj.prochaine_echeance()) if self._calculable(obj) else None

    @admin.display(description="date limite de dénonciation")
    def date_limite_denonciation(self, obj: Convention) -> str | None:
        return _date(obj.date_limite_denonciation()) if self._calculable(obj) else None

    @admin.display(description="reconductions")
    def nombre_reconductions(self, obj: Convention) -> int | None:
        return obj.nombre_reconductions() if self._calculable(obj) else None

    @admin.display(description="période courante")
    def periode_courante(self, obj: Convention) -> str | None:
        if not self._calculable(obj):
            return None
        periode = obj.periode_courante()
        return (
            f"Période n° {periode.numero} : du {date_format(periode.debut)} "
            f"au {date_format(periode.echeance)} (échéance)"
        )

    @admin.display(description="date de renouvellement")
    def date_renouvellement(self, obj: Convention) -> str | None:
        if not self._calculable(obj) or obj.date_fin is not None:
            return None
        return _date(obj.periode_courante().date_renouvellement)

    @admin.display(description="date de fin")
    def date_fin(self, obj: Convention) -> str | None:
        if not self._calculable(obj):
            return None
        return _date(obj.date_fin) or "Aucune : reconduction tacite chaque année"


class ReferentDuDonneurInline(admin.TabularInline):
    model = Referent
    fk_name = "donneur_d_ordre"
    fields = ("user", "fonction", "principal")
    autocomplete_fields = ("user",)
    extra = 0


class InvitationInline(admin.TabularInline):
    """Read only: an invitation is sent from the donneur d'ordre's page, the only place that emails its link."""

    model = Invitation
    fields = ("email", "fonction", "invite_par", "envoyee_le", "expire_le", "acceptee_le", "revoquee_le")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("invite_par")


class ConventionInline(ConventionCalendrierMixin, admin.TabularInline):
    model = Convention
    fields = ("numero", "date_signature", "date_effet", "etat", "prochaine_echeance", "date_limite_denonciation")
    readonly_fields = ("etat", "prochaine_echeance", "date_limite_denonciation")
    extra = 0
    show_change_link = True


@admin.register(DonneurDOrdre)
class DonneurDOrdreAdmin(SiretAdminMixin, admin.ModelAdmin):
    list_display = ("nom", "type", "commune", "siret", "periodicite_rapport", "actif", "nombre_marches")
    list_filter = ("type", "actif", "periodicite_rapport")
    search_fields = ("nom", "siret", "commune")
    fieldsets = (
        (None, {"fields": ("nom", "type", "siret", "actif")}),
        ("Coordonnées", {"fields": ("adresse", ("code_postal", "commune"), "email", "telephone")}),
        ("Suivi", {"fields": ("periodicite_rapport", ("cree_le", "modifie_le"))}),
    )
    readonly_fields = ("cree_le", "modifie_le")
    inlines = (ReferentDuDonneurInline, InvitationInline, ConventionInline)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(nb_marches=Count("marches", distinct=True))

    @admin.display(description="marchés", ordering="nb_marches")
    def nombre_marches(self, obj: DonneurDOrdre) -> int:
        return obj.nb_marches


@admin.register(Referent)
class ReferentAdmin(admin.ModelAdmin):
    list_display = ("user", "email", "donneur_d_ordre", "fonction", "principal", "cree_le")
    list_select_related = ("user", "donneur_d_ordre")
    list_filter = ("principal", ("donneur_d_ordre__type", filtre_titre("type de donneur d'ordre")))
    search_fields = ("user__email", "user__first_name", "user__last_name", "donneur_d_ordre__nom", "fonction")
    autocomplete_fields = ("user", "donneur_d_ordre")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "donneur_d_ordre")

    @admin.display(description="adresse e-mail", ordering="user__email")
    def email(self, obj: Referent) -> str:
        return obj.user.email


# --- Conventions and avenants -----------------------------------------------------------------------------


class DenonciationFilter(admin.SimpleListFilter):
    title = "dénonciation"
    parameter_name = "denoncee"

    def lookups(self, request, model_admin):
        return (("oui", "Dénoncée"), ("non", "Non dénoncée"))

    def queryset(self, request, queryset):
        if self.value() == "oui":
            return queryset.filter(date_denonciation__isnull=False)
        if self.value() == "non":
            return queryset.filter(date_denonciation__isnull=True)
        return queryset


class AvenantInline(admin.TabularInline):
    model = Avenant
    fields = ("numero", "objet", "date_signature", "date_effet", "document")
    readonly_fields = ("date_effet",)
    extra = 0


@admin.register(Convention)
class ConventionAdmin(ConventionCalendrierMixin, admin.ModelAdmin):
    list_display = (
        "donneur_d_ordre",
        "numero",
        "date_effet",
        "etat",
        "prochaine_echeance",
        "date_limite_denonciation",
        "nombre_reconductions",
    )
    list_select_related = ("donneur_d_ordre",)
    list_filter = (
        ("donneur_d_ordre__type", filtre_titre("type de donneur d'ordre")),
        DenonciationFilter,
    )
    search_fields = ("donneur_d_ordre__nom", "numero", "objet")
    autocomplete_fields = ("donneur_d_ordre",)
    readonly_fields = (
        "etat",
        "periode_courante",
        "prochaine_echeance",
        "date_limite_denonciation",
        "date_renouvellement",
        "nombre_reconductions",
        "date_fin",
        "cree_le",
        "modifie_le",
    )
    inlines = (AvenantInline,)

    fieldsets_communs = (
        (None, {"fields": ("donneur_d_ordre", "numero", "objet", "document")}),
        ("Durée", {"fields": ("date_signature", "date_effet", ("duree_mois", "preavis_mois"))}),
    )
    fieldsets_calcules = (
        (
            "Calendrier (calculé pour aujourd'hui)",
            {
                "fields": (
                    "etat",
                    "periode_courante",
                    ("prochaine_echeance", "date_renouvellement"),
                    "date_limite_denonciation",
                    "nombre_reconductions",
                    "date_fin",
                )
            },
        ),
    )
    fieldsets_fin = (
        ("Dénonciation", {"fields": ("date_denonciation", "denoncee_par", "motif_denonciation")}),
        ("Notes", {"fields": ("notes", ("cree_le", "modifie_le"))}),
    )

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.fieldsets_communs + self.fieldsets_fin
        return self.fieldsets_communs + self.fieldsets_calcules + self.fieldsets_fin

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # An avenant takes effect at the renewal after its signature: follow a corrected date of effect.
        convention = form.instance
        for avenant in convention.avenants.all():
            effet = convention.periode_courante(avenant.date_signature).date_renouvellement
            if effet == avenant.date_effet:
                continue
            if effet <= avenant.date_signature:
                self.message_user(
                    request,
                    f"{avenant} : signé après la fin de la convention, il ne peut pas prendre effet.",
                    messages.WARNING,
                )
                continue
            avenant.save(update_fields=["date_effet"])
            self.message_user(request, f"{avenant} : prend désormais effet le {date_format(avenant.date_effet)}.")


@admin.register(Avenant)
class AvenantAdmin(admin.ModelAdmin):
    list_display = ("__str__", "convention", "date_signature", "date_effet")
    list_select_related = ("convention__donneur_d_ordre",)
    search_fields = ("objet", "convention__numero", "convention__donneur_d_ordre__nom")
    list_filter = (("convention__donneur_d_ordre__type", filtre_titre("type de donneur d'ordre")),)
    autocomplete_fields = ("convention",)
    fields = ("convention", "numero", "objet", "description", "date_signature", "date_effet", "document")
    readonly_fields = ("date_effet",)
    date_hierarchy = "date_effet"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("convention__donneur_d_ordre")
