"""Intuit webhooks: verify, parse (CloudEvents and legacy), store once, enqueue — never call QBO.

Reference: https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks
"""

import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from qbo.conf import qbo_settings
from qbo.models import QuickBooksConnection, WebhookDelivery, WebhookEvent
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


# A delivery's events are stored in chunks (an IN list per chunk stays small on any database).
STORE_CHUNK = 1000


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
    """An event's time, if it is a sane one (aware, UTC, 1900-2100); None otherwise: a
    stranger's year 9999 must not overflow a column or a later read of it."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        moment = parse_time(value)
        if moment is None:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return moment if 1900 <= moment.year <= 2100 else None


def is_realm_id(value: str) -> bool:
    """A QuickBooks realm id as Intuit writes them (digits)."""
    return bool(_REALM.fullmatch(value))


class InvalidEvent(ValueError):
    """One event of a delivery doesn't fit what Intuit documents (or what we store)."""


# Intuit's webhook entities (its Webhooks page), for the canonical spelling of a lower-case
# CloudEvents name ("creditmemo" -> "CreditMemo"); other well-formed names are kept as sent.
KNOWN_ENTITIES = {
    name.lower(): name
    for name in [
        "Account",
        "Bill",
        "BillPayment",
        "Budget",
        "Class",
        "CreditMemo",
        "Currency",
        "Customer",
        "Department",
        "Deposit",
        "Employee",
        "Estimate",
        "Invoice",
        "Item",
        "JournalCode",
        "JournalEntry",
        "Payment",
        "PaymentMethod",
        "Preferences",
        "Purchase",
        "PurchaseOrder",
        "RefundReceipt",
        "SalesReceipt",
        "TaxAgency",
        "Term",
        "TimeActivity",
        "Transfer",
        "Vendor",
        "VendorCredit",
    ]
}
_CLOUD_TYPE = re.compile(r"qbo\.([A-Za-z]{1,40})\.([A-Za-z]{1,20})\.v[0-9]{1,3}")
_ENTITY = re.compile(r"[A-Za-z]{1,40}")
_OPERATION = re.compile(r"[A-Za-z]{1,20}")
_REALM = re.compile(r"[0-9]{1,32}")
_EVENT_ID = re.compile(r"[!-~]{1,200}")  # printable ASCII, no spaces or control characters
_OBJECT_ID = re.compile(r"[0-9A-Za-z-]{1,32}")


def _text(item: dict, key: str, pattern: re.Pattern, *, required: bool = True) -> str:
    value = item.get(key)
    if value is None or value == "":
        if required:
            raise InvalidEvent(f"no {key}")
        return ""
    value = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None
    if value is None or not pattern.fullmatch(value):
        raise InvalidEvent(f"{key} is not what Intuit sends")
    return value


def _entity(name: str) -> str:
    if not _ENTITY.fullmatch(name):
        raise InvalidEvent("entity name is not what Intuit sends")
    return KNOWN_ENTITIES.get(name.lower(), name)


def _cloud_event(item) -> Event:
    if not isinstance(item, dict):
        raise InvalidEvent("an event is not an object")
    match = _CLOUD_TYPE.fullmatch(str(item.get("type") or ""))
    if not match:
        raise InvalidEvent("unknown CloudEvents type")
    event_id = item.get("id")
    if not isinstance(event_id, str) or not _EVENT_ID.fullmatch(event_id):
        raise InvalidEvent("no event id of 1-200 printable characters")
    data = item.get("data") if isinstance(item.get("data"), dict) else {}
    deleted = data.get("deletedid") or data.get("deletedId") or ""
    return Event(
        event_id=event_id,
        realm_id=_text(item, "intuitaccountid", _REALM),
        entity=_entity(match.group(1)),
        entity_id=_text(item, "intuitentityid", _OBJECT_ID),
        operation=_OPERATIONS.get(match.group(2).lower(), match.group(2).capitalize()),
        occurred_at=_time(item.get("time")),
        deleted_id=_text({"deletedId": deleted}, "deletedId", _OBJECT_ID, required=False),
        payload_format="cloudevents",
    )


def _legacy_event(realm_id: str, entity) -> Event:
    if not isinstance(entity, dict):
        raise InvalidEvent("an entity is not an object")
    name = _entity(_text(entity, "name", _ENTITY))
    entity_id = _text(entity, "id", _OBJECT_ID)
    operation = _text(entity, "operation", _OPERATION)
    deleted_id = _text(entity, "deletedId", _OBJECT_ID, required=False)
    key = ":".join(
        str(entity.get(k, "")) for k in ("name", "id", "operation", "lastUpdated", "deletedId")
    )
    return Event(
        # Legacy events carry no id: the same change always hashes to the same one.
        event_id="legacy-" + hashlib.sha256(f"{realm_id}:{key}".encode()).hexdigest(),
        realm_id=realm_id,
        entity=name,
        entity_id=entity_id,
        operation=operation,
        occurred_at=_time(entity.get("lastUpdated")),
        deleted_id=deleted_id,
        payload_format="legacy",
    )


