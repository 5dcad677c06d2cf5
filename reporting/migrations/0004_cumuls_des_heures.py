import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clauses", "0006_index_pour_le_volume"),
        ("conventions", "0002_invitation"),
        ("marches", "0004_index_pour_le_volume"),
        ("reporting", "0003_planning"),
    ]

    operations = [
        migrations.CreateModel(
            name="CumulLot",
            fields=[
                (
                    "lot",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="marches.lot",
                    ),
                ),
                ("heures", models.DecimalField(decimal_places=2, max_digits=14, verbose_name="heures")),
                ("lignes", models.IntegerField(verbose_name="lignes d'heures")),
            ],
            options={
                "verbose_name": "cumul des heures d'un lot",
                "verbose_name_plural": "cumuls des heures des lots",
                "indexes": [
                    models.Index(condition=models.Q(("lignes", 0)), fields=["lignes"], name="cumul_lot_vide_idx")
                ],
            },
        ),
        migrations.CreateModel(
            name="CumulTerritoire",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("mois", models.DateField(verbose_name="mois")),
                ("modalite", models.CharField(max_length=25, verbose_name="modalité")),
                ("heures", models.DecimalField(decimal_places=2, max_digits=14, verbose_name="heures")),
                ("lignes", models.IntegerField(verbose_name="lignes d'heures")),
            ],
            options={
                "verbose_name": "cumul mensuel du territoire",
                "verbose_name_plural": "cumuls mensuels du territoire",
                "indexes": [
                    models.Index(
                        condition=models.Q(("lignes", 0)), fields=["lignes"], name="cumul_territoire_vide_idx"
                    )
                ],
                "constraints": [models.UniqueConstraint(fields=("mois", "modalite"), name="cumul_territoire_unique")],
            },
        ),
        migrations.CreateModel(
            name="CumulMensuel",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("mois", models.DateField(verbose_name="mois")),
                ("modalite", models.CharField(max_length=25, verbose_name="modalité")),
                ("heures", models.DecimalField(decimal_places=2, max_digits=14, verbose_name="heures")),
                ("lignes", models.IntegerField(verbose_name="lignes d'heures")),
                (
                    "donneur_d_ordre",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="conventions.donneurdordre",
                    ),
                ),
            ],
            options={
                "verbose_name": "cumul mensuel des heures",
                "verbose_name_plural": "cumuls mensuels des heures",
                "indexes": [
                    models.Index(condition=models.Q(("lignes", 0)), fields=["lignes"], name="cumul_mensuel_vide_idx")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("donneur_d_ordre", "mois", "modalite"), name="cumul_mensuel_unique"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="MarcheAnnuel",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("annee", models.PositiveSmallIntegerField(verbose_name="année")),
                ("mois_positifs", models.IntegerField(verbose_name="lignes d'heures positives")),
                (
                    "marche",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="marches.marche",
                    ),
                ),
            ],
            options={
                "verbose_name": "marché de l'année",
                "verbose_name_plural": "marchés de l'année",
                "indexes": [
                    models.Index(
                        condition=models.Q(("mois_positifs", 0)),
                        fields=["mois_positifs"],
                        name="marche_annuel_vide_idx",
                    )
                ],
                "constraints": [models.UniqueConstraint(fields=("annee", "marche"), name="marche_annuel_unique")],
            },
        ),
        migrations.CreateModel(
            name="PersonneAnnuelle",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("annee", models.PositiveSmallIntegerField(verbose_name="année")),
                ("mois_positifs", models.IntegerField(verbose_name="mois avec des heures")),
                (
                    "participant",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="clauses.participant",
                    ),
                ),
            ],
            options={
                "verbose_name": "personne de l'année",
                "verbose_name_plural": "personnes de l'année",
                "indexes": [
                    models.Index(
                        condition=models.Q(("mois_positifs", 0)), fields=["mois_positifs"], name="personne_vide_idx"
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("annee", "participant"), name="personne_annuelle_unique")
                ],
            },
        ),
        migrations.CreateModel(
            name="PresenceMensuelle",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("mois", models.DateField(verbose_name="mois")),
                ("lignes_positives", models.IntegerField(verbose_name="lignes d'heures positives")),
                (
                    "donneur_d_ordre",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="conventions.donneurdordre",
                    ),
                ),
                (
                    "marche",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="marches.marche",
                    ),
                ),
                (
                    "participant",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="clauses.participant",
                    ),
                ),
            ],
            options={
                "verbose_name": "présence mensuelle",
                "verbose_name_plural": "présences mensuelles",
                "indexes": [
                    models.Index(
                        condition=models.Q(("lignes_positives", 0)),
                        fields=["lignes_positives"],
                        name="presence_mensuelle_vide_idx",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("donneur_d_ordre", "mois", "marche", "participant"), name="presence_mensuelle_unique"
                    )
                ],
            },
        ),
    ]
