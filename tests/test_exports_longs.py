"""Exports too long to be written while the browser waits: recorded by the list, written by the worker, downloaded
by their author only."""

import io
import time
import uuid

import pytest
import redis
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from config import exports_longs
from config.celery import app as project_app
from config.models import ExportListe, StatutExport
from conventions.factories import DonneurDOrdreFactory, FacilitateurFactory
from marches.factories import MarcheFactory
from marches.models import StatutMarche


def _export(facilitateur, **champs) -> ExportListe:
    """An export row as config.exports_longs.enregistrer records it, of the Marchés list unless told otherwise."""
    return ExportListe.objects.create(
        demande_par=facilitateur,
        **{"vue": "marches.views.MarcheListe", "titre": "Marchés", "nom_fichier": "m.xlsx", **champs},
    )


def _classeur(contenu: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(contenu), read_only=True).active.values)


@pytest.fixture
def marches(monkeypatch):
    monkeypatch.setattr(exports_longs, "EXPORT_DIRECT_MAX", 2)
    donneur = DonneurDOrdreFactory(nom="Ville d'Arles")
    for i in range(3):
        MarcheFactory(donneur_d_ordre=donneur, objet=f"Voirie {i}", statut=StatutMarche.EN_EXECUTION)
    MarcheFactory(donneur_d_ordre=donneur, objet="Crèche", statut=StatutMarche.ATTRIBUE)
    return donneur


