"""What runs beside the application under test: gunicorn, the load generator, and a watchdog over PostgreSQL."""

import asyncio
import logging
import math
import re
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import dj_database_url
import httpx
from django.conf import settings
from django.core.management.base import CommandError

from config.bench import DELAI_GUNICORN_S, ENTETES_PROXY
from config.postgres_local import demarrer

# Beyond gunicorn's timeout: an answer that comes late is gunicorn's, not a give-up of the load generator.
DELAI_HTTP_S = 2 * DELAI_GUNICORN_S
# httpx reports every request at INFO: thousands of lines in the middle of the progress.
logging.getLogger("httpx").setLevel(logging.WARNING)

# --- Figures -------------------------------------------------------------------------------------------------------


def centile(valeurs: list[float], p: float) -> float:
    """Nearest rank: of 20 values, p50 is the 10th and p95 the 19th."""
    ordonnees = sorted(valeurs)
    return ordonnees[max(1, math.ceil(p / 100 * len(ordonnees))) - 1]


def statistiques(durees: list[float], erreurs: Counter, clients: int, total_s: float) -> dict:
    ms = [d * 1000 for d in durees]
    return {
        "clients": clients,
        "requetes": len(ms),
        "erreurs": dict(erreurs),
        "p50_ms": round(centile(ms, 50), 1) if ms else None,
        "p95_ms": round(centile(ms, 95), 1) if ms else None,
        "min_ms": round(min(ms), 1) if ms else None,
        "max_ms": round(max(ms), 1) if ms else None,
        "par_seconde": round(len(ms) / total_s, 2) if total_s else None,
    }


# --- The load generator --------------------------------------------------------------------------------------------


async def serie(
    url: str, entetes: dict, nombre: int, clients: int, budget_s: float, statuts: tuple[int, ...] = (200,)
) -> dict:
    """``nombre`` GET requests by ``clients`` concurrent clients, each waiting for its answer before the next.
    ``statuts``: the answers that count as served (an export of a long list answers 302, to « Mes exports »).

    Each client sends at least one request, so that the level is really concurrent; after ``budget_s``
    seconds no new request starts (a slow page gets fewer samples, rather than the run taking hours).
    """
    durees: list[float] = []
    erreurs: Counter = Counter()
    octets = None
    restantes = nombre
    debut = time.perf_counter()
    limites = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    # A client of its own per series: nothing a response set (a cookie) carries over to the next page.
    async with httpx.AsyncClient(timeout=DELAI_HTTP_S, limits=limites) as client:

        async def client_virtuel() -> None:
            nonlocal restantes, octets
            premiere = True
            while restantes > 0 and (premiere or time.perf_counter() - debut < budget_s):
                premiere, restantes = False, restantes - 1
                depart = time.perf_counter()
                try:
                    reponse = await client.get(url, headers=entetes)
                except httpx.HTTPError as exc:
                    erreurs[type(exc).__name__] += 1
                    continue
                if reponse.status_code in statuts:
                    durees.append(time.perf_counter() - depart)
                    octets = len(reponse.content)
                else:
                    erreurs[f"HTTP {reponse.status_code}"] += 1

        await asyncio.gather(*(client_virtuel() for _ in range(clients)))
    return {**statistiques(durees, erreurs, clients, time.perf_counter() - debut), "octets": octets}


# --- The server ----------------------------------------------------------------------------------------------------


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serveur:
    """gunicorn as docker-compose starts it (sync workers, ``--worker-tmp-dir /dev/shm``, access log)."""

    def __init__(self, env: dict, port: int, workers: int, journal: Path):
        self.url = f"http://127.0.0.1:{port}"
        self.commande = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"]
        self.commande += ["--workers", str(workers), "--timeout", str(DELAI_GUNICORN_S), "--access-logfile", "-"]
        if Path("/dev/shm").is_dir():
            self.commande += ["--worker-tmp-dir", "/dev/shm"]
        self.env, self.journal = env, journal

    def __enter__(self) -> "Serveur":
        with self.journal.open("wb") as sortie:
            self.processus = subprocess.Popen(
                self.commande, cwd=settings.BASE_DIR, env=self.env, stdout=sortie, stderr=subprocess.STDOUT
            )
        try:
            self._attendre()
        except BaseException:
            self._arreter()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self._arreter()

    def _attendre(self, delai_s: float = 60) -> None:
        limite = time.monotonic() + delai_s
        while time.monotonic() < limite:
            if self.processus.poll() is not None:
                raise CommandError(f"gunicorn s'est arrêté au démarrage :\n{self._fin_du_journal()}")
            try:
                httpx.get(f"{self.url}/sante/", headers=ENTETES_PROXY, timeout=5)
                return
            except httpx.TransportError:
                time.sleep(0.3)
        raise CommandError(f"gunicorn ne répond pas après {delai_s:g} s :\n{self._fin_du_journal()}")

    async def attendre_les_workers(self) -> None:
        """Wait until a worker is free again: requests the load generator gave up on (a timed-out export) still
        hold gunicorn's workers, and would be counted against the next page."""
        async with httpx.AsyncClient(timeout=3 * DELAI_GUNICORN_S) as client:
            try:
                await client.get(f"{self.url}/sante/", headers=ENTETES_PROXY)
            except httpx.HTTPError:
                pass

    def _arreter(self) -> None:
        self.processus.terminate()
        try:
            self.processus.wait(timeout=DELAI_GUNICORN_S)
        except subprocess.TimeoutExpired:
            self.processus.kill()
            self.processus.wait()

    def _fin_du_journal(self) -> str:
        return "\n".join(self.journal.read_text(errors="replace").splitlines()[-30:])

    def memoire_des_workers(self) -> list[dict]:
        """Each worker's RSS now and its peak (VmHWM), in MB."""
        pid = self.processus.pid
        enfants = Path(f"/proc/{pid}/task/{pid}/children")
        workers = []
        for enfant in enfants.read_text().split() if enfants.exists() else []:
            champs = {}
            for ligne in Path(f"/proc/{enfant}/status").read_text().splitlines():
                cle, _, valeur = ligne.partition(":")
                if cle in ("VmRSS", "VmHWM"):
                    champs[cle] = round(int(valeur.split()[0]) / 1024, 1)
            workers.append({"pid": int(enfant), "rss_mo": champs.get("VmRSS"), "pic_mo": champs.get("VmHWM")})
        return workers


