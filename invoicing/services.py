"""Invoicing services: creating orders, re-queuing their push, and links to their invoices."""

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import BigIntegerField, F, Max
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.models import Company, User
from customers.models import Customer
from invoicing import drains
from invoicing.models import MAX_AMOUNT, Order, OrderLine, Product
from qbo.client import open_client
from qbo.conf import qbo_settings
from qbo.environments import app_url
from qbo.models import QuickBooksConnection

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
FIRST_ORDER_NUMBER = 1001
RETRYABLE = (Order.PushStatus.FAILED, Order.PushStatus.WAITING)


@dataclass(frozen=True)
class NewLine:
    """One line of an order being created: a product or a free-text description."""

    product: Product | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    taxable: bool
    qbo_item_id: str = ""
    # The line's QBO class (companies that assign a class to each row).
    class_id: str = ""
    class_name: str = ""
    # The line's tax code outside the US (empty: Invoicing settings' code at push).
    tax_code_id: str = ""
    tax_code_name: str = ""

    @property
    def amount(self) -> Decimal:
        return line_amount(self.quantity, self.unit_price)


@dataclass(frozen=True)
class Extras:
    """What an order carries beside its lines: ship-to, discount, shipping, our tax."""

    ship_line1: str = ""
    ship_city: str = ""
    ship_region: str = ""
    ship_postal_code: str = ""
    ship_country: str = ""
    discount_percent: Decimal | None = None
    discount_amount: Decimal | None = None
    shipping: Decimal = Decimal("0.00")
    tax: Decimal | None = None

    @property
    def has_ship_to(self) -> bool:
        return any(getattr(self, f"ship_{part}") for part in SHIP_PARTS)


@dataclass(frozen=True)
class Tracking:
    """The invoice's QBO class and location (Department) and its custom fields by slot."""

    class_id: str = ""
    class_name: str = ""
    department_id: str = ""
    department_name: str = ""
    custom_fields: tuple[str, str, str] = ("", "", "")

    def order_fields(self) -> dict:
        return {
            "qbo_class_id": self.class_id,
            "qbo_class_name": self.class_name,
            "qbo_department_id": self.department_id,
            "qbo_department_name": self.department_name,
            **{f"custom_field_{n}": value for n, value in enumerate(self.custom_fields, 1)},
        }


@dataclass(frozen=True)
class Checkout:
    """Paid at checkout: the order becomes a sales receipt, its money deposited to the account
    (and taken by the payment method) chosen from the company's QuickBooks."""

    deposit_account_id: str
    deposit_account_name: str = ""
    payment_method_id: str = ""
    payment_method_name: str = ""

    def order_fields(self) -> dict:
        if not self.deposit_account_id:
            raise ValueError("An order paid at checkout needs the account it was deposited to")
        return {
            "qbo_form": Order.QboForm.SALES_RECEIPT,
            "deposit_account_id": self.deposit_account_id,
            "deposit_account_name": self.deposit_account_name[:100],
            "payment_method_id": self.payment_method_id,
            "payment_method_name": self.payment_method_name[:100],
        }


SHIP_PARTS = ("line1", "city", "region", "postal_code", "country")
# A QuickBooks company's home currency follows its country (Intuit's sign-up sets it).
HOME_CURRENCIES = {"US": "USD", "CA": "CAD", "GB": "GBP", "UK": "GBP", "AU": "AUD"}


def home_currency(company: Company) -> str:
    """The company's QuickBooks home currency as far as qbsync knows (USD if not connected)."""
    conn = QuickBooksConnection.objects.filter(company=company).only("country").first()
    country = (conn.country if conn else "") or "US"
    return HOME_CURRENCIES.get(country.upper(), "USD")


