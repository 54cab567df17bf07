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
from customers.models import Customer
from invoicing import dimensions, services
from invoicing.forms import OrderForm, OrderLineForm, orderable_customers
from invoicing.models import MAX_AMOUNT, Order, Product
from qbo.models import QuickBooksConnection

# Where an OrderForm field's errors are reported in the JSON body.
HEADER_FIELDS = {
    "customer": "customer.id",
    "customer_search": "customer.id",
    "new_customer_name": "customer.name",
    "new_customer_email": "customer.email",
    "paid_at_checkout": "form",
    "new_customer_parent": "customer.parent",
    "new_customer_bill_with_parent": "customer.bill_with_parent",
    "qbo_class": "qbo_class_id",
    "department": "qbo_department_id",
}
LINE_FIELDS = {"line_class": "qbo_class_id", "line_tax_code": "qbo_tax_code_id"}


def _text(value) -> str:
    if value is None:
        return ""
    return format(value, "f") if hasattr(value, "as_tuple") else str(value)


def _customer_data(company: Company, customer: dict) -> dict:
    name = customer.get("name", "")
    existing = customer.get("id")
    if name and existing is None:
        # A returning customer sent by name: the one QuickBooks already has by that name.
        match = orderable_customers(company).filter(display_name__iexact=name.strip()).first()
        existing, name = (match.pk, "") if match else (None, name)
    data = {
        "customer": _text(existing),
        "customer_search": "",
        "new_customer_name": name,
        "new_customer_email": customer.get("email", "") if name else "",
    }
    if customer.get("parent") is not None:
        # The form takes the parent by its name; an id of another company's customer (or
        # none) is refused as that form refuses an unknown name.
        parent = Customer.objects.filter(company=company, pk=customer["parent"]).first()
        data["new_customer_parent"] = parent.full_name if parent else f"#{customer['parent']}"
    if customer.get("bill_with_parent"):
        data["new_customer_bill_with_parent"] = "on"
    return data


def _header_form(company: Company, data: dict) -> OrderForm:
    form_data = {
        **_customer_data(company, data["customer"]),
        "order_date": data["order_date"].isoformat(),
        "due_date": data["due_date"].isoformat() if data.get("due_date") else "",
        "memo": data["memo"],
        "currency": data["currency"],
        "exchange_rate": _text(data.get("exchange_rate")),
        "qbo_class": data["qbo_class_id"],
        "department": data["qbo_department_id"],
        "form_token": str(uuid.uuid4()),
    }
    if data.get("form") == Order.QboForm.SALES_RECEIPT:
        form_data |= {
            "paid_at_checkout": "on",
            "payment_method": data.get("payment_method", ""),
            "deposit_account": data.get("deposit_account", ""),
        }
    return OrderForm(form_data, company=company)


def _tracking_errors(company: Company, form: OrderForm, data: dict) -> tuple[dict, dict]:
    """What the order asks to track that this company's QuickBooks doesn't (the form would
    quietly leave it out); the custom fields put in the form's slots, with their paths."""
    errors: dict = {}
    dims = form.dimensions

    def untracked(what: str) -> str:
        if not dims.home_currency:  # no answer from QuickBooks: nothing is known
            return f"QuickBooks couldn't be asked just now whether this company tracks {what}."
        return f"This company's QuickBooks doesn't track {what}."

    asked = {
        "qbo_class_id": ("qbo_class", "classes per invoice"),
        "qbo_department_id": ("department", "locations"),
    }
    for key, (field, what) in asked.items():
        if data[key] and field not in form.fields:
            if key == "qbo_class_id" and dims.class_mode == "line":
                message = "This company's QuickBooks takes a class per line (lines[].qbo_class_id)."
            else:
                message = untracked(what)
            errors[key] = [serializers.ErrorDetail(message, code="not_tracked")]
    errors.update(line_tracking_errors(company, dims, data["lines"]))
    # Without the currency field the single-currency rule refuses a rate; with a free-text
    # one (QuickBooks not asked) nothing would, and the rate would be dropped.
    rate_dropped = "exchange_rate" not in form.fields and "currency" in form.fields
    if data.get("exchange_rate") is not None and rate_dropped:
        message = "QuickBooks couldn't be asked which currencies this company takes."
        errors["exchange_rate"] = [serializers.ErrorDetail(message, code="not_tracked")]
    slot_errors, paths = _custom_field_slots(form, data.get("custom_fields") or [])
    return {**errors, **slot_errors}, paths


def _is_us(company: Company) -> bool:
    conn = QuickBooksConnection.objects.filter(company=company).only("country").first()
    return ((conn.country if conn else "") or "US").upper() == "US"


