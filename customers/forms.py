"""The customer form: a new customer, or an edit, with billing and shipping addresses."""

import uuid

from django import forms

from customers.models import Customer
from customers.services import ADDRESS_PARTS, DETAIL_FIELDS

# QuickBooks' limits for these fields (its Customer reference page).
LENGTHS = {
    "display_name": 500,
    "company_name": 100,
    "email": 100,
    "phone": 30,
    "line1": 500,
    "city": 255,
    "region": 255,
    "postal_code": 30,
    "country": 255,
}
LABELS = {
    "line1": "Street",
    "city": "City",
    "region": "State / province",
    "postal_code": "Postal code",
    "country": "Country",
}


class CustomerForm(forms.Form):
    display_name = forms.CharField(
        label="Name",
        max_length=LENGTHS["display_name"],
        help_text="How the customer appears in QuickBooks; unique among customers, vendors "
        "and employees.",
    )
    company_name = forms.CharField(required=False, max_length=LENGTHS["company_name"])
    email = forms.EmailField(required=False, max_length=LENGTHS["email"])
    phone = forms.CharField(required=False, max_length=LENGTHS["phone"])
    ship_same = forms.BooleanField(
        label="Shipping address is the billing address", required=False, initial=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for prefix in ("bill", "ship"):
            for part in ADDRESS_PARTS:
                self.fields[f"{prefix}_{part}"] = forms.CharField(
                    label=LABELS[part], required=False, max_length=LENGTHS[part]
                )

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
