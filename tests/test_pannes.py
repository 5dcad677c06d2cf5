"""Faults a user must not pay for: a mail server down, a broker (Redis) down, a worker killed mid-job, the database's
connections cut. Each with the real thing: an SMTP port where nothing listens, a broker address that refuses
connections, a `celery worker` process killed with SIGKILL, `pg_terminate_backend`.
"""

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest
import redis
import time_machine
from celery import current_app
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from config import courriels
from config import travaux as travaux_communs
from config.models import Courriel, ExportListe, StatutCourriel, StatutExport
from config.tasks import envoyer_courriel
from conventions.factories import ConventionFactory, DonneurDOrdreFactory, FacilitateurFactory, ReferentFactory
from conventions.models import Periodicite
from marches.models import Marche, StatutMarche
from reporting import tasks, travaux
from reporting.models import Rapport, StatutRapport, TypeRapport
from reporting.tests.test_portail_demandes import DECLARATION

RACINE = Path(__file__).resolve().parent.parent
DECLARER = reverse("portail:marche_declaration")
DEMANDE_PORTAIL = reverse("portail:rapport_demande")
DEMANDE_TABLEAU = reverse("reporting:rapport_demande")
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def _port_ferme() -> int:
    """A local port where nothing listens: connecting to it is refused, as with a server that is stopped."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_coupe(settings):
    """The production mail backend, pointed at a mail server that is down; requests queue through the broker."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _port_ferme(), 2
    settings.EMAIL_USE_TLS = False
    settings.CLAUSES_COURRIELS_SUR_PLACE = False
    yield settings
    current_app.control.purge()  # the messages queued for a worker that this test does not run


@contextmanager
def broker_coupe():
    """The project's Celery app pointed at a broker that refuses connections (Redis stopped), then back.

    The app keeps its connection and producer pools: they are forgotten so that the next message opens a connection
    to the address in force (private attributes of Celery 5, the only way to change a running app's broker); kombu
    keeps the old address's pools for when it is back."""
    app = current_app
    ancien = app.conf.broker_url

    def _oublier_les_connexions():
        app._pool = None
        app.amqp._producer_pool = None

    _oublier_les_connexions()
    app.conf.broker_url = f"redis://127.0.0.1:{_port_ferme()}/0"
    try:
        yield
    finally:
        _oublier_les_connexions()
        app.conf.broker_url = ancien


# --- The mail server is down -----------------------------------------------------------------------------------