def line_tracking_errors(company: Company, dims, lines: list[dict]) -> dict:
    """A class or tax code asked of a line where this company's QuickBooks takes none (the
    line form would have no field for it, and quietly drop it)."""
    errors: dict = {}
    known = bool(dims.home_currency)  # else QuickBooks couldn't be asked
    if any(line.get("qbo_class_id") for line in lines) and dims.class_mode != "line":
        if known:
            message = "This company's QuickBooks doesn't track classes per line."
        else:
            message = "QuickBooks couldn't be asked just now whether this company tracks classes."
        errors["lines"] = [serializers.ErrorDetail(message, code="not_tracked")]
    if dims.tax_codes:
        return errors
    if not known:
        message = "QuickBooks couldn't be asked just now for this company's tax codes."
    elif _is_us(company):
        message = (
            "A US company's lines take no tax code: QuickBooks taxes a line by `taxable` "
            "(TAX or NON)."
        )
    else:
        message = "This company's QuickBooks lists no active tax codes."
    for n, line in enumerate(lines):
        if line.get("qbo_tax_code_id"):
            path = f"lines[{n}].qbo_tax_code_id"
            errors[path] = [serializers.ErrorDetail(message, code="not_tracked")]
    return errors


def _custom_field_slots(form: OrderForm, fields: list[dict]) -> tuple[dict, dict]:
    """Put each custom field's value in the form's slot for it (by name or DefinitionId)."""
    by_name = {name.casefold(): slot for slot, name in form.dimensions.custom_fields}
    slots = {slot for slot, _ in form.dimensions.custom_fields}
    errors: dict = {}
    paths: dict = {}
    seen: set[str] = set()
    for n, field in enumerate(fields):
        if "name" in field:
            slot, where = by_name.get(field["name"].strip().casefold()), f"custom_fields[{n}].name"
        else:
            slot = field["definition_id"] if field["definition_id"] in slots else None
            where = f"custom_fields[{n}].definition_id"
        if slot is None:
            names = ", ".join(f"“{name}”" for _, name in form.dimensions.custom_fields) or "none"
            message = f"Not one of this company's QuickBooks custom fields (it has {names})."
        elif slot in seen:
            message = "This custom field is given twice."
        else:
            seen.add(slot)
            form.data[f"custom_field_{slot}"] = field["value"]
            paths[f"custom_field_{slot}"] = f"custom_fields[{n}].value"
            continue
        errors[where] = [serializers.ErrorDetail(message, code="invalid")]
    return errors, paths


def _line_forms(company: Company, lines: list[dict], dims=None) -> list[OrderLineForm]:
    products = Product.objects.filter(company=company, active=True)
    # As the page's lines: each takes its product's tax code and class (the header's read).
    dims = dims if dims is not None else dimensions.for_company(company)
    forms = []
    for line in lines:
        form_data = {
            "product": _text(line.get("product")),
            "description": line["description"],
            "quantity": _text(line["quantity"]),
            "unit_price": _text(line.get("unit_price")),
            "line_class": line.get("qbo_class_id", ""),
            "line_tax_code": line.get("qbo_tax_code_id", ""),
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
    header = _header_form(company, data)
    # Before the form is validated: this fills its custom-field slots.
    tracking_errors, paths = _tracking_errors(company, header, data)
    errors = _errors(header, {**HEADER_FIELDS, **paths}) if not header.is_valid() else {}
    errors.update(tracking_errors)
    lines = _line_forms(company, data["lines"], header.dimensions)
    errors.update(_line_errors(lines, errors))
    if errors:
        # Keys are already paths ("lines[1].quantity"): api.errors.flatten keeps them.
        raise serializers.ValidationError(errors)
    return header, lines


def _line_errors(lines: list[OrderLineForm], errors_so_far: dict) -> dict:
    errors: dict = {}
    for n, form in enumerate(lines):
        if not form.is_valid():
            paths = {name: f"lines[{n}].{path}" for name, path in LINE_FIELDS.items()}
            errors.update(_errors(form, paths, f"lines[{n}]."))
    if not errors and not errors_so_far and sum(f.new_line().amount for f in lines) > MAX_AMOUNT:
        errors["lines"] = ["The order's total is more than an invoice can hold."]
    return errors


def validated_lines(company: Company, lines: list[dict]) -> list[OrderLineForm]:
    """New lines for an order (an edit), all valid, with the new-order form's rules (a class
    and tax code per line as the edit page's lines take them)."""
    dims = dimensions.for_company(company)
    errors = line_tracking_errors(company, dims, lines)
    forms = _line_forms(company, lines, dims)
    errors.update(_line_errors(forms, errors))
    if errors:
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
