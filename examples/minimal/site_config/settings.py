"""A project that is not qbsync: one tenant model (a Shop), its QuickBooks customers, and the
qbo app. Only the QBO_* lines and INSTALLED_APPS' "qbo" are about QuickBooks."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ.get("SECRET_KEY", "example-only-not-secret")
DEBUG = True
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "qbo",
    "shop",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "site_config.urls"
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
            ]
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("EXAMPLE_DB", str(BASE_DIR / "example.sqlite3")),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
LOGIN_URL = "/admin/login/"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"

# --- QuickBooks ---------------------------------------------------------------------------
QBO_COMPANY_MODEL = "shop.Shop"
QBO_REQUEST_COMPANY = "shop.tenancy.shop_of_request"
QBO_CAN_MANAGE = "shop.tenancy.owns_shop"
QBO_ENVIRONMENT = "local"  # the qbo-sandbox emulator
QBO_LOCAL_SANDBOX_URL = os.environ.get("QBO_LOCAL_SANDBOX_URL", "http://127.0.0.1:8001")
QBO_CLIENT_ID = os.environ.get("QBO_CLIENT_ID", "sandbox-client-id")
QBO_CLIENT_SECRET = os.environ.get("QBO_CLIENT_SECRET", "sandbox-client-secret")
QBO_REDIRECT_URI = os.environ.get(
    "QBO_REDIRECT_URI", "http://localhost:8000/settings/quickbooks/callback/"
)
QBO_WEBHOOK_VERIFIER_TOKEN = os.environ.get("QBO_WEBHOOK_VERIFIER_TOKEN", "sandbox-verifier-token")
# An example key; a real project keeps its own out of the repository.
QBO_TOKEN_KEYS = os.environ.get("QBO_TOKEN_KEYS", "ex1:" + "A" * 43)
STATIC_URL = "static/"