@pytest.mark.django_db
class TestServeurDeMessagerieCoupe:
    @pytest.fixture
    def referent(self):
        return ReferentFactory(user__email="jeanne.arnaud@arles.example", donneur_d_ordre__nom="Ville d'Arles")

    def test_declaring_a_marche_answers_keeps_the_notification_and_a_retry_creates_nothing(
        self, client, referent, smtp_coupe, mailoutbox, django_capture_on_commit_callbacks
    ):
        facilitateur = FacilitateurFactory(email="camille@exemple.fr")
        client.force_login(referent.user)
        cle = client.get(DECLARER).context["form"]["cle"].value()
        with django_capture_on_commit_callbacks(execute=True):
            reponse = client.post(DECLARER, {**DECLARATION, "cle": cle})
        assert reponse.status_code == 302
        # The référent retries (the page seemed stuck, a double click): the same form creates nothing more.
        with django_capture_on_commit_callbacks(execute=True):
            encore = client.post(DECLARER, {**DECLARATION, "cle": cle}, follow=True)
        assert encore.status_code == 200
        assert "Ce formulaire avait déjà été envoyé" in encore.content.decode().replace("&#x27;", "'")
        marche = Marche.objects.get()
        assert marche.statut == StatutMarche.EN_PREPARATION

        [courriel] = Courriel.objects.all()
        assert (courriel.statut, courriel.destinataires, courriel.origine) == (
            StatutCourriel.EN_ATTENTE,
            facilitateur.email,
            "marche_declare",
        )
        assert courriel.mis_en_file_le is not None  # handed to the broker after the commit

        # The worker with the server still down: the row is given back for the retry, nothing is marked as sent.
        with pytest.raises(ConnectionRefusedError):
            courriels.envoyer(courriel.pk)
        courriel.refresh_from_db()
        assert (courriel.statut, courriel.envoi_commence_le, courriel.tentatives) == (
            StatutCourriel.EN_ATTENTE,
            None,
            1,
        )

        # The server is back: the message leaves once, however many times its task runs.
        smtp_coupe.EMAIL_BACKEND = LOCMEM
        for _ in range(3):
            envoyer_courriel.apply(args=(courriel.pk,))
        [message] = mailoutbox
        assert message.to == [facilitateur.email] and marche.objet in message.subject + message.body
        courriel.refresh_from_db()
        assert courriel.statut == StatutCourriel.ENVOYE and courriel.envoye_le is not None
        assert (courriel.corps_texte, courriel.corps_html) == ("", "")  # no body outlives its sending

    def test_two_sends_of_the_same_form_at_once_declare_one_marche(self, referent):
        from marches import services

        cle = uuid.uuid4()
        donnees = {"objet": "Piscine", "montant_estime_ht": 1}
        premier, nouveau = services.declarer_marche(
            donneur=referent.donneur_d_ordre, utilisateur=referent.user, donnees=donnees, cle=cle
        )
        second, encore = services.declarer_marche(
            donneur=referent.donneur_d_ordre, utilisateur=referent.user, donnees=donnees, cle=cle
        )
        assert (nouveau, encore, premier.pk) == (True, False, second.pk)
        # Another organisation's key finds nothing of this one.
        autre = ReferentFactory()
        with pytest.raises(Exception):  # noqa: B017 — the unique key refuses it; nothing is shown of the other
            services.declarer_marche(donneur=autre.donneur_d_ordre, utilisateur=autre.user, donnees=donnees, cle=cle)

    def test_a_password_reset_answers_and_waits_for_the_server(
        self, client, referent, smtp_coupe, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            reponse = client.post(reverse("password_reset"), {"email": referent.user.email})
        assert reponse.status_code == 302
        [courriel] = Courriel.objects.all()
        assert courriel.origine == "mot_de_passe_oublie" and courriel.statut == StatutCourriel.EN_ATTENTE

    def test_an_invitation_answers_and_waits_for_the_server(
        self, client_facilitateur, smtp_coupe, django_capture_on_commit_callbacks
    ):
        donneur = DonneurDOrdreFactory()
        with django_capture_on_commit_callbacks(execute=True):
            reponse = client_facilitateur.post(
                reverse("conventions:invitation_creation", args=[donneur.pk]),
                {"email": "paul@exemple.fr", "prenom": "Paul", "nom": "Roux", "fonction": "Acheteur"},
            )
        assert reponse.status_code == 302
        [courriel] = Courriel.objects.all()
        assert courriel.destinataires == "paul@exemple.fr" and courriel.statut == StatutCourriel.EN_ATTENTE


# --- The broker is down ----------------------------------------------------------------------------------------


@pytest.fixture
def donneur():
    donneur = DonneurDOrdreFactory(nom="Ville d'Arles", periodicite_rapport=Periodicite.MENSUELLE)
    ConventionFactory(donneur_d_ordre=donneur, numero="C-ARLES", date_effet=dt.date(2024, 7, 1))
    return donneur


def _dernier_mois() -> str:
    from reporting.demandes_rapports import periodes_periodiques

    return periodes_periodiques(Periodicite.MENSUELLE, timezone.localdate(), 1)[0][0].isoformat()


@pytest.mark.django_db
class TestBrokerCoupe:
    def test_asking_for_a_report_on_the_portal_answers_en_attente(
        self, client, donneur, django_capture_on_commit_callbacks
    ):
        client.force_login(ReferentFactory(donneur_d_ordre=donneur).user)
        with broker_coupe(), django_capture_on_commit_callbacks(execute=True):
            reponse = client.post(DEMANDE_PORTAIL, {"type": "rapport_periodique", "periode": _dernier_mois()})
        assert reponse.status_code == 302
        rapport = Rapport.objects.get()
        assert (rapport.statut, rapport.mis_en_file_le) == (StatutRapport.EN_ATTENTE, None)
        page = client.get(reponse["Location"]).content.decode().replace("&#x27;", "'")
        assert "Le document attend son tour pour être produit" in page

    def test_asking_for_a_report_on_the_dashboard_answers_en_attente(
        self, client_facilitateur, donneur, django_capture_on_commit_callbacks
    ):
        with broker_coupe(), django_capture_on_commit_callbacks(execute=True):
            reponse = client_facilitateur.post(
                DEMANDE_TABLEAU, {"type": "rapport_periodique", "donneur": donneur.pk, "periode": _dernier_mois()}
            )
        assert reponse.status_code in (200, 302)
        assert Rapport.objects.get().statut == StatutRapport.EN_ATTENTE

    def test_a_long_export_answers_en_attente(
        self, client_facilitateur, monkeypatch, django_capture_on_commit_callbacks
    ):
        from config import exports_longs
        from marches.factories import MarcheFactory

        monkeypatch.setattr(exports_longs, "EXPORT_DIRECT_MAX", 1)
        MarcheFactory.create_batch(2)
        with broker_coupe(), django_capture_on_commit_callbacks(execute=True):
            reponse = client_facilitateur.get(reverse("marches:marches"), {"format": "xlsx"})
        assert reponse.status_code == 302 and reponse["Location"] == reverse("exports")
        export = ExportListe.objects.get()
        assert (export.statut, export.mis_en_file_le) == (StatutExport.EN_ATTENTE, None)


@pytest.mark.django_db(transaction=True)
def test_a_report_asked_while_the_broker_was_down_is_made_once_it_is_back(donneur, redis_url):
    """Asked while Redis is down; the next reprise after it is back queues it, and a real worker makes it."""
    from tests.test_celery import _worker

    client = Client()
    client.force_login(ReferentFactory(donneur_d_ordre=donneur).user)
    with broker_coupe():
        reponse = client.post(DEMANDE_PORTAIL, {"type": "rapport_periodique", "periode": _dernier_mois()})
    assert reponse.status_code == 302
    rapport = Rapport.objects.get()
    assert rapport.mis_en_file_le is None
    current_app.control.purge()
    # The reprise, a minute later: the row never queued is queued at once (not after the 5 minutes of a lost one).
    lances = travaux.reprendre_travaux(timezone.now() + dt.timedelta(minutes=1))
    assert [lancement.args for lancement in lances] == [(rapport.pk,)]
    rapport.refresh_from_db()
    assert rapport.mis_en_file_le is not None
    with _worker(current_app._get_current_object()):
        limite = time.monotonic() + 60
        while rapport.statut != StatutRapport.PRET and time.monotonic() < limite:
            time.sleep(0.2)
            rapport.refresh_from_db()
    assert rapport.statut == StatutRapport.PRET and rapport.tentatives == 1
    # Queued once: the next reprise leaves it alone.
    assert travaux.reprendre_travaux(timezone.now() + dt.timedelta(minutes=2)) == []


# --- A worker killed mid-job -----------------------------------------------------------------------------------


def _acces_a_la_base() -> tuple[str, str]:
    """The test database as a libpq DSN and as a DATABASE_URL for another process: from the connection's own
    parameters, so that the local server of `make test` (a Unix socket in its folder, no port) is reached too."""
    parametres = connection.get_connection_params()
    hote, port = parametres.get("host") or "", parametres.get("port") or ""
    utilisateur, base = parametres.get("user") or "", parametres.get("dbname") or parametres.get("database")
    dsn = psycopg2.extensions.make_dsn(host=hote or None, port=port or None, user=utilisateur or None, dbname=base)
    url = f"postgres://{utilisateur}@{quote(str(hote), safe='')}{f':{port}' if port else ''}/{base}"
    return dsn, url


def _sql(dsn: str, requete: str, parametres=()) -> list[tuple]:
    """A query on a connection of its own, outside Django's (autocommit)."""
    lien = psycopg2.connect(dsn)
    lien.autocommit = True
    try:
        with lien.cursor() as curseur:
            curseur.execute(requete, parametres)
            return curseur.fetchall() if curseur.description else []
    finally:
        lien.close()


def _pid_du_worker(dsn: str) -> list[tuple[int, bool]]:
    return _sql(
        dsn,
        "SELECT a.pid, bool_or(NOT l.granted) FROM pg_stat_activity a LEFT JOIN pg_locks l ON l.pid = a.pid "
        "WHERE a.application_name = 'worker-tue' GROUP BY a.pid",
    )


@pytest.fixture
def horloge_de_la_machine():
    """The worker is another process, on the machine's clock: a session moved to another day (CLAUSES_JOUR) comes
    back to that clock for a test that compares the claims the worker dates with the test's own time."""
    if not time_machine.escape_hatch.is_travelling():
        yield
        return
    with time_machine.travel(dt.datetime.fromtimestamp(time_machine.escape_hatch.time.time(), tz=dt.UTC), tick=True):
        yield


@pytest.mark.django_db(transaction=True)
def test_a_report_left_by_a_killed_worker_is_made_again_once_and_only_once(
    horloge_de_la_machine, donneur, redis_url, tmp_path
):
    """A real `celery worker` process claims a report and blocks in it (the test holds a lock the job needs); it
    beats while it waits, so its claim stays fresh. Killed (SIGKILL), it stops beating: 75 s later the claim is a
    dead one's, the next reprise queues the report again and a worker makes it, once."""
    rapport = Rapport.objects.create(
        type=TypeRapport.RAPPORT_PERIODIQUE,
        donneur_d_ordre=donneur,
        periode_debut=dt.date(2026, 1, 1),
        periode_fin=dt.date(2026, 1, 31),
    )
    dsn, url = _acces_a_la_base()
    file_ = f"clauses-tests-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": url,
        "PGAPPNAME": "worker-tue",
        "CLAUSES_BATTEMENT_SECONDES": "1",
        "CLAUSES_VAR_DIR": str(tmp_path),
    }
    verrou = psycopg2.connect(dsn)
    # The job reads its donneur d'ordre right after its claim: it waits here while the test holds this lock.
    verrou.cursor().execute("LOCK TABLE conventions_donneurdordre IN ACCESS EXCLUSIVE MODE")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo", "-Q", file_, "--without-heartbeat",
         "--without-mingle", "--without-gossip", "--loglevel=WARNING"],
        cwd=RACINE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        current_app.send_task("reporting.tasks.generer_rapport", args=[rapport.pk], queue=file_)
        limite = time.monotonic() + 60
        while not any(bloque for _, bloque in _pid_du_worker(dsn)):
            assert time.monotonic() < limite and worker.poll() is None, "le worker n'a pas pris le rapport"
            time.sleep(0.2)
        rapport.refresh_from_db()
        assert rapport.statut == StatutRapport.EN_COURS and rapport.tentatives == 1
        pris_le = rapport.pris_le
        # Alive and waiting, it beats: its claim gets younger, and the reprise leaves it alone.
        while rapport.pris_le == pris_le:
            assert time.monotonic() < limite, "le worker ne rafraîchit pas sa réclamation"
            time.sleep(0.2)
            rapport.refresh_from_db()
        assert travaux.reprendre_travaux() == []
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        verrou.close()
        client = redis.Redis.from_url(redis_url)
        cles = list(client.scan_iter(match=f"*{file_}*"))
        if cles:
            client.delete(*cles)
        client.close()
    rapport.refresh_from_db()
    mort_le = rapport.pris_le
    assert rapport.statut == StatutRapport.EN_COURS
    # Just before its claim is stale, nothing is retaken; just after, the next reprise queues it and a run makes it.
    with time_machine.travel(mort_le + travaux_communs.DELAI_DE_REPRISE - dt.timedelta(seconds=5), tick=False):
        assert travaux.reprendre_travaux() == []
        assert travaux.reclamer_rapport(rapport.pk) is None
    with time_machine.travel(mort_le + travaux_communs.DELAI_DE_REPRISE + dt.timedelta(seconds=1), tick=True):
        current_app.control.purge()
        lances = travaux.reprendre_travaux()
        assert [lancement.args for lancement in lances] == [(rapport.pk,)]
        tasks.generer_rapport.apply(args=(rapport.pk,))
        tasks.generer_rapport.apply(args=(rapport.pk,))  # the dead worker's message, redelivered: does nothing
    rapport.refresh_from_db()
    assert (rapport.statut, rapport.tentatives) == (StatutRapport.PRET, 2)
    current_app.control.purge()


