"""Forms for products, new orders and their lines, list filters and invoicing settings."""

import hashlib
import uuid
from decimal import Decimal

from django import forms
from django.core.validators import MinValueValidator, RegexValidator
from django.db.models import Q, QuerySet
from django.db.models.functions import Length
from django.urls import reverse_lazy
from django.utils import timezone

from accounts.inputs import (
    EARLIEST_DATE,
    LATEST_DATE,
    SEARCH_MAX_LENGTH,
    BusinessDateField,
    IdChoiceField,
    PlainDecimalField,
    column_field,
)
from customers.forms import add_parent_fields
from customers.models import Customer
from invoicing import currency_forms, default_forms, dimensions, receipt_forms, tracking_forms
from invoicing.edits import OrderChanges, order_header
from invoicing.models import MAX_AMOUNT, MONEY, InvoicingSettings, Order, OrderLine, Product
from invoicing.names import clean_name, name_key
from invoicing.services import (
    Extras,
    NewLine,
    discount_for,
    home_currency,
    line_amount,
    order_total,
)
from qbo.models import QuickBooksConnection


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ["name", "sku", "description", "unit_price", "taxable", "active"]
        field_classes = {"unit_price": PlainDecimalField}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.company = company
        self.fields["unit_price"].validators.append(
            MinValueValidator(0, "The unit price can't be negative.")
        )
        default_forms.add_product_fields(self, dimensions.for_company(company))

    def _post_clean(self):
        super()._post_clean()
        default_forms.apply_product_fields(self)

    def _others(self):
        return Product.objects.filter(company=self.instance.company).exclude(pk=self.instance.pk)

    def clean_name(self) -> str:
        # QuickBooks would see one item name (invoicing.names): say so before the constraint.
        name = self.cleaned_data["name"].strip()
        if other := self._others().filter(name_key=name_key(name)).first():
            raise forms.ValidationError(
                f"“{name}” is the same QuickBooks item name as your product “{other.name}”."
            )
        return name

    def clean_sku(self) -> str:
        sku = self.cleaned_data["sku"]
        if sku and self._others().filter(sku=sku).exists():
            raise forms.ValidationError(f"Another product already has the SKU “{sku}”.")
        return sku


class ProductFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.SearchInput(attrs={"placeholder": "Name or SKU"}),
    )
    active = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[("", "All products"), ("yes", "Active"), ("no", "Inactive")],
    )

    def filter(self, products: QuerySet) -> QuerySet:
        if not self.is_valid():
            return products
        if q := self.cleaned_data["q"]:
            products = products.filter(Q(name__icontains=q) | Q(sku__icontains=q))
        if active := self.cleaned_data["active"]:
            products = products.filter(active=active == "yes")
        return products


class OrderFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.SearchInput(attrs={"placeholder": "Number, customer or invoice"}),
    )
    push_status = forms.ChoiceField(
        label="QuickBooks", required=False, choices=[("", "Any"), *Order.PushStatus.choices]
    )
    payment_status = forms.ChoiceField(
        label="Payment", required=False, choices=[("", "Any"), *Order.PaymentStatus.choices]
    )

    def filter(self, orders: QuerySet) -> QuerySet:
        if not self.is_valid():
            return orders
        if q := self.cleaned_data["q"]:
            orders = orders.filter(
                Q(number__icontains=q)
                | Q(customer__display_name__icontains=q)
                | Q(new_customer_name__icontains=q)
                | Q(qbo_doc_number__icontains=q)
                | Q(custom_field_1__icontains=q)
                | Q(custom_field_2__icontains=q)
                | Q(custom_field_3__icontains=q)
            )
        for status in ("push_status", "payment_status"):
            if value := self.cleaned_data[status]:
                orders = orders.filter(**{status: value})
        return orders

    @property
    def is_filtering(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())


SHIP_FIELDS = ("ship_line1", "ship_city", "ship_region", "ship_postal_code", "ship_country")
DATE_ATTRS = {"type": "date", "min": EARLIEST_DATE.isoformat(), "max": LATEST_DATE.isoformat()}


def orderable_customers(company):
    return Customer.objects.filter(company=company, active=True, deleted_in_qbo=False)


