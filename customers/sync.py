"""QBO Customer JSON ⇄ the customers mirror. Bulk, idempotent upserts (qbo.bulk: one a page)."""

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from customers.models import Customer
from qbo import bulk
from qbo.qbojson import decimal, latest_by_id, parse_time, ref_value

UPDATED_FIELDS = [
    "display_name",
    "company_name",
    "given_name",
    "family_name",
    "email",
    "phone",
    "bill_line1",
    "bill_city",
    "bill_region",
    "bill_postal_code",
    "bill_country",
    "fully_qualified_name",
    "parent_qbo_id",
    "ship_line1",
    "ship_city",
    "ship_region",
    "ship_postal_code",
    "ship_country",
    "balance",
    "currency",
    "active",
    "deleted_in_qbo",
    "merged_into_qbo_id",
    "sync_token",
    "qbo_created_at",
    "qbo_updated_at",
    "raw",
    "synced_at",
]


def customer_fields(data: dict) -> dict:
    """The mirrored columns of one QBO Customer object."""
    bill = data.get("BillAddr") or {}
    meta = data.get("MetaData") or {}
    return {
        "qbo_id": str(data["Id"]),
        "display_name": (data.get("DisplayName") or "")[:500],
        "company_name": (data.get("CompanyName") or "")[:500],
        "given_name": (data.get("GivenName") or "")[:100],
        "family_name": (data.get("FamilyName") or "")[:100],
        "email": ((data.get("PrimaryEmailAddr") or {}).get("Address") or "")[:254],
        "phone": ((data.get("PrimaryPhone") or {}).get("FreeFormNumber") or "")[:40],
        "bill_line1": (bill.get("Line1") or "")[:500],
        "bill_city": (bill.get("City") or "")[:255],
        "bill_region": (bill.get("CountrySubDivisionCode") or "")[:255],
        "bill_postal_code": (bill.get("PostalCode") or "")[:30],
        "bill_country": (bill.get("Country") or "")[:255],
        **_hierarchy_and_shipping(data),
        "balance": decimal(data.get("Balance")),
        "currency": ref_value(data.get("CurrencyRef"))[:3],
        "active": bool(data.get("Active", True)),
        "deleted_in_qbo": False,
        "merged_into_qbo_id": "",
        "sync_token": str(data.get("SyncToken", ""))[:20],
        "qbo_created_at": parse_time(meta.get("CreateTime")),
        "qbo_updated_at": parse_time(meta.get("LastUpdatedTime")),
        "raw": data,  # as parsed: qbo.bulk writes its Decimals exactly
    }


def _hierarchy_and_shipping(data: dict) -> dict:
    """A sub-customer's "Parent:Job" name and parent, and the shipping address."""
    ship = data.get("ShipAddr") or {}
    return {
        "fully_qualified_name": (data.get("FullyQualifiedName") or "")[:1000],
        "parent_qbo_id": ref_value(data.get("ParentRef"))[:32],
        "ship_line1": (ship.get("Line1") or "")[:500],
        "ship_city": (ship.get("City") or "")[:255],
        "ship_region": (ship.get("CountrySubDivisionCode") or "")[:255],
        "ship_postal_code": (ship.get("PostalCode") or "")[:30],
        "ship_country": (ship.get("Country") or "")[:255],
    }


def upsert_customers(company_id: int, objects: Iterable[dict]) -> int:
    """Insert or update mirror rows for QBO customers, in one statement (qbo.bulk)."""
    now = timezone.now()
    rows = [
        {"company_id": company_id, "synced_at": now, **customer_fields(data)}
        for data in latest_by_id(list(objects))
    ]
    return bulk.upsert(
        Customer, rows, unique_fields=["company", "qbo_id"], update_fields=UPDATED_FIELDS
    )


def mark_customers_deleted(company_id: int, qbo_ids: Iterable[str]) -> int:
    """QBO deleted (or merged away) these customers: keep the rows, flag them. Where a merge
    sent them is left alone: only Merge webhooks say that (record_merge, below), and a
    tombstone seen again in a later, overlapping sync mustn't erase it."""
    return Customer.objects.filter(company_id=company_id, qbo_id__in=list(qbo_ids)).update(
        deleted_in_qbo=True, active=False, synced_at=timezone.now()
    )


def apply_changes(company_id: int, objects: list[dict]) -> int:
    """A page of QBO customers and CDC tombstones ({"Id": ..., "status": "Deleted"})."""
    deleted = [str(o["Id"]) for o in objects if o.get("status") == "Deleted"]
    live = [o for o in objects if o.get("status") != "Deleted"]
    return upsert_customers(company_id, live) + mark_customers_deleted(company_id, deleted)


def mark_missing_deleted(company_id: int, seen: set[str], since: datetime) -> int:
    """After a full import: rows it didn't touch (synced before it began) are gone from QBO."""
    return Customer.objects.filter(
        company_id=company_id, deleted_in_qbo=False, synced_at__lt=since
    ).update(deleted_in_qbo=True, active=False)


def record_merge(company_id: int, merged_id: str, survivor_id: str) -> int:
    """QuickBooks merged customer `merged_id` into `survivor_id` (a Merge webhook said so).
    Recorded only once the mirror confirms it: the merged-away row deleted, the survivor live."""
    survivor = Customer.objects.filter(
        company_id=company_id, qbo_id=survivor_id, deleted_in_qbo=False
    )
    if not survivor.exists():
        return 0
    return Customer.objects.filter(
        company_id=company_id, qbo_id=merged_id, deleted_in_qbo=True
    ).update(merged_into_qbo_id=survivor_id)
