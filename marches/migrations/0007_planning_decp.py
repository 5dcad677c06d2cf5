"""Beat's row for the scheduled fetch of the données essentielles (django-celery-beat), as reporting's 0003 does for
its own: created once, never overwritten, so that a time changed in the admin stays changed. The task does nothing
while ``CLAUSES_DECP_URL`` is empty (the default)."""

from django.db import migrations
from django.utils import timezone

NOM = "Import des données essentielles (DECP)"


def creer(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="5", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/Paris"
    )
    PeriodicTask.objects.get_or_create(
        name=NOM,
        defaults={
            "task": "marches.tasks.importer_decp",
            "crontab": crontab,
            "description": (
                "Chaque nuit : télécharge le fichier des données essentielles de la commande publique dont "
                "l'adresse est donnée par CLAUSES_DECP_URL et enregistre les marchés des donneurs d'ordre du "
                "territoire. Sans adresse (par défaut), ne fait rien."
            ),
        },
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def supprimer(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NOM).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("marches", "0006_donnees_essentielles_decp"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(creer, supprimer)]
