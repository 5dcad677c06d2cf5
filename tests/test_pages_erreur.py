"""What a user sees when something fails on the server: French pages with a way home, never Django's English
page, a stack trace or a server path.

The 400 and 500 pages (and a refused form's 403) are rendered by Django without a request's context, so they must
hold without the database: they are rendered here while every query would fail.
"""

import pytest
from django.core.exceptions import SuspiciousOperation
from django.db import OperationalError
from django.template import loader
from django.test import Client
from django.urls import include, path, reverse

from config.urls import handler500  # noqa: F401 — this test URLconf's error handler is the site's
from config.urls import urlpatterns as urlpatterns_du_site
from tests.test_pannes import _acces_a_la_base, _sql


def _plante(request):
    raise PermissionError(13, "Permission denied", "/var/lib/clauses/media/rapports/secret.pdf")


def _base_coupee(request):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


def _suspecte(request):
    raise SuspiciousOperation("Invalid HTTP_HOST header")


urlpatterns = [
    path("test-erreur/plante/", _plante),
    path("test-erreur/base-coupee/", _base_coupee),
    path("test-erreur/suspecte/", _suspecte),
    path("", include(urlpatterns_du_site)),
]

MOTS_INTERDITS = (
    "Traceback",
    "/var/",
    "PermissionError",
    "OperationalError",
    "Server Error",
    "Bad Request",
    "Forbidden",
    "CSRF verification",
    "5432",
    "Invalid HTTP_HOST",
)


def _sans_fuite(html: str) -> None:
    for mot in MOTS_INTERDITS:
        assert mot not in html, f"« {mot} » montré à l'utilisateur"
    assert '<html lang="fr">' in html
    assert 'href="/">Retour à l\'accueil</a>' in html


@pytest.fixture
def client_sans_exceptions(client_facilitateur) -> Client:
    client_facilitateur.raise_request_exception = False
    return client_facilitateur


@pytest.mark.urls("tests.test_pages_erreur")
def test_a_view_that_fails_answers_the_french_500_page(client_sans_exceptions, settings):
    assert settings.DEBUG is False
    reponse = client_sans_exceptions.get("/test-erreur/plante/")
    assert reponse.status_code == 500
    html = reponse.content.decode()
    assert "Une erreur est survenue" in html
    _sans_fuite(html)


@pytest.mark.urls("tests.test_pages_erreur")
def test_a_database_that_cannot_be_reached_answers_503_try_again(client_sans_exceptions):
    reponse = client_sans_exceptions.get("/test-erreur/base-coupee/")
    assert reponse.status_code == 503 and reponse["Retry-After"] == "30"
    html = reponse.content.decode()
    assert "Service momentanément indisponible" in html and "Réessayez dans un instant" in html
    _sans_fuite(html)


@pytest.mark.django_db(transaction=True)
def test_while_the_database_refuses_connections_pages_answer_503_and_come_back_after(client_facilitateur):
    """The database really refuses new connections (as during a restart): the page and the health check say
    « momentanément indisponible » with a 503; once it accepts them again, the next request is served."""
    from django.db import connection

    client_facilitateur.raise_request_exception = False
    assert client_facilitateur.get(reverse("reporting:accueil")).status_code == 200
    dsn, _ = _acces_a_la_base()
    base = connection.settings_dict["NAME"]
    administration = dsn.replace(f"dbname={base}", "dbname=postgres")
    _sql(administration, f'ALTER DATABASE "{base}" WITH ALLOW_CONNECTIONS false')
    try:
        connection.close()
        for chemin in (reverse("reporting:accueil"), reverse("sante")):
            reponse = client_facilitateur.get(chemin)
            assert reponse.status_code == 503, chemin
            assert "Service momentanément indisponible" in reponse.content.decode()
    finally:
        _sql(administration, f'ALTER DATABASE "{base}" WITH ALLOW_CONNECTIONS true')
    assert client_facilitateur.get(reverse("reporting:accueil")).status_code == 200


@pytest.mark.urls("tests.test_pages_erreur")
def test_a_suspicious_request_answers_the_french_400_page(client_sans_exceptions):
    reponse = client_sans_exceptions.get("/test-erreur/suspecte/")
    assert reponse.status_code == 400
    html = reponse.content.decode()
    assert "Demande invalide" in html
    _sans_fuite(html)


def test_a_form_without_its_csrf_token_answers_a_french_403(db):
    client = Client(enforce_csrf_checks=True)
    reponse = client.post("/connexion/", {"username": "camille@exemple.fr", "password": "x"})
    assert reponse.status_code == 403
    html = reponse.content.decode()
    assert "Le formulaire n'a pas pu être envoyé" in html
    _sans_fuite(html)


def test_the_404_page_is_french_with_a_way_home(client_facilitateur):
    reponse = client_facilitateur.get("/cette-page-n-existe-pas/")
    assert reponse.status_code == 404
    assert "Page introuvable" in reponse.content.decode()
    assert "Retour à l'accueil" in reponse.content.decode()


def test_the_403_page_is_french_with_a_way_home(client_referent):
    reponse = client_referent.get(reverse("marches:marches"))
    assert reponse.status_code == 403
    assert "Accès refusé" in reponse.content.decode()
    assert "Retour à l'accueil" in reponse.content.decode()


@pytest.mark.parametrize("gabarit", ["500.html", "503.html", "400.html", "403_csrf.html"])
def test_the_pages_rendered_without_context_read_nothing_from_the_database(gabarit, django_assert_num_queries, db):
    # Django renders them with an empty context; any query (a context processor, a user, a setting row) would
    # make the error page itself fail when the database is the cause.
    with django_assert_num_queries(0):
        html = loader.get_template(gabarit).render()
    _sans_fuite(html)
