"""``manage.py bench`` (``make bench``): the reference measurement of issue 6, described in ``config.bench``."""

import argparse
import asyncio
import concurrent.futures
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from config.bench import DELAI_GUNICORN_S, DELAI_TRAVAUX_S, ENTETES_PROXY, FACILITATEUR, PLANCHER
from config.bench.charge import (
    ChienDeGarde,
    Serveur,
    creer_base_postgresql,
    masquer,
    port_libre,
    serie,
    supprimer_base_postgresql,
    url_sur_le_serveur,
)
from config.bench.etapes import ETAPES as ETAPES_MESURES
from config.bench.portefeuille import ETAPES as ETAPES_PORTEFEUILLE
from config.bench.rapport import commit, comparaison, ecrire_json, en_ms, machine, niveau, rapport_texte

BASE_NATIONALE = "clauses_bench"
BASE_DEMO = "clauses_demo"
REGLAGES = "config.settings_production"
PARTIES = ("pages", "pdf", "import", "export")
# Run only when asked: the portfolio's round trip takes tens of minutes at the national size.
PARTIES_OPTIONNELLES = ("portefeuille",)
ETAPES = ETAPES_MESURES | ETAPES_PORTEFEUILLE
# The whole run on a tiny national dataset, in well under a minute: what the test runs.
RAPIDE = {"echelle": 0.001, "requetes": 3, "requetes_export": 1, "clients": "1,2", "budget": 5.0}
RAPIDE |= {"lignes_import": 200, "workers": 2}


def boucle_a_part(fonction, *arguments):
    """``asyncio.run`` in a thread of its own: the caller may already run an event loop (pytest with Playwright)."""
    with concurrent.futures.ThreadPoolExecutor(1) as executeur:
        return executeur.submit(lambda: asyncio.run(fonction(*arguments))).result()


