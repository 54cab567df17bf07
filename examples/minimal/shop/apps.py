from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from qbo.registry import register_entity
        from shop import sync

        register_entity(
            "Customer",
            apply=sync.apply_changes,
            mark_missing=sync.mark_missing,
            condition="Active IN (true,false)",
        )