class ChargesMixin:
    """Discount, shipping and tax fields' cleaning, shared by the new-order and edit forms."""

    def _not_negative(self, name: str) -> Decimal | None:
        value = self.cleaned_data[name]
        if value is not None and value < 0:
            raise forms.ValidationError("This can't be negative.")
        return value

    def clean_shipping(self):
        return self._not_negative("shipping")

    def clean_tax(self):
        return self._not_negative("tax")

    def clean_discount_value(self):
        return self._not_negative("discount_value")

    def _clean_discount(self, data: dict) -> None:
        kind, value = data.get("discount_kind"), data.get("discount_value")
        if kind and value is None and "discount_value" not in self.errors:
            self.add_error("discount_value", "Enter the discount's percent or amount.")
        elif kind == "percent" and value is not None and value > 100:
            self.add_error("discount_value", "A percent discount is at most 100.")

    def check_totals(self, lines: list[NewLine]) -> bool:
        """The discount fits the lines and the total fits an invoice (else a form error)."""
        extras = self.extras()
        subtotal = sum((line.amount for line in lines), Decimal("0.00"))
        discount = discount_for(subtotal, extras.discount_percent, extras.discount_amount)
        if discount > subtotal:
            self.add_error("discount_value", "The discount is more than the order's lines.")
        elif order_total(subtotal, discount, extras.shipping, extras.tax) > MAX_AMOUNT:
            self.add_error(None, "The order's total is more than an invoice can hold.")
        return not self.errors

    def extras(self) -> Extras:
        data = self.cleaned_data
        kind, value = data.get("discount_kind"), data.get("discount_value")
        return Extras(
            **{name: data[name].strip() for name in SHIP_FIELDS},
            discount_percent=value if kind == "percent" else None,
            discount_amount=value if kind == "amount" else None,
            shipping=data.get("shipping") or Decimal("0.00"),
            tax=(data.get("tax") or Decimal("0.00")) if self.sends_tax else None,
        )


