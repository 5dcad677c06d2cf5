"""Admin of the reports, the annual bilans, the scheduled jobs and the schedule itself.

A report's status, file and checksum are the worker's to write (``Rapport.enregistrer_fichier``): the
admin shows them and does not edit them, so that a « prêt » row always matches its file. The same goes for a
job's row (``Tache``); what a person decides — a send marked « interrompu » checked and found received, or
to be sent again — is an action on the list.

The schedule is django-celery-beat's (``PeriodicTask``, ``CrontabSchedule``), read by beat from the database.
Its own admin pages are replaced by shorter ones: only the project's periodic tasks can be chosen, the timing is
described in French, and no page carries an inline script (the Content-Security-Policy forbids them).
"""

import django_celery_beat.admin  # noqa: F401 -- registers its pages first, so that they can be replaced here
from cron_descriptor import ExpressionDescriptor, Options
from django import forms
from django.contrib import admin, messages
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    PeriodicTasks,
    SolarSchedule,
)

from reporting import travaux
from reporting.models import BilanAnnuel, Rapport, Tache


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
    actions = ("confirmer_envoi", "autoriser_nouvel_envoi")

    # A periodic report whose send was interrupted (« échec : envoi interrompu, à vérifier »), once checked.
    @admin.action(description="Envoi vérifié : le rapport a bien été reçu (le remettre « prêt »)")
    def confirmer_envoi(self, request, queryset):
        nombre = travaux.confirmer_envoi(rapports=queryset)
        self.message_user(request, f"{nombre} rapport(s) remis « prêt(s) ».", messages.SUCCESS)

    @admin.action(description="Envoi vérifié : le rapport n'a pas été reçu (l'envoyer à nouveau)")
    def autoriser_nouvel_envoi(self, request, queryset):
        nombre = travaux.autoriser_nouvel_envoi(rapports=queryset)
        self.message_user(request, f"{nombre} rapport(s) remis en file d'envoi.", messages.SUCCESS)


@admin.register(BilanAnnuel)
class BilanAnnuelAdmin(admin.ModelAdmin):
    list_display = ("convention", "numero_periode", "periode_debut", "periode_fin", "transmis_le", "commentaire_le")
    list_filter = (("transmis_le", admin.EmptyFieldListFilter),)
    list_select_related = ("convention__donneur_d_ordre",)
    search_fields = ("convention__numero", "convention__donneur_d_ordre__nom", "texte_qualitatif")
    raw_id_fields = ("convention", "transmis_par", "commentaire_par")
    readonly_fields = ("commentaire_le", "cree_le", "modifie_le")


# --- Scheduled jobs --------------------------------------------------------------------------------


@admin.register(Tache)
class TacheAdmin(admin.ModelAdmin):
    list_display = ("code", "cle", "statut", "tentatives", "cree_le", "termine_le", "envoye_le")
    list_filter = ("statut", "code")
    search_fields = ("code", "cle", "destinataires", "message_erreur")
    date_hierarchy = "cree_le"
    raw_id_fields = ("rapport",)
    fields = (
        "code",
        "cle",
        "statut",
        "message_erreur",
        "rapport",
        "tentatives",
        "pris_le",
        "termine_le",
        "envoi_commence_le",
        "envoye_le",
        "destinataires",
        "cree_le",
    )
    actions = ("marquer_envoye", "autoriser_nouvel_envoi")

    def get_readonly_fields(self, request, obj=None):
        # Written by the workers; a person acts through the actions below.
        return [f for f in self.fields if f not in ("code", "cle")] if obj is None else list(self.fields)

    @admin.action(description="Envoi vérifié : le message a bien été reçu (marquer comme fait)")
    def marquer_envoye(self, request, queryset):
        nombre = travaux.confirmer_envoi(taches=queryset)
        self.message_user(request, f"{nombre} tâche(s) marquée(s) comme faite(s).", messages.SUCCESS)

    @admin.action(description="Envoi vérifié : le message n'a pas été reçu (l'envoyer à nouveau)")
    def autoriser_nouvel_envoi(self, request, queryset):
        nombre = travaux.autoriser_nouvel_envoi(taches=queryset)
        self.message_user(request, f"{nombre} tâche(s) remise(s) en file d'envoi.", messages.SUCCESS)


# --- The schedule (django-celery-beat) -------------------------------------------------------------

for modele in (ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule):
    if admin.site.is_registered(modele):
        admin.site.unregister(modele)

TRAVAUX_PLANIFIABLES = [
    ("reporting.tasks.executer_travaux_du_jour", "Travaux du jour (rapports, bilans, rappels, digest)"),
    ("reporting.tasks.reprendre_travaux", "Reprise des travaux interrompus"),
]


def horaire_en_francais(crontab: CrontabSchedule | None) -> str:
    if crontab is None:
        return "—"
    expression = " ".join(
        [crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year, crontab.day_of_week]
    )
    options = Options()
    options.locale_code = "fr_FR"
    options.use_24hour_time_format = True
    try:
        description = ExpressionDescriptor(expression, options).get_description()
    except Exception:
        return expression
    return f"{description} ({crontab.timezone})"


class TachePeriodiqueForm(forms.ModelForm):
    task = forms.ChoiceField(label="travail", choices=TRAVAUX_PLANIFIABLES)

    class Meta:
        model = PeriodicTask
        fields = ("name", "task", "enabled", "crontab", "description")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["crontab"].required = True
        self.fields["crontab"].help_text = "Quand le travail démarre (fuseau horaire de la planification)."


@admin.register(PeriodicTask)
class TachePeriodiqueAdmin(admin.ModelAdmin):
    form = TachePeriodiqueForm
    list_display = ("name", "task", "enabled", "horaire", "last_run_at", "total_run_count")
    list_filter = ("enabled",)
    list_select_related = ("crontab",)
    search_fields = ("name", "task", "description")
    fields = ("name", "task", "enabled", "crontab", "horaire", "description", "last_run_at", "total_run_count")
    readonly_fields = ("horaire", "last_run_at", "total_run_count")
    actions = ("activer", "desactiver")

    @admin.display(description="horaire")
    def horaire(self, obj: PeriodicTask) -> str:
        return horaire_en_francais(obj.crontab)

    @admin.action(description="Activer les tâches sélectionnées")
    def activer(self, request, queryset):
        nombre = queryset.update(enabled=True)
        PeriodicTasks.update_changed()  # a bulk UPDATE sends no signal: tell beat to reload
        self.message_user(request, f"{nombre} tâche(s) activée(s).", messages.SUCCESS)

    @admin.action(description="Désactiver les tâches sélectionnées")
    def desactiver(self, request, queryset):
        nombre = queryset.update(enabled=False)
        PeriodicTasks.update_changed()
        self.message_user(request, f"{nombre} tâche(s) désactivée(s).", messages.SUCCESS)


@admin.register(CrontabSchedule)
class HoraireAdmin(admin.ModelAdmin):
    list_display = ("__str__", "horaire")
    fields = ("minute", "hour", "day_of_week", "day_of_month", "month_of_year", "timezone", "horaire")
    readonly_fields = ("horaire",)

    @admin.display(description="en clair")
    def horaire(self, obj: CrontabSchedule) -> str:
        return horaire_en_francais(obj) if obj.pk else "—"
