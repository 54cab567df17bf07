"""The customer form: a new customer, or an edit, with billing and shipping addresses."""

import uuid

from django import forms
from django.core.validators import MaxLengthValidator
from django.db.models import Q

from customers.models import Customer
from customers.services import ADDRESS_PARTS, DETAIL_FIELDS

# QuickBooks' own limits (its Customer reference page), where shorter than our columns.
QBO_LIMITS = {"company_name": 100, "email": 100, "phone": 30}


def _text(name: str, label: str = "", **kwargs) -> forms.CharField:
    """A field as long as its mirror column, refusing more than QuickBooks takes."""
    column = Customer._meta.get_field(name)
    field = forms.CharField(
        label=label or None, required=False, max_length=column.max_length, **kwargs
    )
    if name in QBO_LIMITS:
        field.validators.append(MaxLengthValidator(QBO_LIMITS[name]))
    return field


class CustomerForm(forms.Form):
    display_name = forms.CharField(
        label="Name",
        max_length=Customer._meta.get_field("display_name").max_length,
        help_text="How the customer appears in QuickBooks; unique among customers, vendors "
        "and employees.",
    )
    company_name = _text("company_name")
    email = forms.EmailField(
        required=False, max_length=254, validators=[MaxLengthValidator(QBO_LIMITS["email"])]
    )
    phone = _text("phone")
    bill_line1 = _text("bill_line1", "Street")
    bill_city = _text("bill_city", "City")
    bill_region = _text("bill_region", "State / province")
    bill_postal_code = _text("bill_postal_code", "Postal code")
    bill_country = _text("bill_country", "Country")
    ship_same = forms.BooleanField(
        label="Shipping address is the billing address", required=False, initial=True
    )
    ship_line1 = _text("ship_line1", "Street")
    ship_city = _text("ship_city", "City")
    ship_region = _text("ship_region", "State / province")
    ship_postal_code = _text("ship_postal_code", "Postal code")
    ship_country = _text("ship_country", "Country")

    def clean_display_name(self) -> str:
        # Tabs and line breaks become spaces; a colon would make it someone's sub-customer.
        if ":" in self.cleaned_data["display_name"]:
            raise forms.ValidationError("QuickBooks doesn't allow a colon (:) in a name.")
        name = " ".join(self.cleaned_data["display_name"].split())
        if not name:
            raise forms.ValidationError("Give the customer a name.")
        return name

    def clean(self):
        data = super().clean()
        if data.get("ship_same"):
            for part in ADDRESS_PARTS:
                data[f"ship_{part}"] = data.get(f"bill_{part}", "")
        for name in DETAIL_FIELDS:
            if isinstance(data.get(name), str):
                data[name] = data[name].strip()
        return data

    def bill_fields(self):
        return [self[f"bill_{part}"] for part in ADDRESS_PARTS]

    def ship_fields(self):
        return [self[f"ship_{part}"] for part in ADDRESS_PARTS]

    def details(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in DETAIL_FIELDS}


# QuickBooks nests sub-customers at most four levels below the top (the sandbox's rule).
JOB_DEPTH = 4


class ParentCustomerField(forms.CharField):
    """A parent customer, typed by name ("Parent" or "Parent:Job"), among `customers` (the
    company's mirror): it must be active in QuickBooks and leave room for one more level."""

    def __init__(self, *, customers=None, **kwargs):
        kwargs.setdefault("max_length", Customer._meta.get_field("fully_qualified_name").max_length)
        super().__init__(required=False, **kwargs)
        self.customers = customers if customers is not None else Customer.objects.none()

    def clean(self, value) -> Customer | None:
        text = " ".join(super().clean(value).split())
        if not text:
            return None
        named = Q(fully_qualified_name__iexact=text) | Q(display_name__iexact=text)
        parent = self.customers.filter(named).order_by("-active", "deleted_in_qbo", "pk").first()
        if parent is None:
            raise forms.ValidationError(f"No customer named “{text}” in QuickBooks.")
        if parent.deleted_in_qbo or not parent.active:
            raise forms.ValidationError(
                f"“{parent.full_name}” is inactive in QuickBooks: it can't have new sub-customers."
            )
        if parent.full_name.count(":") >= JOB_DEPTH:
            raise forms.ValidationError(
                f"QuickBooks nests sub-customers at most {JOB_DEPTH} levels deep."
            )
        return parent


def add_parent_fields(form: forms.Form, company, prefix: str = "") -> None:
    """The parent customer and "bill with parent" fields, scoped to `company`'s customers."""
    form.fields[f"{prefix}parent"] = ParentCustomerField(
        label="Sub-customer of",
        customers=Customer.objects.filter(company=company),
        help_text="Optional: a customer's name, to make this one a sub-customer (job) of it.",
    )
    form.fields[f"{prefix}bill_with_parent"] = forms.BooleanField(
        label="Bill with parent", required=False
    )


class NewCustomerForm(CustomerForm):
    form_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        add_parent_fields(self, company)

    def clean(self):
        data = super().clean()
        if data.get("bill_with_parent") and not data.get("parent"):
            self.add_error("bill_with_parent", "Only a sub-customer can be billed with a parent.")
        return data


class EditCustomerForm(CustomerForm):
    sync_token = forms.CharField(widget=forms.HiddenInput, max_length=20)

    @classmethod
    def initial_for(cls, customer: Customer) -> dict:
        initial = {name: getattr(customer, name) for name in DETAIL_FIELDS}
        ship = [getattr(customer, f"ship_{part}") for part in ADDRESS_PARTS]
        bill = [getattr(customer, f"bill_{part}") for part in ADDRESS_PARTS]
        return {**initial, "ship_same": ship == bill, "sync_token": customer.sync_token}


class DefaultClassForm(forms.Form):
    """The class a customer's new orders start with, from the company's QuickBooks classes."""

    default_class = forms.ChoiceField(
        label="Default class",
        required=False,
        error_messages={"invalid_choice": "Pick one of QuickBooks' active classes."},
    )

    def __init__(self, *args, classes: list[tuple[str, str]], customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.classes = dict(classes)
        current = customer.default_class_id
        if current and current not in self.classes:
            # Kept until changed, rather than silently cleared by saving the form unchanged.
            self.classes[current] = customer.default_class_name
            classes = [*classes, (current, f"{customer.default_class_name} (not active)")]
        field = self.fields["default_class"]
        field.choices = [("", "— None —"), *classes]
        field.initial = current

    def chosen(self) -> tuple[str, str]:
        value = self.cleaned_data["default_class"]
        return value, self.classes.get(value, "") if value else ""
