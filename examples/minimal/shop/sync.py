"""QBO Customer objects (and CDC tombstones) into Contact rows."""

from shop.models import Contact


def apply_changes(shop_id: int, objects: list[dict]) -> int:
    for data in objects:
        if data.get("status") == "Deleted":
            Contact.objects.filter(shop_id=shop_id, qbo_id=str(data["Id"])).update(deleted=True)
            continue
        Contact.objects.update_or_create(
            shop_id=shop_id,
            qbo_id=str(data["Id"]),
            defaults={"name": data.get("DisplayName", "")[:500], "deleted": False},
        )
    return len(objects)


def mark_missing(shop_id: int, seen: set[str], since) -> int:
    return Contact.objects.filter(shop_id=shop_id).exclude(qbo_id__in=seen).update(deleted=True)
