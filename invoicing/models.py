"""Products, orders and their lines, and each order's push state towards a QBO invoice."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from invoicing.names import name_key

MONEY = {"max_digits": 14, "decimal_places": 2}
# The largest amount a MONEY column holds (and more than any invoice line needs).
MAX_AMOUNT = Decimal("999999999999.99")


class ProductQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for product in objs:  # bulk_create skips save(), which keeps name_key in step
            product.name_key = name_key(product.name)
        return super().bulk_create(objs, *args, **kwargs)


class Product(models.Model):
    """Something the company sells; maps to a QBO Item (created on first push if missing)."""

    company = models.ForeignKey(
        "accounts.Company", on_delete=models.CASCADE, related_name="products"
    )
    name = models.CharField(max_length=100, help_text="Also the QuickBooks item name.")
    # invoicing.names.name_key(name): what QuickBooks sees as the same item name.
    name_key = models.CharField(max_length=400, editable=False, default="")
    sku = models.CharField("SKU", max_length=100, blank=True)
    description = models.TextField(blank=True, max_length=4000)
    unit_price = models.DecimalField(**MONEY, default=Decimal("0.00"))
    taxable = models.BooleanField(default=True)
    active = models.BooleanField(default=True)
    qbo_item_id = models.CharField("QuickBooks item id", max_length=32, blank=True)
    qbo_item_name = models.CharField(max_length=100, blank=True)
    # Defaults for the order lines that sell it: the line's tax code (companies outside the
    # US) and class (companies tracking a class per line); QBO ids, with the names shown.
    qbo_tax_code_id = models.CharField("QuickBooks tax code id", max_length=32, blank=True)
    qbo_tax_code_name = models.CharField("tax code", max_length=100, blank=True)
    qbo_class_id = models.CharField("QuickBooks class id", max_length=32, blank=True)
    qbo_class_name = models.CharField("default class", max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            # QBO item names are unique regardless of case.
            models.UniqueConstraint("company", Lower("name"), name="unique_product_name"),
            models.UniqueConstraint(fields=["company", "name_key"], name="unique_product_name_key"),
            models.UniqueConstraint(
                fields=["company", "qbo_item_id"],
                condition=~models.Q(qbo_item_id=""),
                name="unique_product_item",
            ),
            models.UniqueConstraint(
                fields=["company", "sku"],
                condition=~models.Q(sku=""),
                name="unique_product_sku",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # A derived column, kept with the name it derives from wherever the row is saved.
        self.name_key = name_key(self.name)
        if (fields := kwargs.get("update_fields")) is not None and "name" in fields:
            kwargs["update_fields"] = {*fields, "name_key"}
        super().save(*args, **kwargs)


class InvoicingSettings(models.Model):
    """Per-company choices for pushing invoices, picked from the company's QBO data."""

    company = models.OneToOneField(
        "accounts.Company", on_delete=models.CASCADE, related_name="invoicing_settings"
    )
    default_item_id = models.CharField(
        max_length=32, blank=True, help_text="QBO item used for free-text order lines."
    )
    default_item_name = models.CharField(max_length=100, blank=True)
    income_account_id = models.CharField(
        max_length=32, blank=True, help_text="Income account for items qbsync creates."
    )
    income_account_name = models.CharField(max_length=100, blank=True)
    term_id = models.CharField("payment terms id", max_length=32, blank=True)
    term_name = models.CharField("payment terms", max_length=100, blank=True)
    tax_code_id = models.CharField(
        max_length=32, blank=True, help_text="Line tax code for companies outside the US."
    )
    tax_code_name = models.CharField(max_length=100, blank=True)

    # US companies with automated sales tax: QuickBooks works the tax out from the ship-to
    # address, or takes the tax the business charged (TxnTaxDetail.TotalTax).
    class TaxMode(models.TextChoices):
        QUICKBOOKS = "quickbooks", "QuickBooks calculates"
        OURS = "ours", "Send the tax we charged"

    tax_mode = models.CharField(
        "sales tax", max_length=10, choices=TaxMode.choices, default=TaxMode.QUICKBOOKS
    )
    apply_tax_after_discount = models.BooleanField(
        default=False, help_text="Tax the lines after the order's discount comes off."
    )
    shipping_taxable = models.BooleanField(
        default=False, help_text="Shipping charges are taxed like a taxable line."
    )
    shipping_item_id = models.CharField(
        max_length=32,
        blank=True,
        help_text="QBO item for shipping when the company's QuickBooks has no shipping field.",
    )
    shipping_item_name = models.CharField(max_length=100, blank=True)
    send_after_create = models.BooleanField(
        "send invoices automatically",
        default=False,
        help_text="E-mail each new invoice to its customer once QuickBooks has it.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "invoicing settings"

    def __str__(self) -> str:
        return f"Invoicing settings for {self.company}"


class Order(models.Model):
    class PushStatus(models.TextChoices):
        PENDING = "pending", "Pending"
        IN_FLIGHT = "in_flight", "Sending"
        SYNCED = "synced", "Synced"
        FAILED = "failed", "Failed"
        WAITING = "waiting", "Waiting for reconnect"
        CANCELLED = "cancelled", "Cancelled before sending"

    class PaymentStatus(models.TextChoices):
        UNPAID = "unpaid", "Unpaid"
        PARTIALLY_PAID = "partially_paid", "Partially paid"
        PAID = "paid", "Paid"

    # The QuickBooks sales form the order becomes, chosen when it is made (issue 14): an
    # invoice to be paid later, or a sales receipt for an order paid at checkout.
    class QboForm(models.TextChoices):
        INVOICE = "invoice", "Invoice"
        SALES_RECEIPT = "sales_receipt", "Sales receipt"

    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="orders")
    # QBO DocNumber holds at most 21 characters.
    number = models.CharField(max_length=21)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="orders",
        null=True,
        blank=True,
        help_text="Empty until a new customer has been created in QuickBooks.",
    )
    new_customer_name = models.CharField(max_length=500, blank=True)
    new_customer_email = models.EmailField(blank=True)
    # A new customer made as a sub-customer (job) of this one (QBO Job, ParentRef).
    new_customer_parent = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="new customer's parent",
    )
    new_customer_bill_with_parent = models.BooleanField(default=False)
    order_date = models.DateField()
    due_date = models.DateField(null=True, blank=True)
    memo = models.CharField("message on invoice", max_length=1000, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    # Home-currency units per unit of `currency` (QBO's Invoice.ExchangeRate); empty: QuickBooks
    # uses its own rate for the day. Seven places, as QBO's rates come back.
    exchange_rate = models.DecimalField(max_digits=15, decimal_places=7, null=True, blank=True)
    # Where the goods go: QBO's ShipAddr, which US automated sales tax follows.
    ship_line1 = models.CharField("ship-to address", max_length=500, blank=True)
    ship_city = models.CharField(max_length=255, blank=True)
    ship_region = models.CharField("ship-to state or region", max_length=255, blank=True)
    ship_postal_code = models.CharField(max_length=30, blank=True)
    ship_country = models.CharField(max_length=255, blank=True)
    # A discount on the whole order: a percent of the lines or a fixed amount (discount
    # holds the money either way, worked out as QuickBooks does).
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    discount = models.DecimalField(**MONEY, default=Decimal("0.00"))
    shipping = models.DecimalField(**MONEY, default=Decimal("0.00"))
    # The tax the business charged, sent as TxnTaxDetail.TotalTax; None: QuickBooks calculates.
    tax = models.DecimalField(**MONEY, null=True, blank=True)
    subtotal = models.DecimalField(**MONEY, default=Decimal("0.00"))
    total = models.DecimalField(**MONEY, default=Decimal("0.00"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    # The new-order form's one-time token: submitting the same form twice makes one order.
    form_token = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Push state (DESIGN.md "State"): the row is the ledger, a Celery message only a doorbell.
    push_status = models.CharField(
        max_length=10, choices=PushStatus.choices, default=PushStatus.PENDING
    )
    push_attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    request_id = models.CharField(max_length=50, blank=True)
    push_generation = models.PositiveIntegerField(default=0)
    needs_lookup = models.BooleanField(
        default=False,
        help_text="An attempt may have reached QuickBooks: look for the invoice before sending.",
    )
    last_error = models.TextField(blank=True)
    last_error_code = models.CharField(max_length=20, blank=True)
    last_error_tid = models.CharField("last error intuit_tid", max_length=100, blank=True)
    qbo_invoice_id = models.CharField("QuickBooks invoice id", max_length=32, blank=True)
    qbo_doc_number = models.CharField("invoice number", max_length=21, blank=True)
    qbo_sync_token = models.CharField(max_length=20, blank=True)
    qbo_total = models.DecimalField(**MONEY, null=True, blank=True)
    qbo_balance = models.DecimalField(**MONEY, null=True, blank=True)
    qbo_tax = models.DecimalField("QuickBooks tax", **MONEY, null=True, blank=True)
    payment_status = models.CharField(
        max_length=15, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID
    )
    # What QuickBooks holds against the invoice, whoever made it (kept by payments/money.py):
    # received, credited, refunded (as text) and the ids of those transactions, so our own
    # writes are counted once (invoicing.settlements.money).
    qbo_money = models.JSONField(default=dict, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    # The order's life after its invoice exists (invoicing/writes.py): every later write to
    # QBO is an OrderWrite row. `revision` counts local edits; the base is the invoice as we
    # last agreed with QuickBooks (its SyncToken and content), so a 5010 tells our own
    # earlier revision apart from someone's edit in QuickBooks.
    revision = models.PositiveIntegerField(default=0)
    qbo_base_token = models.CharField(max_length=20, blank=True)
    qbo_base = models.JSONField(default=dict, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    qbo_state = models.CharField(
        max_length=10, blank=True, help_text="voided or deleted, once our cancel reached QBO."
    )
    # From the invoice's BillEmail, EmailStatus and DeliveryInfo (our sends and sync).
    bill_email = models.EmailField(blank=True)
    email_status = models.CharField(max_length=20, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # Where the company tracks them (Preferences), QBO's class and location (Department) of the
    # invoice, kept with their names as the form showed them; and the sales form's legacy custom
    # fields by slot (DefinitionId "1".."3"; QBO's UI holds 31 characters).
    qbo_class_id = models.CharField("QuickBooks class id", max_length=32, blank=True)
    qbo_class_name = models.CharField("class", max_length=500, blank=True)
    qbo_department_id = models.CharField("QuickBooks location id", max_length=32, blank=True)
    qbo_department_name = models.CharField("location", max_length=500, blank=True)
    custom_field_1 = models.CharField(max_length=31, blank=True)
    custom_field_2 = models.CharField(max_length=31, blank=True)
    custom_field_3 = models.CharField(max_length=31, blank=True)
    # Never changed after the order is made; a sales receipt's PaymentMethodRef and
    # DepositToAccountRef, with their names as the form showed them.
    qbo_form = models.CharField(
        "QuickBooks form", max_length=15, choices=QboForm.choices, default=QboForm.INVOICE
    )
    payment_method_id = models.CharField(max_length=32, blank=True)
    payment_method_name = models.CharField("payment method", max_length=100, blank=True)
    deposit_account_id = models.CharField(max_length=32, blank=True)
    deposit_account_name = models.CharField("deposited to", max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="unique_order_number"),
            models.UniqueConstraint(
                fields=["company", "form_token"], name="unique_order_form_token"
            ),
            # qbo_invoice_id holds the id of the order's form: QBO numbers each entity's
            # Ids on its own, so an invoice and a sales receipt may share one.
            models.UniqueConstraint(
                fields=["company", "qbo_form", "qbo_invoice_id"],
                condition=~models.Q(qbo_invoice_id=""),
                name="unique_order_invoice",
            ),
            models.CheckConstraint(
                condition=models.Q(qbo_form="invoice") | ~models.Q(deposit_account_id=""),
                name="order_receipt_deposit_account",
            ),
        ]
        indexes = [
            models.Index(fields=["push_status", "next_attempt_at"], name="order_push_due"),
            models.Index(fields=["company", "push_status"], name="order_company_status"),
            models.Index(fields=["company", "-created_at"], name="order_company_recent"),
        ]

    def __str__(self) -> str:
        return f"Order {self.number}"

    @property
    def customer_name(self) -> str:
        return self.customer.display_name if self.customer_id else self.new_customer_name

    @property
    def is_sales_receipt(self) -> bool:
        return self.qbo_form == self.QboForm.SALES_RECEIPT

    @property
    def qbo_entity(self) -> str:
        """The QBO entity the order becomes: "Invoice" or "SalesReceipt"."""
        return "SalesReceipt" if self.is_sales_receipt else "Invoice"

    @property
    def form_name(self) -> str:
        """The form in words, for messages: "invoice" or "sales receipt"."""
        return self.get_qbo_form_display().lower()

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def amount_paid(self) -> Decimal:
        """What QuickBooks has applied to the invoice (total minus open balance)."""
        if self.qbo_total is None or self.qbo_balance is None:
            return Decimal("0.00")
        return max(Decimal("0.00"), self.qbo_total - self.qbo_balance)

    @property
    def ship_to(self) -> list[str]:
        """The ship-to address as lines, for the order page."""
        place = " ".join(filter(None, [self.ship_city, self.ship_region, self.ship_postal_code]))
        return [part for part in (self.ship_line1, place, self.ship_country) if part]

    @property
    def expected_qbo_total(self) -> Decimal | None:
        """What QuickBooks' total should be: ours, plus its tax when it calculates the tax."""
        if self.tax is not None:
            return self.total
        if self.qbo_tax is None:
            return None if self.qbo_total is None else self.total
        return self.total + self.qbo_tax

    @property
    def custom_field_values(self) -> list[tuple[int, str]]:
        """The invoice's custom fields that have a value, as (DefinitionId, value)."""
        values = (self.custom_field_1, self.custom_field_2, self.custom_field_3)
        return [(slot, value) for slot, value in enumerate(values, 1) if value]

    @property
    def exchange_rate_shown(self) -> str:
        """The rate as typed (1.25, not 1.2500000); empty without one."""
        if self.exchange_rate is None:
            return ""
        return format(self.exchange_rate.normalize(), "f")

    @property
    def home_total(self) -> Decimal | None:
        """The total in the home currency at the order's own rate, as QuickBooks works out
        HomeTotalAmt (TotalAmt times ExchangeRate, to the cent); None without a rate."""
        if self.exchange_rate is None:
            return None
        total = self.expected_qbo_total if self.expected_qbo_total is not None else self.total
        return (total * self.exchange_rate).quantize(Decimal("0.01"), ROUND_HALF_UP)

    @property
    def total_differs_in_qbo(self) -> bool:
        """QuickBooks' total isn't the one the order's lines, discount, shipping and tax make."""
        if self.qbo_total is None or self.is_cancelled or self.qbo_state:
            return False
        return self.qbo_total != self.expected_qbo_total


def total_differs_in_qbo() -> models.Q:
    """Order.total_differs_in_qbo as a filter, for lists of orders (the dashboard's)."""
    total, tax = models.F("total"), models.F("qbo_tax")
    differs = ~models.Q(qbo_total=total)
    with_their_tax = models.Q(tax__isnull=True, qbo_tax__isnull=False) & ~models.Q(
        qbo_total=total + tax
    )
    return models.Q(qbo_total__isnull=False, cancelled_at__isnull=True, qbo_state="") & (
        (models.Q(tax__isnull=False) & differs)
        | (models.Q(tax__isnull=True, qbo_tax__isnull=True) & differs)
        | with_their_tax
    )


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="order_lines"
    )
    description = models.CharField(max_length=4000, blank=True)
    quantity = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("1"))
    unit_price = models.DecimalField(**MONEY)
    amount = models.DecimalField(**MONEY)
    taxable = models.BooleanField(default=True)
    # A QuickBooks item picked on the order form (catalog's item search) with no product.
    qbo_item_id = models.CharField("QuickBooks item id", max_length=32, blank=True)
    # The line's class when the company assigns one to each row (ClassTrackingPerTxnLine).
    qbo_class_id = models.CharField("QuickBooks class id", max_length=32, blank=True)
    qbo_class_name = models.CharField("class", max_length=500, blank=True)
    # The line's tax code outside the US (empty: Invoicing settings' code at push).
    qbo_tax_code_id = models.CharField("QuickBooks tax code id", max_length=32, blank=True)
    qbo_tax_code_name = models.CharField("tax code", max_length=100, blank=True)

    class Meta:
        ordering = ["order", "position", "id"]

    def __str__(self) -> str:
        return self.description or (self.product.name if self.product_id else "line")

    def worth(self, quantity: Decimal) -> Decimal:
        """What `quantity` of the line comes to (all of it: the line's own amount)."""
        if quantity == self.quantity:
            return self.amount
        return (quantity * self.unit_price).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class OrderWrite(models.Model):
    """One write to QBO after the invoice exists: the ledger of that write and the order's
    history. Its requestid is stored with the row, before the first attempt."""

    class Kind(models.TextChoices):
        UPDATE = "update", "Edit"
        VOID = "void", "Void"
        DELETE = "delete", "Delete"
        SEND = "send", "Send"
        PAYMENT = "payment", "Payment"
        CREDIT = "credit", "Credit"
        REFUND = "refund", "Refund"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        IN_FLIGHT = "in_flight", "Sending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CONFLICT = "conflict", "Changed in QuickBooks"
        SUPERSEDED = "superseded", "Replaced by a later edit"
        DISCARDED = "discarded", "Kept QuickBooks' version"

    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="writes")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    revision = models.PositiveIntegerField(default=0)
    # Money moved by a payment, credit or refund (also in intent, as text).
    amount = models.DecimalField(**MONEY, null=True, blank=True)
    # The QBO object the write created (Payment, CreditMemo, RefundReceipt).
    qbo_id = models.CharField("QuickBooks id", max_length=32, blank=True)
    # What the user asked for (lines of the revision, the address to send to...).
    intent = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=50)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent = models.JSONField("what was sent", default=dict, blank=True)
    answer = models.JSONField("QuickBooks' answer", default=dict, blank=True)
    # The invoice as QuickBooks holds it when it differs from ours (status conflict).
    qbo_version = models.JSONField(default=dict, blank=True)
    last_error = models.TextField(blank=True)
    last_error_code = models.CharField(max_length=20, blank=True)
    last_error_tid = models.CharField("last error intuit_tid", max_length=100, blank=True)
    intuit_tid = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request_id"], name="unique_order_write_request"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="order_write_due"),
            models.Index(fields=["company", "status"], name="order_write_company_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of order {self.order_id} ({self.status})"
