from django.contrib import admin

from config.models import Courriel, ExportListe


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
