"""The schedule's jobs through a real Celery worker: the daily task makes the rows and queues one task per row,
the worker runs them, each is done once even when its message arrives again.

The worker and its app are those of tests/test_celery.py (a thread of this process, its own queue): against the
Redis of CI (``REDIS_URL``), and against the file transport that `make run` uses without Redis. While the worker
runs, the test watches the outbox: what the worker sends is what a user would see.
"""

import datetime as dt
import time
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.core import mail

from conventions.factories import FacilitateurFactory
from reporting.models import StatutTache, Tache
from reporting.planning import DigestHebdomadaire
from tests.test_celery import RESULT_TIMEOUT, _test_app, _worker

pytestmark = pytest.mark.django_db(transaction=True)

LUNDI = dt.date(2027, 3, 1)


def _attendre_messages(nombre: int) -> None:
    limite = time.monotonic() + RESULT_TIMEOUT
    while len(mail.outbox) < nombre:
        assert time.monotonic() < limite, f"{len(mail.outbox)} message(s) au lieu de {nombre} après {RESULT_TIMEOUT} s"
        time.sleep(0.1)


def _tache_digest(facilitateur, lundi: dt.date) -> Tache:
    travail = DigestHebdomadaire(lundi, facilitateur.pk)
    return Tache.objects.create(code=travail.code, cle=travail.cle)


def _scenario(app: Celery, facilitateur) -> None:
    """The daily task on a Monday: one digest per facilitator; then one digest delivered twice more."""
    autre = FacilitateurFactory(email="thomas@exemple.fr")
    tache_autre = _tache_digest(autre, LUNDI)
    # Next week's digest, sent last: one worker runs one task at a time, in order, so its message marks the end.
    temoin = _tache_digest(autre, LUNDI + dt.timedelta(days=7))
    with _worker(app):
        app.send_task("reporting.tasks.executer_travaux_du_jour", kwargs={"jour": LUNDI.isoformat()})
        _attendre_messages(2)
        # The same job delivered twice more (a redelivery, a beat restarted), then the daily task again.
        app.send_task("reporting.tasks.envoyer_digest", args=[tache_autre.pk, LUNDI.isoformat()])
        app.send_task("reporting.tasks.envoyer_digest", args=[tache_autre.pk])
        app.send_task("reporting.tasks.executer_travaux_du_jour", kwargs={"jour": LUNDI.isoformat()})
        app.send_task("reporting.tasks.envoyer_digest", args=[temoin.pk])
        _attendre_messages(3)
    assert sorted(message.to[0] for message in mail.outbox) == sorted([facilitateur.email, autre.email, autre.email])
    taches = Tache.objects.filter(code="digest_hebdomadaire")
    assert taches.count() == 3
    assert set(taches.values_list("statut", flat=True)) == {StatutTache.FAIT}
    assert Tache.objects.get(pk=tache_autre.pk).tentatives == 1


def test_travaux_du_jour_worker_redis(redis_url: str, facilitateur, mailoutbox) -> None:
    app = _test_app(broker_url=redis_url)
    queue = app.conf.task_default_queue
    try:
        _scenario(app, facilitateur)
    finally:
        client = redis.Redis.from_url(redis_url)
        try:
            keys = list(client.scan_iter(match=f"*{queue}*"))
            if keys:
                client.delete(*keys)
        finally:
            client.close()


def test_travaux_du_jour_worker_fichiers(tmp_path: Path, facilitateur, mailoutbox) -> None:
    """The embedded set-up of `make run`: no Redis, the file transport carries the tasks."""
    queue = tmp_path / "queue"
    queue.mkdir()
    app = _test_app(
        broker_url="filesystem://",
        broker_transport_options={
            "data_folder_in": str(queue),
            "data_folder_out": str(queue),
            "control_folder": str(tmp_path / "control"),
            "store_processed": False,
        },
    )
    _scenario(app, facilitateur)
    assert list(queue.iterdir()) == [], "les messages auraient dû être consommés"
