import argparse

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from clauses import demo
from conventions.models import DonneurDOrdre


class Command(BaseCommand):
    help = (
        "Charge les données de démonstration (territoire d'Arles, --size demo) ou un jeu de données de "
        "performance (--size metropole ou national). Ne fait rien si les données sont déjà présentes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--size",
            choices=["demo", *demo.ECHELLES],
            default="demo",
            help="demo : territoire de démonstration ; metropole et national : volumes de performance.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Ne rien faire si la base contient déjà un donneur d'ordre (utilisé par make run).",
        )
        # Scales the benchmark generator down so that tests run its code path in seconds.
        parser.add_argument("--echelle", type=float, default=None, help=argparse.SUPPRESS)

    def handle(self, *args, size: str, if_empty: bool, echelle: float | None, **options):
        if if_empty and DonneurDOrdre.objects.exists():
            self.stdout.write("La base contient déjà des donneurs d'ordre : aucune donnée de démonstration chargée.")
            return
        if echelle is not None and not 0 < echelle <= 1:
            raise CommandError("--echelle doit être comprise entre 0 (exclu) et 1.")
        if size == "demo" and echelle is None:
            self.stdout.write("Chargement des données de démonstration…")
            resultat = demo.charger_demo(journal=self.stdout.write)
        else:
            echelle = echelle if echelle is not None else demo.ECHELLES.get(size, 1.0)
            self.stdout.write(f"Chargement du jeu de données de performance (échelle {echelle:g})…")
            resultat = demo.charger_volume(echelle, journal=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(resultat.message) if resultat.cree else resultat.message)
        if resultat.cree:
            analyser_les_tables()
            self.stdout.write(f"Comptes (mot de passe commun : {demo.MOT_DE_PASSE_DEMO}) :")
            for role, email in resultat.comptes:
                self.stdout.write(f"  - {role} : {email}")


def analyser_les_tables() -> None:
    """Refresh the query planner's statistics after a bulk load, and the visibility map too.

    PostgreSQL's autovacuum would do both some minutes later (and never where it is turned off); until then the
    planner believes the new tables empty and picks nested loops over millions of rows, and index-only scans
    (counts, sums over an index) still read every table page. VACUUM cannot run inside a transaction: there,
    statistics only.
    """
    vacuum = not connection.in_atomic_block
    with connection.cursor() as curseur:
        curseur.execute("VACUUM (ANALYZE)" if vacuum else "ANALYZE")
