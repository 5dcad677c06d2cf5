"""``manage.py exporter_portefeuille FICHIER``: the whole portfolio in the layout its import reads (issue 16 §1)."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clauses.importation.portefeuille.export import exporter


class Command(BaseCommand):
    help = (
        "Écrit tout le portefeuille (donneurs d'ordre, conventions, entreprises, opérateurs, marchés, lots et "
        "clauses, attributions, participants, placements, heures, sorties) dans un classeur .xlsx ou un dossier de "
        "fichiers CSV compressé .zip, que « importer_portefeuille » relit."
    )

    def add_arguments(self, parser):
        parser.add_argument("fichier", help="Chemin du fichier à écrire, en .xlsx ou .zip.")

    def handle(self, *args, fichier: str, **options):
        chemin = Path(fichier)
        format_fichier = chemin.suffix.lower().lstrip(".")
        if format_fichier not in ("xlsx", "zip"):
            raise CommandError("Le fichier doit se terminer par .xlsx ou .zip.")
        debut = time.monotonic()
        with chemin.open("wb") as sortie:
            exporter(sortie, format_fichier)
        taille = chemin.stat().st_size / (1024 * 1024)
        self.stdout.write(
            self.style.SUCCESS(
                f"Portefeuille exporté dans {chemin} ({taille:.1f} Mo) en {time.monotonic() - debut:.1f} s."
            )
        )
