"""The app's signals become outgoing events (connected in EventsConfig.ready)."""

import logging

from django.db import transaction

from api.serializers import OrderOutput
from events.delivery import record_event
from invoicing import signals as order_signals
from invoicing.models import Order
from qbo.signals import connection_needs_reconnect

logger = logging.getLogger(__name__)


def order_data(order_id: int) -> dict:
    """The order as the API shows it, when the event happened."""
    order = (
        Order.objects.select_related("customer", "api_link")
        .prefetch_related("lines")
        .get(pk=order_id)
    )
    return {"order": OrderOutput(order).data}


def _order_event_type(change, payment_status: str = "") -> str | None:
    if change is order_signals.order_paid:
        paid = payment_status == Order.PaymentStatus.PAID
        return "order.paid" if paid else "order.partially_paid"
    return {
        order_signals.order_synced: "order.synced",
        order_signals.order_failed: "order.failed",
        order_signals.invoice_voided: "invoice.voided",
    }.get(change)


def on_order_changed(sender, *, change, company_id: int, order_id: int, **details) -> None:
    """The event row is written in the order change's own transaction (invariant 10)."""
    event_type = _order_event_type(change, details.get("payment_status", ""))
    if event_type is None:
        return
    try:
        # A savepoint: a fault here is logged and costs the event, never the order's change.
        with transaction.atomic():
            record_event(company_id, event_type, order_data(order_id))
    except Exception:
        logger.exception("company %s: the %s event was not recorded", company_id, event_type)


def on_needs_reconnect(sender, *, company_id: int, reason: str = "", **kwargs) -> None:
    record_event(company_id, "connection.needs_reconnect", {"reason": reason})


def connect() -> None:
    order_signals.order_changed.connect(on_order_changed, dispatch_uid="events.order_changed")
    connection_needs_reconnect.connect(on_needs_reconnect, dispatch_uid="events.reconnect")