@pytest.mark.django_db
class TestDemande:
    def test_a_short_list_is_still_streamed(self, client_facilitateur, marches):
        reponse = client_facilitateur.get(reverse("marches:marches"), {"statut": "attribue", "format": "xlsx"})
        assert reponse.status_code == 200 and reponse.streaming
        assert not ExportListe.objects.exists()

    def test_a_long_list_is_recorded_queued_and_announced(
        self, client_facilitateur, facilitateur, marches, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks() as rappels:
            reponse = client_facilitateur.get(
                reverse("marches:marches"), {"statut": "en_execution", "tri": "-objet", "page": "2", "format": "xlsx"}
            )
        assert reponse.status_code == 302 and reponse["Location"] == reverse("exports")
        export = ExportListe.objects.get()
        assert (export.demande_par, export.statut, export.lignes_prevues) == (facilitateur, "en_attente", 3)
        assert export.parametres == "statut=en_execution&tri=-objet"
        assert export.titre == "Marchés" and export.nom_fichier.startswith("marches-")
        assert len(rappels) == 1  # the task, queued once the row is committed
        page = client_facilitateur.get(reponse["Location"]).content.decode()
        assert "L&#x27;export de 3 lignes est en préparation" in page
        assert 'hx-trigger="every 3s"' in page and "3 prévues" in page
        assert "Statut : En exécution · Tri : objet (décroissant)" in page


@pytest.mark.django_db
class TestProduction:
    def test_the_file_is_the_list_as_its_author_saw_it(self, client_facilitateur, facilitateur, marches):
        client_facilitateur.get(
            reverse("marches:marches"), {"statut": "en_execution", "tri": "-objet", "format": "xlsx"}
        )
        export = ExportListe.objects.get()
        exports_longs.produire(export.pk)
        export.refresh_from_db()
        assert (export.statut, export.lignes) == (StatutExport.PRET, 3)
        fichier = client_facilitateur.get(reverse("export_fichier", args=[export.pk]))
        assert fichier["Content-Disposition"] == f'attachment; filename="{export.nom_fichier}"'
        lignes = _classeur(b"".join(fichier.streaming_content))
        assert lignes[0][0] == "Objet" and [ligne[0] for ligne in lignes[1:]] == ["Voirie 2", "Voirie 1", "Voirie 0"]
        # The same rows as the streamed export of the same list.
        exports_longs.EXPORT_DIRECT_MAX = 100
        direct = client_facilitateur.get(
            reverse("marches:marches"), {"statut": "en_execution", "tri": "-objet", "format": "xlsx"}
        )
        assert _classeur(b"".join(direct.streaming_content)) == lignes
        page = client_facilitateur.get(reverse("exports")).content.decode()
        assert reverse("export_fichier", args=[export.pk]) in page and "every 3s" not in page

    def test_a_second_delivery_does_nothing(self, facilitateur, marches):
        export = _export(facilitateur, lignes_prevues=4)
        exports_longs.produire(export.pk)
        export.refresh_from_db()
        nom = export.fichier.name
        exports_longs.produire(export.pk)
        export.refresh_from_db()
        assert (export.statut, export.fichier.name, export.lignes) == (StatutExport.PRET, nom, 4)

    def test_a_failure_is_recorded_in_french(self, facilitateur):
        export = _export(facilitateur, lignes_prevues=1, vue="marches.views.Disparue")
        with pytest.raises(ImportError):
            exports_longs.produire(export.pk)
        export.refresh_from_db()
        assert export.statut == StatutExport.ECHEC
        assert export.message_erreur.startswith("L'export n'a pas pu être préparé")

    def test_only_a_list_is_exported(self, facilitateur):
        export = _export(facilitateur, lignes_prevues=1, vue="config.models.ExportListe")
        with pytest.raises(TypeError):
            exports_longs.produire(export.pk)
        export.refresh_from_db()
        assert export.statut == StatutExport.ECHEC and not export.fichier

    def test_only_its_author_downloads_it(self, client, facilitateur, marches):
        export = _export(facilitateur, lignes_prevues=4)
        exports_longs.produire(export.pk)
        client.force_login(FacilitateurFactory())
        assert client.get(reverse("export_fichier", args=[export.pk])).status_code == 404
        assert "Aucun export" in client.get(reverse("exports")).content.decode()


@pytest.mark.django_db
class TestDroitsDeLAuteur:
    """The worker builds the list for the export's author and asks it whether that author may still read it: the
    list's page checks it on every request, the worker once it starts and again before it stores the file."""

    def _demander(self, client, facilitateur):
        client.force_login(facilitateur)
        client.get(reverse("marches:marches"), {"statut": "en_execution", "format": "xlsx"})
        return ExportListe.objects.get()

    @pytest.mark.parametrize(
        "retrait", [{"is_facilitateur": False}, {"is_active": False}], ids=["plus facilitateur", "compte fermé"]
    )
    def test_an_author_who_lost_the_right_gets_no_file(self, client, facilitateur, marches, retrait):
        export = self._demander(client, facilitateur)
        type(facilitateur).objects.filter(pk=facilitateur.pk).update(**retrait)
        exports_longs.produire(export.pk)
        export.refresh_from_db()
        assert (export.statut, export.fichier.name, export.lignes) == (StatutExport.ECHEC, "", None)
        assert export.message_erreur == "Vous n'avez plus accès à cette liste : l'export n'a pas été préparé."
        assert not (settings.MEDIA_ROOT / "exports").exists()

    def test_a_right_lost_while_the_file_is_written_keeps_no_file(self, client, facilitateur, marches, monkeypatch):
        export = self._demander(client, facilitateur)
        ecrire = exports_longs.contenu_xlsx

        def ecrire_puis_retirer_le_role(*args):
            yield from ecrire(*args)
            type(facilitateur).objects.filter(pk=facilitateur.pk).update(is_facilitateur=False)

        monkeypatch.setattr(exports_longs, "contenu_xlsx", ecrire_puis_retirer_le_role)
        exports_longs.produire(export.pk)
        export.refresh_from_db()
        assert (export.statut, export.fichier.name) == (StatutExport.ECHEC, "")
        assert not (settings.MEDIA_ROOT / "exports").exists()

    def test_a_list_narrowed_to_its_reader_is_narrowed_to_the_author(self, client, facilitateur, marches):
        """« Mes marchés »: the worker reads the list for the export's author, with no request to read it from."""
        MarcheFactory(objet="Le mien", statut=StatutMarche.EN_EXECUTION, facilitateur=facilitateur)
        MarcheFactory(objet="Le mien aussi", statut=StatutMarche.EN_EXECUTION, facilitateur=facilitateur)
        MarcheFactory(objet="Le mien encore", statut=StatutMarche.ATTRIBUE, facilitateur=facilitateur)
        MarcheFactory(objet="Pas le mien", statut=StatutMarche.EN_EXECUTION, facilitateur=FacilitateurFactory())
        client.force_login(facilitateur)
        client.get(reverse("marches:marches"), {"mes_marches": "true", "tri": "objet", "format": "xlsx"})
        export = ExportListe.objects.get()
        exports_longs.produire(export.pk)
        export.refresh_from_db()
        with export.fichier.open("rb") as fichier:
            objets = [ligne[0] for ligne in _classeur(fichier.read())[1:]]
        assert objets == ["Le mien", "Le mien aussi", "Le mien encore"]


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_writes_the_export(redis_url, facilitateur, marches):
    export = _export(facilitateur, lignes_prevues=3, parametres="statut=en_execution")
    app = Celery("clauses-tests", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=redis_url,
        task_default_queue=f"clauses-tests-{uuid.uuid4().hex}",
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=False,
    )
    try:
        with start_worker(app, perform_ping_check=False, shutdown_timeout=30):
            app.send_task("config.tasks.produire_export", args=[export.pk])
            for _ in range(300):
                export.refresh_from_db()
                if export.statut in (StatutExport.PRET, StatutExport.ECHEC):
                    break
                time.sleep(0.1)
    finally:
        project_app.set_current()
        project_app.set_default()
        app.close()
        client = redis.Redis.from_url(redis_url)
        try:
            cles = list(client.scan_iter(match=f"*{app.conf.task_default_queue}*"))
            if cles:
                client.delete(*cles)
        finally:
            client.close()
    assert (export.statut, export.lignes) == (StatutExport.PRET, 3)
    with export.fichier.open("rb") as fichier:
        assert len(_classeur(fichier.read())) == 4


@pytest.mark.django_db
def test_the_filters_are_named_as_the_filter_bar_names_them(facilitateur):
    arles = DonneurDOrdreFactory(nom="Ville d'Arles")
    export = _export(
        facilitateur,
        lignes_prevues=1,
        vue="clauses.views.participants.PlacementListe",
        parametres=f"donneur={arles.pk}&en_cours=true&recherche_donneur=arl&tri=-debut&inconnu=1",
    )
    assert (
        exports_longs.filtres_lisibles(export)
        == "Donneur d'ordre : Ville d'Arles · En cours : Oui · Tri : debut (décroissant)"
    )
    assert exports_longs.filtres_lisibles(_export(facilitateur, lignes_prevues=1, vue="marches.views.Disparue")) == ""
