"""The QBO customer and items an invoice refers to: found, or created exactly once.

The customer is the order's mirrored one; a new customer typed on the order is found or
created by customers.services (its rule is written there). Items: the product's linked QBO
item, else one found by name, else a new Service item.
"""

import logging
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction

from customers.models import Customer
from customers.services import DUPLICATE_NAME, find_or_create_customer
from invoicing import names
from invoicing.models import InvoicingSettings, Order, Product
from qbo.client import QBOClient
from qbo.errors import Rejected
from qbo.idempotency import derived_request_id
from qbo.models import QuickBooksConnection

logger = logging.getLogger(__name__)

PREFERENCES_TTL = 300


def clean_name(name: str) -> str:
    return names.clean_name(name)[:500]


@dataclass
class PushContext:
    """What every push for one company needs, read once per drain."""

    qb: QBOClient
    company_id: int
    settings: InvoicingSettings
    us: bool
    custom_doc_number: bool
    home_currency: str = ""
    multicurrency: bool = False
    # SalesFormsPrefs.AllowShipping: the form's shipping field (SHIPPING_ITEM_ID) exists.
    allow_shipping: bool = False
    items_by_product: dict[int, str] = field(default_factory=dict)
    # New customers resolved in this drain, by (name, email): one lookup per customer.
    customers_by_key: dict[tuple[str, str], int] = field(default_factory=dict)
    # Invoices found per search, for the current round of claimed orders only: a search must
    # come after every earlier attempt of the orders it answers for (push_claimed clears it).
    invoice_searches: dict[str, list[dict]] = field(default_factory=dict)


def load_context(qb: QBOClient, company_id: int) -> PushContext:
    """Invoicing settings, the company's country and the sales-form preferences."""
    conn = QuickBooksConnection.objects.get(company_id=company_id)
    invoicing_settings, _ = InvoicingSettings.objects.get_or_create(company_id=company_id)
    prefs = sales_preferences(qb, company_id)
    return PushContext(
        qb=qb,
        company_id=company_id,
        settings=invoicing_settings,
        us=(conn.country or "US").upper() == "US",
        custom_doc_number=prefs["custom_doc_number"],
        home_currency=prefs["home_currency"],
        multicurrency=prefs["multicurrency"],
        allow_shipping=prefs["allow_shipping"],
    )


def sales_preferences(qb: QBOClient, company_id: int) -> dict:
    """What the company's Preferences say about sales forms and currencies, read from QBO at
    most every few minutes."""
    key = f"qbo:prefs:sales:v2:{company_id}"
    cached = cache.get(key)
    if cached is None:
        found = qb.preferences()
        sales = found.get("SalesFormsPrefs") or {}
        currencies = found.get("CurrencyPrefs") or {}
        cached = {
            "custom_doc_number": bool(sales.get("CustomTxnNumbers")),
            "allow_shipping": bool(sales.get("AllowShipping")),
            "home_currency": str((currencies.get("HomeCurrency") or {}).get("value") or ""),
            "multicurrency": bool(currencies.get("MultiCurrencyEnabled")),
        }
        cache.set(key, cached, PREFERENCES_TTL)
    return cached


# --- customers ------------------------------------------------------------------------------


def ensure_customer(ctx: PushContext, order: Order) -> str:
    """The QBO customer id for the order, creating the customer in QBO if needed."""
    if order.customer_id:
        customer = order.customer
        if customer.deleted_in_qbo and customer.merged_into_qbo_id:
            return customer.merged_into_qbo_id
        if customer.deleted_in_qbo:
            raise Rejected(f'Customer "{customer.display_name}" was deleted in QuickBooks.')
        return customer.qbo_id
    name = clean_name(order.new_customer_name)
    email = order.new_customer_email.strip()
    key = (name.lower(), email.lower(), order.new_customer_parent_id, order.currency)
    known = ctx.customers_by_key.get(key)
    if known:
        order.customer = Customer.objects.get(pk=known)
    else:
        order.customer = find_or_create_customer(
            ctx.qb,
            ctx.company_id,
            name=name,
            email=email,
            request_id=order.request_id,
            parent=order.new_customer_parent,
            bill_with_parent=order.new_customer_bill_with_parent,
            # A new customer is invoiced in the order's currency (QBO: in its home one unless
            # told); a job takes its parent's (push.preflight checks they agree).
            currency=order.currency if order.currency != ctx.home_currency else "",
        )
        ctx.customers_by_key[key] = order.customer.pk
    Order.objects.filter(pk=order.pk).update(customer=order.customer)
    return order.customer.qbo_id


