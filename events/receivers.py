"""The app's signals become outgoing events (connected in EventsConfig.ready)."""

from api.serializers import OrderOutput
from events.delivery import record_event
from invoicing import signals as order_signals
from invoicing.models import Order
from qbo.signals import connection_needs_reconnect


def order_data(order_id: int) -> dict:
    """The order as the API shows it, when the event happened."""
    order = (
        Order.objects.select_related("customer", "api_link")
        .prefetch_related("lines")
        .get(pk=order_id)
    )
    return {"order": OrderOutput(order).data}


def on_order_synced(sender, *, company_id: int, order_id: int, **kwargs) -> None:
    record_event(company_id, "order.synced", order_data(order_id))


def on_order_failed(sender, *, company_id: int, order_id: int, **kwargs) -> None:
    record_event(company_id, "order.failed", order_data(order_id))


def on_order_paid(sender, *, company_id: int, order_id: int, payment_status: str, **kwargs):
    kind = "order.paid" if payment_status == Order.PaymentStatus.PAID else "order.partially_paid"
    record_event(company_id, kind, order_data(order_id))


def on_invoice_voided(sender, *, company_id: int, order_id: int, **kwargs) -> None:
    record_event(company_id, "invoice.voided", order_data(order_id))


def on_needs_reconnect(sender, *, company_id: int, reason: str = "", **kwargs) -> None:
    record_event(company_id, "connection.needs_reconnect", {"reason": reason})


def connect() -> None:
    order_signals.order_synced.connect(on_order_synced, dispatch_uid="events.order_synced")
    order_signals.order_failed.connect(on_order_failed, dispatch_uid="events.order_failed")
    order_signals.order_paid.connect(on_order_paid, dispatch_uid="events.order_paid")
    order_signals.invoice_voided.connect(on_invoice_voided, dispatch_uid="events.voided")
    connection_needs_reconnect.connect(on_needs_reconnect, dispatch_uid="events.reconnect")
