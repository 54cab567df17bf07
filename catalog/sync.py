"""QBO Item JSON ⇄ the items mirror. Bulk, idempotent upserts (qbo.bulk: one statement per
page), and the products linked to an item follow its name (the link is the item's id, so a
rename keeps it)."""

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from catalog.models import Item
from invoicing.models import Product
from qbo import bulk
from qbo.qbojson import decimal, latest_by_id, parse_time, ref_value

UPDATED_FIELDS = [
    "name",
    "fully_qualified_name",
    "sku",
    "type",
    "parent_qbo_id",
    "active",
    "deleted_in_qbo",
    "unit_price",
    "description",
    "taxable",
    "track_qty_on_hand",
    "qty_on_hand",
    "income_account_id",
    "income_account_name",
    "sync_token",
    "qbo_created_at",
    "qbo_updated_at",
    "raw",
    "synced_at",
]
TYPES = set(Item.Type.values)


def item_fields(data: dict) -> dict:
    """The mirrored columns of one QBO Item object."""
    meta = data.get("MetaData") or {}
    income = data.get("IncomeAccountRef") or {}
    name = (data.get("Name") or "")[:100]
    kind = str(data.get("Type") or Item.Type.SERVICE)
    tracked = bool(data.get("TrackQtyOnHand", False))
    return {
        "qbo_id": str(data["Id"]),
        "name": name,
        "fully_qualified_name": (data.get("FullyQualifiedName") or name)[:1000],
        "sku": (data.get("Sku") or "")[:100],
        "type": kind if kind in TYPES else Item.Type.OTHER,
        "parent_qbo_id": ref_value(data.get("ParentRef"))[:32],
        "active": bool(data.get("Active", True)),
        "deleted_in_qbo": False,
        "unit_price": decimal(data.get("UnitPrice")),
        "description": data.get("Description") or "",
        "taxable": bool(data.get("Taxable", False)),
        "track_qty_on_hand": tracked,
        "qty_on_hand": decimal(data.get("QtyOnHand")) if tracked else None,
        "income_account_id": ref_value(income)[:32],
        "income_account_name": (income.get("name") if isinstance(income, dict) else "") or "",
        "sync_token": str(data.get("SyncToken", ""))[:20],
        "qbo_created_at": parse_time(meta.get("CreateTime")),
        "qbo_updated_at": parse_time(meta.get("LastUpdatedTime")),
        "raw": data,  # as parsed: qbo.bulk writes its Decimals exactly
    }


def _renames_sql() -> str:
    """Products linked to the items just written take their names: part of the upsert's own
    statement (qbo.bulk's `then`), so a page of items stays one statement."""
    product = Product._meta
    table = product.db_table
    company = product.get_field("company").column
    item_id = product.get_field("qbo_item_id").column
    item_name = product.get_field("qbo_item_name").column
    return (
        f'UPDATE "{table}" SET "{item_name}" = written.name FROM written '  # noqa: S608
        f'WHERE "{table}"."{company}" = %s AND "{table}"."{item_id}" = written.qbo_id '
        f'AND "{table}"."{item_name}" IS DISTINCT FROM written.name'
    )


def upsert_items(company_id: int, objects: Iterable[dict]) -> int:
    """Insert or update mirror rows for QBO items through qbo.bulk; linked products follow
    (on PostgreSQL in the same statement, elsewhere in two more)."""
    now = timezone.now()
    rows = [
        {"company_id": company_id, "synced_at": now, **item_fields(data)}
        for data in latest_by_id(list(objects))
    ]
    if not rows:
        return 0
    unique, updates = ["company", "qbo_id"], UPDATED_FIELDS
    if bulk.one_statement(Item):
        return bulk.upsert(
            Item,
            rows,
            unique_fields=unique,
            update_fields=updates,
            returning=["qbo_id", "name"],
            then=_renames_sql(),
            then_params=[company_id],
        )
    bulk.upsert(Item, rows, unique_fields=unique, update_fields=updates)
    follow_renames(company_id, {row["qbo_id"]: row["name"] for row in rows})
    return len(rows)


def follow_renames(company_id: int, names: dict[str, str]) -> int:
    """Products linked to these items show the items' current QuickBooks names."""
    stale = [
        product
        for product in Product.objects.filter(
            company_id=company_id, qbo_item_id__in=list(names)
        ).only("pk", "qbo_item_id", "qbo_item_name")
        if product.qbo_item_name != names[product.qbo_item_id]
    ]
    for product in stale:
        product.qbo_item_name = names[product.qbo_item_id]
    if stale:
        Product.objects.bulk_update(stale, ["qbo_item_name"])
    return len(stale)


def mark_items_deleted(company_id: int, qbo_ids: Iterable[str]) -> int:
    return Item.objects.filter(company_id=company_id, qbo_id__in=list(qbo_ids)).update(
        deleted_in_qbo=True, active=False, synced_at=timezone.now()
    )


def apply_changes(company_id: int, objects: list[dict]) -> int:
    """A page of QBO items and CDC tombstones ({"Id": ..., "status": "Deleted"})."""
    deleted = [str(o["Id"]) for o in objects if o.get("status") == "Deleted"]
    live = [o for o in objects if o.get("status") != "Deleted"]
    return upsert_items(company_id, live) + mark_items_deleted(company_id, deleted)


def mark_missing_deleted(company_id: int, seen: set[str], since: datetime) -> int:
    """After a full import: rows it didn't touch (synced before it began) are gone from QBO."""
    return Item.objects.filter(
        company_id=company_id, deleted_in_qbo=False, synced_at__lt=since
    ).update(deleted_in_qbo=True, active=False)
