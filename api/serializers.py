"""What the API reads (order input, list filters) and writes (orders, customers, products)."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from customers.models import Customer
from invoicing import settlements
from invoicing.models import Order, OrderLine, OrderWrite, Product
from invoicing.services import SHIP_PARTS
from invoicing.writes import BLOCKING

MONEY = {"max_digits": 14, "decimal_places": 2}


class CustomerRefInput(serializers.Serializer):
    """An existing customer by id, or a new one by name (and email)."""

    id = serializers.IntegerField(required=False, min_value=1)
    name = serializers.CharField(required=False, max_length=500)
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    parent = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="A new customer made a sub-customer (job) of this customer (its id).",
    )
    bill_with_parent = serializers.BooleanField(required=False, default=False)

    def validate(self, data):
        if ("id" in data) == ("name" in data):
            raise serializers.ValidationError(
                "Give the customer's id, or a name for a new customer (not both).", code="invalid"
            )
        for name in ("email", "parent"):
            if "id" in data and name in data:
                raise serializers.ValidationError(
                    {name: f"A {name} goes with a new customer's name, not an id."},
                    code="invalid",
                )
        return data


class CustomFieldInput(serializers.Serializer):
    """A sales-form custom field's value, the field named as QuickBooks names it or by its
    DefinitionId ("1" to "3")."""

    name = serializers.CharField(required=False, max_length=100)
    definition_id = serializers.CharField(required=False, max_length=8)
    value = serializers.CharField(allow_blank=True, max_length=100)

    def validate(self, data):
        if ("name" in data) == ("definition_id" in data):
            raise serializers.ValidationError(
                "Name the custom field by its name or its definition_id (one of them).",
                code="invalid",
            )
        return data


class OrderLineInput(serializers.Serializer):
    product = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=4000, default=""
    )
    quantity = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, default=Decimal("1")
    )
    unit_price = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    taxable = serializers.BooleanField(required=False, default=True)
    qbo_class_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        default="",
        help_text="The line's QuickBooks class (an active Class id), where the company assigns "
        "one per line; empty: its product's default class.",
    )
    qbo_tax_code_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        default="",
        help_text="The line's QuickBooks tax code (an active TaxCode id), for a company outside "
        "the US; empty: its product's, else Invoicing settings' code. A US company's lines take "
        "none (`taxable` says TAX or NON).",
    )


class EditLineInput(OrderLineInput):
    """A line of an edit: a class or tax code left out stays the saved line's in the same
    place (when it still sells the same product); empty: the product's default."""

    qbo_class_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text="The line's QuickBooks class; left out: the saved line's; empty: the product's.",
    )
    qbo_tax_code_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text="The line's QuickBooks tax code (outside the US); left out: the saved line's; "
        "empty: the product's, else Invoicing settings'.",
    )


class OrderInput(serializers.Serializer):
    external_id = serializers.CharField(
        required=False,
        max_length=100,
        help_text="Your own id for the order; a second order with it is refused (409).",
    )
    customer = CustomerRefInput()
    order_date = serializers.DateField()
    due_date = serializers.DateField(required=False, allow_null=True)
    memo = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")
    # Empty: the customer's currency, else the company's home currency (as on the order form).
    currency = serializers.CharField(required=False, max_length=3, allow_blank=True, default="")
    exchange_rate = serializers.DecimalField(
        max_digits=15,
        decimal_places=7,
        required=False,
        allow_null=True,
        help_text="Home-currency units per unit of a foreign currency; empty: QuickBooks' rate.",
    )
    qbo_class_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        default="",
        help_text="The invoice's QuickBooks class (an active Class id).",
    )
    qbo_department_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        default="",
        help_text="The invoice's QuickBooks location (an active Department id).",
    )
    custom_fields = serializers.ListField(
        child=CustomFieldInput(), required=False, max_length=3, default=list
    )
    lines = serializers.ListField(child=OrderLineInput(), min_length=1, max_length=200)
    form = serializers.ChoiceField(
        choices=Order.QboForm.choices,
        required=False,
        default=Order.QboForm.INVOICE,
        help_text="The QuickBooks form: an invoice, or a sales receipt for an order paid at "
        "checkout (then deposit_account is required).",
    )
    payment_method = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        default="",
        help_text="A sales receipt's QuickBooks PaymentMethod id.",
    )
    deposit_account = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        default="",
        help_text="A sales receipt's QuickBooks account (Bank or Other Current Asset) the "
        "payment went into.",
    )

    def validate(self, data):
        receipt = data.get("form") == Order.QboForm.SALES_RECEIPT
        if not receipt and (data.get("payment_method") or data.get("deposit_account")):
            raise serializers.ValidationError(
                {"form": "payment_method and deposit_account go with a sales_receipt."},
                code="invalid",
            )
        return data


