"""The schedule's row of the daily purge of personal data (reporting.tasks.purger_donnees_personnelles): the people
past their retention term are anonymised, the documents and exports naming them deleted. Created once, never
overwritten: a time an admin changed stays changed (as 0003 does for the other jobs)."""

from django.db import migrations
from django.utils import timezone

FUSEAU = "Europe/Paris"
NOM = "Purge des données personnelles"
TACHE = "reporting.tasks.purger_donnees_personnelles"
CRONTAB = {"minute": "30", "hour": "5"}
DESCRIPTION = (
    "Chaque matin : anonymise les participants dont la durée de conservation est échue (durées réglées dans la "
    "structure porteuse, prolongations décidées par les facilitateurs) sans changer aucun chiffre publié, supprime "
    "les documents nominatifs et les exports qui les citent, et les fichiers d'import abandonnés. Une seule fois par "
    "jour, même si elle est lancée deux fois."
)


def creer(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        day_of_week="*", day_of_month="*", month_of_year="*", timezone=FUSEAU, **CRONTAB
    )
    PeriodicTask.objects.get_or_create(
        name=NOM, defaults={"task": TACHE, "crontab": crontab, "description": DESCRIPTION}
    )
    # Beat reloads its schedule when this date moves.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def supprimer(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NOM).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0017_rapports_personnes_citees"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(creer, supprimer)]
