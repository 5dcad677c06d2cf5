import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from reporting import travaux
from reporting.models import Tache


def _date(valeur: str) -> dt.date:
    try:
        return dt.date.fromisoformat(valeur)
    except ValueError as exc:
        raise CommandError(f"--jour attend une date AAAA-MM-JJ, pas « {valeur} ».") from exc


class Command(BaseCommand):
    help = (
        "Exécute le planning d'un jour comme le planificateur le fait chaque matin : rapports périodiques, "
        "bilans annuels, rappels d'échéance et digest du lundi, en rattrapant les 7 jours précédents. "
        "Rien n'est fait deux fois : ce qui est déjà fait est ignoré."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--jour",
            type=_date,
            default=None,
            help="Faire comme si l'on était ce jour-là (AAAA-MM-JJ), pour une démonstration (défaut : aujourd'hui).",
        )
        parser.add_argument(
            "--synchrone",
            action="store_true",
            help="Exécuter les travaux dans ce processus au lieu de les confier au worker Celery.",
        )

    def handle(self, *args, jour: dt.date | None, synchrone: bool, **options):
        # No transaction around it: each row is committed as it is made, then its task is queued (or run here).
        resultat = travaux.lancer_travaux_du_jour(jour, synchrone=synchrone)
        self.stdout.write(f"Planning du {resultat.jour:%d/%m/%Y} (rattrapage sur 7 jours).")
        if resultat.interrompus:
            self.stdout.write(
                self.style.WARNING(f"{resultat.interrompus} envoi(s) interrompu(s) marqué(s) « échec », à vérifier.")
            )
        if resultat.deja_faits:
            self.stdout.write(f"Déjà faits : {len(resultat.deja_faits)}.")
        if not resultat.lances:
            self.stdout.write("Rien à faire.")
            return
        for lancement in resultat.lances:
            self.stdout.write(f"  - {lancement.libelle} : {self._etat(lancement, synchrone)}")
        verbe = "exécuté(s)" if synchrone else "mis en file pour le worker"
        self.stdout.write(self.style.SUCCESS(f"{len(resultat.lances)} travail(aux) {verbe}."))

    @staticmethod
    def _etat(lancement: travaux.Lancement, synchrone: bool) -> str:
        if not synchrone:
            return "mis en file"
        tache = Tache.objects.select_related("rapport").filter(code=lancement.code, cle=lancement.cle).first()
        if tache is None:
            return "?"
        rapport = tache.rapport
        if lancement.code == "rapport_periodique" and rapport is not None:
            etat = rapport.get_statut_display().lower()
            if rapport.envoye_le:
                etat += f", envoyé à {rapport.destinataires.replace(chr(10), ', ')}"
            message = rapport.message_erreur or tache.message_erreur
        else:
            etat = tache.get_statut_display().lower()
            if tache.envoye_le:
                etat += f", envoyé à {tache.destinataires.replace(chr(10), ', ')}"
            message = tache.message_erreur
        return f"{etat}{f' — {message}' if message else ''}"
