"""Who may reach the facilitators' dashboard.

The whole site requires a login (LoginRequiredMiddleware). The dashboard also requires the
facilitator role: a référent who types a dashboard URL gets a 403, never a facilitator's page.
"""

from functools import wraps

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied


def est_facilitateur(user) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_facilitateur or user.is_superuser))


class FacilitateurRequisMixin(AccessMixin):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not est_facilitateur(request.user):
            raise PermissionDenied("Cette page est réservée aux facilitateurs.")
        return super().dispatch(request, *args, **kwargs)


def facilitateur_requis(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not est_facilitateur(request.user):
            raise PermissionDenied("Cette page est réservée aux facilitateurs.")
        return view(request, *args, **kwargs)

    return wrapper
