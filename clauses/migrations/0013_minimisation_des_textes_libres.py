"""No social security number in the free-text fields of participants, placements and outcomes, and no disability in
their notes (clauses.minimisation): validators only, nothing changes in the database."""

from django.db import migrations, models

import clauses.minimisation


class Migration(migrations.Migration):
    dependencies = [
        ("clauses", "0012_notice_d_information"),
    ]

    operations = [
        migrations.AlterField(
            model_name="participant",
            name="commune",
            field=models.CharField(
                blank=True,
                max_length=100,
                validators=[clauses.minimisation.valider_sans_nir],
                verbose_name="commune de résidence",
            ),
        ),
        migrations.AlterField(
            model_name="participant",
            name="email",
            field=models.EmailField(
                blank=True, max_length=254, validators=[clauses.minimisation.valider_sans_nir], verbose_name="e-mail"
            ),
        ),
        migrations.AlterField(
            model_name="participant",
            name="identifiant_france_travail",
            field=models.CharField(
                blank=True,
                max_length=20,
                validators=[clauses.minimisation.valider_sans_nir],
                verbose_name="identifiant France Travail",
            ),
        ),
        migrations.AlterField(
            model_name="participant",
            name="nom",
            field=models.CharField(
                max_length=150, validators=[clauses.minimisation.valider_sans_nir], verbose_name="nom"
            ),
        ),
        migrations.AlterField(
            model_name="participant",
            name="notes",
            field=models.TextField(
                blank=True,
                validators=[clauses.minimisation.valider_sans_nir, clauses.minimisation.valider_sans_donnee_de_sante],
                verbose_name="notes",
            ),
        ),
        migrations.AlterField(
            model_name="participant",
            name="prenom",
            field=models.CharField(
                max_length=150, validators=[clauses.minimisation.valider_sans_nir], verbose_name="prénom"
            ),
        ),
        migrations.AlterField(
            model_name="participant",
            name="qpv",
            field=models.CharField(
                blank=True,
                max_length=150,
                validators=[clauses.minimisation.valider_sans_nir],
                verbose_name="quartier prioritaire",
            ),
        ),
        migrations.AlterField(
            model_name="participant",
            name="telephone",
            field=models.CharField(
                blank=True, max_length=30, validators=[clauses.minimisation.valider_sans_nir], verbose_name="téléphone"
            ),
        ),
        migrations.AlterField(
            model_name="placement",
            name="notes",
            field=models.TextField(
                blank=True,
                validators=[clauses.minimisation.valider_sans_nir, clauses.minimisation.valider_sans_donnee_de_sante],
                verbose_name="notes",
            ),
        ),
        migrations.AlterField(
            model_name="placement",
            name="poste",
            field=models.CharField(
                blank=True,
                max_length=150,
                validators=[clauses.minimisation.valider_sans_nir],
                verbose_name="poste occupé",
            ),
        ),
        migrations.AlterField(
            model_name="sortie",
            name="commentaire",
            field=models.TextField(
                blank=True,
                validators=[clauses.minimisation.valider_sans_nir, clauses.minimisation.valider_sans_donnee_de_sante],
                verbose_name="commentaire",
            ),
        ),
        migrations.AlterField(
            model_name="sortie",
            name="employeur",
            field=models.CharField(
                blank=True,
                max_length=200,
                validators=[clauses.minimisation.valider_sans_nir],
                verbose_name="employeur",
            ),
        ),
    ]