class ShipToInput(serializers.Serializer):
    """The ship-to address (QuickBooks' ShipAddr), whole: a part left out is empty."""

    line1 = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    city = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
    region = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=255,
        default="",
        help_text="The state or region (CountrySubDivisionCode).",
    )
    postal_code = serializers.CharField(required=False, allow_blank=True, max_length=30, default="")
    country = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")


# What an edit may change beside the lines (the order page's edit form); left out, it stays.
EDIT_HEADER = ("order_date", "due_date", "memo", "bill_email", "ship_to")
EDIT_CHARGES = ("discount_percent", "discount_amount", "shipping", "tax")


class EditInput(serializers.Serializer):
    """What the order page's edit changes: its lines, header and charges. A field left out
    stays as it is; at least one is given."""

    lines = serializers.ListField(
        child=EditLineInput(),
        required=False,
        min_length=1,
        max_length=200,
        help_text="All the order's lines, replacing them (left out: the lines stay).",
    )
    order_date = serializers.DateField(required=False)
    due_date = serializers.DateField(
        required=False, allow_null=True, help_text="null: none (QuickBooks' terms set it)."
    )
    memo = serializers.CharField(
        required=False, allow_blank=True, max_length=1000, help_text="The message on the invoice."
    )
    # The form's limit (QuickBooks' 100) says so in the form's words: this one is the column's.
    bill_email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    ship_to = ShipToInput(
        required=False, help_text="Empty: the customer's address, as on a new order."
    )
    discount_percent = serializers.DecimalField(
        **MONEY,
        required=False,
        allow_null=True,
        help_text="A discount of this percent of the lines (at most 100); null: no discount.",
    )
    discount_amount = serializers.DecimalField(
        **MONEY,
        required=False,
        allow_null=True,
        help_text="A discount of this amount; null: no discount. Give one of the two.",
    )
    shipping = serializers.DecimalField(**MONEY, required=False)
    tax = serializers.DecimalField(
        **MONEY,
        required=False,
        help_text="The sales tax charged, where the order holds its own (a US company sending "
        "its tax, Invoicing settings); elsewhere refused (not_tracked).",
    )

    def validate(self, data):
        if not data:
            raise serializers.ValidationError(
                "Nothing to change: give the lines, or a header or charge field.",
                code="required",
            )
        if data.get("discount_percent") is not None and data.get("discount_amount") is not None:
            raise serializers.ValidationError(
                {"discount_amount": "Give a discount_percent or a discount_amount, not both."},
                code="invalid",
            )
        return data


class CancelInput(serializers.Serializer):
    delete = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Delete the invoice instead of voiding it (owners only: an API key can't).",
    )


class SendInput(serializers.Serializer):
    email = serializers.EmailField(
        required=False,
        max_length=254,
        help_text="Where QuickBooks e-mails the invoice; by default the invoice's or customer's.",
    )


POSITIVE = {**MONEY, "min_value": Decimal("0.01")}
QBO_ID = {"required": False, "allow_blank": True, "max_length": 32, "default": ""}


class PaymentInput(serializers.Serializer):
    amount = serializers.DecimalField(**POSITIVE)
    date = serializers.DateField(required=False, help_text="The day it was paid (today).")
    method = serializers.CharField(**QBO_ID, help_text="A QuickBooks PaymentMethod id.")
    account = serializers.CharField(
        **QBO_ID, help_text="The QuickBooks account (Bank or Other Current Asset) it went into."
    )
    reference = serializers.CharField(required=False, allow_blank=True, max_length=21, default="")


class CreditLineInput(serializers.Serializer):
    line = serializers.IntegerField(min_value=1, help_text="The order line's id (lines[].id).")
    quantity = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text="How much of the line to credit, at its unit price (left out: all of it).",
    )


class CreditInput(serializers.Serializer):
    """A sum of money, or chosen lines of the order (as the order's Credit page)."""

    amount = serializers.DecimalField(**POSITIVE, required=False)
    lines = serializers.ListField(
        child=CreditLineInput(),
        required=False,
        min_length=1,
        max_length=200,
        help_text="The order's lines to credit; the credit memo carries them, worth their sum.",
    )
    date = serializers.DateField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")

    def validate(self, data):
        if ("amount" in data) == ("lines" in data):
            raise serializers.ValidationError(
                {"amount": "Give the amount to credit, or the lines (one of them)."},
                code="required",
            )
        return data


