import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ExportListe",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "vue",
                    models.CharField(help_text="Chemin de la vue de la liste.", max_length=200, verbose_name="liste"),
                ),
                (
                    "parametres",
                    models.TextField(
                        blank=True,
                        help_text="Paramètres de la liste, comme dans l'URL.",
                        verbose_name="filtres et tri",
                    ),
                ),
                ("titre", models.CharField(max_length=200, verbose_name="titre")),
                ("nom_fichier", models.CharField(max_length=200, verbose_name="nom du fichier")),
                ("lignes_prevues", models.PositiveIntegerField(verbose_name="lignes prévues")),
                ("lignes", models.PositiveIntegerField(blank=True, null=True, verbose_name="lignes écrites")),
                (
                    "statut",
                    models.CharField(
                        choices=[
                            ("en_attente", "En attente"),
                            ("en_cours", "En préparation"),
                            ("pret", "Prêt"),
                            ("echec", "Échec"),
                        ],
                        default="en_attente",
                        max_length=12,
                        verbose_name="statut",
                    ),
                ),
                (
                    "fichier",
                    models.FileField(blank=True, max_length=255, upload_to="exports/%Y/", verbose_name="fichier"),
                ),
                ("message_erreur", models.TextField(blank=True, verbose_name="message d'erreur")),
                ("jeton", models.CharField(blank=True, editable=False, max_length=32)),
                ("pris_le", models.DateTimeField(blank=True, null=True, verbose_name="pris en charge le")),
                ("cree_le", models.DateTimeField(auto_now_add=True, verbose_name="demandé le")),
                ("termine_le", models.DateTimeField(blank=True, null=True, verbose_name="terminé le")),
                (
                    "demande_par",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="exports",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="demandé par",
                    ),
                ),
            ],
            options={
                "verbose_name": "export de liste",
                "verbose_name_plural": "exports de listes",
                "ordering": ["-cree_le", "-pk"],
                "indexes": [models.Index(fields=["demande_par", "-cree_le"], name="export_demandeur_idx")],
            },
        ),
    ]
