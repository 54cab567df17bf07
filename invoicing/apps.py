from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = "Orders and invoices"

    def ready(self) -> None:
        from invoicing import drains, sync
        from qbo.registry import register_entity
        from qbo.signals import connection_connected

        # Invoices are pushed from orders; what is pulled back is their balances and deletions.
        register_entity(
            "Invoice", apply=sync.apply_invoice_changes, mark_missing=sync.mark_missing_deleted
        )
        # Sales receipts (orders paid at checkout): a void or a deletion in QuickBooks shows.
        register_entity(
            "SalesReceipt",
            apply=sync.apply_sales_receipt_changes,
            mark_missing=sync.mark_missing_sales_receipts,
        )
        connection_connected.connect(drains.on_connected, dispatch_uid="invoicing.resume")
