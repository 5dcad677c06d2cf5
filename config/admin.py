from django.contrib import admin

from config.models import ExportListe


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
