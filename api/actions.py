"""An order's life through the API: edit, cancel, send, payments, credits and refunds.

Each action checks the JSON's shape (api.serializers), puts it through the order page's own
form where the page has one, then calls the invoicing service the page calls — the rules
stay there. A refusal by the service (invoicing.lifecycle.Refused) becomes a 409 with a
stable code; the audit entry is written in the same transaction as the change.

An API key belongs to a company, not a person: it acts with the rights its creator needed
to make it (owner or admin), so it may edit, send, take payments, cancel (void), credit and
refund. Deleting an invoice is for owners only on the page, so a key can't.
"""

import uuid
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from rest_framework import exceptions, serializers, status

from api.errors import Conflict
from api.models import ApiKey
from api.orders import record, validated_lines
from api.serializers import EDIT_CHARGES, EDIT_HEADER
from invoicing import lifecycle, settlements
from invoicing.credit_forms import LINES, CreditForm
from invoicing.edits import OrderChanges
from invoicing.forms import OrderEditForm, PaymentForm, RefundForm, SendInvoiceForm
from invoicing.models import Order
from invoicing.services import SHIP_PARTS, NewLine
from invoicing.writes import default_email
from qbo.errors import QuickBooksError, ReconnectNeeded

# The services' refusals, by how their message starts: (code, field). A message not here is
# "refused"; tests/api/test_lifecycle.py checks each service refusal lands on its code.
REFUSALS = [
    ("The order is being sent to QuickBooks right now", "push_in_progress", None),
    ("The invoice was changed in QuickBooks", "conflict_pending", None),
    ("The order is already cancelled", "already_cancelled", None),
    ("The invoice was already", "already_cancelled", None),
    ("The order is cancelled", "order_cancelled", None),
    ("The new total", "total_below_paid", "lines"),
    ("The discount is more than the order's lines", "discount_over_lines", "lines"),
    ("The order's total is more than", "too_large", "lines"),
    ("The invoice has a payment", "has_payment", None),
    ("The invoice isn't in QuickBooks yet", "not_in_quickbooks", None),
    ("The sales receipt isn't in QuickBooks yet", "not_in_quickbooks", None),
    ("A sales receipt is paid", "sales_receipt_paid", "lines"),
    ("The sales receipt is paid", "sales_receipt_paid", None),
    ("The invoice is already being sent", "already_sending", None),
    ("That is more than the", "over_balance", "amount"),
    ("A credit can be at most", "over_balance", "amount"),
    ("Nothing has been paid", "nothing_to_refund", "amount"),
    ("At most", "over_refundable", "amount"),
    ("The amount must be more than zero", "invalid", "amount"),
    ("Choose the account", "required", "account"),
    ("An order needs at least one line", "min_length", "lines"),
    ("The due date can't be before", "invalid", "due_date"),
    ("Shipping, tax and discount can't be negative", "invalid", None),
    ("QuickBooks keeps the invoice's", "kept_by_quickbooks", None),
    ("A line chosen is not one of this order's", "line_gone", "lines"),
]


class OwnersOnly(exceptions.PermissionDenied):
    default_code = "owners_only"


class QuickBooksUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "quickbooks_unavailable"


def refusal(refused: lifecycle.Refused, about: str | None = None) -> Conflict:
    """The service's refusal as a 409 with a stable code (and the field it is about: `about`
    for an amount the request gave as lines)."""
    message = str(refused)
    for start, code, field in REFUSALS:
        if message.startswith(start):
            return Conflict(message, code, field=about if about and field == "amount" else field)
    return Conflict(message, "refused", field=None)


def _act(
    api_key: ApiKey,
    order: Order,
    action: str,
    idempotency_key: str,
    service: Callable,
    about: str | None = None,
):
    """Run the service and note the key in the order's history, in one transaction."""
    try:
        with transaction.atomic():
            service()
            record(api_key, order, action, idempotency_key)
    except lifecycle.Refused as refused:
        raise refusal(refused, about) from None
    except ValueError as exc:  # the service's own guards: the checks before should have said so
        raise serializers.ValidationError(str(exc)) from None


def _form_errors(form, names: dict[str, str]) -> serializers.ValidationError:
    found: dict = {}
    for name, errors in form.errors.as_data().items():
        field = names.get(name, name)
        for error in errors:
            found.setdefault(field, []).extend(
                serializers.ErrorDetail(message, code=error.code or "invalid")
                for message in error.messages
            )
    return serializers.ValidationError(found)


