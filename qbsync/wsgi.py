"""WSGI entry point (gunicorn qbsync.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qbsync.settings")

application = get_wsgi_application()
