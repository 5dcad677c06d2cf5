"""``manage.py verifier_cumuls``: compares every figure PostgreSQL keeps with its recount, in one snapshot."""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from reporting.cumuls.reconstruction import ecarts as ecarts_des_cumuls


def afficher_les_ecarts(commande: BaseCommand, ecarts: dict) -> None:
    for nom, lignes in ecarts.items():
        commande.stderr.write(f"{apps.get_model('reporting', nom)._meta.verbose_name_plural} ({nom}) :")
        for ligne in lignes["en_trop"]:
            commande.stderr.write(f"  en trop : {ligne}")
        for ligne in lignes["manquantes"]:
            commande.stderr.write(f"  manquante : {ligne}")


class Command(BaseCommand):
    help = (
        "Recompte les cumuls d'heures à partir des heures mensuelles, les objectifs des lots à partir des lots, "
        "clauses et marchés, les personnes par critère, les contrats et sorties par jour à partir des placements, "
        "et les compare à ceux que PostgreSQL tient à jour, en une seule lecture de la base : n'écrit rien, sort en "
        "erreur s'il y a un écart (« manage.py rebuild_cumuls --wet-run » les reconstruit)."
    )

    def handle(self, *args, **options):
        ecarts = ecarts_des_cumuls()
        if not ecarts:
            self.stdout.write(self.style.SUCCESS("Cumuls exacts : chaque total égale son recalcul."))
            return
        afficher_les_ecarts(self, ecarts)
        raise CommandError(
            f"Cumuls inexacts dans {len(ecarts)} table(s) : voir ci-dessus ; « manage.py rebuild_cumuls --wet-run » "
            "les reconstruit."
        )
