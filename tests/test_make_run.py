"""The server `make run` starts, with the embedded defaults: what a small structure may really run.

The web server of the Makefile's run target (`manage.py runserver --noreload`) is started here in a process of its
own, with the environment of a fresh machine (no DEBUG, no REDIS_URL, no collectstatic), on the test database:
DEBUG is off unless asked for, static files are served by WhiteNoise, an unknown page answers 404 without
Django's debug page, a stored file's path serves nothing. Its start-up time is printed, never asserted.
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.db import connection

from config.bench.charge import url_sur_le_serveur

BASE_DIR = Path(__file__).resolve().parent.parent
FEUILLE = BASE_DIR / "static" / "css" / "clauses.css"
# Text of Django's technical 404 page, shown only under DEBUG.
PAGE_DE_DEBUG = "DEBUG = True"


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def serveur_make_run(db, tmp_path):
    """Starts `manage.py runserver --noreload` as `make run` does; yields a function of extra environment."""
    processus = []

    def demarrer(**variables: str) -> tuple[str, float]:
        port = _port_libre()
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DEBUG", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "CLAUSES_VAR_DIR", "MEDIA_ROOT"}
        }
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DATABASE_URL=url_sur_le_serveur(connection.settings_dict["NAME"]),
            CLAUSES_VAR_DIR=str(tmp_path / f"var-{port}"),
            **variables,
        )
        debut = time.monotonic()
        processus.append(
            subprocess.Popen(
                [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
                cwd=BASE_DIR,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        base = f"http://127.0.0.1:{port}"
        while time.monotonic() - debut < 60:
            try:
                if httpx.get(f"{base}/sante/", timeout=2).status_code == 200:
                    return base, time.monotonic() - debut
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError("Le serveur de make run n'a pas répondu en 60 s.")

    yield demarrer
    for p in processus:
        p.terminate()
        p.wait(timeout=10)


def test_make_run_serves_without_debug_by_default(serveur_make_run):
    base, demarrage = serveur_make_run()
    print(f"\nmake run (runserver, DEBUG par défaut) : prêt en {demarrage:.1f} s")
    connexion = httpx.get(f"{base}/connexion/")
    assert connexion.status_code == 200 and "Connexion" in connexion.text
    assert "camera=()" in connexion.headers["Permissions-Policy"]
    # Static files without collectstatic (WhiteNoise over the finders).
    feuille = httpx.get(f"{base}/static/css/clauses.css")
    assert feuille.status_code == 200 and feuille.content == FEUILLE.read_bytes()
    assert httpx.get(f"{base}/static/admin/css/base.css").status_code == 200  # an app's static files too
    inconnue = httpx.get(f"{base}/cette-page-n-existe-pas/")
    assert inconnue.status_code == 404
    assert PAGE_DE_DEBUG not in inconnue.text
    assert httpx.get(f"{base}/media/rapports/2026/bilan.pdf").status_code == 404


def test_debug_only_when_a_developer_asks(serveur_make_run):
    base, _ = serveur_make_run(DEBUG="1")
    inconnue = httpx.get(f"{base}/cette-page-n-existe-pas/")
    assert inconnue.status_code == 404 and PAGE_DE_DEBUG in inconnue.text
    assert httpx.get(f"{base}/static/css/clauses.css").status_code == 200
