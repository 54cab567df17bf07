"""What the products page shows of each product's QuickBooks item (invoicing's templates use
these; invoicing itself never imports catalog)."""

from django import template
from django.utils.html import format_html

from catalog.models import Item

register = template.Library()


@register.simple_tag
def item_states(products) -> dict[str, Item]:
    """The mirrored items of a page of products, by QuickBooks id, in one query."""
    products = list(products)
    ids = {p.qbo_item_id for p in products if p.qbo_item_id}
    if not ids:
        return {}
    company_ids = {p.company_id for p in products}
    items = Item.objects.filter(company_id__in=company_ids, qbo_id__in=ids).only(
        "company_id", "qbo_id", "name", "active", "deleted_in_qbo"
    )
    return {(i.company_id, i.qbo_id): i for i in items}


@register.simple_tag
def item_badge(states: dict, product) -> str:
    """A badge when the product's item is inactive or gone in QuickBooks ("" otherwise)."""
    item = states.get((product.company_id, product.qbo_item_id)) if product.qbo_item_id else None
    if item is None or (item.active and not item.deleted_in_qbo):
        return ""
    text = "Deleted in QuickBooks" if item.deleted_in_qbo else "Inactive in QuickBooks"
    return format_html(' <span class="badge warn">{}</span>', text)
