"""``manage.py rebuild_cumuls``: rebuilds every figure PostgreSQL keeps from what it counts (after a restore of
data only, a ``loaddata``, or a drift that ``verifier_cumuls`` reported). Dry run unless ``--wet-run``."""

from django.core.management.base import BaseCommand

from reporting.cumuls.reconstruction import ecarts, reconstruire
from reporting.management.commands.verifier_cumuls import afficher_les_ecarts


class Command(BaseCommand):
    help = (
        "Reconstruit les cumuls d'heures, les objectifs des lots, les personnes par critère et les contrats et "
        "sorties par jour à partir des heures, lots et placements, en une transaction (les écritures attendent la "
        "fin). Sans --wet-run, montre seulement ce qui changerait."
    )

    def add_arguments(self, parser):
        parser.add_argument("--wet-run", action="store_true", help="Reconstruit pour de bon.")

    def handle(self, *args, **options):
        avant = ecarts()
        if not options["wet_run"]:
            if avant:
                afficher_les_ecarts(self, avant)
                self.stdout.write(f"{len(avant)} table(s) seraient corrigées : relancez avec --wet-run.")
            else:
                self.stdout.write("Cumuls exacts : rien à reconstruire (--wet-run reconstruit quand même).")
            return
        lignes = reconstruire()
        for nom, nombre in lignes.items():
            self.stdout.write(f"  {nom} : {nombre} ligne(s)")
        self.stdout.write(
            self.style.SUCCESS(f"Cumuls reconstruits ({len(lignes)} tables, {len(avant)} étaient inexactes).")
        )
