"""The order form's currency and exchange rate, as the company's QuickBooks allows them
(invoicing/dimensions.py): a single-currency company has no picker (its home currency only);
a multicurrency one picks among its home and active currencies and may give a rate."""

from decimal import Decimal

from django import forms

from accounts.inputs import PlainDecimalField
from invoicing.dimensions import Dimensions

# No real pair is near this (a rial or a dong per dollar is in the tens of thousands): a rate
# beyond it is a typo, and its home-currency amounts would overflow QuickBooks' fields.
MAX_RATE = Decimal("1000000")


def add_fields(form: forms.Form, dims: Dimensions) -> None:
    """Replace the free-text currency with what QuickBooks takes, when it could be asked."""
    form.home_currency = dims.home_currency
    usable = dims.usable_currencies
    if not usable:
        return  # QuickBooks unreachable: the typed code stands, and the push checks it
    if not dims.multicurrency:
        del form.fields["currency"]
        return
    form.fields["currency"] = forms.ChoiceField(
        label="Currency",
        required=False,
        choices=[
            ("", f"The customer's (else {dims.home_currency})"),
            *((code, code) for code in usable),
        ],
        error_messages={
            "invalid_choice": "%(value)s isn't one of this company's active currencies in "
            "QuickBooks."
        },
    )
    form.fields["exchange_rate"] = PlainDecimalField(
        label="Exchange rate",
        required=False,
        max_digits=15,
        decimal_places=7,
        help_text=f"{dims.home_currency} per unit of the order's currency. Leave empty for "
        "QuickBooks' rate for the day.",
        widget=forms.NumberInput(attrs={"step": "any", "min": "0"}),
    )


def clean(form: forms.Form, data: dict, customer) -> None:
    """A currency QuickBooks takes; a rate only for a foreign one, above zero, not absurd."""
    if "currency" not in form.fields:
        _clean_single(form)
        return
    rate = data.get("exchange_rate")
    if rate is None:
        return
    currency = data.get("currency") or (customer.currency if customer else "") or ""
    currency = currency or form.home_currency  # a new customer is made in the home currency
    if rate <= 0:
        form.add_error("exchange_rate", "The exchange rate must be more than zero.")
    elif rate > MAX_RATE:
        form.add_error("exchange_rate", f"An exchange rate above {MAX_RATE:,} can't be right.")
    elif currency == form.home_currency:
        form.add_error(
            "exchange_rate",
            f"The order is in {currency}, the home currency: leave the exchange rate empty.",
        )


def _clean_single(form: forms.Form) -> None:
    # No picker, but the API (or an old page) may still post a currency: refuse another one
    # rather than quietly invoicing in the home currency.
    posted = str(form.data.get("currency") or "").strip().upper()
    if posted and posted != form.home_currency:
        form.add_error(
            None,
            f"This QuickBooks company invoices only in {form.home_currency} "
            f"(multicurrency is off), not {posted}.",
        )
    if str(form.data.get("exchange_rate") or "").strip():
        form.add_error(None, "A single-currency company's orders take no exchange rate.")
