from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and companies"

    def ready(self) -> None:
        from accounts import notifications

        notifications.connect_signals()
