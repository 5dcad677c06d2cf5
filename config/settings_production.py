"""Production settings: the same as config.settings, with what a public deployment requires.

Refuses to start without SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL. Behind a reverse proxy that terminates TLS
and sets X-Forwarded-Proto (and overwrites any value the client sent).
"""

from config.env import env_bool, env_int, env_list_required, env_required, env_str
from config.settings import *  # noqa: F403
from config.settings import STORAGES

DEBUG = False
SECRET_KEY = env_required("SECRET_KEY")
# The deployed database is named: production never starts the local PostgreSQL of `make run`.
env_required("DATABASE_URL")
ALLOWED_HOSTS = env_list_required("ALLOWED_HOSTS")

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Only what collectstatic wrote into the image (compressed, with hashed names), not the source folders.
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

# HSTS preloading commits the whole registered domain (the collectivity's, usually) and cannot be undone
# quickly: it is the domain owner's decision, not a default of this application. Without it, Django's
# deploy check would always warn (security.W021).
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
