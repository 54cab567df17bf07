"""qbsync settings: one file, driven by environment variables (django-environ).

The defaults run on a bare machine (SQLite and a filesystem Celery broker under var/, the
local QBO sandbox). DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis;
QBSYNC_ENV=production turns on the production checks. Every variable is listed in
.env.example.
"""

import json
import secrets
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

QBSYNC_ENV = env.str("QBSYNC_ENV", default="development")
PRODUCTION = QBSYNC_ENV == "production"
DEBUG = env.bool("DEBUG", default=False)

if not PRODUCTION:
    VAR_DIR.mkdir(exist_ok=True)


def _development_secrets() -> dict[str, str]:
    """Random per-checkout secrets for development, kept in var/ (never in the repo)."""
    path = VAR_DIR / "dev-secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    values = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "QBO_TOKEN_KEYS": "dev1:" + secrets.token_urlsafe(32),
    }
    path.write_text(json.dumps(values))
    path.chmod(0o600)
    return values


def _required(name: str) -> str:
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when QBSYNC_ENV=production")
    return value


if PRODUCTION:
    SECRET_KEY = _required("SECRET_KEY")
    QBO_TOKEN_KEYS = _required("QBO_TOKEN_KEYS")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[]) or [_required("ALLOWED_HOSTS")]
else:
    _dev = _development_secrets()
    SECRET_KEY = env.str("SECRET_KEY", default=_dev["SECRET_KEY"])
    QBO_TOKEN_KEYS = env.str("QBO_TOKEN_KEYS", default=_dev["QBO_TOKEN_KEYS"])
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
# Where people reach the app, for links in emails.
SITE_URL = env.str("SITE_URL", default="") or (
    f"https://{ALLOWED_HOSTS[0]}" if PRODUCTION else "http://localhost:8000"
)

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "qbo",
    "accounts",
    "customers",
    "invoicing",
    "catalog",
    "payments",
    "dashboard",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
    "events",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.CurrentCompanyMiddleware",
    "qbsync.middleware.NoStoreForAuthenticatedMiddleware",
]

ROOT_URLCONF = "qbsync.urls"
WSGI_APPLICATION = "qbsync.wsgi.application"
ASGI_APPLICATION = "qbsync.asgi.application"

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
                "accounts.context_processors.current_company",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and IMMEDIATE transactions let web, worker and beat share the file without
    # "database is locked" errors in development.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, broker ------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- I18N, static -------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Development serves static files straight from the app directories, no collectstatic.
WHITENOISE_AUTOREFRESH = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Email --------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="qbsync <noreply@localhost>")

# --- Security -----------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
# Health checks from compose and load balancers come over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = 31_536_000 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_REFERRER_POLICY = "same-origin"
if env.bool("USE_X_FORWARDED_PROTO", default=PRODUCTION):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"

# --- Attempt limits (accounts/throttle.py) ------------------------------------------------
# Logging in (the site and the admin), signing up and password resets: at most N attempts
# per window per account and client address, per account, and per address. Failed logins
# count; every sign-up or reset request counts.
AUTHENTICATION_BACKENDS = ["accounts.backends.ThrottledModelBackend"]
MIDDLEWARE.append("accounts.middleware.TooManyAttemptsMiddleware")
THROTTLE_WINDOW = env.int("THROTTLE_WINDOW", default=900)
THROTTLE_PER_ACCOUNT_AND_ADDRESS = env.int("THROTTLE_PER_ACCOUNT_AND_ADDRESS", default=5)
THROTTLE_PER_ACCOUNT = env.int("THROTTLE_PER_ACCOUNT", default=20)
THROTTLE_PER_ADDRESS = env.int("THROTTLE_PER_ADDRESS", default=50)
# How many proxies in front of the app append to X-Forwarded-For (0: use REMOTE_ADDR).
THROTTLE_TRUSTED_PROXIES = env.int("THROTTLE_TRUSTED_PROXIES", default=0)

# --- Content-Security-Policy (django-csp) ------------------------------------------------
# Scripts, styles, images and fonts from our own origin only: no inline script or style
# (templates use static files; htmx's inline indicator style is turned off in base.html).
from csp.constants import NONE, SELF  # noqa: E402

