"""Admin of the reports and the annual bilans.

A report's status, file and checksum are the worker's to write (``Rapport.enregistrer_fichier``): the
admin shows them and does not edit them, so that a « prêt » row always matches its file.
"""

from django.contrib import admin

from reporting.models import BilanAnnuel, Rapport


@admin.register(Rapport)
class RapportAdmin(admin.ModelAdmin):
    list_display = ("__str__", "type", "donneur_d_ordre", "periode_debut", "statut", "cree_le", "envoye_le")
    list_filter = ("type", "statut")
    list_select_related = ("donneur_d_ordre",)
    search_fields = ("donneur_d_ordre__nom", "convention__numero", "marche__objet", "destinataires")
    date_hierarchy = "cree_le"
    autocomplete_fields = ("donneur_d_ordre",)
    raw_id_fields = ("convention", "marche", "demande_par")
    readonly_fields = ("statut", "fichier", "empreinte", "message_erreur", "cree_le", "termine_le")


@admin.register(BilanAnnuel)
class BilanAnnuelAdmin(admin.ModelAdmin):
    list_display = ("convention", "numero_periode", "periode_debut", "periode_fin", "transmis_le", "commentaire_le")
    list_filter = (("transmis_le", admin.EmptyFieldListFilter),)
    list_select_related = ("convention__donneur_d_ordre",)
    search_fields = ("convention__numero", "convention__donneur_d_ordre__nom", "texte_qualitatif")
    raw_id_fields = ("convention", "transmis_par", "commentaire_par")
    readonly_fields = ("commentaire_le", "cree_le", "modifie_le")