class OrderForm(ChargesMixin, forms.Form):
    """The order header: an existing customer or a new one (exactly one), dates, memo."""

    # Set by the search box's script; the search text alone also works when it names a
    # customer exactly (typed in full, or with scripts off).
    customer = IdChoiceField(
        queryset=Customer.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Pick a customer from the list."},
    )
    customer_search = forms.CharField(
        label="Customer",
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        help_text="Type part of a name, company or email, then pick from the matches.",
        widget=forms.SearchInput(
            attrs={
                "autocomplete": "off",
                "hx-get": reverse_lazy("invoicing:order_customer_search"),
                "hx-trigger": "input changed delay:250ms, search",
                "hx-target": "#customer-matches",
                "hx-sync": "this:replace",
            }
        ),
    )
    # Rendered once per new-order page, so a double submission is recognised.
    form_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    new_customer_name = column_field(Order, "new_customer_name", label="New customer name")
    new_customer_email = column_field(Order, "new_customer_email", label="New customer email")
    order_date = BusinessDateField(label="Order date", widget=forms.DateInput(attrs=DATE_ATTRS))
    due_date = BusinessDateField(
        label="Due date", required=False, widget=forms.DateInput(attrs=DATE_ATTRS)
    )
    memo = column_field(
        Order, "memo", label="Message on invoice", widget=forms.Textarea(attrs={"rows": 3})
    )
    currency = column_field(
        Order,
        "currency",
        label="Currency",
        required=False,
        initial="",
        help_text="Leave empty for the customer's currency (else the company's).",
        validators=[RegexValidator(r"^[A-Za-z]{3}$", "Use a three-letter code such as USD.")],
    )
    # Ship to (QBO ShipAddr; US automated sales tax follows its state).
    ship_line1 = column_field(Order, "ship_line1", label="Ship-to street")
    ship_city = column_field(Order, "ship_city", label="City")
    ship_region = column_field(Order, "ship_region", label="State or region")
    ship_postal_code = column_field(Order, "ship_postal_code", label="Postal code")
    ship_country = column_field(Order, "ship_country", label="Country")
    discount_kind = forms.ChoiceField(
        label="Discount",
        required=False,
        choices=[("", "No discount"), ("percent", "Percent of the lines"), ("amount", "Amount")],
    )
    discount_value = PlainDecimalField(
        label="Discount value",
        required=False,
        **MONEY,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )
    shipping = PlainDecimalField(
        label="Shipping",
        required=False,
        **MONEY,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )
    tax = PlainDecimalField(
        label="Sales tax charged",
        required=False,
        **MONEY,
        help_text="Sent to QuickBooks as the invoice's tax (Invoicing settings).",
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )

    def __init__(self, *args, company, **kwargs):
        kwargs.setdefault("initial", {"order_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.customers = orderable_customers(company)
        self.fields["customer"].queryset = self.customers
        self.fields["currency"].widget.attrs["placeholder"] = home_currency(company)
        conn = QuickBooksConnection.objects.filter(company=company).only("country").first()
        us = ((conn.country if conn else "") or "US").upper() == "US"
        settings = InvoicingSettings.objects.filter(company=company).first()
        # Only where the company sends the tax it charged does the order hold a tax amount.
        self.sends_tax = us and settings and settings.tax_mode == settings.TaxMode.OURS
        if not self.sends_tax:
            del self.fields["tax"]
        add_parent_fields(self, company, prefix="new_customer_")
        dims = dimensions.for_company(company)
        tracking_forms.add_order_fields(self, dims)
        currency_forms.add_fields(self, dims)
        receipt_forms.add_fields(self, receipt_forms.checkout_choices(company))

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].upper()  # the picker's codes are already upper

    def clean(self):
        data = super().clean()
        search, new_name = data.get("customer_search", ""), data.get("new_customer_name", "")
        customer = data.get("customer") or self._customer_named(search)
        if customer and new_name:
            self.add_error(
                "new_customer_name", "Pick an existing customer or enter a new one, not both."
            )
        elif not customer and not new_name:
            if search:
                message = f"No customer named “{search}”: pick one from the list."
            else:
                message = "Pick a customer, or enter a new customer name."
            self.add_error("customer_search", message)
        elif new_name and (existing := self._customer_like(new_name)):
            self.add_error(
                "new_customer_name",
                f"“{new_name}” is the same QuickBooks name as the customer “{existing}”: "
                "pick it under Customer.",
            )
        data["customer"] = customer
        self._clean_parent(data, customer)
        self._clean_discount(data)
        currency = data.get("currency")
        currency_forms.clean(self, data, customer)
        if customer and customer.currency and currency and currency != customer.currency:
            self.add_error(
                "currency",
                f"QuickBooks invoices “{customer}” in {customer.currency} only: "
                "leave the currency empty or use that one.",
            )
        order_date, due_date = data.get("order_date"), data.get("due_date")
        if order_date and due_date and due_date < order_date:
            self.add_error("due_date", "The due date can't be before the order date.")
        receipt_forms.clean(self, data)
        return data

    def _clean_parent(self, data: dict, customer: Customer | None) -> None:
        parent, billed = data.get("new_customer_parent"), data.get("new_customer_bill_with_parent")
        if customer and parent:
            self.add_error(
                "new_customer_parent", "A parent goes with a new customer, not an existing one."
            )
        elif billed and not parent:
            self.add_error(
                "new_customer_bill_with_parent", "Only a sub-customer can be billed with a parent."
            )

    def create_order_arguments(self) -> dict:
        """The cleaned header as keyword arguments for services.create_order."""
        data = self.cleaned_data
        new = data["customer"] is None
        return {
            "customer": data["customer"],
            "new_customer_name": data["new_customer_name"] if new else "",
            "new_customer_email": data["new_customer_email"] if new else "",
            "new_customer_parent": data.get("new_customer_parent") if new else None,
            "new_customer_bill_with_parent": bool(data.get("new_customer_bill_with_parent")),
            "order_date": data["order_date"],
            "due_date": data["due_date"],
            "memo": data["memo"],
            # No picker (a single-currency company): the customer's, which is the home one.
            "currency": data.get("currency", ""),
            "exchange_rate": data.get("exchange_rate"),
            "form_token": data["form_token"],
            "extras": self.extras(),
            "tracking": default_forms.order_tracking(self, data["customer"]),
            "checkout": receipt_forms.checkout_from(self),
        }

    def _customer_like(self, name: str) -> str | None:
        """An existing customer's name that QuickBooks would take for the same as `name`."""
        key = name_key(name)
        # Case-folding keeps the length but for a few letters (ß): compare the names of
        # about the same length in Python, where case-folding covers every alphabet.
        near = self.customers.annotate(length=Length("display_name")).filter(
            length__gte=len(clean_name(name)) - 10, length__lte=len(key) + 10
        )
        names = near.values_list("display_name", flat=True).iterator()
        return next((other for other in names if name_key(other) == key), None)

    def _customer_named(self, text: str) -> Customer | None:
        # Leftover search text is ignored when a new customer is entered instead.
        return self.customers.filter(display_name__iexact=text).first() if text else None


class OrderLineForm(forms.Form):
    product = IdChoiceField(
        label="Product",
        queryset=Product.objects.none(),
        required=False,
        empty_label="— Free text —",
        error_messages={"invalid_choice": "Pick one of your active products."},
    )
    description = column_field(OrderLine, "description", label="Description")
    quantity = PlainDecimalField(
        label="Quantity",
        max_digits=12,
        decimal_places=2,
        initial=Decimal("1"),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}),
    )
    unit_price = PlainDecimalField(
        label="Unit price",
        required=False,
        **MONEY,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )
    taxable = forms.BooleanField(label="Taxable", required=False, initial=True)
    # Set by the item search's script: a QuickBooks item the line sells (without a product).
    item = forms.CharField(
        required=False,
        max_length=32,
        widget=forms.HiddenInput,
        validators=[RegexValidator(r"^[0-9]+$", "Pick the item from the search again.")],
    )

    def __init__(self, *args, products=None, dimensions=None, saved=None, **kwargs):
        super().__init__(*args, **kwargs)
        if products is not None:
            self.fields["product"].queryset = products
        self.dimensions = dimensions
        # The edit page: the order's lines by position (a row's "position" names its line).
        self.saved: dict[int, OrderLine] = saved or {}
        tracking_forms.add_line_field(self, dimensions)
        default_forms.add_line_fields(self, dimensions)

    def clean_quantity(self) -> Decimal:
        quantity = self.cleaned_data["quantity"]
        if quantity <= 0:
            raise forms.ValidationError("The quantity must be more than zero.")
        return quantity

    def clean_unit_price(self) -> Decimal | None:
        price = self.cleaned_data["unit_price"]
        if price is not None and price < 0:
            raise forms.ValidationError("The unit price can't be negative.")
        return price

    def clean(self):
        data = super().clean()
        product = data.get("product")
        if not product and not data.get("description") and "product" not in self.errors:
            self.add_error("description", "Pick a product or type a description.")
        if data.get("unit_price") is None and "unit_price" not in self.errors:
            if product:
                data["unit_price"] = product.unit_price
            else:
                self.add_error("unit_price", "Enter a unit price.")
        if not self.errors and line_amount(data["quantity"], data["unit_price"]) > MAX_AMOUNT:
            self.add_error("quantity", "This line comes to more than an invoice line can hold.")
        return data

    def new_line(self) -> NewLine:
        data, dims = self.cleaned_data, self.dimensions
        picked = tracking_forms.line_class(self, dims)
        class_id, class_name = default_forms.line_class(picked, dims, data["product"])
        tax_code_id, tax_code_name = default_forms.line_tax_code(self, dims, data["product"])
        if saved := self._saved_line(data["product"]):
            # No list to choose from (QuickBooks unreachable, or it listed none): the line
            # keeps the tax code and class it has rather than losing them on save.
            if not (dims and dims.tax_codes) and saved.qbo_tax_code_id:
                tax_code_id, tax_code_name = saved.qbo_tax_code_id, saved.qbo_tax_code_name
            classes = dims.classes if dims and "line_class" in self.fields else []
            if not classes and saved.qbo_class_id:
                class_id, class_name = saved.qbo_class_id, saved.qbo_class_name
        return NewLine(
            product=data["product"],
            description=data["description"],
            quantity=data["quantity"],
            unit_price=data["unit_price"],
            taxable=data["taxable"],
            qbo_item_id=data.get("item") or "",
            class_id=class_id,
            class_name=class_name,
            tax_code_id=tax_code_id,
            tax_code_name=tax_code_name,
        )

    def _saved_line(self, product: Product | None) -> OrderLine | None:
        """The order's line this row shows, while it sells the same product (or none)."""
        if self.add_prefix("position") in self.data:
            posted = self.cleaned_data.get("position") or ""
            # Empty: a row added on the page.
            position = int(posted) if posted.isascii() and posted.isdigit() else None
        else:
            position = self.initial.get("position")  # an older page, a script: by its place
        line = self.saved.get(position) if position else None
        if line is None or line.product_id != (product.pk if product else None):
            return None
        return line


