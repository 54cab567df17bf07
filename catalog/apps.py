from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Items (from QuickBooks)"

    def ready(self) -> None:
        from catalog import sync
        from qbo.registry import register_entity

        # QBO leaves inactive items out of queries unless asked for them.
        register_entity(
            "Item",
            apply=sync.apply_changes,
            mark_missing=sync.mark_missing_deleted,
            condition="Active IN (true,false)",
        )
