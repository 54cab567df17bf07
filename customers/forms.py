"""The customer form: a new customer, or an edit, with billing and shipping addresses."""

import uuid

from django import forms
from django.core.validators import MaxLengthValidator

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


class NewCustomerForm(CustomerForm):
    form_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


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