class Command(BaseCommand):
    help = (
        "Mesure l'application servie comme en production (gunicorn, réglages de production) aux tailles démo et "
        "nationale : temps des pages avec 1 et 8 clients, requêtes SQL, PDF, import d'un relevé ; affiche un "
        "tableau et écrit les chiffres en JSON dans var/bench/."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-nationale",
            default=os.environ.get("BENCH_DATABASE_URL"),
            help=(
                "Base du jeu national (BENCH_DATABASE_URL ; par défaut clauses_bench sur le serveur de la base "
                "principale), créée et remplie si elle est absente ou vide."
            ),
        )
        parser.add_argument(
            "--base-demo",
            default=os.environ.get("BENCH_DEMO_DATABASE_URL"),
            help=(
                "Base du jeu de démonstration (BENCH_DEMO_DATABASE_URL ; par défaut clauses_demo sur le serveur de "
                "la base principale), créée et remplie si absente ou vide."
            ),
        )
        parser.add_argument("--jeux", default="demo,national", help="Jeux mesurés : demo, national ou les deux.")
        parser.add_argument(
            "--parties",
            default=",".join(PARTIES),
            help="Mesures faites, parmi pages, pdf, import, export (par défaut) et portefeuille (l'aller-retour du "
            "portefeuille : export puis import dans une base vide, long au national).",
        )
        parser.add_argument(
            "--pages", default="", help="Expression régulière : ne mesurer que les pages dont le nom correspond."
        )
        parser.add_argument("--requetes", type=int, default=20, help="Requêtes par page et par niveau.")
        parser.add_argument("--requetes-export", type=int, default=3, help="Requêtes par export XLSX et par niveau.")
        parser.add_argument("--clients", default="1,8", help="Niveaux de clients simultanés, par exemple 1,8.")
        parser.add_argument(
            "--budget",
            type=float,
            default=30.0,
            help="Secondes par page et par niveau : au-delà, plus de nouvelle requête (une page lente a moins de "
            "mesures).",
        )
        parser.add_argument(
            "--workers", type=int, default=3, help="Workers gunicorn (3, comme WEB_CONCURRENCY dans docker-compose)."
        )
        parser.add_argument("--lignes-import", type=int, default=50_000, help="Lignes du relevé mensuel importé.")
        parser.add_argument(
            "--reglages",
            default=os.environ.get("BENCH_DJANGO_SETTINGS_MODULE") or REGLAGES,
            help="Module de réglages des processus mesurés (BENCH_DJANGO_SETTINGS_MODULE).",
        )
        parser.add_argument("--sortie", default="", help="Dossier des résultats (var/bench par défaut).")
        parser.add_argument(
            "--rapide",
            action="store_true",
            help="Tout le parcours en moins d'une minute : jeu national minuscule, peu de requêtes.",
        )
        # The scale of the national dataset, for --rapide (seed_demo --echelle).
        parser.add_argument("--echelle", type=float, default=None, help=argparse.SUPPRESS)
        # A step run in a child process by the command itself.
        parser.add_argument("--etape", choices=ETAPES, help=argparse.SUPPRESS)
        parser.add_argument("--parametres", default="{}", help=argparse.SUPPRESS)

    def handle(self, *args, etape: str | None, parametres: str, **options):
        if etape:
            # The result is the last line of the output; the step's logs go to stderr.
            self.stdout.write(json.dumps(ETAPES[etape](**json.loads(parametres)), default=str))
            return
        if options["rapide"]:
            options |= RAPIDE
        self.configurer(options)
        debut = time.perf_counter()
        numero, modifie = commit()
        resultats = {
            "date": timezone.localtime().isoformat(timespec="seconds"),
            "commit": numero,
            "modifie": modifie,
            "machine": machine(),
            "parametres": {
                "clients": self.niveaux,
                "requetes": self.requetes,
                "requetes_export": self.requetes_export,
                "budget_s": self.budget,
                "workers": self.workers,
                "reglages": self.reglages,
                "lignes_import": self.lignes_import,
                "delai_requetes_sql_s": DELAI_GUNICORN_S,
                "echelle": self.echelle,
                "pages": self.filtre_pages,
            },
            "jeux": {},
        }
        self.collecter_statiques()
        try:
            for jeu in self.jeux:
                resultats["jeux"][jeu] = self.mesurer_jeu(jeu, self.bases[jeu])
        finally:
            shutil.rmtree(self.var_dir, ignore_errors=True)
        jeux = resultats["jeux"]
        if {"demo", "national"} <= jeux.keys() and "pages" in self.parties:
            resultats["comparaison"] = comparaison(jeux["demo"], jeux["national"], self.niveaux)
        resultats["duree_s"] = round(time.perf_counter() - debut, 1)
        chemin = ecrire_json(resultats, self.sortie)
        self.stdout.write("\n" + rapport_texte(resultats))
        self.stdout.write(f"\nRésultats : {chemin}")

    def configurer(self, options: dict) -> None:
        try:
            self.niveaux = sorted({int(n) for n in str(options["clients"]).split(",") if n.strip()})
        except ValueError:
            self.niveaux = []
        self.jeux = [j.strip() for j in options["jeux"].split(",") if j.strip()]
        self.parties = {p.strip() for p in options["parties"].split(",") if p.strip()}
        if not self.niveaux or self.niveaux[0] < 1:
            raise CommandError("--clients : des nombres entiers positifs séparés par des virgules, par exemple 1,8.")
        if not self.jeux or set(self.jeux) - {"demo", "national"}:
            raise CommandError("--jeux : demo, national ou demo,national.")
        if self.parties - set(PARTIES) - set(PARTIES_OPTIONNELLES):
            raise CommandError(f"--parties : parmi {', '.join(PARTIES + PARTIES_OPTIONNELLES)}.")
        self.bases = {
            "demo": options["base_demo"] or url_sur_le_serveur(BASE_DEMO),
            "national": options["base_nationale"] or url_sur_le_serveur(BASE_NATIONALE),
        }
        self.requetes, self.requetes_export = options["requetes"], options["requetes_export"]
        self.budget, self.workers = options["budget"], options["workers"]
        self.lignes_import, self.echelle = options["lignes_import"], options["echelle"]
        self.filtre_pages, self.reglages = options["pages"], options["reglages"]
        self.sortie = Path(options["sortie"]) if options["sortie"] else Path(settings.VAR_DIR) / "bench"
        self.sortie.mkdir(parents=True, exist_ok=True)
        # One key for every process of the run: the sessions the inventory opens are signed with it.
        self.cle = secrets.token_urlsafe(50)
        self.port = port_libre()
        self.var_dir = tempfile.mkdtemp(prefix="clauses-bench-var-")

    # --- The processes this one starts ---

    def environnement(self, url: str) -> dict:
        """What the processes under measure run with: the production settings, as docker-compose sets them."""
        return os.environ | {
            "DJANGO_SETTINGS_MODULE": self.reglages,
            "DATABASE_URL": url,
            "SECRET_KEY": self.cle,
            "ALLOWED_HOSTS": "127.0.0.1",
            "CLAUSES_SITE_URL": f"http://127.0.0.1:{self.port}",
            # A worker keeps its database connection from one request to the next, as in docker-compose.
            "DATABASE_CONN_MAX_AGE": "60",
            "LOG_LEVEL": "WARNING",
            # Files and queued tasks of the run (the exports a long list's page queues) in a folder of its own,
            # on the file transport: no worker of `make run` or of a deployment picks them up.
            "CLAUSES_VAR_DIR": self.var_dir,
            "REDIS_URL": "",
        }

    def manage(self, *arguments: str) -> list[str]:
        return [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *arguments]

    def enfant(self, etape: str, env: dict, *, afficher: bool = False, **parametres) -> dict:
        """A step of ``config.bench.etapes`` in a child process; its logs reach the terminal when ``afficher``."""
        sortie = subprocess.run(
            self.manage("bench", "--etape", etape, "--parametres", json.dumps(parametres)),
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=None if afficher else subprocess.PIPE,
            text=True,
        )
        if sortie.returncode != 0:
            raise CommandError(f"Étape « {etape} » en échec :\n{(sortie.stderr or '').strip()[-3000:]}")
        return json.loads(sortie.stdout.strip().splitlines()[-1])

    def collecter_statiques(self) -> None:
        """The production settings serve static files from the manifest that collectstatic writes."""
        self.annoncer("Fichiers statiques (collectstatic)…")
        env = self.environnement(self.bases[self.jeux[0]])
        sortie = subprocess.run(
            self.manage("collectstatic", "--noinput", "-v0"), cwd=settings.BASE_DIR, env=env, capture_output=True
        )
        if sortie.returncode != 0:
            raise CommandError(f"collectstatic en échec :\n{sortie.stderr.decode(errors='replace')[-3000:]}")

    def annoncer(self, texte: str) -> None:
        self.stdout.write(texte)
        self.stdout.flush()

    # --- One dataset ---

    def mesurer_jeu(self, jeu: str, url: str) -> dict:
        self.annoncer(f"\n== Jeu {jeu} : {masquer(url)}")
        base_creee = creer_base_postgresql(url)
        env = self.environnement(url)
        taille = "demo" if jeu == "demo" else "national"
        self.annoncer(f"Migrations, puis seed_demo --size {taille} si la base est vide (10 minutes au national)…")
        construction = self.enfant(
            "preparer", env, afficher=True, taille=taille, echelle=None if jeu == "demo" else self.echelle
        )
        resultat = {"base": masquer(url), "base_creee": base_creee, "construction": construction}
        with tempfile.TemporaryDirectory(prefix="clauses-bench-") as dossier:
            with ChienDeGarde(url, DELAI_GUNICORN_S) as garde:
                self.annoncer("Inventaire : les plus grands objets, les requêtes SQL de chaque page, le relevé…")
                inventaire = self.enfant(
                    "inventaire",
                    env,
                    filtre_pages=self.filtre_pages,
                    compter="pages" in self.parties,
                    lignes_import=self.lignes_import if "import" in self.parties else 0,
                    dossier=dossier,
                )
                resultat |= {
                    "base_de_donnees": inventaire["base"],
                    **{cle: inventaire[cle] for cle in ("volumes", "acteurs", "objets")},
                    "pages": [],
                    "workers": [],
                }
                if "pages" in self.parties:
                    with Serveur(env, self.port, self.workers, self.sortie / f"gunicorn-{jeu}.log") as serveur:
                        resultat["pages"] = boucle_a_part(self.mesurer_pages, serveur, inventaire)
                        resultat["workers"] = serveur.memoire_des_workers()
            with ChienDeGarde(url, DELAI_TRAVAUX_S) as garde_travaux:
                resultat["documents"] = [
                    self.mesurer("document", env, document["nom"], **document)
                    for document in (inventaire["documents"] if "pdf" in self.parties else [])
                ]
                resultat["exports"] = (
                    [
                        self.mesurer(
                            "export", env, "export de la liste des placements par le worker", liste="placements"
                        )
                    ]
                    if "export" in self.parties
                    else []
                )
                resultat["imports"] = [
                    {"format": format_}
                    | self.mesurer(
                        "import",
                        env,
                        f"import du relevé {format_.upper()}",
                        fichier=fichier,
                        utilisateur=inventaire["acteurs"][FACILITATEUR],
                    )
                    for format_, fichier in (inventaire["releve"] or {}).get("fichiers", {}).items()
                ]
                resultat["televersements"] = [
                    self.mesurer(
                        "televersement",
                        env,
                        f"téléversement : {nom}",
                        fichier=fichier,
                        utilisateur=inventaire["acteurs"][FACILITATEUR],
                        nom=nom,
                    )
                    for nom, fichier in (inventaire["releve"] or {}).get("televersements", {}).items()
                ]
            if "portefeuille" in self.parties:
                with ChienDeGarde(url, DELAI_TRAVAUX_S) as garde_portefeuille:
                    resultat["portefeuille"] = self.aller_retour(jeu, url, env, dossier)
                garde_travaux.annulees += garde_portefeuille.annulees
        resultat["requetes_annulees"] = garde.annulees + garde_travaux.annulees
        return resultat

    def aller_retour(self, jeu: str, url: str, env: dict, dossier: str) -> dict:
        """The whole base exported, then imported into an empty database beside it (dropped afterwards)."""
        fichier = str(Path(dossier) / f"portefeuille-{jeu}.zip")
        export = self.mesurer(
            "portefeuille_export", env, "export du portefeuille (.zip de fichiers CSV)", fichier=fichier
        )
        if "erreur" in export:
            return {"export": export}
        facilitateurs, chiffres = export.pop("facilitateurs"), export.pop("chiffres")
        vide = urlsplit(url)._replace(path=f"/{urlsplit(url).path.lstrip('/')}_aller_retour").geturl()
        supprimer_base_postgresql(vide)
        creer_base_postgresql(vide)
        try:
            env_vide = self.environnement(vide)
            self.enfant("portefeuille_base_vide", env_vide, facilitateurs=facilitateurs)
            importe = self.mesurer(
                "portefeuille_import", env_vide, "import du portefeuille dans une base vide", fichier=fichier
            )
        finally:
            supprimer_base_postgresql(vide)
        apres = importe.pop("chiffres", None)
        differents = sorted(cle for cle in chiffres if apres is None or chiffres[cle] != apres.get(cle))
        return {"export": export, "import": importe, "chiffres_differents": differents}

    async def mesurer_pages(self, serveur: Serveur, inventaire: dict) -> list[dict]:
        pages, resultats = inventaire["pages"], []
        for numero, page in enumerate(pages, 1):
            resultat = page | {"niveaux": {}}
            resultats.append(resultat)
            prefixe = f"  [{numero}/{len(pages)}] {page['nom']}"
            if page["erreur"]:
                # It failed in-process already (a query cancelled after 30 s, an error): no use timing it.
                self.annoncer(f"{prefixe} : non mesurée ({page['erreur']})")
                continue
            entetes = dict(ENTETES_PROXY)
            if page["acteur"]:
                entetes["Cookie"] = f"{inventaire['cookie']}={inventaire['sessions'][page['acteur']]}"
            cible = serveur.url + page["chemin"]
            # Each worker renders a page once before the timed series (templates, database cache); an export,
            # which has no template and costs seconds, is asked for once.
            echauffeurs = 1 if page["export"] else self.workers
            statuts = (200, 302) if page["export"] else (200,)
            echauffement = await serie(cible, entetes, echauffeurs, echauffeurs, budget_s=0, statuts=statuts)
            mesures = [echauffement]
            if echauffement["requetes"]:
                nombre = self.requetes_export if page["export"] else self.requetes
                if page["nom"] == PLANCHER:
                    nombre *= 5  # cheap, and every ratio depends on it
                for clients in self.niveaux:
                    mesure = await serie(cible, entetes, max(nombre, clients), clients, self.budget, statuts)
                    resultat["niveaux"][str(clients)] = mesure
                    mesures.append(mesure)
                    if not mesure["requetes"]:
                        break  # nothing answered: more clients would only wait longer for the same errors
            if any(mesure["erreurs"] for mesure in mesures):
                await serveur.attendre_les_workers()
            if not echauffement["requetes"]:
                resultat["erreur"] = ", ".join(echauffement["erreurs"])
                self.annoncer(f"{prefixe} : non mesurée ({resultat['erreur']})")
                continue
            self.annoncer(f"{prefixe} : {' · '.join(self.resume(resultat, c) for c in self.niveaux)} ms")
        return resultats

    @staticmethod
    def resume(resultat: dict, clients: int) -> str:
        mesure = niveau(resultat, clients)
        return f"{clients} cl. p50 {en_ms(mesure.get('p50_ms'))} p95 {en_ms(mesure.get('p95_ms'))}"

    def mesurer(self, etape: str, env: dict, libelle: str, **parametres) -> dict:
        """A document or an import: its failure is a finding recorded with the others, not the end of the run."""
        self.annoncer(f"{libelle[:1].upper()}{libelle[1:]}…")
        try:
            return parametres | self.enfant(etape, env, **parametres)
        except CommandError as exc:
            return parametres | {"erreur": str(exc)}
