"""Recording events and delivering them, at least once, for up to three days.

The EventDelivery row is the ledger: a Celery message ("deliver delivery N") is only a
doorbell, rung after commit; the beat sweeper rings again for every delivery that is due and
takes back claims whose worker died, so a lost message or a killed worker loses no event.
Receivers dedupe on the event id, which stays the same on every attempt and resend.
"""

import json
import logging
import random
import time
import uuid
from datetime import timedelta

import requests
from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from events import addresses, signing
from events.models import EventDelivery, OutgoingEvent, WebhookEndpoint
from events.signals import event_recorded
from qbo import vault

logger = logging.getLogger(__name__)

Status = EventDelivery.Status
DELIVER_TASK = "events.tasks.deliver"
SECRET_FIELD = "webhook_endpoint_secret"  # noqa: S105 (a vault field name)
CONNECT_TIMEOUT = 5.0


def endpoint_secret(endpoint: WebhookEndpoint) -> str:
    return vault.decrypt(
        endpoint.secret_encrypted, company_id=endpoint.company_id, field=SECRET_FIELD
    )


def seal_secret(company_id: int, secret: str) -> str:
    return vault.encrypt(secret, company_id=company_id, field=SECRET_FIELD)


def record_event(
    company_id: int, event_type: str, data: dict, *, endpoint: WebhookEndpoint | None = None
) -> OutgoingEvent | None:
    """Save the event and a delivery for each endpoint that wants it (or just `endpoint`)."""
    if endpoint is not None:
        endpoints = [endpoint]
    else:
        active = WebhookEndpoint.objects.filter(company_id=company_id, active=True)
        endpoints = [e for e in active if e.wants(event_type)]
    event = None
    with transaction.atomic():
        if endpoints:
            event = OutgoingEvent.objects.create(
                company_id=company_id,
                event_id=f"evt_{uuid.uuid4().hex}",
                type=event_type,
                data=data,
                created_at=timezone.now(),
            )
            deliveries = EventDelivery.objects.bulk_create(
                EventDelivery(event=event, endpoint=e) for e in endpoints
            )
            for delivery in deliveries:
                _ring_after_commit(delivery.pk)
        transaction.on_commit(
            lambda: event_recorded.send_robust(
                OutgoingEvent,
                company_id=company_id,
                event_id=event.event_id if event else "",
                type=event_type,
                data=data,
            )
        )
    return event


def _ring_after_commit(delivery_id: int) -> None:
    transaction.on_commit(lambda: ring(delivery_id))


def ring(delivery_id: int) -> None:
    try:
        current_app.send_task(DELIVER_TASK, (delivery_id,))
    except Exception:  # the broker is down: the row is the ledger and the sweeper re-rings
        logger.warning("could not queue delivery %s; the sweeper will", delivery_id, exc_info=True)


def body_of(event: OutgoingEvent) -> bytes:
    envelope = {
        "id": event.event_id,
        "type": event.type,
        "created": event.created_at.isoformat(),
        "data": event.data,
    }
    return json.dumps(envelope, separators=(",", ":")).encode()


def _claim(delivery_id: int) -> EventDelivery | None:
    now = timezone.now()
    claimed = EventDelivery.objects.filter(
        Q(next_attempt_at=None) | Q(next_attempt_at__lte=now),
        pk=delivery_id,
        status=Status.PENDING,
    ).update(status=Status.SENDING, claimed_at=now)
    if not claimed:
        return None  # delivered, given up, not yet due, or another worker has it
    return EventDelivery.objects.select_related("event", "endpoint").get(pk=delivery_id)


def deliver(delivery_id: int) -> None:
    """POST the event to its endpoint once; on failure, schedule the next attempt."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return
    body, stamp = body_of(delivery.event), int(time.time())
    status_code, error = None, ""
    try:
        # Checked again at each delivery: DNS may have changed since the endpoint was saved.
        addresses.check_public(delivery.endpoint.url)
        secret = endpoint_secret(delivery.endpoint)
        response = requests.post(
            delivery.endpoint.url,
            data=body,
            headers=signing.headers(secret, stamp, body, delivery.event.event_id),
            timeout=(CONNECT_TIMEOUT, settings.EVENTS_TIMEOUT),
            allow_redirects=False,
        )
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}: {response.text[:200]}"
    except (requests.RequestException, vault.TokenDecryptError, addresses.AddressRefused) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    _settle(delivery, status_code, error)


def next_delay(attempts: int) -> float:
    """Exponential from EVENTS_RETRY_BASE, capped, with jitter (so retries don't bunch)."""
    base = settings.EVENTS_RETRY_BASE * 2 ** min(attempts - 1, 20)
    return min(settings.EVENTS_RETRY_CAP, base) * random.uniform(0.75, 1.0)  # noqa: S311


def _settle(delivery: EventDelivery, status_code: int | None, error: str) -> None:
    now = timezone.now()
    fields = {
        "attempts": delivery.attempts + 1,
        "last_attempt_at": now,
        "last_status_code": status_code,
        "last_error": error[:500],
        "claimed_at": None,
    }
    if not error:
        fields.update(status=Status.DELIVERED, delivered_at=now, next_attempt_at=None)
    else:
        retry_at = now + timedelta(seconds=next_delay(fields["attempts"]))
        give_up_at = delivery.event.created_at + timedelta(hours=settings.EVENTS_RETRY_HOURS)
        if retry_at > give_up_at:
            fields.update(status=Status.FAILED, next_attempt_at=None)
        else:
            fields.update(status=Status.PENDING, next_attempt_at=retry_at)
        logger.info("delivery %s failed (attempt %s): %s", delivery.pk, fields["attempts"], error)
    EventDelivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(**fields)


def resend(delivery: EventDelivery) -> None:
    """Send a delivery again now (the same event id), whatever became of it."""
    with transaction.atomic():
        EventDelivery.objects.filter(pk=delivery.pk).exclude(status=Status.SENDING).update(
            status=Status.PENDING, next_attempt_at=None
        )
        _ring_after_commit(delivery.pk)


def _lease() -> timedelta:
    return timedelta(seconds=CONNECT_TIMEOUT + settings.EVENTS_TIMEOUT + 60)


def sweep(limit: int = 1000) -> int:
    """The beat sweeper: take back claims of dead workers, ring for every due delivery."""
    now = timezone.now()
    EventDelivery.objects.filter(status=Status.SENDING, claimed_at__lt=now - _lease()).update(
        status=Status.PENDING, claimed_at=None, next_attempt_at=None
    )
    due = EventDelivery.objects.filter(
        Q(next_attempt_at=None) | Q(next_attempt_at__lte=now), status=Status.PENDING
    ).values_list("pk", flat=True)[:limit]
    rung = 0
    for delivery_id in due:
        ring(delivery_id)
        rung += 1
    return rung
