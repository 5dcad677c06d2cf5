"""The data protection officer's name and postal address, printed on the information notice (the e-mail came with
the legal notice, 0003)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("conventions", "0003_structure_mentions_legales"),
    ]

    operations = [
        migrations.AddField(
            model_name="structureporteuse",
            name="dpo_adresse",
            field=models.TextField(
                blank=True,
                help_text="Sur plusieurs lignes. Vide : l'adresse de la structure porteuse figure sur la notice.",
                verbose_name="adresse postale du DPO",
            ),
        ),
        migrations.AddField(
            model_name="structureporteuse",
            name="dpo_nom",
            field=models.CharField(
                blank=True,
                help_text="Nom de la personne ou du service désigné auprès de la CNIL.",
                max_length=200,
                verbose_name="délégué à la protection des données (DPO)",
            ),
        ),
    ]
