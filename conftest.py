"""Test set-up shared by every app.

- Templates fail loudly on an undefined variable.
- With CLAUSES_NO_SKIP=1 (set by .ci/run) a skipped test counts as a failure: CI has Redis and
  PostgreSQL, so nothing may quietly not run there.
"""

import os
import tempfile

import pytest

NO_SKIP = os.environ.get("CLAUSES_NO_SKIP") == "1"

# Browser tests use the ORM in the test body next to Playwright's sync API (which runs an event loop).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class UndefinedVariable(str):
    # Django calls ``string_if_invalid % name`` only when string_if_invalid is truthy, and never for
    # ``{% if missing %}``, so a plain non-empty str subclass is enough.
    def __mod__(self, other):
        raise AssertionError(f"Variable de gabarit indéfinie : {other}")


@pytest.fixture(autouse=True)
def _strict_templates(settings):
    for engine in settings.TEMPLATES:
        engine.setdefault("OPTIONS", {})["string_if_invalid"] = UndefinedVariable("%s")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _cache_per_test(settings):
    """Each test its own cache namespace: counters (password resets) never leak from one test to the next, and
    the Redis database the broker shares is never flushed."""
    import uuid

    settings.CACHES = {
        alias: {**reglages, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"} for alias, reglages in settings.CACHES.items()
    }


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # Tests create many users: the production hasher would dominate the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _referentiels_apres_flush(request):
    """Reloads the rows the migrations fill (corps d'état, modalités, critères, clause texts, the schedule).

    A transactional test ends with a flush that empties them, so the next transactional test would find
    them gone; tests in a transaction (the usual case) never lose them.
    """
    if "transactional_db" not in request.fixturenames and "live_server" not in request.fixturenames:
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("transactional_db")
    for migration in ("0003_referentiels", "0005_modeles_clauses", "0010_textes_des_clauses_2026"):
        importlib.import_module(f"clauses.migrations.{migration}").charger(apps, None)
    importlib.import_module("reporting.migrations.0003_planning").creer(apps, None)
    importlib.import_module("reporting.migrations.0014_reprise_chaque_minute").chaque_minute(apps, None)
    importlib.import_module("reporting.migrations.0018_purge_des_donnees_personnelles").creer(apps, None)


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL n'est pas défini : test nécessitant Redis ignoré.")
    return url


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if NO_SKIP and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"Test ignoré alors que CLAUSES_NO_SKIP=1 : {report.longrepr}"


# --- The day of the run (CLAUSES_JOUR) ------------------------------------------------------------------
# CLAUSES_JOUR=AAAA-MM-JJ runs the whole session as if it were that day (at noon, Paris time; or
# AAAA-MM-JJTHH:MM for another hour), the clock ticking on from there, so that a test built on the real today
# is tried on the awkward days (.ci/run does). A test that needs a given day pins it with time-machine's marker,
# @pytest.mark.time_machine("2027-01-01T12:00+01:00"), which travels before the test's fixtures are built.
# Only Python's clock moves: PostgreSQL's now() and the browser's clock do not, so the code must pass the day.
JOUR = os.environ.get("CLAUSES_JOUR", "")
_VOYAGE = pytest.StashKey()


def _instant_du_jour(valeur: str):
    import datetime as dt
    from zoneinfo import ZoneInfo

    try:
        instant = dt.datetime.fromisoformat(valeur if "T" in valeur else f"{valeur}T12:00")
    except ValueError:
        raise pytest.UsageError(f"CLAUSES_JOUR={valeur!r} : attendu AAAA-MM-JJ ou AAAA-MM-JJTHH:MM") from None
    return instant if instant.tzinfo else instant.replace(tzinfo=ZoneInfo("Europe/Paris"))


def pytest_configure(config):
    if JOUR:
        import time_machine

        config.stash[_VOYAGE] = time_machine.travel(_instant_du_jour(JOUR), tick=True)
        config.stash[_VOYAGE].start()


def pytest_unconfigure(config):
    if _VOYAGE in config.stash:
        config.stash[_VOYAGE].stop()


def pytest_report_header(config):
    if JOUR:
        return f"CLAUSES_JOUR={JOUR} : la session se déroule le {_instant_du_jour(JOUR):%d/%m/%Y à %H:%M %Z}"


# --- Users and clients of each role ---------------------------------------------------------------


@pytest.fixture
def facilitateur(db):
    from conventions.factories import FacilitateurFactory

    return FacilitateurFactory(email="camille@exemple.fr", first_name="Camille", last_name="Martin")


@pytest.fixture
def client_facilitateur(client, facilitateur):
    client.force_login(facilitateur)
    return client


@pytest.fixture
def client_referent(client, db):
    """A référent of a donneur d'ordre: no access to the dashboard."""
    from conventions.factories import ReferentFactory

    referent = ReferentFactory()
    client.force_login(referent.user)
    return client


# --- Browser tests (Playwright driving Debian's Chromium) -----------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # pytest-playwright cannot download its browser here: use the system's Chromium.
    # A French interface (chromium-l10n, chosen by LANGUAGE): date fields read jj/mm/aaaa, as in a French
    # facilitator's browser.
    env = {**os.environ, "LANGUAGE": "fr"}
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS, "env": env}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR", "viewport": {"width": 1366, "height": 900}}


def pytest_sessionfinish(session, exitstatus):
    """Remove the run's local data folder (config/settings_test.py), unless it was given from outside."""
    import shutil
    from pathlib import Path

    from django.conf import settings

    dossier = Path(settings.VAR_DIR)
    if dossier.name.startswith("clauses-tests-") and dossier.parent == Path(tempfile.gettempdir()):
        shutil.rmtree(dossier, ignore_errors=True)
