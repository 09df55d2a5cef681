"""Settings come only from the environment (django-environ).

ENV_FILE (default var/.env, written by scripts/dev.sh for local use) may supply
defaults; real environment variables always win.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
_env_file = os.environ.get("ENV_FILE", str(BASE_DIR / "var" / ".env"))
if _env_file and os.path.isfile(_env_file):
    environ.Env.read_env(_env_file)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (see deploy/childcase.env.example)."
        )
    SECRET_KEY = "insecure-development-only-key"  # noqa: S105 - only ever with DEBUG on

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

CITY_PROFILE = env.str("CITY_PROFILE", default="sendai")
if CITY_PROFILE not in ("sendai", "kobe"):
    raise ImproperlyConfigured("CITY_PROFILE must be 'sendai' or 'kobe'.")

INSTALLED_APPS = [
    "config.admin.CityAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "axes",
    "csp",
    "guardian",
    "simple_history",
    "django_celery_beat",
    "django_celery_results",
    "core",
    "accounts",
    "cases",
    "helpdesk",
    "incidents",
    "backups",
    "ops",
    "sla",
    "reports",
]

MIDDLEWARE = [
    "core.middleware.RequestAccountingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "core.middleware.NoStoreForAuthenticatedMiddleware",
    # axes must be last: it turns lockouts into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "core.context_processors.navigation",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@localhost/childcase")}
DATABASES["default"].update(
    {
        "CONN_MAX_AGE": env.int("DB_CONN_MAX_AGE", default=60),
        "CONN_HEALTH_CHECKS": True,
        "ATOMIC_REQUESTS": False,
    }
)
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, broker, request-accounting buffer ----------------------
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        # Fails open: with Redis down the cache behaves as empty, so sessions
        # (cached_db) and login keep working from the database.
        "BACKEND": "core.cache.FailOpenRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "childcase",
        "TIMEOUT": 300,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}

# --- Auth, sessions, lockout ----------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_HOURS", default=12) * 3600
# The cookie outlives the idle limit a little; SessionTimeoutMiddleware enforces it.
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS + 120
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# City offices share NAT addresses: lock the account, never the address alone.
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
AXES_VERBOSE = False
# Username-only locking is deliberate (shared NAT addresses); see AXES_LOCKOUT_PARAMETERS.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# --- Security headers -----------------------------------------------------
HTTPS_ONLY = env.bool("HTTPS_ONLY", default=not DEBUG)
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_SSL_REDIRECT = HTTPS_ONLY and env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS_ONLY else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS_ONLY
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS_ONLY else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS_ONLY:
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- i18n / time ----------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "var" / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))
BACKUP_DIR = env.path("BACKUP_DIR", default=str(BASE_DIR / "var" / "backups"))
# Handover archives (all data, Kobe 6.1): private, never under MEDIA_ROOT; city admins download.
HANDOVER_DIR = env.path("HANDOVER_DIR", default=str(BASE_DIR / "var" / "handover"))
# Data extraction results are deleted this many days after they are produced.
OPS_EXTRACT_EXPIRY_DAYS = env.int("OPS_EXTRACT_EXPIRY_DAYS", default=7)
# Backups are encrypted with age to these public keys (age1…); the private key is
# held by the city, never in the database or the repository. A restore takes it
# at restore time; BACKUP_IDENTITY_FILE (optional) lets the weekly drill and the
# full verification read the generations on a host the city trusts with it.
BACKUP_AGE_RECIPIENTS = env.list("BACKUP_AGE_RECIPIENTS", default=[])
BACKUP_IDENTITY_FILE = env.str("BACKUP_IDENTITY_FILE", default="")
# Generations kept (nightly/manual); empty = the city profile's (Sendai 2, Kobe 7).
BACKUP_GENERATIONS = env.int("BACKUP_GENERATIONS", default=None)
BACKUP_ALERT_EMAILS = env.list("BACKUP_ALERT_EMAILS", default=[])
# pg_dump/pg_restore must be at least the server's major version; point this at
# /usr/lib/postgresql/<major>/bin when the default on PATH is older.
BACKUP_PG_BIN_DIR = env.str("BACKUP_PG_BIN_DIR", default="")
BACKUP_AGE_BIN = env.str("BACKUP_AGE_BIN", default="")
# Where the backup lock lives and restores rename the live database from.
BACKUP_MAINTENANCE_DB = env.str("BACKUP_MAINTENANCE_DB", default="postgres")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Mail -----------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="childcase@localhost")

# --- Celery ---------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
CELERY_TASK_TIME_LIMIT = 6 * 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Long tasks (backups) must not be redelivered while still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 7 * 3600,
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
}
CELERY_BEAT_SCHEDULER = "core.beat:HeartbeatScheduler"
DJANGO_CELERY_BEAT_TZ_AWARE = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Request accounting ---------------------------------------------------
REQUEST_LOG_RETENTION_MONTHS = env.int("REQUEST_LOG_RETENTION_MONTHS", default=13)
REQUEST_LOG_FLUSH_BATCH = env.int("REQUEST_LOG_FLUSH_BATCH", default=5000)
REQUEST_LOG_BUFFER_KEY = env.str("REQUEST_LOG_BUFFER_KEY", default="childcase:requestlog:buffer")

# --- Logging --------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # WeasyPrint reports every PDF's progress at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Help desk mail -------------------------------------------------------
# imaps://user:pass@host:993/INBOX (imap:// = no TLS); empty = the poller is off.
HELPDESK_IMAP_URL = env.str("HELPDESK_IMAP_URL", default="")
HELPDESK_IMAP_FOLDER = env.str("HELPDESK_IMAP_FOLDER", default="INBOX")
# Raw message size; base64 makes a 20 MB attachment about 27 MB on the wire.
HELPDESK_MAIL_MAX_BYTES = env.int("HELPDESK_MAIL_MAX_BYTES", default=35 * 1024 * 1024)

# --- Incidents ------------------------------------------------------------
# Warn on-call vendor staff at these shares of each contract deadline (100 = breach).
INCIDENT_WARNING_LEVELS = [
    int(v) for v in env.list("INCIDENT_WARNING_LEVELS", default=["75", "100"])
]
