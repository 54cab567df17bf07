"""Celery for the example: tasks run inline (CELERY_TASK_ALWAYS_EAGER), no broker needed."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")

app = Celery("site_config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
