"""Intuit webhooks: verify, parse (CloudEvents and legacy), store once, enqueue — never call QBO.

Reference: https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks
"""

import base64
import binascii
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from qbo.conf import qbo_settings
from qbo.models import QuickBooksConnection, WebhookEvent
from qbo.qbojson import parse_time

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "intuit-signature"
# CloudEvents type "qbo.customer.merged.v1" → the legacy operation word "Merge".
_OPERATIONS = {
    "created": "Create",
    "updated": "Update",
    "deleted": "Delete",
    "merged": "Merge",
    "voided": "Void",
    "emailed": "Emailed",
}


class MalformedPayload(ValueError):
    """The body is signed but isn't a webhook payload we understand."""


@dataclass(frozen=True)
class Event:
    event_id: str
    realm_id: str
    entity: str
    entity_id: str
    operation: str
    occurred_at: datetime | None
    deleted_id: str
    payload_format: str


def verify_signature(body: bytes, signature: str | None, verifier_token: str | None = None) -> bool:
    """base64(HMAC-SHA256(verifier token, raw body)) == intuit-signature, in constant time."""
    token = verifier_token if verifier_token is not None else qbo_settings.WEBHOOK_VERIFIER_TOKEN
    if not signature or not token:
        return False
    try:
        claimed = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = hmac.new(token.encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(expected, claimed)


def _time(value) -> datetime | None:
    try:
        return parse_time(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _cloud_event(item: dict) -> Event:
    parts = str(item["type"]).split(".")
    if len(parts) < 3 or parts[0] != "qbo":
        raise MalformedPayload(f"unknown CloudEvents type {item['type']!r}")
    entity = parts[1].capitalize() if parts[1].islower() else parts[1]
    data = item.get("data") if isinstance(item.get("data"), dict) else {}
    return Event(
        event_id=str(item["id"])[:200],
        realm_id=str(item["intuitaccountid"]),
        entity=_canonical_entity(entity),
        entity_id=str(item["intuitentityid"]),
        operation=_OPERATIONS.get(parts[2].lower(), parts[2].capitalize()),
        occurred_at=_time(item.get("time")),
        deleted_id=str(data.get("deletedid") or data.get("deletedId") or ""),
        payload_format="cloudevents",
    )


def _legacy_events(notification: dict) -> list[Event]:
    realm_id = str(notification["realmId"])
    events = []
    for entity in notification["dataChangeEvent"]["entities"]:
        key = ":".join(
            str(entity.get(k, "")) for k in ("name", "id", "operation", "lastUpdated", "deletedId")
        )
        events.append(
            Event(
                # Legacy events carry no id: the same change always hashes to the same one.
                event_id="legacy-" + hashlib.sha256(f"{realm_id}:{key}".encode()).hexdigest(),
                realm_id=realm_id,
                entity=_canonical_entity(str(entity["name"])),
                entity_id=str(entity["id"]),
                operation=str(entity["operation"]),
                occurred_at=_time(entity.get("lastUpdated")),
                deleted_id=str(entity.get("deletedId") or ""),
                payload_format="legacy",
            )
        )
    return events


_ENTITY_NAMES = {"customer": "Customer", "invoice": "Invoice", "payment": "Payment"}


def _canonical_entity(name: str) -> str:
    return _ENTITY_NAMES.get(name.lower(), name)[:40]


def parse_events(body: bytes) -> list[Event]:
    """Both payload formats, one function: a CloudEvents array or {"eventNotifications": [...]}."""
    try:
        payload = json.loads(body)
        if isinstance(payload, list):
            return [_cloud_event(item) for item in payload]
        if isinstance(payload, dict) and isinstance(payload.get("eventNotifications"), list):
            return [e for n in payload["eventNotifications"] for e in _legacy_events(n)]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise MalformedPayload(str(exc)) from None
    raise MalformedPayload("neither a CloudEvents array nor eventNotifications")


def store_events(events: list[Event]) -> list[int]:
    """Store new events once; return the companies that now have work to do."""
    realms = {e.realm_id for e in events}
    companies = dict(
        QuickBooksConnection.objects.filter(realm_id__in=realms)
        .exclude(status=QuickBooksConnection.Status.DISCONNECTED)
        .values_list("realm_id", "company_id")
    )
    known = [e for e in events if e.realm_id in companies]
    if len(known) < len(events):
        logger.info("ignored %s webhook event(s) for unknown realms", len(events) - len(known))
    if not known:
        return []
    with transaction.atomic():
        WebhookEvent.objects.bulk_create(
            [WebhookEvent(company_id=companies[e.realm_id], **e.__dict__) for e in known],
            ignore_conflicts=True,
        )
        # Of many identical deliveries, only the one whose UPDATE claims the rows enqueues.
        pending = WebhookEvent.objects.filter(
            event_id__in=[e.event_id for e in known], queued_at__isnull=True
        )
        to_queue = sorted(set(pending.values_list("company_id", flat=True)))
        if to_queue and not pending.update(queued_at=timezone.now()):
            to_queue = []
    return to_queue
