"""The Celery app. Its settings (reliability choices, each with its reason) live in settings.py."""

import logging.config
import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qbsync.settings")

app = Celery("qbsync")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(**kwargs) -> None:
    """Workers log through Django's LOGGING, so the secret-redaction filter applies."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
