"""The order form's "Paid at checkout": the order becomes a QBO SalesReceipt, with the payment
method and deposit account picked from the company's QuickBooks (as on the payment form,
invoicing.settlements.money_choices), read once every few minutes.

Intuit's SalesReceipt (QBO-TRANSACTIONS.md §5): DepositToAccountRef is optional there
(Undeposited Funds), but qbsync asks for it so the money lands where the business says; it
must be a Bank or Other Current Asset account, which is what the choices hold.
"""

import logging

from django import forms
from django.core.cache import cache

from invoicing.services import Checkout
from invoicing.settlements import money_choices
from qbo.errors import QuickBooksError

logger = logging.getLogger(__name__)

CHOICES_TTL = 300


def _cache_key(company_id: int) -> str:
    return f"qbo:checkout-choices:v1:{company_id}"


def checkout_choices(company) -> dict[str, list[tuple[str, str]]]:
    """Payment methods and deposit accounts, from the cache or QBO; none when QBO can't be asked."""
    key = _cache_key(company.pk)
    if (cached := cache.get(key)) is not None:
        return cached
    try:
        found = money_choices(company)
    except QuickBooksError as exc:
        logger.info("company %s: no checkout choices on the form (%s)", company.pk, exc)
        return {"methods": [], "accounts": []}
    cache.set(key, found, CHOICES_TTL)
    return found


def add_fields(form: forms.Form, choices: dict) -> None:
    """ "Paid at checkout", its payment method and the account the money went into."""
    form.checkout_choices = choices
    form.fields["paid_at_checkout"] = forms.BooleanField(
        label="Paid at checkout",
        required=False,
        help_text="QuickBooks gets a sales receipt (paid) instead of an invoice.",
    )
    form.fields["payment_method"] = forms.ChoiceField(
        label="Payment method",
        required=False,
        choices=[("", "— None —"), *choices.get("methods", [])],
        error_messages={"invalid_choice": "Pick one of QuickBooks' payment methods."},
    )
    form.fields["deposit_account"] = forms.ChoiceField(
        label="Deposit to",
        required=False,
        choices=[("", "— Choose —"), *choices.get("accounts", [])],
        error_messages={"invalid_choice": "Pick one of QuickBooks' bank accounts."},
    )


def clean(form: forms.Form, data: dict) -> None:
    """Paid at checkout needs the deposit account (and no due date: it is paid)."""
    if not data.get("paid_at_checkout"):
        return
    if not form.checkout_choices.get("accounts"):
        # Nothing could be offered, so "not one of the choices" would mislead: say why.
        for name in ("payment_method", "deposit_account"):
            form.errors.pop(name, None)
        form.add_error(
            "paid_at_checkout",
            "QuickBooks couldn't be asked for its deposit accounts: connect QuickBooks "
            "(or try again shortly) to take an order paid at checkout.",
        )
    elif not data.get("deposit_account") and "deposit_account" not in form.errors:
        form.add_error("deposit_account", "Choose the account the payment was deposited to.")
    if data.get("due_date"):
        form.add_error("due_date", "An order paid at checkout has no due date.")


def checkout_from(form: forms.Form) -> Checkout | None:
    data = form.cleaned_data
    if not data.get("paid_at_checkout"):
        return None
    methods = dict(form.checkout_choices.get("methods", []))
    accounts = dict(form.checkout_choices.get("accounts", []))
    method, account = data.get("payment_method") or "", data["deposit_account"]
    return Checkout(
        deposit_account_id=account,
        deposit_account_name=accounts.get(account, ""),
        payment_method_id=method,
        payment_method_name=methods.get(method, ""),
    )
