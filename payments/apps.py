from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments (from QuickBooks)"

    def ready(self) -> None:
        from payments import sync
        from qbo.registry import register_entity
        from qbo.signals import entity_synced

        register_entity("Payment", apply=sync.apply_changes, mark_missing=sync.mark_missing_deleted)
        entity_synced.connect(sync.link_customers, dispatch_uid="payments.link_customers")
