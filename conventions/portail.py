"""Who a référent is acting for: the current donneur d'ordre of a portal request.

A référent belongs to one or more donneurs d'ordre (``Referent`` rows). Every portal view goes through
``PortailMixin`` (or ``portail_requis``): it reads the memberships on each request — so removing a
membership cuts access at once — picks the organisation chosen in the session (the switcher) or the
first one, and sets ``request.donneur``. Portal code then starts every query from ``request.donneur``
(``Marche.objects.for_donneur(request.donneur)``) and answers 404 for anything outside it.

Rules: anonymous → login page; a logged-in user with no membership → 403; another organisation's
object → 404 (it does not exist for you).
"""

from functools import wraps

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from conventions.models import DonneurDOrdre

CLE_SESSION = "portail_donneur_id"


def donneurs_du_referent(user) -> list[DonneurDOrdre]:
    """The donneurs d'ordre the user is a référent of, by name (one query)."""
    if not (user.is_authenticated and user.is_active):
        return []
    return list(DonneurDOrdre.objects.for_user(user).order_by("nom", "pk"))


def est_referent(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.referents.exists())


def resoudre_donneur(request: HttpRequest) -> DonneurDOrdre:
    """Set ``request.donneur`` (the current organisation) and ``request.donneurs`` (all of the user's).

    Raises PermissionDenied when the user is a référent of no donneur d'ordre.
    """
    donneurs = donneurs_du_referent(request.user)
    if not donneurs:
        raise PermissionDenied("Le portail est réservé aux référents des donneurs d'ordre.")
    choisi = request.session.get(CLE_SESSION)
    donneur = next((d for d in donneurs if d.pk == choisi), donneurs[0])
    request.donneur, request.donneurs = donneur, donneurs
    return donneur


def choisir_donneur(request: HttpRequest, donneur_id: int) -> DonneurDOrdre | None:
    """Switch the current organisation; None (and nothing changed) if the user is not a référent of it."""
    donneur = next((d for d in donneurs_du_referent(request.user) if d.pk == donneur_id), None)
    if donneur is not None:
        request.session[CLE_SESSION] = donneur.pk
    return donneur


class PortailMixin(AccessMixin):
    """Référents only; sets ``self.donneur`` to the current organisation."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.donneur = resoudre_donneur(request)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("donneur", self.donneur)
        return super().get_context_data(**kwargs)


def portail_requis(view):
    """The function-view form of PortailMixin (LoginRequiredMiddleware already sent anonymous users away)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        resoudre_donneur(request)
        return view(request, *args, **kwargs)

    return wrapper
