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
    for migration in ("0003_referentiels", "0005_modeles_clauses"):
        importlib.import_module(f"clauses.migrations.{migration}").charger(apps, None)
    importlib.import_module("reporting.migrations.0003_planning").creer(apps, None)


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
