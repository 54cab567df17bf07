from django.apps import AppConfig


class QuickBooksConfig(AppConfig):
    """The QuickBooks Online core: connection, tokens, client, throttle, sync, webhooks."""

    name = "qbo"
    label = "qbo"
    verbose_name = "QuickBooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from qbo import checks  # noqa: F401 - registers the system checks