@dataclass
class Delivery:
    """What one webhook body held: the events that fit, and how many didn't."""

    events: list[Event] = field(default_factory=list)
    invalid: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def add(self, build, *args) -> None:
        try:
            self.events.append(build(*args))
        except InvalidEvent as exc:
            self.invalid += 1
            self.reasons[str(exc)] = self.reasons.get(str(exc), 0) + 1


def _legacy_notifications(delivery: Delivery, notifications: list) -> None:
    for notification in notifications:
        try:
            if not isinstance(notification, dict):
                raise InvalidEvent("a notification is not an object")
            realm_id = _text(notification, "realmId", _REALM)
            entities = (notification.get("dataChangeEvent") or {}).get("entities")
            if not isinstance(entities, list):
                raise InvalidEvent("a notification has no dataChangeEvent.entities")
        except (InvalidEvent, AttributeError) as exc:
            delivery.invalid += 1
            reason = str(exc) if isinstance(exc, InvalidEvent) else "a malformed notification"
            delivery.reasons[reason] = delivery.reasons.get(reason, 0) + 1
            continue
        for entity in entities:
            delivery.add(_legacy_event, realm_id, entity)


def parse_delivery(body: bytes) -> Delivery:
    """Both payload formats, one function: a CloudEvents array or {"eventNotifications": [...]}.

    Each event is checked on its own against what Intuit documents and what its columns hold;
    those that don't fit are counted, their neighbours kept. A body that isn't a webhook
    payload at all raises MalformedPayload (never anything else, whatever the bytes).
    """
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as exc:
        # RecursionError: thousands of nested arrays, from whoever holds the verifier token.
        raise MalformedPayload(f"not JSON ({type(exc).__name__})") from None
    delivery = Delivery()
    if isinstance(payload, list):
        for item in payload:
            delivery.add(_cloud_event, item)
    elif isinstance(payload, dict) and isinstance(payload.get("eventNotifications"), list):
        _legacy_notifications(delivery, payload["eventNotifications"])
    else:
        raise MalformedPayload("neither a CloudEvents array nor eventNotifications")
    if delivery.invalid:
        logger.warning(
            "webhook delivery: %s event(s) left out (%s); %s kept",
            delivery.invalid,
            ", ".join(f"{reason}: {n}" for reason, n in sorted(delivery.reasons.items())),
            len(delivery.events),
        )
    return delivery


def parse_events(body: bytes) -> list[Event]:
    """The valid events of a body; MalformedPayload if it holds none but invalid ones."""
    delivery = parse_delivery(body)
    if delivery.invalid and not delivery.events:
        raise MalformedPayload(f"no valid event ({delivery.invalid} invalid)")
    return delivery.events


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
    to_queue: set[int] = set()
    for start in range(0, len(known), STORE_CHUNK):
        to_queue |= _store_chunk(known[start : start + STORE_CHUNK], companies)
    return sorted(to_queue)


def _store_chunk(events: list[Event], companies: dict[str, int]) -> set[int]:
    with transaction.atomic():
        WebhookEvent.objects.bulk_create(
            [WebhookEvent(company_id=companies[e.realm_id], **e.__dict__) for e in events],
            ignore_conflicts=True,
        )
        # Of many identical deliveries, only the one whose UPDATE claims the rows enqueues.
        pending = WebhookEvent.objects.filter(
            event_id__in=[e.event_id for e in events], queued_at__isnull=True
        )
        to_queue = set(pending.values_list("company_id", flat=True))
        if to_queue and not pending.update(queued_at=timezone.now()):
            to_queue = set()
    return to_queue


def keep_delivery(body: bytes) -> WebhookDelivery:
    """A verified body, stored as it came, to be read off the request."""
    return WebhookDelivery.objects.create(body=body, size=len(body))


def process_delivery(delivery_id: int) -> list[int]:
    """Read a kept delivery's events and store them (once, however often this runs); return
    the companies that now have work to do."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery_id, processed_at__isnull=True)
            .first()
        )
        if delivery is None:
            return []  # done already, or another worker has it
        try:
            parsed = parse_delivery(bytes(delivery.body))
        except MalformedPayload as exc:
            delivery.error = str(exc)[:2000]
            parsed = Delivery()
        companies = store_events(parsed.events)
        delivery.events, delivery.invalid_events = len(parsed.events), parsed.invalid
        delivery.processed_at = timezone.now()
        delivery.save(update_fields=["events", "invalid_events", "error", "processed_at"])
    return companies