INSTALLED_APPS.append("csp")
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- The JSON API (api/) and outgoing webhooks (events/) ---------------------------------
# /api/v1/: Django REST framework, per-company API keys, an OpenAPI schema (drf-spectacular).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.auth.HasApiKey"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttle.ApiKeyRateThrottle"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.DecimalJSONParser"],
    # JSON only: the docs page is /api/v1/docs/ (DRF's browsable pages need session logins
    # and inline scripts, which the CSP refuses).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "qbsync API",
    "DESCRIPTION": "Orders in (they become QuickBooks Online invoices), customers and products "
    "out. Authenticate with `Authorization: Bearer <API key>`; every POST takes an "
    "`Idempotency-Key` header.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The docs page's scripts come from our own static files (the CSP allows no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}
# Requests per minute per API key (over the current and the previous minute).
API_RATE_PER_MINUTE = env.int("API_RATE_PER_MINUTE", default=600)
# The largest request body the API reads.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=256 * 1024)
# How long an Idempotency-Key's first answer is kept and replayed.
API_IDEMPOTENCY_HOURS = env.int("API_IDEMPOTENCY_HOURS", default=24)
# How long a repeat waits for the first request with its key to finish before a 409.
API_IDEMPOTENCY_WAIT = env.float("API_IDEMPOTENCY_WAIT", default=20.0)
# Outgoing webhooks: first retry after BASE seconds, doubling (with jitter) up to CAP, for
# at most EVENTS_RETRY_HOURS after the event.
EVENTS_RETRY_BASE = env.float("EVENTS_RETRY_BASE", default=30.0)
EVENTS_RETRY_CAP = env.float("EVENTS_RETRY_CAP", default=6 * 3600.0)
EVENTS_RETRY_HOURS = env.float("EVENTS_RETRY_HOURS", default=72.0)
EVENTS_TIMEOUT = env.float("EVENTS_TIMEOUT", default=10.0)

