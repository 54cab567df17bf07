from django.apps import AppConfig


class QbsyncConfig(AppConfig):
    name = "qbsync"
    verbose_name = "QuickBooks sync"
