"""Real Celery round trips: a producer sends `reporting.tasks.verifier_worker`, a worker runs it against the
test database, and the result comes back.

The worker runs in a thread of the test process (`celery.contrib.testing.worker.start_worker`), so it uses
the test database that pytest-django created. Its connection is not the test's: the rows it must see are
committed, hence `transactional_db`.

Each test builds its own Celery app from the project's settings, then points it at the broker under test,
with a result backend and a queue of its own, so that nothing is left behind for the project's app.
"""

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.db import connection

from config.celery import app as project_app
from conventions.models import Convention, DonneurDOrdre, TypeDonneur
from reporting.tasks import verifier_worker

pytestmark = pytest.mark.django_db(transaction=True)

BASE_DIR = Path(__file__).resolve().parent.parent
RESULT_TIMEOUT = 30


@pytest.fixture
def donneur() -> DonneurDOrdre:
    donneur = DonneurDOrdre.objects.create(nom="Commune d'Arles", type=TypeDonneur.COMMUNE)
    Convention.objects.create(donneur_d_ordre=donneur, date_effet=dt.date(2025, 6, 1))
    Convention.objects.create(donneur_d_ordre=donneur, date_effet=dt.date(2024, 6, 1))
    return donneur


def _test_app(**conf) -> Celery:
    app = Celery("clauses-tests", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        task_default_queue=f"clauses-tests-{uuid.uuid4().hex}",
        # The worker's logging set-up must leave pytest's handlers on the root logger alone.
        worker_hijack_root_logger=False,
        # A broker that is down fails the test at once instead of being retried for ever.
        broker_connection_retry_on_startup=False,
        **conf,
    )
    return app


@contextmanager
def _worker(app: Celery) -> Iterator[None]:
    """A worker in a thread; the project's app is made current again afterwards."""
    try:
        with start_worker(app, perform_ping_check=False, shutdown_timeout=RESULT_TIMEOUT):
            yield
    finally:
        project_app.set_current()
        project_app.set_default()
        app.close()


def _attendu() -> dict:
    return {"base": connection.vendor, "donneur_d_ordre": "Commune d'Arles", "conventions": 2}


# Celery 5.7's Redis result backend stores results with SETEX, which redis-py 8 reports as deprecated
# (redis/redis-py#4337, warning removed by redis/redis-py#4338). Only this test uses a result backend.
@pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning")
def test_worker_redis(redis_url: str, donneur: DonneurDOrdre) -> None:
    app = _test_app(broker_url=redis_url, result_backend=redis_url)
    queue = app.conf.task_default_queue
    try:
        with _worker(app):
            result = app.send_task(verifier_worker.name, args=[donneur.pk])
            assert result.get(timeout=RESULT_TIMEOUT) == _attendu()
            result.forget()
    finally:
        # The queue, its exchange and their bindings are named after the queue: leave no key behind.
        client = redis.Redis.from_url(redis_url)
        try:
            keys = list(client.scan_iter(match=f"*{queue}*"))
            if keys:
                client.delete(*keys)
        finally:
            client.close()


def test_worker_fichiers(tmp_path: Path, donneur: DonneurDOrdre) -> None:
    """The embedded set-up (no REDIS_URL): the file transport carries the tasks, results come back as files."""
    queue = tmp_path / "queue"
    results = tmp_path / "results"
    queue.mkdir()
    results.mkdir()
    app = _test_app(
        broker_url="filesystem://",
        broker_transport_options={
            "data_folder_in": str(queue),
            "data_folder_out": str(queue),
            "control_folder": str(tmp_path / "control"),
            "store_processed": False,
        },
        result_backend=f"file://{results}",
    )
    with _worker(app):
        result = app.send_task(verifier_worker.name, args=[donneur.pk])
        absent = app.send_task(verifier_worker.name, args=[donneur.pk + 1000])
        assert result.get(timeout=RESULT_TIMEOUT) == _attendu()
        # The worker reloads the row: a donneur deleted since the task was sent is an error, not a guess.
        with pytest.raises(DonneurDOrdre.DoesNotExist):
            absent.get(timeout=RESULT_TIMEOUT)
    assert list(queue.iterdir()) == [], "les messages auraient dû être consommés"


def test_reglages_sans_redis_choisissent_le_transport_fichier(tmp_path: Path) -> None:
    """Without REDIS_URL the settings choose the file transport, with every folder under CLAUSES_VAR_DIR."""
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", CLAUSES_VAR_DIR=str(tmp_path))
    code = (
        "import json, django; django.setup(); from config.celery import app; "
        "print(json.dumps([app.conf.broker_url, app.conf.broker_transport_options]))"
    )
    sortie = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True
    )
    broker, options = json.loads(sortie.stdout)
    assert broker == "filesystem://"
    dossiers = {key: Path(value) for key, value in options.items() if "folder" in key}
    assert {"data_folder_in", "data_folder_out"} <= dossiers.keys()
    for cle, dossier in dossiers.items():
        assert dossier.is_relative_to(tmp_path), f"{cle} hors de CLAUSES_VAR_DIR : {dossier}"
    assert dossiers["data_folder_in"].is_dir()


def test_reglages_avec_redis(tmp_path: Path) -> None:
    env = {**os.environ, "REDIS_URL": "redis://redis.invalid:6379/0", "CLAUSES_VAR_DIR": str(tmp_path)}
    code = "import django; django.setup(); from config.celery import app; print(app.conf.broker_url)"
    sortie = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True
    )
    assert sortie.stdout.strip() == "redis://redis.invalid:6379/0"


def test_a_process_that_is_not_a_worker_knows_every_task_the_services_queue_by_name():
    """The web server and the commands queue tasks by name (reporting.travaux): the registry must hold them as soon
    as Django is set up, in a process that imported nothing else (this test run imports the tasks itself)."""
    code = (
        "import json, django; django.setup()\n"
        "from celery import current_app\n"
        "print(json.dumps(sorted(n for n in current_app.tasks if n.startswith(('reporting.', 'config.')))))\n"
    )
    sortie = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert sortie.returncode == 0, sortie.stderr
    taches = json.loads(sortie.stdout.strip().splitlines()[-1])
    from reporting import travaux

    attendues = {"reporting.tasks.generer_rapport", "config.tasks.produire_export"} | set(travaux.TACHES.values())
    assert attendues <= set(taches), sorted(attendues - set(taches))
