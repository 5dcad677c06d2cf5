"""The server-error handler (``handler500``): a database that cannot be reached is « momentarily unavailable ».

A restart of PostgreSQL, a failover, or connections refused for a moment raise a connection error
(``OperationalError``, ``InterfaceError``) in whatever the request touched first. The user then gets a 503 with
``Retry-After`` and a page saying that nothing they had sent was recorded and that they can try again in a moment,
instead of the generic 500; a health probe gets the 503 too. Every other error is Django's 500 page. Both read no
database, no session and no user (``templates/erreurs/autonome.html``), and Django logs the error either way.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

ESSAYER_DANS_SECONDES = 30


@requires_csrf_token
def erreur_serveur(request: HttpRequest) -> HttpResponse:
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        reponse = HttpResponseServerError(loader.get_template("503.html").render(), status=503)
        reponse["Retry-After"] = str(ESSAYER_DANS_SECONDES)
        return reponse
    return defaults.server_error(request)
