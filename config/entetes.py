"""Response headers every page carries beside the Content-Security-Policy (django-csp) and Django's own.

``Permissions-Policy``: no page of Clauses uses the camera, the microphone, the position or payments, so every
powerful browser feature is refused to the site and to anything it would embed. A script that got in despite
the CSP could not use them either. Django has no setting for this header; a dependency for one line was not
worth it.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# Features Chromium and Firefox recognise (an unknown name makes Chromium log an error on every page).
FONCTIONS_REFUSEES = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "encrypted-media",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "picture-in-picture",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join(f"{fonction}=()" for fonction in FONCTIONS_REFUSEES)


class PermissionsPolicyMiddleware:
    """First in MIDDLEWARE, so that static files (WhiteNoise) and error pages carry the header too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
