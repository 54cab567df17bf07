"""Products ⇄ QuickBooks items: what "Import from QuickBooks" proposes for each item, and
applying a person's choices.

An item is matched to a product by SKU, then by name (invoicing.names.name_key: the names
QuickBooks treats as one). A product linked to an item keeps the link by the item's id, so a
rename in QuickBooks doesn't break it. Choices are re-judged when they are applied: the
preview may be minutes old.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from catalog.models import Item
from invoicing.models import MAX_AMOUNT, Product
from invoicing.names import clean_name, name_key

CREATE, LINK, SKIP = "create", "link", "skip"
ACTIONS = (CREATE, LINK, SKIP)
CENT = Decimal("0.01")


def importable_items(company_id: int) -> QuerySet:
    """Items an order line can use: live, not categories (which only group) nor bundles."""
    return Item.objects.filter(company_id=company_id, active=True, deleted_in_qbo=False).exclude(
        type__in=[Item.Type.CATEGORY, Item.Type.GROUP]
    )


def unlinked(items: QuerySet, company_id: int) -> QuerySet:
    linked = Product.objects.filter(company_id=company_id, qbo_item_id=OuterRef("qbo_id"))
    return items.filter(~Exists(linked))


@dataclass
class Proposal:
    item: Item
    choices: tuple[str, ...]
    default: str
    product: Product | None = None  # the match to link, or the product already linked
    note: str = ""

    @property
    def linked(self) -> bool:
        return self.product is not None and self.product.qbo_item_id == self.item.qbo_id


@dataclass
class Outcome:
    created: int = 0
    linked: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)


def propose(company_id: int, items: list[Item]) -> list[Proposal]:
    """What to do with each item, in one query for the products that could match."""
    skus = {item.sku for item in items if item.sku}
    keys = {name_key(item.name) for item in items}
    ids = {item.qbo_id for item in items}
    candidates = list(
        Product.objects.filter(company_id=company_id).filter(
            Q(sku__in=skus) | Q(name_key__in=keys) | Q(qbo_item_id__in=ids)
        )
    )
    by_item = {p.qbo_item_id: p for p in candidates if p.qbo_item_id}
    by_sku = {p.sku: p for p in candidates if p.sku}
    by_key = {p.name_key: p for p in candidates}
    return [_proposal(item, by_item, by_sku, by_key) for item in items]


def _proposal(item: Item, by_item: dict, by_sku: dict, by_key: dict) -> Proposal:
    if product := by_item.get(item.qbo_id):
        return Proposal(item, (SKIP,), SKIP, product, f"Linked to “{product.name}”.")
    match, how = by_sku.get(item.sku) if item.sku else None, "SKU"
    if match is None:
        match, how = by_key.get(name_key(item.name)), "name"
    if match is None:
        return Proposal(item, (CREATE, SKIP), CREATE, None, "No product matches: create one.")
    if match.qbo_item_id:
        note = (
            f"Same {how} as “{match.name}”, which is linked to another QuickBooks item "
            f"({match.qbo_item_name or match.qbo_item_id})."
        )
        return Proposal(item, (SKIP,), SKIP, match, note)
    return Proposal(item, (LINK, SKIP), LINK, match, f"Same {how} as “{match.name}”.")


def _price(item: Item) -> Decimal:
    return min(max(item.unit_price, Decimal(0)), MAX_AMOUNT).quantize(CENT, ROUND_HALF_UP)


# US lines are marked TAX/NON by the product's taxable flag: these are no line's tax code.
PSEUDO_TAX_CODES = frozenset({"TAX", "NON"})


def item_defaults(item: Item) -> dict:
    """The item's sales tax code and default class (Item.SalesTaxCodeRef and ClassRef,
    QBO-TRANSACTIONS.md §6 and §9), as a product's line defaults."""
    raw = item.raw or {}
    tax, klass = raw.get("SalesTaxCodeRef") or {}, raw.get("ClassRef") or {}
    fields = {}
    if (code := item.sales_tax_code_id) and code not in PSEUDO_TAX_CODES:
        fields["qbo_tax_code_id"] = code[:32]
        fields["qbo_tax_code_name"] = str(tax.get("name") or "")[:100]
    if class_id := item.class_id:
        fields["qbo_class_id"] = class_id[:32]
        fields["qbo_class_name"] = str(klass.get("name") or "")[:500]
    return fields


def _create(company_id: int, item: Item) -> Product:
    return Product.objects.create(
        company_id=company_id,
        name=clean_name(item.name)[:100],
        sku=item.sku,
        description=item.description[:4000],
        unit_price=_price(item),
        taxable=item.taxable,
        qbo_item_id=item.qbo_id,
        qbo_item_name=item.name,
        **item_defaults(item),
    )


def _link(item: Item, product: Product) -> bool:
    linked = Product.objects.filter(pk=product.pk, qbo_item_id="").update(
        qbo_item_id=item.qbo_id, qbo_item_name=item.name
    )
    # The item's defaults fill only what the product doesn't already say.
    found = item_defaults(item)
    for prefix in ("qbo_tax_code", "qbo_class"):
        if linked and f"{prefix}_id" in found:
            Product.objects.filter(pk=product.pk, **{f"{prefix}_id": ""}).update(
                **{name: value for name, value in found.items() if name.startswith(prefix)}
            )
    return linked == 1


def apply(company_id: int, choices: dict[int, str]) -> Outcome:
    """Carry out {item pk: action} for the company's importable items; other pks are ignored."""
    items = list(importable_items(company_id).filter(pk__in=list(choices)).order_by("pk"))
    outcome = Outcome()
    for proposal in propose(company_id, items):
        item, action = proposal.item, choices[proposal.item.pk]
        if action == SKIP:
            outcome.skipped += 1
            continue
        if action not in proposal.choices:
            outcome.problems.append(f"“{item}”: {proposal.note} Nothing was changed.")
            continue
        try:
            with transaction.atomic():
                if action == CREATE:
                    _create(company_id, item)
                    outcome.created += 1
                elif _link(item, proposal.product):
                    outcome.linked += 1
                else:
                    outcome.problems.append(
                        f"“{item}”: “{proposal.product.name}” is already linked to another item."
                    )
        except IntegrityError:
            outcome.problems.append(
                f"“{item}”: a product with this name, SKU or item was saved meanwhile."
            )
    return outcome
