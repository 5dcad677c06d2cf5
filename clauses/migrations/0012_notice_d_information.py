"""The information notice given to each participant (issue 17): when and how, both or neither; a partial index
for the participants still without it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clauses", "0011_textes_des_clauses_article_et_contradictoire"),
        ("entreprises", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="participant",
            name="notice_mode_remise",
            field=models.CharField(
                blank=True,
                choices=[
                    ("main_propre", "Remise en main propre"),
                    ("courrier", "Envoyée par courrier"),
                    ("courriel", "Envoyée par courriel"),
                ],
                max_length=12,
                verbose_name="mode de remise de la notice",
            ),
        ),
        migrations.AddField(
            model_name="participant",
            name="notice_remise_le",
            field=models.DateField(blank=True, null=True, verbose_name="notice d'information remise le"),
        ),
        migrations.AddIndex(
            model_name="participant",
            index=models.Index(
                condition=models.Q(("notice_remise_le__isnull", True)),
                fields=["id"],
                name="participant_sans_notice_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="participant",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("notice_mode_remise", ""), ("notice_remise_le__isnull", True)),
                    models.Q(("notice_remise_le__isnull", False), models.Q(("notice_mode_remise", ""), _negated=True)),
                    _connector="OR",
                ),
                name="participant_notice_date_et_mode",
                violation_error_message="La remise de la notice se renseigne avec sa date et son mode.",
            ),
        ),
    ]