class RefundInput(serializers.Serializer):
    amount = serializers.DecimalField(**POSITIVE)
    date = serializers.DateField(required=False)
    account = serializers.CharField(
        max_length=32, help_text="The QuickBooks account the refund is paid from."
    )
    method = serializers.CharField(**QBO_ID, help_text="A QuickBooks PaymentMethod id.")


class OrderFilter(serializers.Serializer):
    push_status = serializers.ChoiceField(choices=Order.PushStatus.choices, required=False)
    payment_status = serializers.ChoiceField(choices=Order.PaymentStatus.choices, required=False)
    external_id = serializers.CharField(required=False, max_length=100)
    customer = serializers.IntegerField(required=False, min_value=1)
    created_after = serializers.DateTimeField(required=False)
    created_before = serializers.DateTimeField(required=False)
    q = serializers.CharField(required=False, max_length=100)


class SearchFilter(serializers.Serializer):
    q = serializers.CharField(required=False, max_length=100)
    active = serializers.BooleanField(required=False, allow_null=True, default=None)


class OrderLineOutput(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = ["id", "position", "product", "description", "quantity", "unit_price"]
        fields += ["amount", "taxable", "qbo_class_id", "qbo_class_name"]
        fields += ["qbo_tax_code_id", "qbo_tax_code_name"]


class OrderError(serializers.Serializer):
    message = serializers.CharField()
    code = serializers.CharField()
    intuit_tid = serializers.CharField()


class OrderInvoice(serializers.Serializer):
    id = serializers.CharField()
    number = serializers.CharField()
    total = serializers.DecimalField(**MONEY, allow_null=True)
    balance = serializers.DecimalField(**MONEY, allow_null=True)


class WriteOutput(serializers.ModelSerializer):
    """One change sent (or to be sent) to QuickBooks after the invoice exists."""

    error = serializers.SerializerMethodField()

    class Meta:
        model = OrderWrite
        fields = ["id", "kind", "status", "amount", "qbo_id", "error", "created_at"]
        fields += ["finished_at"]

    @extend_schema_field(OrderError(allow_null=True))
    def get_error(self, write: OrderWrite) -> dict | None:
        """QuickBooks' words when it refused the change, with its intuit_tid."""
        if not write.last_error:
            return None
        return {
            "message": write.last_error,
            "code": write.last_error_code,
            "intuit_tid": write.last_error_tid,
        }


class OrderMoney(serializers.Serializer):
    paid_in_app = serializers.DecimalField(**MONEY)
    received = serializers.DecimalField(**MONEY)
    credited = serializers.DecimalField(**MONEY)
    refunded = serializers.DecimalField(**MONEY)
    open_balance = serializers.DecimalField(**MONEY)


class OrderCustomer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    email = serializers.CharField()
    full_name = serializers.CharField(help_text='"Parent:Job" for a sub-customer.')
    parent = serializers.IntegerField(
        allow_null=True, help_text="The parent a new customer was asked to be made a job of."
    )


class OrderCustomField(serializers.Serializer):
    definition_id = serializers.CharField()
    value = serializers.CharField()


class OrderShipTo(serializers.Serializer):
    line1 = serializers.CharField()
    city = serializers.CharField()
    region = serializers.CharField()
    postal_code = serializers.CharField()
    country = serializers.CharField()


class OrderOutput(serializers.ModelSerializer):
    external_id = serializers.SerializerMethodField()
    ship_to = serializers.SerializerMethodField()
    customer = serializers.SerializerMethodField()
    lines = OrderLineOutput(many=True, read_only=True)
    invoice = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    cancelled = serializers.SerializerMethodField()
    money = serializers.SerializerMethodField()
    custom_fields = serializers.SerializerMethodField()
    home_total = serializers.SerializerMethodField()
    writes = WriteOutput(many=True, read_only=True)
    form = serializers.CharField(
        source="qbo_form",
        read_only=True,
        help_text="invoice, or sales_receipt (paid at checkout: `invoice` holds the receipt).",
    )

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "external_id",
            "customer",
            "order_date",
            "due_date",
            "memo",
            "currency",
            "exchange_rate",
            "ship_to",
            "subtotal",
            "discount_percent",
            "discount",
            "shipping",
            "tax",
            "total",
            "home_total",
            "qbo_class_id",
            "qbo_class_name",
            "qbo_department_id",
            "qbo_department_name",
            "custom_fields",
            "lines",
            "push_status",
            "payment_status",
            "form",
            "invoice",
            "error",
            "cancelled",
            "cancelled_at",
            "qbo_state",
            "bill_email",
            "email_status",
            "emailed_at",
            "money",
            "writes",
            "created_at",
            "updated_at",
            "synced_at",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_external_id(self, order: Order) -> str | None:
        link = getattr(order, "api_link", None)
        return link.external_id if link else None

    @extend_schema_field(OrderShipTo)
    def get_ship_to(self, order: Order) -> dict:
        """Where the goods go (QuickBooks' ShipAddr); empty parts are empty strings."""
        return {part: getattr(order, f"ship_{part}") for part in SHIP_PARTS}

    @extend_schema_field(OrderCustomer)
    def get_customer(self, order: Order) -> dict:
        """The customer: its id once it exists in QuickBooks (else null), name and email."""
        if order.customer_id:
            c = order.customer
            return {
                "id": c.pk,
                "name": c.display_name,
                "email": c.email,
                "full_name": c.full_name,
                "parent": order.new_customer_parent_id,
            }
        parent = order.new_customer_parent
        return {
            "id": None,
            "name": order.new_customer_name,
            "email": order.new_customer_email,
            "full_name": f"{parent.full_name}:{order.new_customer_name}"
            if parent
            else order.new_customer_name,
            "parent": parent.pk if parent else None,
        }

    @extend_schema_field(OrderCustomField(many=True))
    def get_custom_fields(self, order: Order) -> list[dict]:
        """The invoice's custom fields that have a value, by DefinitionId."""
        return [
            {"definition_id": str(slot), "value": value}
            for slot, value in order.custom_field_values
        ]

    @extend_schema_field(serializers.DecimalField(**MONEY, allow_null=True))
    def get_home_total(self, order: Order) -> str | None:
        """The total in the home currency at the order's exchange rate (null without one)."""
        amount = order.home_total
        return None if amount is None else format(amount, "f")

    @extend_schema_field(OrderInvoice(allow_null=True))
    def get_invoice(self, order: Order) -> dict | None:
        """The QuickBooks invoice: id, number, total (with any tax) and balance."""
        if not order.qbo_invoice_id:
            return None
        invoice = {
            "id": order.qbo_invoice_id,
            "number": order.qbo_doc_number,
            "total": order.qbo_total,
            "balance": order.qbo_balance,
        }
        return OrderInvoice(invoice).data

    @extend_schema_field(serializers.BooleanField())
    def get_cancelled(self, order: Order) -> bool:
        """Cancelled here, or its invoice voided or deleted (qbo_state says which, once done)."""
        return order.is_cancelled

    @extend_schema_field(OrderMoney)
    def get_money(self, order: Order) -> dict:
        """Paid in the app; received, credited and refunded in QuickBooks (whoever made them);
        and what is still owed less payments and credits on their way."""

        # From the writes already fetched (a list would otherwise ask four sums per order):
        # the same sums as invoicing.settlements.money and open_balance, which the tests
        # compare with these.
        def total(kinds, statuses) -> Decimal:
            found = [
                w.amount or 0
                for w in order.writes.all()
                if w.kind in kinds and w.status in statuses
            ]
            return sum(found, Decimal("0.00"))

        Kind = OrderWrite.Kind
        owed = order.qbo_balance if order.qbo_balance is not None else order.total
        on_the_way = total((Kind.PAYMENT, Kind.CREDIT), BLOCKING)
        so_far = settlements.money_from(order, order.writes.all())
        return OrderMoney(
            {
                "paid_in_app": so_far.paid_in_app,
                "received": so_far.received,
                "credited": so_far.credited,
                "refunded": so_far.refunded,
                "open_balance": owed - on_the_way,
            }
        ).data

    @extend_schema_field(OrderError(allow_null=True))
    def get_error(self, order: Order) -> dict | None:
        """QuickBooks' words when it refused the invoice, with its intuit_tid."""
        if not order.last_error:
            return None
        return {
            "message": order.last_error,
            "code": order.last_error_code,
            "intuit_tid": order.last_error_tid,
        }


class CustomerOutput(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = [
            "id",
            "qbo_id",
            "display_name",
            "company_name",
            "email",
            "phone",
            "balance",
            "currency",
            "active",
            "qbo_updated_at",
        ]


class ProductOutput(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "sku",
            "description",
            "unit_price",
            "taxable",
            "active",
            "qbo_item_id",
        ]