def discount_for(subtotal: Decimal, percent: Decimal | None, amount: Decimal | None) -> Decimal:
    """The discount's money as QuickBooks works it out: the percent of the item lines (not
    shipping), rounded half-up to the cent; a fixed amount as it is."""
    if percent is not None:
        return (subtotal * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return (amount or Decimal("0.00")).quantize(CENT, rounding=ROUND_HALF_UP)


def order_total(subtotal: Decimal, discount: Decimal, shipping: Decimal, tax) -> Decimal:
    """QuickBooks' TotalAmt: lines - discount + shipping + tax (our tax, if we send it)."""
    return subtotal - discount + shipping + (tax or Decimal("0.00"))


def ship_to_from(customer: Customer | None) -> dict:
    """The customer's shipping address, else its billing address (none for a new customer)."""
    if customer is None:
        return {}
    kind = "ship" if customer.ship_line1 or customer.ship_city or customer.ship_region else "bill"
    return {f"ship_{part}": getattr(customer, f"{kind}_{part}") for part in SHIP_PARTS}


class DuplicateSubmission(Exception):
    """The same new-order form was submitted again; `order` is the one it already made."""

    def __init__(self, order: Order):
        super().__init__(order.number)
        self.order = order


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """Quantity times unit price, rounded half-up to cents."""
    return (quantity * unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


def next_order_number(company: Company) -> str:
    """The company's next order number; call it holding the company's row lock."""
    numbers = Order.objects.filter(company=company, number__regex=r"^[0-9]{1,18}$")
    highest = numbers.aggregate(n=Max(Cast("number", BigIntegerField())))["n"]
    return str(max(highest or 0, FIRST_ORDER_NUMBER - 1) + 1)


def create_order(
    *,
    company: Company,
    created_by: User | None,
    customer: Customer | None = None,
    new_customer_name: str = "",
    new_customer_email: str = "",
    new_customer_parent: Customer | None = None,
    new_customer_bill_with_parent: bool = False,
    order_date: date,
    due_date: date | None = None,
    memo: str = "",
    currency: str = "",
    exchange_rate: Decimal | None = None,
    lines: Sequence[NewLine],
    form_token: uuid.UUID | None = None,
    extras: Extras | None = None,
    tracking: Tracking | None = None,
    checkout: Checkout | None = None,
) -> Order:
    """Save a numbered order with its lines and totals, and queue its push after commit.

    The currency defaults to the customer's, else the company's home currency; the ship-to
    to the customer's shipping (else billing) address. With `checkout` (paid at checkout) it
    becomes a sales receipt, which has no due date."""
    extras = extras or Extras()
    form_fields = checkout.order_fields() if checkout else {}
    if checkout and due_date:
        raise ValueError("A sales receipt is paid at once: it has no due date")
    if (customer is None) == (not new_customer_name):
        raise ValueError("An order needs exactly one of customer or new_customer_name")
    if customer is not None and customer.company_id != company.id:
        raise ValueError("The customer belongs to another company")
    if new_customer_parent is not None and (
        customer is not None or new_customer_parent.company_id != company.id
    ):
        raise ValueError("A new customer's parent is one of the company's customers")
    if any(line.product and line.product.company_id != company.id for line in lines):
        raise ValueError("A product belongs to another company")
    if not lines:
        raise ValueError("An order needs at least one line")
    if sum(line.amount for line in lines) > MAX_AMOUNT:
        raise ValueError("The order's total is more than an invoice can hold")

    subtotal = sum((line.amount for line in lines), Decimal("0.00"))
    discount = discount_for(subtotal, extras.discount_percent, extras.discount_amount)
    if discount > subtotal:
        raise ValueError("The discount is more than the order's lines")
    total = order_total(subtotal, discount, extras.shipping, extras.tax)
    if total > MAX_AMOUNT:
        raise ValueError("The order's total is more than an invoice can hold")
    currency = (currency or (customer.currency if customer else "") or "").upper()
    currency = currency or home_currency(company)
    if exchange_rate is not None and exchange_rate <= 0:
        raise ValueError("An exchange rate must be more than zero")
    if extras.has_ship_to:
        ship_to = {f"ship_{part}": getattr(extras, f"ship_{part}") for part in SHIP_PARTS}
    else:
        ship_to = ship_to_from(customer)
    with transaction.atomic():
        # The company row lock serialises number allocation per company (on SQLite the
        # IMMEDIATE transaction mode serialises writers instead).
        Company.objects.select_for_update().only("id").get(pk=company.pk)
        if form_token and (
            made := Order.objects.filter(company=company, form_token=form_token).first()
        ):
            raise DuplicateSubmission(made)  # under the lock, so the first one has committed
        order = Order.objects.create(
            company=company,
            number=next_order_number(company),
            customer=customer,
            new_customer_name=new_customer_name,
            new_customer_email=new_customer_email,
            new_customer_parent=new_customer_parent,
            new_customer_bill_with_parent=bool(
                new_customer_parent and new_customer_bill_with_parent
            ),
            order_date=order_date,
            due_date=due_date,
            memo=memo,
            currency=currency,
            exchange_rate=exchange_rate,
            **ship_to,
            discount_percent=extras.discount_percent,
            discount=discount,
            shipping=extras.shipping,
            tax=extras.tax,
            subtotal=subtotal,
            # Without our tax, QuickBooks adds any sales tax: its figure comes back as qbo_tax.
            total=total,
            created_by=created_by,
            form_token=form_token,
            push_status=Order.PushStatus.PENDING,
            **(tracking or Tracking()).order_fields(),
            **form_fields,
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                position=position,
                product=line.product,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=line.amount,
                taxable=line.taxable,
                qbo_item_id="" if line.product else line.qbo_item_id,
                qbo_class_id=line.class_id,
                qbo_class_name=line.class_name,
                qbo_tax_code_id=line.tax_code_id,
                qbo_tax_code_name=line.tax_code_name,
            )
            for position, line in enumerate(lines, start=1)
        )
        _ring_push(order.company_id)
    logger.info("order %s created for company %s", order.number, company.id)
    return order


def retry_push(order: Order) -> bool:
    """Queue a failed or waiting order for a fresh push; False if its state doesn't allow it."""
    with transaction.atomic():
        # A conditional UPDATE, so two clicks (or a worker finishing meanwhile) can't both win.
        retried = Order.objects.filter(pk=order.pk, push_status__in=RETRYABLE).update(
            push_status=Order.PushStatus.PENDING,
            push_generation=F("push_generation") + 1,
            request_id="",
            last_error="",
            last_error_code="",
            last_error_tid="",
            next_attempt_at=None,
            push_attempts=0,
            updated_at=timezone.now(),
        )
        if retried:
            _ring_push(order.company_id)
    return bool(retried)


def _ring_push(company_id: int) -> None:
    # The row is the ledger; the message is a doorbell sent only once the row is committed.
    transaction.on_commit(lambda: drains.ring(company_id))


def invoice_pdf(order: Order) -> bytes:
    """The invoice (or sales receipt) as QuickBooks renders it."""
    with open_client(order.company_id) as qb:
        return qb.pdf(order.qbo_entity, order.qbo_invoice_id)


def qbo_setting_choices(company: Company) -> dict[str, list[tuple[str, str]]]:
    """Items, income accounts, terms and tax codes from the company's QuickBooks."""
    queries = {
        "items": ("Item", None),
        "accounts": ("Account", {"AccountType": "Income"}),
        "terms": ("Term", None),
        "tax_codes": ("TaxCode", None),
    }
    choices: dict[str, list[tuple[str, str]]] = {}
    with open_client(company) as qb:
        for key, (entity, where) in queries.items():
            rows = qb.query_page(entity, where)
            choices[key] = sorted(
                ((str(row["Id"]), str(row.get("Name", row["Id"]))) for row in rows),
                key=lambda pair: pair[1].lower(),
            )
    choices["shipping_items"] = choices["items"]  # shipping, where QBO has no shipping field
    return choices


def invoice_url(order: Order, realm_id: str, environment: str = "") -> str:
    """Where a person opens the order's invoice in QuickBooks (or the local sandbox).

    `environment` is the connection's (it outlives a change of QBO_ENVIRONMENT); without a
    connection, the configured one. No link to the local sandbox without a realm.
    """
    environment = environment or qbo_settings.ENVIRONMENT
    invoice_id = order.qbo_invoice_id
    return app_url(
        environment,
        realm_id,
        app_path=f"{order.qbo_entity.lower()}?txnId={invoice_id}",
        local_path=(
            f"lists/SalesReceipt/{invoice_id}"
            if order.is_sales_receipt
            else f"invoices/{invoice_id}"
        ),
    )
