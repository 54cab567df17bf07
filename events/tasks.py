"""Celery shims for outgoing webhooks: ids only (secrets stay in the database)."""

from celery import shared_task

from events import delivery


@shared_task(name="events.tasks.deliver")
def deliver(delivery_id: int) -> None:
    """POST one event to one endpoint (the doorbell rung after commit)."""
    delivery.deliver(delivery_id)


@shared_task(name="events.tasks.sweep_deliveries")
def sweep_deliveries() -> None:
    """Ring again for every delivery that is due: a lost message loses no event."""
    delivery.sweep()
