"""Celery shims for the API."""

from celery import shared_task

from api import idempotency


@shared_task(name="api.tasks.purge_idempotency_records")
def purge_idempotency_records() -> None:
    """Forget Idempotency-Keys older than a day (beat, hourly)."""
    idempotency.purge_expired()
