"""Stored files reach a browser only through views that check who asks, in every mode (config/fichiers.py).

Under DEBUG, Django's ``static()`` helper served MEDIA_ROOT to anyone logged in: a référent of B downloaded, by
guessing the path, donneur A's reports, the facilitator's nominative marché report and another facilitator's
participant export. The guessing tests build the URLconf as a developer's ``DEBUG=1`` start would.
"""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import clear_url_caches, resolve, reverse

from config.fichiers import FichierProtege, ImageProtegee
from config.models import ExportListe, StatutExport
from conventions.factories import FacilitateurFactory
from conventions.models import StructurePorteuse
from reporting.models import Rapport, StatutRapport, TypeRapport
from tests import test_matrice_urls as matrice
from tests.test_matrice_urls import _fermer, pdf

pytestmark = pytest.mark.django_db

# The URL matrix's world: donneurs A and B, A's convention, avenant, marché, report, a facilitator's export…
monde = matrice.monde


@pytest.fixture
def urls_de_debug(settings):
    """The URLconf as ``DEBUG=1 make run`` builds it (config.urls reads DEBUG when it is imported)."""
    import config.urls

    settings.DEBUG = True
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.fixture
def fichiers_de_a(monde):
    """Every stored file of donneur A's world, and of its facilitator: name in the storage → content."""
    nominatif = Rapport.objects.create(
        type=TypeRapport.RAPPORT_MARCHE,
        marche=monde.marche,
        nominatif=True,
        periode_debut=dt.date(2026, 1, 1),
        periode_fin=dt.date(2026, 6, 30),
        statut=StatutRapport.PRET,
        fichier=SimpleUploadedFile("rapport-marche-nominatif.pdf", pdf("Rapport nominatif")),
        empreinte="0" * 64,
    )
    participants = ExportListe.objects.create(
        demande_par=monde.utilisateurs["facilitateur"],
        vue="clauses.views.participants.ParticipantListe",
        titre="Participants",
        nom_fichier="participants.xlsx",
        lignes_prevues=5000,
        statut=StatutExport.PRET,
        fichier=SimpleUploadedFile("participants.xlsx", b"PK\x03\x04 Quillebeuf Zephyrine"),
    )
    structure = StructurePorteuse.objects.get(pk=1)
    champs = [
        monde.convention.document,
        monde.avenant.document,
        monde.rapport.fichier,
        monde.export.fichier,
        nominatif.fichier,
        participants.fichier,
        structure.logo,
    ]
    contenus = {}
    for champ in champs:
        with champ.open("rb") as fichier:
            contenus[champ.name] = fichier.read()
    return contenus


def _chemins_devines(nom: str) -> list[str]:
    """Where a curious user would look for a stored file of that name."""
    return [
        f"/{settings.MEDIA_URL.strip('/')}/{nom}",
        f"/media/{nom}",
        f"/{settings.STATIC_URL.strip('/')}/{nom}",
        f"/{nom}",
        f"/{settings.STATIC_URL.strip('/')}/../{settings.MEDIA_URL.strip('/')}/{nom}",
        f"/portail/{settings.MEDIA_URL.strip('/')}/{nom}",
        f"/admin/{settings.MEDIA_URL.strip('/')}/{nom}",
    ]


def _contenu(reponse) -> bytes:
    contenu = b"".join(reponse.streaming_content) if reponse.streaming else reponse.content
    _fermer(reponse)
    return contenu


@pytest.mark.parametrize("mode", ["debug", "production"])
@pytest.mark.parametrize("qui", ["referent_a", "referent_b", "autre_facilitateur", "admin", "anonyme"])
def test_a_guessed_storage_path_serves_nothing(client, monde, fichiers_de_a, request, mode, qui):
    if mode == "debug":
        request.getfixturevalue("urls_de_debug")
    utilisateur = FacilitateurFactory() if qui == "autre_facilitateur" else monde.utilisateurs[qui]
    if utilisateur is not None:
        client.force_login(utilisateur)
    assert len(fichiers_de_a) == 7
    for nom, contenu in fichiers_de_a.items():
        for chemin in _chemins_devines(nom):
            reponse = client.get(chemin)
            servi = _contenu(reponse)
            assert reponse.status_code in (302, 403, 404), f"{chemin} en tant que {qui} : {reponse.status_code}"
            assert contenu not in servi, f"{chemin} a servi le fichier à {qui}"


def test_every_stored_file_field_names_its_checking_view():
    """A new file field without a view that checks who asks fails here, before a page links to its path."""
    champs = {
        f"{modele._meta.label}.{champ.name}": champ
        for modele in apps.get_models()
        for champ in modele._meta.get_fields()
        if isinstance(champ, models.FileField)
    }
    sans_vue = [nom for nom, champ in champs.items() if not isinstance(champ, FichierProtege | ImageProtegee)]
    assert len(champs) >= 5
    assert not sans_vue, f"Champs de fichier servis sans vérification : {sans_vue}"


def test_a_stored_file_links_to_its_view_which_serves_the_facilitator(client, monde, fichiers_de_a):
    client.force_login(monde.utilisateurs["facilitateur"])
    structure = StructurePorteuse.objects.get(pk=1)
    for champ in (monde.convention.document, monde.avenant.document, monde.rapport.fichier, structure.logo):
        assert not champ.url.startswith(f"/{settings.MEDIA_URL}"), champ.url
        resolve(champ.url)
        reponse = client.get(champ.url)
        assert reponse.status_code == 200, champ.url
        assert reponse["Content-Disposition"].startswith("attachment")
        assert _contenu(reponse) == fichiers_de_a[champ.name]
    assert monde.export.fichier.url == reverse("export_fichier", args=[monde.export.pk])


def test_no_page_links_to_the_storage(client, monde, fichiers_de_a):
    """The facilitator's convention page and forms, and the admin's forms, link to the checking views."""
    convention, avenant = monde.convention, monde.avenant
    client.force_login(monde.utilisateurs["admin"])
    pages = {
        reverse("conventions:convention", args=[convention.pk]): convention.document.url,
        reverse("conventions:convention_modification", args=[convention.pk]): convention.document.url,
        reverse("admin:conventions_convention_change", args=[convention.pk]): avenant.document.url,
        reverse("admin:conventions_avenant_change", args=[avenant.pk]): avenant.document.url,
        reverse("admin:reporting_rapport_change", args=[monde.rapport.pk]): monde.rapport.fichier.url,
        reverse("admin:config_exportliste_change", args=[monde.export.pk]): monde.export.fichier.url,
        reverse("admin:conventions_structureporteuse_change", args=[1]): StructurePorteuse.get().logo.url,
    }
    for page, lien in pages.items():
        contenu = client.get(page).content.decode()
        assert f'href="{lien}"' in contenu, page
        assert f"/{settings.MEDIA_URL}" not in contenu, page
        for nom in fichiers_de_a:
            assert f"/{nom}" not in contenu, f"{page} donne le chemin de {nom}"