def _kept(order: Order, lines: list, given: list[dict]) -> list:
    """A line's class and tax code left out of an edit stay as they are (as the edit page's
    lines start from them): a line still on its product takes the saved line's in the same
    place, not the product's defaults."""
    saved = list(order.lines.order_by("position", "pk"))
    kept = []
    for n, line in enumerate(lines):
        old = saved[n] if n < len(saved) else None
        if old is not None and old.product_id == (line.product.pk if line.product else None):
            if "qbo_class_id" not in given[n]:
                line = replace(line, class_id=old.qbo_class_id, class_name=old.qbo_class_name)
            if "qbo_tax_code_id" not in given[n]:
                line = replace(
                    line, tax_code_id=old.qbo_tax_code_id, tax_code_name=old.qbo_tax_code_name
                )
        kept.append(line)
    return kept


# Where an OrderEditForm field's errors are reported in the JSON body.
EDIT_FIELDS = {f"ship_{part}": f"ship_to.{part}" for part in SHIP_PARTS}


def _text(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else format(value, "f")


def _edit_form(order: Order, data: dict) -> OrderEditForm:
    """The order page's edit form, given only what the API sends: a field left out of the
    post stays as the order holds it (the form fills it in)."""
    form_data = {}
    for name in ("order_date", "due_date", "shipping", "tax"):
        if name in data:
            form_data[name] = _text(data[name])
    for name in ("memo", "bill_email"):
        if name in data:
            form_data[name] = data[name]
    if "ship_to" in data:
        form_data |= {f"ship_{part}": data["ship_to"][part] for part in SHIP_PARTS}
    if "discount_percent" in data or "discount_amount" in data:
        percent, amount = data.get("discount_percent"), data.get("discount_amount")
        kind = "percent" if percent is not None else "amount" if amount is not None else ""
        form_data["discount_kind"] = kind
        form_data["discount_value"] = _text(percent if percent is not None else amount)
    return OrderEditForm(form_data, order=order)


def _edit_changes(order: Order, data: dict, lines: list[NewLine]) -> OrderChanges:
    """The header and charges the edit asks for, checked by the page's form (its limits and
    words), or a 400 naming each field."""
    form = _edit_form(order, data)
    # The discount's errors go to the field it was given as.
    amount = data.get("discount_percent") is None and "discount_amount" in data
    discount = "discount_amount" if amount else "discount_percent"
    names = {**EDIT_FIELDS, "discount_kind": discount, "discount_value": discount}
    valid = form.is_valid() and form.check_totals(lines)
    errors = {} if valid else _form_errors(form, names).detail
    if "tax" in data and "tax" not in form.fields:
        # The form has no tax field here, and would quietly drop it.
        message = (
            "This order holds no tax of its own: QuickBooks works the tax out "
            "(Invoicing settings → Sales tax)."
        )
        errors["tax"] = [serializers.ErrorDetail(message, code="not_tracked")]
    if errors:
        raise serializers.ValidationError(errors)
    return form.changes()


def edit(*, api_key: ApiKey, order: Order, data: dict, idempotency_key: str = "") -> None:
    lines = None  # left out: the lines as they are when the service locks the order
    if "lines" in data:
        forms = validated_lines(order.company, data["lines"])
        lines = _kept(order, [form.new_line() for form in forms], data["lines"])
    # Lines alone: the header and charges stay as they are (the service keeps them).
    asked = any(name in data for name in (*EDIT_HEADER, *EDIT_CHARGES))
    checked = lines if lines is not None else lifecycle.current_lines(order)
    changes = _edit_changes(order, data, checked) if asked else None
    _act(
        api_key,
        order,
        "edited",
        idempotency_key,
        lambda: lifecycle.edit_order(order, lines=lines, by=None, changes=changes),
    )


def cancel(*, api_key: ApiKey, order: Order, data: dict, idempotency_key: str = "") -> None:
    if data["delete"]:
        raise OwnersOnly(
            "Only owners may delete an invoice, and an API key acts as an admin: "
            "cancel without delete to void it."
        )
    _act(
        api_key,
        order,
        "cancelled",
        idempotency_key,
        lambda: lifecycle.cancel_order(order, by=None, delete=False),
    )


def send(*, api_key: ApiKey, order: Order, data: dict, idempotency_key: str = "") -> None:
    form = SendInvoiceForm({"email": data.get("email") or default_email(order)})
    if not form.is_valid():
        raise _form_errors(form, {})
    email = form.cleaned_data["email"]
    _act(
        api_key,
        order,
        "sent",
        idempotency_key,
        lambda: lifecycle.send_invoice(order, email=email, by=None),
    )


def _money_form(
    form_class, order: Order, data: dict, extra: dict | None = None, names: dict | None = None
):
    """The page's form for the money, with its choices from the company's QuickBooks."""
    form_data = {
        "form_token": str(uuid.uuid4()),
        "amount": format(data["amount"], "f") if "amount" in data else "",
        "on": (data.get("date") or timezone.localdate()).isoformat(),
        **(extra or {}),
    }
    for name in ("method", "account", "reference", "reason"):
        if name in data:
            form_data[name] = data[name]
    choices = {}
    if any(form_data.get(name) for name, *_ in form_class.choice_fields):
        try:
            choices = settlements.money_choices(order.company)
        except ReconnectNeeded:
            raise Conflict(
                "Connect QuickBooks first: the connection needs to be made or renewed.",
                "quickbooks_not_connected",
            ) from None
        except QuickBooksError as error:
            raise QuickBooksUnavailable(
                f"QuickBooks couldn't list the payment methods and accounts: {error.text}"
            ) from None
    # The Credit form offers the order's lines.
    lines = {"order": order} if form_class is CreditForm else {}
    form = form_class(form_data, choices=choices, **lines)
    if not form.is_valid():
        raise _form_errors(form, {"on": "date", **(names or {})})
    return {**form.cleaned_data, "form_token": form_data["form_token"]}


def payment(*, api_key: ApiKey, order: Order, data: dict, idempotency_key: str = "") -> None:
    got = _money_form(PaymentForm, order, data)
    _act(
        api_key,
        order,
        "payment recorded",
        idempotency_key,
        lambda: settlements.record_payment(
            order,
            amount=Decimal(got["amount"]),
            paid_on=got["on"],
            method=got["method"],
            account=got["account"],
            reference=got["reference"],
            form_token=got["form_token"],
            by=None,
        ),
    )


def _credit_lines(order: Order, lines: list[dict]) -> tuple[dict, dict]:
    """The Credit page's choices for the lines asked (its form fields), and where each
    field's errors go; a line not of this order is a 400 naming it."""
    mine = set(order.lines.values_list("pk", flat=True))
    form_data, names, errors, seen = {"what": LINES}, {}, {}, set()
    for n, chosen in enumerate(lines):
        pk = chosen["line"]
        if pk not in mine:
            message = "Not one of this order's lines (its lines[].id)."
            errors[f"lines[{n}].line"] = [serializers.ErrorDetail(message, code="invalid_choice")]
            continue
        if pk in seen:
            message = "This line is given twice."
            errors[f"lines[{n}].line"] = [serializers.ErrorDetail(message, code="invalid")]
            continue
        seen.add(pk)
        form_data[f"line_{pk}"] = "on"
        if "quantity" in chosen:
            form_data[f"quantity_{pk}"] = format(chosen["quantity"], "f")
        names |= {f"line_{pk}": f"lines[{n}].line", f"quantity_{pk}": f"lines[{n}].quantity"}
    if errors:
        raise serializers.ValidationError(errors)
    return form_data, names


def credit(*, api_key: ApiKey, order: Order, data: dict, idempotency_key: str = "") -> None:
    extra, names = _credit_lines(order, data["lines"]) if "lines" in data else ({}, {})
    got = _money_form(CreditForm, order, data, extra, names)
    _act(
        api_key,
        order,
        "credited",
        idempotency_key,
        lambda: settlements.credit_order(
            order,
            amount=got["amount"],
            reason=got["reason"],
            on=got["on"],
            lines=got["lines"],
            form_token=got["form_token"],
            by=None,
        ),
        about="lines" if got["lines"] else None,
    )


def refund(*, api_key: ApiKey, order: Order, data: dict, idempotency_key: str = "") -> None:
    got = _money_form(RefundForm, order, data)
    _act(
        api_key,
        order,
        "refunded",
        idempotency_key,
        lambda: settlements.refund_order(
            order,
            amount=got["amount"],
            account=got["account"],
            method=got["method"],
            on=got["on"],
            form_token=got["form_token"],
            by=None,
        ),
    )
