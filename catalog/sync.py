"""QBO Item JSON ⇄ the items mirror. Bulk, idempotent upserts (qbo.rowmap: one statement per
page), and the products linked to an item follow its name (the link is the item's id, so a
rename keeps it)."""

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from catalog.models import Item
from invoicing.models import Product
from qbo import bulk, rowmap
from qbo.qbojson import latest_by_id
from qbo.rowmap import Choice, Const, Either, Flag, Number, Text, When

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
# A QBO Item's mirrored columns, declared once (qbo.rowmap): in PostgreSQL for a page, in
# Python for SQLite. An item whose Type isn't one we know is kept, as "Other".
ITEM = rowmap.RowMap(
    Item,
    {
        "qbo_id": Text("Id", 32),
        "name": Text("Name", 100),
        "fully_qualified_name": Either(Text("FullyQualifiedName", 1000), Text("Name", 100)),
        "sku": Text("Sku", 100),
        "type": Choice("Type", Item.Type.values, missing=Item.Type.SERVICE, other=Item.Type.OTHER),
        "parent_qbo_id": Text("ParentRef.value", 32),
        "active": Flag("Active", default=True),
        "deleted_in_qbo": Const(False),
        "unit_price": Number("UnitPrice"),
        "description": Text("Description", None),
        "taxable": Flag("Taxable", default=False),
        "track_qty_on_hand": Flag("TrackQtyOnHand", default=False),
        "qty_on_hand": When(Flag("TrackQtyOnHand", default=False), Number("QtyOnHand")),
        "income_account_id": Text("IncomeAccountRef.value", 32),
        "income_account_name": Text("IncomeAccountRef.name", 1000),
        **rowmap.qbo_metadata(),
    },
    unique=["company", "qbo_id"],
    update=UPDATED_FIELDS,
)


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
    """Insert or update mirror rows for QBO items (qbo.rowmap); linked products follow (on
    PostgreSQL in the same statement, elsewhere in two more)."""
    objects = latest_by_id(list(objects))
    fixed = {"company_id": company_id, "synced_at": timezone.now()}
    if bulk.one_statement(Item):
        return ITEM.upsert(
            objects,
            fixed=fixed,
            returning=["qbo_id", "name"],
            then=_renames_sql(),
            then_params=[company_id],
        )
    written = ITEM.upsert(objects, fixed=fixed)
    follow_renames(company_id, {str(o["Id"]): ITEM.columns["name"].value(o) for o in objects})
    return written


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