# --- PostgreSQL ----------------------------------------------------------------------------------------------------


def url_sur_le_serveur(nom: str) -> str:
    """The URL of a database ``nom`` on the server of the default database: ``DATABASE_URL``'s, or the local
    PostgreSQL (``config.postgres_local``, started if need be) when it is not set."""
    reglages = settings.DATABASES["default"]
    hote = reglages.get("HOST") or ""
    if reglages["ENGINE"] == "config.postgres_local":
        hote = demarrer(Path(reglages["PGDATA"]))
    identite = quote(reglages.get("USER") or "", safe="")
    if reglages.get("PASSWORD"):
        identite += ":" + quote(reglages["PASSWORD"], safe="")
    port = f":{reglages['PORT']}" if reglages.get("PORT") else ""
    return f"postgres://{identite}@{quote(hote, safe='')}{port}/{nom}"


def _connexion(url: str):
    """A psycopg2 connection to the server of ``url``, on its maintenance database."""
    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        raise CommandError(f"{masquer(url)} : une base PostgreSQL est attendue (postgres://…).")
    import psycopg2

    parametres = {"user": config["USER"], "password": config["PASSWORD"], "host": config["HOST"]}
    parametres = {cle: valeur for cle, valeur in parametres.items() if valeur} | {"port": config["PORT"] or 5432}
    try:
        connexion = psycopg2.connect(dbname="postgres", **parametres)
    except psycopg2.OperationalError as exc:
        raise CommandError(f"PostgreSQL injoignable pour {masquer(url)} : {exc}".strip()) from None
    connexion.autocommit = True
    return connexion


def creer_base_postgresql(url: str) -> bool:
    """Create the database of ``url`` if it is a PostgreSQL one that does not exist yet; True if created."""
    from psycopg2 import sql

    connexion = _connexion(url)
    nom = dj_database_url.parse(url)["NAME"]
    try:
        with connexion.cursor() as curseur:
            curseur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [nom])
            if curseur.fetchone():
                return False
            curseur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(nom)))
            return True
    finally:
        connexion.close()


def supprimer_base_postgresql(url: str) -> None:
    """Drop the database of ``url`` if it exists (the test's throwaway bases)."""
    from psycopg2 import sql

    connexion = _connexion(url)
    try:
        with connexion.cursor() as curseur:
            nom = dj_database_url.parse(url)["NAME"]
            curseur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(nom)))
    finally:
        connexion.close()


class ChienDeGarde(threading.Thread):
    """Cancels every query on the benchmark's database that has run longer than ``limite_s``.

    gunicorn kills a worker after 30 seconds but PostgreSQL goes on with its query, and ``statement_timeout``
    does not cover a cursor ``WITH HOLD`` (Django's ``.iterator()`` outside a transaction, as the exports use),
    whose query runs at commit: one runaway export would otherwise slow down every measure after it. The
    database is the benchmark's own, so every query on it is the benchmark's.
    """

    def __init__(self, url: str, limite_s: float):
        super().__init__(name="chien-de-garde", daemon=True)
        self.url, self.limite_s = url, limite_s
        self.base = dj_database_url.parse(url)["NAME"]
        self.arret = threading.Event()
        self.annulees: list[str] = []

    def __enter__(self) -> "ChienDeGarde":
        self.connexion = _connexion(self.url)
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.arret.set()
        self.join()
        self.connexion.close()

    def run(self) -> None:
        while not self.arret.wait(1):
            with self.connexion.cursor() as curseur:
                curseur.execute(
                    "SELECT left(query, 300), pg_cancel_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND state = 'active' AND pid <> pg_backend_pid() "
                    "AND now() - query_start > make_interval(secs => %s)",
                    [self.base, self.limite_s],
                )
                self.annulees += [requete for requete, _ in curseur.fetchall()]


def masquer(url: str) -> str:
    """The URL without its password, to print or store."""
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)
