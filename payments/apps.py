from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments (from QuickBooks)"

    def ready(self) -> None:
        from payments import credits, sync
        from qbo.registry import register_entity
        from qbo.signals import entity_synced

        register_entity("Payment", apply=sync.apply_changes, mark_missing=sync.mark_missing_deleted)
        register_entity(
            "CreditMemo",
            apply=credits.apply_credit_memos,
            mark_missing=credits.mark_missing_credit_memos,
        )
        register_entity(
            "RefundReceipt",
            apply=credits.apply_refund_receipts,
            mark_missing=credits.mark_missing_refund_receipts,
        )
        entity_synced.connect(sync.link_customers, dispatch_uid="payments.link_customers")
