"""The schedule's rows (django-celery-beat): beat reads them, an admin edits them (« Tâches périodiques »).

Created once and never overwritten by a later start of beat, so that a time changed in the admin stays changed.
"""

from django.db import migrations
from django.utils import timezone

FUSEAU = "Europe/Paris"

PLANNING = [
    {
        "name": "Travaux du jour",
        "task": "reporting.tasks.executer_travaux_du_jour",
        "crontab": {"minute": "0", "hour": "6"},
        "description": (
            "Chaque matin : rapports périodiques (le 1er du mois ou du trimestre), bilans annuels à la date "
            "anniversaire des conventions, rappels 60 et 30 jours avant chaque date limite de dénonciation et le "
            "jour même, digest des alertes le lundi. Rattrape les 7 derniers jours si le planificateur était arrêté."
        ),
    },
    {
        "name": "Reprise des travaux interrompus",
        "task": "reporting.tasks.reprendre_travaux",
        "crontab": {"minute": "*/15", "hour": "*"},  # every minute since 0014
        "description": (
            "Toutes les 15 minutes : remet en file les documents et les tâches restés en attente ou dont le "
            "traitement s'est arrêté, et signale les envois interrompus."
        ),
    },
]


def creer(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for entree in PLANNING:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            day_of_week="*", day_of_month="*", month_of_year="*", timezone=FUSEAU, **entree["crontab"]
        )
        PeriodicTask.objects.get_or_create(
            name=entree["name"],
            defaults={"task": entree["task"], "crontab": crontab, "description": entree["description"]},
        )
    # Beat reloads its schedule when this date moves.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def supprimer(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[entree["name"] for entree in PLANNING]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0002_travaux_une_seule_fois"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(creer, supprimer)]