# --- QuickBooks Online --------------------------------------------------------------------
# The core app (qbo/) reads these as QBO_<NAME>, each with its default in qbo/conf.py
# (docs/quickbooks-app.md has the table); here they come from the environment.
# Whose QuickBooks it is: a Company, managed by its owners and admins.
QBO_COMPANY_MODEL = "accounts.Company"
QBO_CAN_MANAGE = "accounts.tenancy.can_manage_quickbooks"
QBO_USER_COMPANIES = "accounts.admin_scope.user_company_ids"
# local: the qbo-sandbox emulator; sandbox: Intuit's sandbox; production: live QuickBooks.
QBO_ENVIRONMENT = env.str("QBO_ENVIRONMENT", default="local")
QBO_LOCAL_SANDBOX_URL = env.str("QBO_LOCAL_SANDBOX_URL", default="http://127.0.0.1:8001")
# The consent page is opened by the user's browser, which may see the sandbox elsewhere.
QBO_LOCAL_SANDBOX_PUBLIC_URL = env.str("QBO_LOCAL_SANDBOX_PUBLIC_URL", default="") or (
    QBO_LOCAL_SANDBOX_URL
)
QBO_CLIENT_ID = env.str("QBO_CLIENT_ID", default="qbsync-local-client")
QBO_CLIENT_SECRET = env.str("QBO_CLIENT_SECRET", default="qbsync-local-secret")
QBO_REDIRECT_URI = env.str(
    "QBO_REDIRECT_URI", default="http://localhost:8000/settings/quickbooks/callback/"
)
QBO_WEBHOOK_VERIFIER_TOKEN = env.str("QBO_WEBHOOK_VERIFIER_TOKEN", default="qbsync-local-verifier")
QBO_MINOR_VERSION = env.int("QBO_MINOR_VERSION", default=75)
QBO_CONNECT_TIMEOUT = env.float("QBO_CONNECT_TIMEOUT", default=5.0)
QBO_READ_TIMEOUT = env.float("QBO_READ_TIMEOUT", default=30.0)
QBO_RATE_PER_MINUTE = env.int("QBO_RATE_PER_MINUTE", default=450)
QBO_MAX_CONCURRENT = env.int("QBO_MAX_CONCURRENT", default=8)
QBO_BATCH_PER_MINUTE = env.int("QBO_BATCH_PER_MINUTE", default=35)
QBO_RATE_PER_SECOND = env.int("QBO_RATE_PER_SECOND", default=8)
QBO_SYNC_INTERVAL_MINUTES = env.int("QBO_SYNC_INTERVAL_MINUTES", default=15)
# Retry delays for a failed push: exponential from BASE seconds, capped (with full jitter).
QBO_PUSH_BACKOFF_BASE = env.float("QBO_PUSH_BACKOFF_BASE", default=2.0)
QBO_PUSH_BACKOFF_CAP = env.float("QBO_PUSH_BACKOFF_CAP", default=300.0)
# After a timeout or a dropped connection the request may still be running at Intuit (which
# gives up on a request after 120 s): the order is looked up and retried only after that.
QBO_AMBIGUOUS_SETTLE = env.float("QBO_AMBIGUOUS_SETTLE", default=120.0)
# Webhook deliveries: the largest accepted; above the inline size one is kept and read later.
QBO_WEBHOOK_MAX_BYTES = env.int("QBO_WEBHOOK_MAX_BYTES", default=20 * 1024 * 1024)
QBO_WEBHOOK_INLINE_BYTES = env.int("QBO_WEBHOOK_INLINE_BYTES", default=64 * 1024)
if PRODUCTION:
    # The local emulator's address and published keys are for development: production talks
    # to Intuit (its sandbox or the real thing), said explicitly.
    if QBO_ENVIRONMENT not in ("sandbox", "production"):
        raise ImproperlyConfigured(
            "QBO_ENVIRONMENT must be sandbox or production when QBSYNC_ENV=production "
            f"(it is {QBO_ENVIRONMENT!r}; 'local' is the bundled emulator)"
        )
    # The defaults above are the local sandbox's published values: never in production.
    for _name in (
        "QBO_CLIENT_ID",
        "QBO_CLIENT_SECRET",
        "QBO_REDIRECT_URI",
        "QBO_WEBHOOK_VERIFIER_TOKEN",
    ):
        _required(_name)

# --- Celery -------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # An unacknowledged message is redelivered after this long; every time limit and
        # countdown below stays far under it so a running task is never delivered twice.
        "visibility_timeout": 1800,
        "socket_connect_timeout": 5,
        "socket_timeout": 10,
    }
