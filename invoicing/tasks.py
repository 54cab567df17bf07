"""Celery shims for invoicing: load by id, call one service."""

from celery import shared_task

from invoicing import services


@shared_task(name="invoicing.tasks.push_order")
def push_order(order_id: int) -> None:
    """Push one order to QuickBooks as an invoice (the row says what to do)."""
    services.push_order(order_id)
