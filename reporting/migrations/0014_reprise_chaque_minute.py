"""« Reprise des travaux interrompus » every minute instead of every 15: a document, an export or an e-mail whose
queueing failed (broker down) leaves as soon as the broker is back, and a dead worker's job is retaken within
about two minutes (config.travaux). The run is a few indexed queries. A schedule an admin changed is left alone."""

from django.db import migrations
from django.utils import timezone

NOM = "Reprise des travaux interrompus"
FUSEAU = "Europe/Paris"
DESCRIPTION = (
    "Chaque minute : remet en file les documents, les exports et les courriels restés en attente (file de travaux "
    "injoignable, message perdu) ou dont le traitement s'est arrêté, et signale les envois interrompus."
)


def _changer(apps, ancienne: str, nouvelle: str, description: str) -> None:
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    tache = PeriodicTask.objects.filter(name=NOM, crontab__minute=ancienne, crontab__hour="*").first()
    if tache is None:
        return
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=nouvelle, hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone=FUSEAU
    )
    tache.crontab = crontab
    tache.description = description
    tache.save(update_fields=["crontab", "description"])
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def chaque_minute(apps, schema_editor):
    _changer(apps, "*/15", "*", DESCRIPTION)


def chaque_quart_d_heure(apps, schema_editor):
    _changer(
        apps,
        "*",
        "*/15",
        "Toutes les 15 minutes : remet en file les documents et les tâches restés en attente ou dont le traitement "
        "s'est arrêté, et signale les envois interrompus.",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0013_mise_en_file_et_detail_technique"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(chaque_minute, chaque_quart_d_heure)]
