"""Tax codes per line (companies outside the US) and the defaults that fill a line and an
order: a product's tax code and class, a customer's class (invoicing/dimensions.py reads the
lists from QuickBooks).

A line's tax code is the one picked, else its product's; an empty one takes Invoicing
settings' code at push. A line's class is the one picked, else its product's (class per line);
the order's class is the one picked, else its customer's (class per transaction). An empty
choice means "the default": the form's script shows the default as the choice where it can.
"""

import dataclasses

from django import forms

from invoicing import tracking_forms
from invoicing.dimensions import Dimensions
from invoicing.services import Tracking

TAX_CODE_MESSAGE = "Pick one of QuickBooks' tax codes."
CLASS_MESSAGE = "Pick one of QuickBooks' active classes."


def _choice(label: str, empty: str, pairs: list[tuple[str, str]], message: str, **kwargs):
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=[("", empty), *pairs],
        error_messages={"invalid_choice": message},
        **kwargs,
    )


def _with_current(pairs: list[tuple[str, str]], value: str, name: str) -> list[tuple[str, str]]:
    """Keep a saved choice QuickBooks no longer lists, rather than clearing it on save."""
    if value and value not in dict(pairs):
        return [*pairs, (value, f"{name or value} (not in QuickBooks)")]
    return pairs


def _named(pairs: list[tuple[str, str]], value: str, saved: tuple[str, str]) -> tuple[str, str]:
    if not value:
        return "", ""
    return value, dict(pairs).get(value) or (saved[1] if saved[0] == value else "")


# --- the product form -------------------------------------------------------------------------


def add_product_fields(form: forms.Form, dims: Dimensions) -> None:
    """The product's tax code (outside the US) and default class (class tracking on)."""
    product = form.instance
    form.dimensions = dims
    if dims.tax_codes or product.qbo_tax_code_id:
        form.fields["tax_code"] = _choice(
            "Tax code",
            "— Invoicing settings' code —",
            _with_current(dims.tax_codes, product.qbo_tax_code_id, product.qbo_tax_code_name),
            TAX_CODE_MESSAGE,
            initial=product.qbo_tax_code_id,
            help_text="The QuickBooks tax code of the order lines that sell it.",
        )
    if dims.class_mode or product.qbo_class_id:
        form.fields["default_class"] = _choice(
            "Default class",
            "— None —",
            _with_current(dims.classes, product.qbo_class_id, product.qbo_class_name),
            CLASS_MESSAGE,
            initial=product.qbo_class_id,
            help_text="The class of the order lines that sell it (class per line).",
        )


def apply_product_fields(form: forms.Form) -> None:
    """Set the chosen codes and their names on the product (before it is saved)."""
    product, data = form.instance, form.cleaned_data
    dims = getattr(form, "dimensions", None) or Dimensions()
    if "tax_code" in form.fields:
        saved = (product.qbo_tax_code_id, product.qbo_tax_code_name)
        product.qbo_tax_code_id, name = _named(dims.tax_codes, data.get("tax_code") or "", saved)
        product.qbo_tax_code_name = name[:100]
    if "default_class" in form.fields:
        saved = (product.qbo_class_id, product.qbo_class_name)
        product.qbo_class_id, product.qbo_class_name = _named(
            dims.classes, data.get("default_class") or "", saved
        )


# --- the order form's lines -------------------------------------------------------------------


def add_line_fields(form: forms.Form, dims: Dimensions | None) -> None:
    """A tax code per line, for a company outside the US (its QuickBooks lists the codes)."""
    if dims and dims.tax_codes:
        form.fields["line_tax_code"] = _choice(
            "Tax code", "— Product's or settings' —", dims.tax_codes, TAX_CODE_MESSAGE
        )


def line_tax_code(form: forms.Form, dims: Dimensions | None, product) -> tuple[str, str]:
    """The line's tax code and its name: the one picked, else the product's (when QuickBooks
    still lists it: a code gone from the list would fail the push)."""
    codes = dict(dims.tax_codes) if dims else {}
    if picked := form.cleaned_data.get("line_tax_code") or "":
        return picked, codes.get(picked, "")
    own = product.qbo_tax_code_id if product is not None else ""
    if own and (not codes or own in codes):
        return own, product.qbo_tax_code_name
    return "", ""


def _default_class(dims: Dimensions, class_id: str) -> tuple[str, str]:
    # Only an active class: a deactivated default is left off rather than failing the push.
    classes = dict(dims.classes)
    return (class_id, classes[class_id]) if class_id in classes else ("", "")


def line_class(picked: tuple[str, str], dims: Dimensions | None, product) -> tuple[str, str]:
    """The line's class: the one picked, else its product's when the company tracks per line."""
    if picked[0] or not dims or dims.class_mode != "line" or product is None:
        return picked
    return _default_class(dims, product.qbo_class_id)


def order_class(picked: tuple[str, str], dims: Dimensions | None, customer) -> tuple[str, str]:
    """The order's class: the one picked, else its customer's (one class per transaction)."""
    if picked[0] or not dims or dims.class_mode != "txn" or customer is None:
        return picked
    return _default_class(dims, customer.default_class_id)


def order_tracking(form: forms.Form, customer) -> Tracking:
    """The order form's class, location and custom fields, the class defaulting as above."""
    tracking = tracking_forms.tracking_from(form)
    dims = getattr(form, "dimensions", None)
    class_id, class_name = order_class((tracking.class_id, tracking.class_name), dims, customer)
    return dataclasses.replace(tracking, class_id=class_id, class_name=class_name)


def product_data(product) -> dict:
    """What the form's script fills a line with when its product is picked."""
    return {
        "unit_price": str(product.unit_price),
        "taxable": product.taxable,
        "tax_code": product.qbo_tax_code_id,
        "class": product.qbo_class_id,
    }
