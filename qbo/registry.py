"""What the core syncs: each app registers its entities from its AppConfig.ready().

The core pulls an entity's objects from QuickBooks (full import, CDC, paging) and hands each
page to the app that registered it; it never imports those apps. Registration order is the
order entities are applied in a sync (customers before the invoices and payments that name
them).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

# (company pk, QBO objects and CDC tombstones {"Id", "status": "Deleted"}) -> rows applied
ApplyPage = Callable[[int, list[dict]], int]
# (company pk, ids a full import saw, when it began) -> rows marked deleted
MarkMissing = Callable[[int, set[str], datetime], int]
# (company pk, merged-away id, surviving id) -> rows that now point at the survivor
RecordMerge = Callable[[int, str, str], int]


@dataclass(frozen=True)
class SyncedEntity:
    """One QBO entity mirrored by an app."""

    name: str
    apply: ApplyPage
    mark_missing: MarkMissing
    # A condition every query for it carries (e.g. "Active IN (true,false)": QBO leaves
    # inactive names out of queries unless asked).
    condition: str = ""
    record_merge: RecordMerge | None = None


_entities: dict[str, SyncedEntity] = {}


def register_entity(
    name: str,
    *,
    apply: ApplyPage,
    mark_missing: MarkMissing,
    condition: str = "",
    record_merge: RecordMerge | None = None,
) -> SyncedEntity:
    """Mirror `name` (a QBO entity such as "Customer"); registering it again replaces it."""
    entity = SyncedEntity(name, apply, mark_missing, condition, record_merge)
    _entities[name] = entity
    return entity


def synced_entities() -> dict[str, SyncedEntity]:
    """Every registered entity, in registration order."""
    return dict(_entities)


def synced_entity(name: str) -> SyncedEntity:
    try:
        return _entities[name]
    except KeyError:
        raise LookupError(f"no app syncs the QuickBooks entity {name!r}") from None
