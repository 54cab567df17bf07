"""Celery shims for invoicing: load by id, call one service."""

from celery import shared_task

from invoicing import drains


@shared_task(name="invoicing.tasks.push_company")
def push_company(company_id: int, busy_retries: int = 0) -> None:
    """Push a company's due orders for one time slice (the doorbell rung after commit)."""
    drains.drain(company_id, busy_retries)


@shared_task(name="invoicing.tasks.sweep_pending_orders")
def sweep_pending_orders() -> None:
    """Re-ring for anything pending past its deadline: lost messages lose no order."""
    drains.sweep()
