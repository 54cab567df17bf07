from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Outgoing webhooks"

    def ready(self) -> None:
        from events import receivers

        receivers.connect()
