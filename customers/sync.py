"""QBO Customer JSON ⇄ the customers mirror. Bulk, idempotent upserts (qbo.rowmap: one a page)."""

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from customers.models import Customer
from qbo import rowmap
from qbo.qbojson import latest_by_id
from qbo.rowmap import Const, Flag, Joined, Number, Text

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


STREET = range(1, 6)  # an address's Line1..Line5

# A QBO Customer's mirrored columns, declared once: run in PostgreSQL for a page (qbo.rowmap,
# the import's hot path) and in Python for a single write or SQLite.
CUSTOMER = rowmap.RowMap(
    Customer,
    {
        "qbo_id": Text("Id", 32),
        "display_name": Text("DisplayName", 500),
        "company_name": Text("CompanyName", 500),
        "given_name": Text("GivenName", 100),
        "family_name": Text("FamilyName", 100),
        "email": Text("PrimaryEmailAddr.Address", 254),
        "phone": Text("PrimaryPhone.FreeFormNumber", 40),
        # The street is one line here: QBO's Line1..Line5, joined (customers.services sends
        # it back as Line1 with the others emptied).
        "bill_line1": Joined(
            *(f"BillAddr.Line{n}" for n in STREET), separator=", ", max_length=500
        ),
        "bill_city": Text("BillAddr.City", 255),
        "bill_region": Text("BillAddr.CountrySubDivisionCode", 255),
        "bill_postal_code": Text("BillAddr.PostalCode", 30),
        "bill_country": Text("BillAddr.Country", 255),
        "fully_qualified_name": Text("FullyQualifiedName", 1000),  # a job's "Parent:Job"
        "parent_qbo_id": Text("ParentRef.value", 32),
        "ship_line1": Joined(
            *(f"ShipAddr.Line{n}" for n in STREET), separator=", ", max_length=500
        ),
        "ship_city": Text("ShipAddr.City", 255),
        "ship_region": Text("ShipAddr.CountrySubDivisionCode", 255),
        "ship_postal_code": Text("ShipAddr.PostalCode", 30),
        "ship_country": Text("ShipAddr.Country", 255),
        "balance": Number("Balance"),
        "currency": Text("CurrencyRef.value", 3),
        "active": Flag("Active", default=True),
        "deleted_in_qbo": Const(False),
        "merged_into_qbo_id": Const(""),
        **rowmap.qbo_metadata(),
    },
    unique=["company", "qbo_id"],
    update=UPDATED_FIELDS,
)


def customer_fields(data: dict) -> dict:
    """The mirrored columns of one QBO Customer object."""
    return CUSTOMER.row(data)


def upsert_customers(company_id: int, objects: Iterable[dict]) -> int:
    """Insert or update mirror rows for QBO customers, in one statement (qbo.rowmap)."""
    fixed = {"company_id": company_id, "synced_at": timezone.now()}
    return CUSTOMER.upsert(latest_by_id(list(objects)), fixed=fixed)


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
