from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html

from config.models import AlerteConsultations, Consultation, Courriel, ExportListe, StatutCourriel


@admin.register(ExportListe)
class ExportListeAdmin(admin.ModelAdmin):
    """Exports prepared by the worker: to follow them and delete the old ones (their files go with them)."""

    list_display = ["titre", "demande_par", "cree_le", "statut", "lignes"]
    list_filter = ["statut"]
    search_fields = ["titre", "demande_par__email"]

    def delete_model(self, request, obj):
        obj.fichier.delete(save=False)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for export in queryset:
            export.fichier.delete(save=False)
        super().delete_queryset(request, queryset)


@admin.register(Courriel)
class CourrielAdmin(admin.ModelAdmin):
    """The e-mails requests asked for, sent by the worker: to see what left, and what failed and why."""

    list_display = ["sujet", "origine", "destinataires", "cree_le", "statut", "envoye_le", "tentatives"]
    list_filter = ["statut", "origine"]
    search_fields = ["sujet", "destinataires"]
    readonly_fields = ["statut", "envoye_le", "termine_le", "message_erreur"]


class _LectureSeule:
    """A log: read in the admin, never written there."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class FiltreLecteur(admin.SimpleListFilter):
    """The accounts that may read personal data (facilitators, administrators): a handful, where the users' table
    holds every référent too, and a DISTINCT over the log would read it whole."""

    title = "compte"
    parameter_name = "utilisateur__id__exact"

    def lookups(self, request, model_admin):
        lecteurs = get_user_model().objects.filter(Q(is_facilitateur=True) | Q(is_superuser=True) | Q(is_staff=True))
        return [(str(u.pk), f"{u} ({u.email})" if u.get_full_name() else u.email) for u in lecteurs.order_by("email")]

    def queryset(self, request, queryset):
        valeur = self.value()
        return queryset.filter(utilisateur_id=valeur) if valeur and valeur.isdigit() else queryset


@admin.register(Consultation)
class ConsultationAdmin(_LectureSeule, admin.ModelAdmin):
    """Who read which personal data (config.acces), for the administrators and the DPO (a staff account given the
    « view » permission on this model): searched by account, day, nature and participant's reference."""

    list_display = ["le", "email", "nature", "description", "personnes", "adresse_ip"]
    list_filter = [
        "nature",
        ("le", admin.DateFieldListFilter),
        FiltreLecteur,
    ]
    search_fields = ["=reference", "email", "description"]
    search_help_text = "Référence exacte d'un participant (P-000123), e-mail d'un compte ou mot de la description."
    date_hierarchy = "le"
    list_select_related = False
    # The log grows by a row per page read: no full count under the list, which would read the whole table.
    show_full_result_count = False
    fields = [
        "le",
        "utilisateur",
        "email",
        "adresse_ip",
        "nature",
        "objet",
        "objet_id",
        "reference",
        "description",
        "personnes",
    ]
    readonly_fields = fields


@admin.register(AlerteConsultations)
class AlerteConsultationsAdmin(_LectureSeule, admin.ModelAdmin):
    """Accounts that read or exported more people in 24 hours than CLAUSES_ALERTE_PERSONNES_24H, one line per account
    and day, with a link to what they read."""

    list_display = ["detectee_le", "email", "personnes", "seuil", "lectures", "courriel_envoye"]
    list_filter = [("jour", admin.DateFieldListFilter)]
    search_fields = ["email"]
    date_hierarchy = "jour"

    @admin.display(description="lectures")
    def lectures(self, obj: AlerteConsultations) -> str:
        if obj.utilisateur_id is None:
            return "—"
        url = reverse("admin:config_consultation_changelist") + f"?utilisateur__id__exact={obj.utilisateur_id}"
        return format_html('<a href="{}">Voir les consultations de {}</a>', url, obj.email)

    @admin.display(description="courriel", boolean=True)
    def courriel_envoye(self, obj: AlerteConsultations) -> bool | None:
        if obj.courriel_id is None:
            return None
        return obj.courriel.statut == StatutCourriel.ENVOYE

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("courriel")
