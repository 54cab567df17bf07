"""Webhook events and the two payload formats Intuit sends, signed with the verifier token.

An event is made from one change-log row; it carries the entity name, id, operation and time,
never field values (Intuit's notifications do not either). A Merge names the merged-away id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from qbo_sandbox.books.store import Change

SIGNATURE_HEADER = "intuit-signature"
# The webhooks page's entity list, narrowed to what the sandbox has (no TaxCode, TaxRate,
# CompanyInfo, Attachable: the page does not list them). The page lists "Currency"; the
# sandbox names it CompanyCurrency, the entity's API name (unverified).
ENTITIES = frozenset(
    {
        "Account",
        "Bill",
        "Class",
        "CompanyCurrency",
        "CreditMemo",
        "Customer",
        "Department",
        "Employee",
        "Estimate",
        "Invoice",
        "Item",
        "Payment",
        "PaymentMethod",
        "Preferences",
        "RefundReceipt",
        "SalesReceipt",
        "Term",
        "Vendor",
        "VendorCredit",
    }
)
# Legacy operation -> CloudEvents type verb (voided/emailed are unverified names).
VERBS = {
    "Create": "created",
    "Update": "updated",
    "Delete": "deleted",
    "Merge": "merged",
    "Void": "voided",
    "Emailed": "emailed",
}


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    realm: str
    entity: str
    entity_id: str
    operation: str
    time: datetime
    deleted_id: str | None = None


def event_for(realm: str, change: Change) -> Event | None:
    """The event a change-log row produces, or None for entities webhooks do not cover."""
    if change.entity not in ENTITIES or change.operation not in VERBS:
        return None
    return Event(
        str(uuid.uuid4()),
        realm,
        change.entity,
        change.id,
        change.operation,
        change.time,
        change.merged_id,
    )


def source_for(client_id: str) -> str:
    """A stable CloudEvents `source` per app, shaped like Intuit's ("intuit.<base64>")."""
    digest = hashlib.sha256(client_id.encode()).digest()
    return f"intuit.{base64.b64encode(digest).decode()}"


def cloud_event(event: Event, source: str) -> dict:
    data = {"deletedid": event.deleted_id} if event.deleted_id else {}
    return {
        "specversion": "1.0",
        "id": event.id,
        "source": source,
        "type": f"qbo.{event.entity.lower()}.{VERBS[event.operation]}.v1",
        "datacontenttype": "application/json",
        # Intuit's CloudEvents carry nanoseconds ("21:31:25.179851517Z"); ours are microseconds.
        "time": event.time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f000Z"),
        "intuitentityid": event.entity_id,
        "intuitaccountid": event.realm,
        "data": data,
    }


def legacy_entity(event: Event) -> dict:
    entity = {
        "id": event.entity_id,
        "operation": event.operation,
        "name": event.entity,
        "lastUpdated": event.time.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z",
    }
    if event.deleted_id:
        entity["deletedId"] = event.deleted_id
    return entity


def payload(fmt: str, realm: str, events: list[Event], source: str) -> bytes:
    """One delivery's body: a CloudEvents array, or eventNotifications for one realm."""
    if fmt == "legacy":
        body: object = {
            "eventNotifications": [
                {
                    "realmId": realm,
                    "dataChangeEvent": {"entities": [legacy_entity(e) for e in events]},
                }
            ]
        }
    else:
        body = [cloud_event(event, source) for event in events]
    return json.dumps(body, separators=(",", ":")).encode()


def sign(body: bytes, verifier_token: str) -> str:
    """intuit-signature: base64(HMAC-SHA256(verifier token, raw body))."""
    digest = hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()
