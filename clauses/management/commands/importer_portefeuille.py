"""``manage.py importer_portefeuille FICHIER [--wet-run]``: the portfolio import without the web's limits (a
national file), dry-run unless told otherwise, as the maintenance commands are."""

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from clauses.importation import portefeuille

ERREURS_AFFICHEES = 50


class Command(BaseCommand):
    help = (
        "Vérifie un portefeuille (.xlsx ou .zip de fichiers CSV) et dit, feuille par feuille, ce que son import "
        "créerait, mettrait à jour ou laisserait tel quel ; avec --wet-run, l'importe (tout ou rien)."
    )

    def add_arguments(self, parser):
        parser.add_argument("fichier", help="Chemin du portefeuille, en .xlsx ou .zip.")
        parser.add_argument("--wet-run", action="store_true", help="Importer (sinon : aperçu seulement).")
        parser.add_argument("--utilisateur", help="E-mail du compte qui importe (auteur des heures importées).")

    def handle(self, *args, fichier: str, wet_run: bool, utilisateur: str | None, **options):
        chemin = Path(fichier)
        if not chemin.is_file():
            raise CommandError(f"Fichier introuvable : {chemin}")
        auteur = None
        if utilisateur:
            auteur = get_user_model().objects.filter(email=utilisateur.strip().lower()).first()
            if auteur is None:
                raise CommandError(f"Aucun compte n'a l'adresse {utilisateur}.")
        debut = time.monotonic()
        with chemin.open("rb") as flux:
            taille = chemin.stat().st_size
            if wet_run:
                rapport = portefeuille.importer(flux, chemin.name, taille, auteur, limites=portefeuille.GRAND_VOLUME)
            else:
                rapport = portefeuille.analyser(
                    flux, chemin.name, taille, utilisateur=auteur, limites=portefeuille.GRAND_VOLUME
                )
        duree = time.monotonic() - debut
        if rapport.erreur_fichier:
            raise CommandError(rapport.erreur_fichier)
        for bilan in rapport.bilans:
            erreurs = f", {bilan.erreurs} erreur(s)" if bilan.erreurs else ""
            self.stdout.write(f"{bilan.titre} : {bilan.lignes} ligne(s) — {bilan.resume}{erreurs}.")
        for remarque in rapport.remarques:
            self.stdout.write(f"Remarque : {remarque}")
        for erreur in rapport.erreurs[:ERREURS_AFFICHEES]:
            self.stderr.write(str(erreur))
        if rapport.erreurs_total > ERREURS_AFFICHEES:
            self.stderr.write(f"… et {rapport.erreurs_total - ERREURS_AFFICHEES} autres erreurs.")
        if rapport.erreurs_total:
            raise CommandError(f"{rapport.erreurs_total} erreur(s) : rien n'a été enregistré ({duree:.1f} s).")
        if wet_run:
            self.stdout.write(self.style.SUCCESS(f"Portefeuille importé en {duree:.1f} s : {rapport.resume}."))
        else:
            self.stdout.write(f"Aperçu en {duree:.1f} s : {rapport.resume}. Relancez avec --wet-run pour importer.")
