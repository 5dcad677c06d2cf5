"""The health check: « ok » once the database has answered one query.

Public, so that docker-compose's healthcheck and an uptime probe need no account. It is also the floor of
`manage.py bench`: the cheapest request that still crosses the whole stack (gunicorn, every middleware, one
database round trip), against which each page's time is given as a ratio.
"""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@login_not_required
@require_safe
@never_cache
def sante(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as curseur:
        curseur.execute("SELECT 1")
        curseur.fetchone()
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