# --- The database's connections cut ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("verification", [True, False], ids=["avec-verification", "sans-verification"])
def test_a_connection_cut_between_two_requests_costs_no_error(verification, facilitateur):
    """A persistent connection (CONN_MAX_AGE) cut by the server (a restart, pg_terminate_backend) between two
    requests: with CONN_HEALTH_CHECKS (the settings) the next request opens a new one. Without, it answers 503
    (« Service momentanément indisponible », config.erreurs): the check is what this test watches.

    The requests go through Django's WSGI handler as gunicorn calls it: the test client skips the signals that
    check the connection at the start of each request."""
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    anciens = {cle: connection.settings_dict[cle] for cle in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS")}
    client = Client()
    client.force_login(facilitateur)
    cookie = "; ".join(f"{nom}={morceau.value}" for nom, morceau in client.cookies.items())
    connection.settings_dict.update(CONN_MAX_AGE=600, CONN_HEALTH_CHECKS=verification)
    serveur = WSGIHandler()

    def get(chemin: str) -> int:
        statuts = []
        environ = RequestFactory()._base_environ(PATH_INFO=chemin, REQUEST_METHOD="GET", HTTP_COOKIE=cookie)
        reponse = serveur(environ, lambda statut, entetes, exc_info=None: statuts.append(statut))
        reponse.close()  # request_finished, as gunicorn sends it: the connection is kept (CONN_MAX_AGE)
        return int(statuts[0].split()[0])

    try:
        connection.close()
        assert get(reverse("reporting:accueil")) == 200
        pid = connection.connection.get_backend_pid()
        dsn, _ = _acces_a_la_base()
        assert _sql(dsn, "SELECT pg_terminate_backend(%s)", [pid]) == [(True,)]
        statut = get(reverse("reporting:accueil"))
    finally:
        connection.settings_dict.update(anciens)
        connection.close()
    assert statut == (200 if verification else 503)


# --- A report that failed --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_failed_report_tells_the_referent_in_french_and_the_facilitator_the_details(
    client, donneur, settings, tmp_path, facilitateur
):
    """The storage cannot write (here its folder is under a file: « Not a directory », with the server's path, as a
    PermissionError on /var/… was): the référent reads a French sentence, the facilitator also the details."""
    (tmp_path / "fichier").write_text("")
    settings.MEDIA_ROOT = tmp_path / "fichier" / "media"
    referent = ReferentFactory(donneur_d_ordre=donneur).user
    rapport = Rapport.objects.create(
        type=TypeRapport.RAPPORT_PERIODIQUE,
        donneur_d_ordre=donneur,
        periode_debut=dt.date(2026, 1, 1),
        periode_fin=dt.date(2026, 1, 31),
        demande_par=referent,
    )
    tasks.generer_rapport.apply(args=(rapport.pk,))
    rapport.refresh_from_db()
    assert rapport.statut == StatutRapport.ECHEC
    assert "NotADirectoryError" in rapport.detail_technique and str(tmp_path) in rapport.detail_technique

    client.force_login(referent)
    page = client.get(reverse("portail:rapport_etat", args=[rapport.pk])).content.decode().replace("&#x27;", "'")
    assert "Le document n'a pas pu être produit" in page and "signalée à l'équipe technique" in page
    for fuite in ("NotADirectoryError", "Errno", str(tmp_path), "Error"):
        assert fuite not in page, f"« {fuite} » montré au référent"

    client.force_login(facilitateur)
    page = client.get(reverse("reporting:rapport_etat", args=[rapport.pk])).content.decode()
    assert "Détail technique" in page and "NotADirectoryError" in page