# Ack after the task finishes: a worker that dies mid-task leaves the message for another.
CELERY_TASK_ACKS_LATE = True
# A SIGKILLed child requeues its message instead of acking it (our tasks are idempotent).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Reserve one message per process, so a slow task can't hold a queue of others hostage.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Well below the visibility timeout: a task is killed long before it could be redelivered.
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = int(CELERY_TASK_TIME_LIMIT * 0.8)
# JSON only: no pickle, and task arguments stay inspectable (ids, never tokens).
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# The database is the ledger; results are never read, so don't store them.
CELERY_TASK_IGNORE_RESULT = True
# Keep Django's logging (with its redaction filter) instead of Celery's own handlers.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# On shutdown, give running tasks a moment, then requeue unacked messages.
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = 10.0
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing happens inside web requests: give up quickly when the broker is down (the
# sweeper re-rings every pending order) instead of hanging the page.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_TASK_ALWAYS_EAGER = False
# Queues that keep urgent work urgent: a backlog of imports (pulls) must never delay an
# invoice (pushes) or a webhook's settling. Each queue gets its own workers (Procfile.dev,
# docker-compose.yml); every task is routed by name (doorbells are rung by name too:
# invoicing/drains.py send_task), and tests/qbsync/test_queues.py holds every registered task
# to a route here. An unrouted task lands on housekeeping, which some worker always reads.
QUEUE_PUSHES, QUEUE_PULLS, QUEUE_WEBHOOKS, QUEUE_EVENTS, QUEUE_HOUSEKEEPING = (
    "pushes",
    "pulls",
    "webhooks",
    "events",
    "housekeeping",
)
# A worker started without -Q reads all of them (one worker, as `make run` starts, does all).
CELERY_TASK_QUEUES = [
    Queue(name)
    for name in (QUEUE_PUSHES, QUEUE_PULLS, QUEUE_WEBHOOKS, QUEUE_EVENTS, QUEUE_HOUSEKEEPING)
]
CELERY_TASK_DEFAULT_QUEUE = QUEUE_HOUSEKEEPING
CELERY_TASK_ROUTES = {
    # Orders to invoices: a customer is waiting on these.
    "invoicing.tasks.push_company": {"queue": QUEUE_PUSHES},
    # Pulls: catch-ups, first imports, reconciles (long, and many at once).
    "qbo.tasks.sync_company": {"queue": QUEUE_PULLS},
    # Webhook settling: a large delivery's events, then a debounced sync of who they concern.
    "qbo.tasks.process_webhook_delivery": {"queue": QUEUE_WEBHOOKS},
    "qbo.tasks.process_webhook_events": {"queue": QUEUE_WEBHOOKS},
    # Housekeeping: beat's fan-outs and sweeps (quick; they only ring other queues' bells).
    "invoicing.tasks.sweep_pending_orders": {"queue": QUEUE_HOUSEKEEPING},
    "qbo.tasks.catch_up_all_companies": {"queue": QUEUE_HOUSEKEEPING},
    "qbo.tasks.reconcile_all_companies": {"queue": QUEUE_HOUSEKEEPING},
    "qbo.tasks.sweep_webhook_deliveries": {"queue": QUEUE_HOUSEKEEPING},
    "qbo.tasks.keep_connections_alive": {"queue": QUEUE_HOUSEKEEPING},
    "qbo.tasks.verify_connection": {"queue": QUEUE_HOUSEKEEPING},
    # Outgoing webhooks to the business's own endpoints: a queue of their own, so a dead
    # endpoint (each POST waits out its timeout) never delays Intuit's webhook settling; their
    # sweeper and the Idempotency-Key purge are housekeeping.
    "events.tasks.deliver": {"queue": QUEUE_EVENTS},
    "events.tasks.sweep_deliveries": {"queue": QUEUE_HOUSEKEEPING},
    "api.tasks.purge_idempotency_records": {"queue": QUEUE_HOUSEKEEPING},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The static schedule; each entry is added with the task it runs.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "sweep-pending-orders": {
        "task": "invoicing.tasks.sweep_pending_orders",
        "schedule": 60.0,
    },
    "keep-connections-alive": {
        "task": "qbo.tasks.keep_connections_alive",
        "schedule": crontab(minute=17, hour="*/6"),
    },
    "catch-up-sync": {
        "task": "qbo.tasks.catch_up_all_companies",
        # QBO_CATCH_UP_SECONDS compresses it (bench/scale.py runs rounds of a minute or two).
        "schedule": env.float("QBO_CATCH_UP_SECONDS", default=QBO_SYNC_INTERVAL_MINUTES * 60.0),
    },
    "sweep-webhook-deliveries": {
        "task": "qbo.tasks.sweep_webhook_deliveries",
        "schedule": 60.0,
    },
    "daily-full-reconcile": {
        "task": "qbo.tasks.reconcile_all_companies",
        "schedule": crontab(minute=30, hour=3),
    },
    "sweep-event-deliveries": {
        "task": "events.tasks.sweep_deliveries",
        "schedule": 30.0,
    },
    "purge-idempotency-records": {
        "task": "api.tasks.purge_idempotency_records",
        "schedule": crontab(minute=41),
    },
}

# --- Logging ------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "qbo.logredact.RedactSecretsFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        },
        "mail_admins": {
            "class": "qbo.logredact.RedactingAdminEmailHandler",
            "level": "ERROR",
            "filters": ["redact_secrets"],
            "include_html": False,
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.request": {
            "handlers": ["console", "mail_admins"],
            "level": "ERROR",
            "propagate": False,
        },
    },
}
ADMINS = [("Admins", a) for a in env.list("ADMIN_EMAILS", default=[])]
