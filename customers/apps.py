from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = "Customers (from QuickBooks)"

    def ready(self) -> None:
        from customers import sync
        from qbo.registry import register_entity

        # QBO leaves inactive names out of queries unless asked for them.
        register_entity(
            "Customer",
            apply=sync.apply_changes,
            mark_missing=sync.mark_missing_deleted,
            condition="Active IN (true,false)",
            record_merge=sync.record_merge,
        )
