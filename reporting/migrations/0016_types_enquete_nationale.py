"""Two documents of the national survey of a year: its workbook and its one-page summary (facilitators only)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0015_agenda_personnel"),
    ]

    operations = [
        migrations.AlterField(
            model_name="rapport",
            name="type",
            field=models.CharField(
                choices=[
                    ("bilan_annuel", "Bilan annuel"),
                    ("rapport_marche", "Rapport de marché"),
                    ("rapport_periodique", "Rapport périodique"),
                    ("bilan_territorial", "Bilan territorial"),
                    ("courrier_echeance", "Courrier d'échéance"),
                    ("enquete_nationale", "Enquête nationale (tableur)"),
                    ("enquete_synthese", "Enquête nationale (synthèse)"),
                ],
                max_length=25,
                verbose_name="type",
            ),
        ),
    ]
