"""Orders made through the API: the new-order form's own rules, then the same service.

The JSON is first checked for shape and types (api.serializers.OrderInput), then put through
invoicing's OrderForm and OrderLineForm, so the API and the page accept the same orders and
say the same things about the ones they refuse.
"""

import uuid

from django.db import IntegrityError, transaction
from rest_framework import serializers

from accounts.models import Company
from api.errors import Conflict
from api.models import ApiAuditEntry, ApiKey, ApiOrder
from invoicing import dimensions, services
from invoicing.forms import OrderForm, OrderLineForm, orderable_customers
from invoicing.models import MAX_AMOUNT, Order, Product

# Where an OrderForm field's errors are reported in the JSON body.
HEADER_FIELDS = {
    "customer": "customer.id",
    "customer_search": "customer.id",
    "new_customer_name": "customer.name",
    "new_customer_email": "customer.email",
    "paid_at_checkout": "form",
}


def _text(value) -> str:
    if value is None:
        return ""
    return format(value, "f") if hasattr(value, "as_tuple") else str(value)


def _header_form(company: Company, data: dict) -> OrderForm:
    customer = data["customer"]
    name = customer.get("name", "")
    existing = customer.get("id")
    if name and existing is None:
        # A returning customer sent by name: the one QuickBooks already has by that name.
        match = orderable_customers(company).filter(display_name__iexact=name.strip()).first()
        existing, name = (match.pk, "") if match else (None, name)
    form_data = {
        "customer": _text(existing),
        "customer_search": "",
        "new_customer_name": name,
        "new_customer_email": customer.get("email", "") if name else "",
        "order_date": data["order_date"].isoformat(),
        "due_date": data["due_date"].isoformat() if data.get("due_date") else "",
        "memo": data["memo"],
        "currency": data["currency"],
        "form_token": str(uuid.uuid4()),
    }
    if data.get("form") == Order.QboForm.SALES_RECEIPT:
        form_data |= {
            "paid_at_checkout": "on",
            "payment_method": data.get("payment_method", ""),
            "deposit_account": data.get("deposit_account", ""),
        }
    return OrderForm(form_data, company=company)


def _line_forms(company: Company, lines: list[dict]) -> list[OrderLineForm]:
    products = Product.objects.filter(company=company, active=True)
    # As the page's lines: each takes its product's tax code and class (the header's read).
    dims = dimensions.for_company(company)
    forms = []
    for line in lines:
        form_data = {
            "product": _text(line.get("product")),
            "description": line["description"],
            "quantity": _text(line["quantity"]),
            "unit_price": _text(line.get("unit_price")),
        }
        if line["taxable"]:
            form_data["taxable"] = "on"
        forms.append(OrderLineForm(form_data, products=products, dimensions=dims))
    return forms


def _errors(form, field_names: dict, prefix: str = "") -> dict:
    found: dict = {}
    for name, errors in form.errors.as_data().items():
        if name == "form_token":
            continue
        field = field_names.get(name, f"{prefix}{name}" if name != "__all__" else prefix)
        for error in errors:
            found.setdefault(field or "__all__", []).extend(
                serializers.ErrorDetail(message, code=error.code or "invalid")
                for message in error.messages
            )
    return found


def validated_order(company: Company, data: dict) -> tuple[OrderForm, list[OrderLineForm]]:
    """The order's forms, all valid; or a ValidationError naming every bad field."""
    header, lines = _header_form(company, data), _line_forms(company, data["lines"])
    errors = _errors(header, HEADER_FIELDS) if not header.is_valid() else {}
    errors.update(_line_errors(lines, errors))
    if errors:
        # Keys are already paths ("lines[1].quantity"): api.errors.flatten keeps them.
        raise serializers.ValidationError(errors)
    return header, lines


def _line_errors(lines: list[OrderLineForm], errors_so_far: dict) -> dict:
    errors: dict = {}
    for n, form in enumerate(lines):
        if not form.is_valid():
            errors.update(_errors(form, {}, f"lines[{n}]."))
    if not errors and not errors_so_far and sum(f.new_line().amount for f in lines) > MAX_AMOUNT:
        errors["lines"] = ["The order's total is more than an invoice can hold."]
    return errors


def validated_lines(company: Company, lines: list[dict]) -> list[OrderLineForm]:
    """New lines for an order (an edit), all valid, with the new-order form's rules."""
    forms = _line_forms(company, lines)
    if errors := _line_errors(forms, {}):
        raise serializers.ValidationError(errors)
    return forms


def create_api_order(*, api_key: ApiKey, data: dict, idempotency_key: str = "") -> Order:
    """Save the order (and its external id and audit entry) in one transaction."""
    company = api_key.company
    external_id = data.get("external_id", "")
    if external_id:
        _refuse_duplicate(company, external_id)
    header, lines = validated_order(company, data)
    try:
        with transaction.atomic():
            order = services.create_order(
                company=company,
                created_by=None,
                lines=[form.new_line() for form in lines],
                **header.create_order_arguments(),
            )
            if external_id:
                ApiOrder.objects.create(
                    company=company, order=order, external_id=external_id, api_key=api_key
                )
            record(api_key, order, "created", idempotency_key)
    except IntegrityError:
        # Another request with the same external id committed first.
        if external_id:
            _refuse_duplicate(company, external_id)
        # Any other clash with a request made at the same moment: nothing was kept.
        raise Conflict(
            "The order clashed with another made at the same moment; send it again.",
            "retry",
        ) from None
    except ValueError as exc:  # the service's own guards: the forms should have said so
        raise serializers.ValidationError(str(exc)) from None
    return order


def _refuse_duplicate(company: Company, external_id: str) -> None:
    link = ApiOrder.objects.filter(company=company, external_id=external_id).first()
    if link:
        raise Conflict(
            f"An order with external_id “{external_id}” exists already.",
            "duplicate_external_id",
            field="external_id",
            order_id=link.order_id,
        )


def record(api_key: ApiKey, order: Order, action: str, idempotency_key: str = "") -> None:
    """Note in the order's history that the key did `action`."""
    ApiAuditEntry.objects.create(
        company_id=order.company_id,
        order=order,
        api_key=api_key,
        key_name=api_key.name,
        action=action,
        idempotency_key=idempotency_key,
    )


def retry_api_order(*, api_key: ApiKey, order: Order, idempotency_key: str = "") -> None:
    """Queue a failed or waiting order for another push (as the order page's Retry)."""
    with transaction.atomic():
        if not services.retry_push(order):
            raise Conflict(
                f"Order {order.number} is {order.push_status}, not failed or waiting.",
                "not_retryable",
            )
        record(api_key, order, "retried", idempotency_key)
