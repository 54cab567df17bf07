"""The QBO customer and items an invoice refers to: found, or created exactly once.

Customer rule (deterministic): the mirrored QBO id if the order has one; else a QBO customer
with the order's email; else one with the order's DisplayName; else a new customer. If QBO
answers 6240 (the name is taken — by a customer created meanwhile, or by a vendor or an
employee, which share DisplayName's namespace), use the customer of that name if there is
one; otherwise the new customer is named "<name> (customer)", and if that is taken by a
non-customer too, the order fails with a message saying so.
"""

import logging
import uuid
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction

from accounts.models import QuickBooksConnection
from customers.models import Customer
from customers.sync import upsert_customers
from invoicing import names
from invoicing.models import InvoicingSettings, Order, Product
from qbsync.client import QBOClient
from qbsync.errors import Rejected
from qbsync.qbojson import dumps, select

logger = logging.getLogger(__name__)

DUPLICATE_NAME = "6240"
PREFERENCES_TTL = 300
NAMESPACE = uuid.UUID("6f1d9a64-7c0e-4f9b-9a57-0b5b2f4a1c11")


def derived_request_id(*parts: object) -> str:
    """A requestid derived from what is being created, so every retry sends the same one."""
    return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts)))


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
    items_by_product: dict[int, str] = field(default_factory=dict)
    # New customers resolved in this drain, by (name, email): one lookup per customer.
    customers_by_key: dict[tuple[str, str], int] = field(default_factory=dict)
    # Invoices found per search, for the current round of claimed orders only: a search must
    # come after every earlier attempt of the orders it answers for (push_claimed clears it).
    invoice_searches: dict[str, list[dict]] = field(default_factory=dict)

    def query(self, sql: str, entity: str) -> list[dict]:
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries
        return self.qb.query(sql).get("QueryResponse", {}).get(entity, [])


def load_context(qb: QBOClient, company_id: int) -> PushContext:
    """Invoicing settings, the company's country and the sales-form preferences."""
    conn = QuickBooksConnection.objects.get(company_id=company_id)
    invoicing_settings, _ = InvoicingSettings.objects.get_or_create(company_id=company_id)
    custom_doc_number, home_currency = _sales_preferences(qb, company_id)
    return PushContext(
        qb=qb,
        company_id=company_id,
        settings=invoicing_settings,
        us=(conn.country or "US").upper() == "US",
        custom_doc_number=custom_doc_number,
        home_currency=home_currency,
    )


def _sales_preferences(qb: QBOClient, company_id: int) -> tuple[bool, str]:
    """(custom transaction numbers?, home currency), read from QBO at most every few minutes."""
    key = f"qbo:prefs:sales:{company_id}"
    cached = cache.get(key)
    if cached is None:
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/preferences
        prefs = qb.query("SELECT * FROM Preferences").get("QueryResponse", {})
        found = (prefs.get("Preferences") or [{}])[0]
        sales = found.get("SalesFormsPrefs") or {}
        currency = ((found.get("CurrencyPrefs") or {}).get("HomeCurrency") or {}).get("value")
        cached = (bool(sales.get("CustomTxnNumbers")), str(currency or ""))
        cache.set(key, cached, PREFERENCES_TTL)
    return tuple(cached)


# --- customers ------------------------------------------------------------------------------


def _find_customer(ctx: PushContext, *, email: str, name: str) -> dict | None:
    if email:
        sql = select("Customer", {"PrimaryEmailAddr": email})
        if found := ctx.query(sql, "Customer"):
            return found[0]
    if name:
        sql = select("Customer", {"DisplayName": name})
        if found := ctx.query(sql, "Customer"):
            return found[0]
    return None


def _create_customer(ctx: PushContext, order: Order, name: str, email: str) -> dict:
    body: dict = {"DisplayName": name}
    if email:
        body["PrimaryEmailAddr"] = {"Address": email}
    # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer#create-a-customer
    result = ctx.qb.create_object(
        "Customer",
        dumps(body),
        request_id=derived_request_id(order.request_id, "customer", name),
    )
    return result["Customer"]


def _create_customer_resolving_clash(ctx: PushContext, order: Order, name: str, email: str):
    for candidate in (name, f"{name} (customer)"):
        try:
            return _create_customer(ctx, order, candidate, email)
        except Rejected as exc:
            if exc.code != DUPLICATE_NAME:
                raise
            if found := _find_customer(ctx, email="", name=candidate):
                return found  # a customer of that name exists (maybe created a moment ago)
    raise Rejected(
        f'"{name}" and "{name} (customer)" are both used by vendors or employees in '
        "QuickBooks. Rename the customer on the order, then retry.",
        code=DUPLICATE_NAME,
    )


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
    known = ctx.customers_by_key.get((name.lower(), email.lower()))
    if known:
        order.customer = Customer.objects.get(pk=known)
    else:
        data = _find_customer(ctx, email=email, name=name) or _create_customer_resolving_clash(
            ctx, order, name, email
        )
        upsert_customers(ctx.company_id, [data])
        order.customer = Customer.objects.get(company_id=ctx.company_id, qbo_id=str(data["Id"]))
        ctx.customers_by_key[(name.lower(), email.lower())] = order.customer.pk
    Order.objects.filter(pk=order.pk).update(customer=order.customer)
    return order.customer.qbo_id


# --- items ----------------------------------------------------------------------------------


def _income_account_id(ctx: PushContext) -> str:
    settings = ctx.settings
    if not settings.income_account_id:
        accounts = ctx.query(
            select("Account", {"AccountType": "Income"}, max_results=100), "Account"
        )
        if not accounts:
            raise Rejected("QuickBooks has no income account; choose one in Invoicing settings.")
        preferred = next((a for a in accounts if "Services" in a.get("Name", "")), accounts[0])
        settings.income_account_id = str(preferred["Id"])
        settings.income_account_name = preferred.get("Name", "")[:100]
        settings.save(update_fields=["income_account_id", "income_account_name", "updated_at"])
    return settings.income_account_id


def _find_or_create_item(ctx: PushContext, name: str, request_id: str, extra: dict) -> dict:
    sql = select("Item", {"Name": name})
    if found := ctx.query(sql, "Item"):
        return found[0]
    body = {
        "Name": name,
        "Type": "Service",
        "IncomeAccountRef": {"value": _income_account_id(ctx)},
        **extra,
    }
    try:
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/item#create-an-item
        return ctx.qb.create_object("Item", dumps(body), request_id=request_id)["Item"]
    except Rejected as exc:
        if exc.code == DUPLICATE_NAME and (found := ctx.query(sql, "Item")):
            return found[0]
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
        ids[line.pk] = (
            product_item_id(ctx, line.product) if line.product_id else default_item_id(ctx)
        )
    return ids