class BaseOrderLineFormSet(forms.BaseFormSet):
    def __init__(self, *args, company, **kwargs):
        self.products = Product.objects.filter(company=company, active=True)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "products": self.products}

    def filled_forms(self) -> list[OrderLineForm]:
        # Rows left untouched (a spare blank row) are skipped, as Django's formsets do.
        return [form for form in self.forms if form.has_changed()]

    def clean(self):
        if any(self.errors):
            return
        if not self.filled_forms():
            raise forms.ValidationError("Add at least one line.")
        if sum(line.amount for line in self.new_lines()) > MAX_AMOUNT:
            raise forms.ValidationError("The order's total is more than an invoice can hold.")

    def new_lines(self) -> list[NewLine]:
        return [form.new_line() for form in self.filled_forms()]


class BaseNewOrderLineFormSet(BaseOrderLineFormSet):
    """A new order's lines: with a class each when the company assigns one per row."""

    def __init__(self, *args, company, **kwargs):
        self.dimensions = dimensions.for_company(company)
        super().__init__(*args, company=company, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "dimensions": self.dimensions}


OrderLineFormSet = forms.formset_factory(
    OrderLineForm, formset=BaseNewOrderLineFormSet, extra=1, max_num=200, absolute_max=200
)


class BaseEditLinesFormSet(BaseOrderLineFormSet):
    """The order's lines, to be edited; digest() names exactly what a preview showed."""

    def __init__(self, *args, order, **kwargs):
        saved = list(order.lines.all())
        kwargs["initial"] = [
            {
                "product": line.product_id,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "taxable": line.taxable,
                # A picked QuickBooks item stays the line's item through an edit.
                "item": line.qbo_item_id,
                "line_tax_code": line.qbo_tax_code_id,
                "line_class": line.qbo_class_id,
                "position": line.position,
            }
            for line in saved
        ]
        self.saved = {line.position: line for line in saved}
        self.dimensions = dimensions.for_company(kwargs["company"])
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        return {**kwargs, "dimensions": self.dimensions, "saved": self.saved}

    def add_fields(self, form, index):
        super().add_fields(form, index)
        # Which of the order's lines the row is, whatever its place after rows are removed.
        form.fields["position"] = forms.CharField(
            required=False, max_length=10, widget=forms.HiddenInput
        )

    def filled_forms(self) -> list[OrderLineForm]:
        # Every shown line counts, changed or not; a removed one is no longer posted.
        return [form for form in self.forms if form.has_changed() or form.initial]

    def digest(self) -> str:
        rows = [
            (n.product and n.product.pk, n.description, str(n.quantity), str(n.unit_price))
            for n in self.new_lines()
        ]
        rows += [n.qbo_item_id for n in self.new_lines()]
        rows += [n.taxable for n in self.new_lines()]
        rows += [(n.tax_code_id, n.class_id) for n in self.new_lines()]
        return hashlib.sha256(repr(rows).encode()).hexdigest()[:32]

    def refuse(self, message: str) -> None:
        self.non_form_errors().append(message)


