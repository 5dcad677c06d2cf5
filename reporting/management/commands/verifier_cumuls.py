from django.core.management.base import BaseCommand, CommandError

from reporting import agregats

TABLES = {
    "CumulMensuel": "heures par donneur d'ordre, mois et modalité",
    "CumulTerritoire": "heures du territoire par mois et modalité",
    "CumulLot": "heures par lot",
    "PresenceMensuelle": "personnes par donneur d'ordre, mois et marché",
    "PersonneAnnuelle": "personnes du territoire par année",
    "MarcheAnnuel": "marchés avec des heures par année",
    "ObjectifLot": "objectifs d'heures des lots",
    "CritereAnnuel": "personnes de l'année par critère d'éligibilité",
    "ContratJournalier": "contrats commencés par donneur d'ordre, jour et type",
    "ContratTerritoire": "contrats du territoire commencés par jour et type",
    "SortieJournaliere": "sorties de fin de parcours par donneur d'ordre, jour et situation",
}


class Command(BaseCommand):
    help = (
        "Recalcule les cumuls d'heures à partir des heures mensuelles, les objectifs des lots à partir des lots, "
        "clauses et marchés, les contrats et sorties par jour à partir des placements, et les compare à ceux que "
        "PostgreSQL tient à jour : n'écrit rien, sort en erreur au premier écart."
    )

    def handle(self, *args, **options):
        ecarts = agregats.ecarts()
        if not ecarts:
            self.stdout.write(self.style.SUCCESS("Cumuls exacts : chaque total égale son recalcul."))
            return
        for table, lignes in ecarts.items():
            self.stderr.write(f"{TABLES[table]} ({table}) :")
            for ligne in lignes["en_trop"]:
                self.stderr.write(f"  en trop : {ligne}")
            for ligne in lignes["manquantes"]:
                self.stderr.write(f"  manquante : {ligne}")
        raise CommandError(f"Cumuls inexacts dans {len(ecarts)} table(s) : voir ci-dessus.")