# --- items ----------------------------------------------------------------------------------


def _income_account_id(ctx: PushContext) -> str:
    settings = ctx.settings
    if not settings.income_account_id:
        accounts = ctx.qb.query_page("Account", {"AccountType": "Income"}, size=100)
        if not accounts:
            raise Rejected("QuickBooks has no income account; choose one in Invoicing settings.")
        preferred = next((a for a in accounts if "Services" in a.get("Name", "")), accounts[0])
        settings.income_account_id = str(preferred["Id"])
        settings.income_account_name = preferred.get("Name", "")[:100]
        settings.save(update_fields=["income_account_id", "income_account_name", "updated_at"])
    return settings.income_account_id


def _find_or_create_item(ctx: PushContext, name: str, request_id: str, extra: dict) -> dict:
    if found := ctx.qb.find("Item", {"Name": name}):
        return found
    body = {
        "Name": name,
        "Type": "Service",
        "IncomeAccountRef": {"value": _income_account_id(ctx)},
        **extra,
    }
    try:
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/item#create-an-item
        return ctx.qb.create("Item", body, request_id=request_id)
    except Rejected as exc:
        if exc.code == DUPLICATE_NAME and (found := ctx.qb.find("Item", {"Name": name})):
            return found
        raise


def product_item_id(ctx: PushContext, product: Product) -> str:
    if product.qbo_item_id:
        return product.qbo_item_id
    if product.pk in ctx.items_by_product:
        return ctx.items_by_product[product.pk]
    extra: dict = {"UnitPrice": product.unit_price}
    if product.description:
        extra["Description"] = product.description[:4000]
    if product.sku:
        extra["Sku"] = product.sku
    if ctx.us:
        extra["Taxable"] = product.taxable
    name = clean_name(product.name)[:100]
    item = _find_or_create_item(
        ctx, name, derived_request_id("product", product.pk, product.created_at), extra
    )
    # One QBO item per product: a second would merge two products' sales in QuickBooks.
    linked = Product.objects.filter(company_id=ctx.company_id, qbo_item_id=str(item["Id"]))
    if other := linked.exclude(pk=product.pk).first():
        raise Rejected(
            f'Products "{product.name}" and "{other.name}" would both be QuickBooks item '
            f'"{item.get("Name", name)}". Rename one of them, then retry.'
        )
    Product.objects.filter(pk=product.pk, qbo_item_id="").update(
        qbo_item_id=str(item["Id"]), qbo_item_name=item.get("Name", "")[:100]
    )
    ctx.items_by_product[product.pk] = str(item["Id"])
    return str(item["Id"])


def default_item_id(ctx: PushContext) -> str:
    """The item for free-text lines: the configured one, else "Services" (found or created)."""
    settings = ctx.settings
    if not settings.default_item_id:
        item = _find_or_create_item(
            ctx, "Services", derived_request_id("default-item", ctx.company_id), {}
        )
        with transaction.atomic():
            settings.default_item_id = str(item["Id"])
            settings.default_item_name = item.get("Name", "")[:100]
            settings.save(update_fields=["default_item_id", "default_item_name", "updated_at"])
    return settings.default_item_id


def ensure_items(ctx: PushContext, order: Order) -> dict[int, str]:
    """QBO item ids for each order line (by line pk)."""
    ids = {}
    for line in order.lines.all():  # prefetched with their products by push.claim_due
        if line.product_id:
            ids[line.pk] = product_item_id(ctx, line.product)
        else:  # an item picked on the order form, else the default item
            ids[line.pk] = line.qbo_item_id or default_item_id(ctx)
    return ids