EditLinesFormSet = forms.formset_factory(
    OrderLineForm, formset=BaseEditLinesFormSet, extra=0, max_num=200, absolute_max=200
)


class OrderEditForm(ChargesMixin, forms.Form):
    """An order's header and charges on its edit page, filled with what it holds now."""

    order_date = OrderForm.base_fields["order_date"]
    due_date = OrderForm.base_fields["due_date"]
    memo = OrderForm.base_fields["memo"]
    # QBO's BillEmail.Address holds at most 100 characters (QBO-TRANSACTIONS.md §1).
    bill_email = forms.EmailField(label="Bill e-mail", required=False, max_length=100)
    ship_line1 = OrderForm.base_fields["ship_line1"]
    ship_city = OrderForm.base_fields["ship_city"]
    ship_region = OrderForm.base_fields["ship_region"]
    ship_postal_code = OrderForm.base_fields["ship_postal_code"]
    ship_country = OrderForm.base_fields["ship_country"]
    discount_kind = OrderForm.base_fields["discount_kind"]
    discount_value = OrderForm.base_fields["discount_value"]
    shipping = OrderForm.base_fields["shipping"]
    tax = OrderForm.base_fields["tax"]

    def __init__(self, *args, order: Order, **kwargs):
        header = order_header(order)
        kind = "" if not order.discount else "amount"
        if order.discount_percent is not None:
            kind = "percent"
        kwargs["initial"] = {
            "order_date": order.order_date,
            "due_date": order.due_date or header["due_date"] or None,
            "memo": order.memo,
            "bill_email": order.bill_email,
            **{name: getattr(order, name) for name in SHIP_FIELDS},
            "discount_kind": kind,
            "discount_value": order.discount_percent if kind == "percent" else order.discount,
            "shipping": order.shipping or None,
            "tax": order.tax,
        }
        if args and args[0] is not None:
            # A field left out of the post (an older page, a script) stays as it is.
            data = args[0].copy()
            for name, value in kwargs["initial"].items():
                if name not in data and value is not None:
                    data[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
            args = (data, *args[1:])
        super().__init__(*args, **kwargs)
        self.order = order
        company = order.company
        conn = QuickBooksConnection.objects.filter(company=company).only("country").first()
        us = ((conn.country if conn else "") or "US").upper() == "US"
        settings = InvoicingSettings.objects.filter(company=company).first()
        # The order's own tax stays editable; a new one only where the company sends its tax.
        sends = us and settings and settings.tax_mode == settings.TaxMode.OURS
        self.sends_tax = order.tax is not None or bool(sends)
        if not self.sends_tax:
            del self.fields["tax"]

    def clean(self):
        data = super().clean()
        self._clean_discount(data)
        order_date, due_date = data.get("order_date"), data.get("due_date")
        if order_date and due_date and due_date < order_date:
            self.add_error("due_date", "The due date can't be before the order date.")
        return data

    def changes(self) -> OrderChanges:
        extras, data = self.extras(), self.cleaned_data
        return OrderChanges(
            order_date=data["order_date"],
            due_date=data["due_date"],
            memo=data["memo"],
            bill_email=data["bill_email"],
            **{name: getattr(extras, name) for name in SHIP_FIELDS},
            discount_percent=extras.discount_percent,
            discount_amount=extras.discount_amount,
            shipping=extras.shipping,
            tax=extras.tax,
        )

    def digest(self) -> str:
        """Names exactly the header and charges a preview showed."""
        return hashlib.sha256(repr(self.changes()).encode()).hexdigest()[:32]


class SendInvoiceForm(forms.Form):
    email = forms.EmailField(
        label="Send to",
        max_length=254,  # Order.bill_email
        help_text="QuickBooks e-mails the invoice here and keeps the address.",
    )


class MoneyForm(forms.Form):
    """An amount (and a date) against an order's invoice; choices come from QuickBooks."""

    form_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    amount = PlainDecimalField(
        label="Amount", **MONEY, widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01"})
    )
    on = BusinessDateField(label="Date", widget=forms.DateInput(attrs=DATE_ATTRS))

    def __init__(self, *args, choices: dict | None = None, **kwargs):
        kwargs.setdefault("initial", {"on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        choices = choices or {}
        for name, key, label, required in self.choice_fields:
            self.fields[name] = forms.ChoiceField(
                label=label,
                required=required,
                choices=[("", "— Choose —" if required else "— None —"), *choices.get(key, [])],
            )

    choice_fields: tuple = ()

    def clean_amount(self) -> Decimal:
        amount = self.cleaned_data["amount"]
        if amount <= 0:
            raise forms.ValidationError("The amount must be more than zero.")
        return amount


class PaymentForm(MoneyForm):
    choice_fields = (
        ("method", "methods", "Payment method", False),
        ("account", "accounts", "Deposit to", False),
    )
    reference = forms.CharField(label="Reference", required=False, max_length=21)


class RefundForm(MoneyForm):
    choice_fields = (
        ("account", "accounts", "Refund from", True),
        ("method", "methods", "Payment method", False),
    )


SETTINGS_FIELDS = [
    # (field, key in qbo_setting_choices, label, help)
    ("default_item", "items", "Default item", "The QuickBooks item for free-text order lines."),
    ("income_account", "accounts", "Income account", "For the items qbsync creates."),
    ("term", "terms", "Payment terms", "The terms each new invoice carries."),
    ("tax_code", "tax_codes", "Line tax code", "Outside the US: for lines with no code."),
    (
        "shipping_item",
        "shipping_items",
        "Shipping item",
        "For shipping charges when QuickBooks' sales forms have no shipping field.",
    ),
]


class InvoicingSettingsForm(forms.Form):
    """One choice per setting from the company's QuickBooks data; saves both id and name."""

    def __init__(self, *args, choices: dict, instance: InvoicingSettings, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.names: dict[str, dict[str, str]] = {}
        for field, key, label, help_text in SETTINGS_FIELDS:
            options = {str(id_): name for id_, name in choices.get(key, [])}
            current = getattr(instance, f"{field}_id")
            if not options and not current:
                continue  # e.g. no tax codes: a US company sets tax per invoice
            self.names[field] = dict(options)
            if current and current not in options:
                # Keep a saved choice that has gone from QuickBooks, rather than silently
                # clearing it when the form is saved unchanged.
                self.names[field][current] = getattr(instance, f"{field}_name")
                options[current] = f"{getattr(instance, f'{field}_name')} (not in QuickBooks)"
            self.fields[field] = forms.ChoiceField(
                label=label,
                help_text=help_text,
                required=False,
                choices=[("", "— None —"), *options.items()],
                initial=current,
            )

        self.fields["tax_mode"] = forms.ChoiceField(
            label="Sales tax (US automated sales tax)",
            help_text="QuickBooks works out the tax from the ship-to address, or takes the tax "
            "entered on each order.",
            choices=InvoicingSettings.TaxMode.choices,
            initial=instance.tax_mode,
            required=False,
        )
        self.fields["apply_tax_after_discount"] = forms.BooleanField(
            label="Apply tax after discount",
            help_text="Discounts come off the taxable lines before QuickBooks taxes them.",
            required=False,
            initial=instance.apply_tax_after_discount,
        )
        self.fields["shipping_taxable"] = forms.BooleanField(
            label="Shipping is taxable",
            required=False,
            initial=instance.shipping_taxable,
        )
        self.fields["send_after_create"] = forms.BooleanField(
            label="Send invoices automatically",
            help_text="E-mail each new invoice to its customer once QuickBooks has it.",
            required=False,
            initial=instance.send_after_create,
        )

    def save(self) -> InvoicingSettings:
        for name in ("send_after_create", "apply_tax_after_discount"):
            setattr(self.instance, name, self.cleaned_data[name])
        # Left out of a post (an older page): QuickBooks keeps calculating, the default.
        self.instance.tax_mode = (
            self.cleaned_data["tax_mode"] or InvoicingSettings.TaxMode.QUICKBOOKS
        )
        self.instance.shipping_taxable = self.cleaned_data["shipping_taxable"]
        for field in self.names:
            value = self.cleaned_data[field]
            setattr(self.instance, f"{field}_id", value)
            setattr(self.instance, f"{field}_name", self.names[field].get(value, "")[:100])
        self.instance.save()
        return self.instance
