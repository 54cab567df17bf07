"""qbsync: project configuration and the QuickBooks Online integration core."""

from .celery import app as celery_app

__all__ = ("celery_app",)
