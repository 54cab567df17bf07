"""The order form's class, location and custom-field fields, as the company's QuickBooks
tracks them (invoicing/dimensions.py): present only when its Preferences turn them on."""

from django import forms

from invoicing.dimensions import Dimensions
from invoicing.services import Tracking

CUSTOM_FIELD_LENGTH = 31  # QBO's UI limit for a legacy custom field (QBO-TRANSACTIONS.md §10)


def _choice(label: str, pairs: list[tuple[str, str]], message: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=[("", "—"), *pairs],
        error_messages={"invalid_choice": message},
    )


def add_order_fields(form: forms.Form, dims: Dimensions) -> None:
    """The invoice's class (one per transaction), location and custom fields."""
    form.dimensions = dims
    if dims.class_mode == "txn":
        form.fields["qbo_class"] = _choice(
            "Class", dims.classes, "Pick one of QuickBooks' active classes."
        )
    if dims.track_departments:
        form.fields["department"] = _choice(
            dims.department_label, dims.departments, "Pick one of QuickBooks' active locations."
        )
    for definition_id, name in dims.custom_fields:
        form.fields[f"custom_field_{definition_id}"] = forms.CharField(
            label=name, required=False, max_length=CUSTOM_FIELD_LENGTH
        )


def add_line_field(form: forms.Form, dims: Dimensions | None) -> None:
    """A class per line, when the company assigns one to each row."""
    if dims and dims.class_mode == "line":
        form.fields["line_class"] = _choice(
            "Class", dims.classes, "Pick one of QuickBooks' active classes."
        )


def _named(pairs: list[tuple[str, str]], value: str) -> tuple[str, str]:
    return (value, dict(pairs).get(value, "")) if value else ("", "")


def tracking_from(form: forms.Form) -> Tracking:
    data, dims = form.cleaned_data, getattr(form, "dimensions", None) or Dimensions()
    class_id, class_name = _named(dims.classes, data.get("qbo_class") or "")
    department_id, department_name = _named(dims.departments, data.get("department") or "")
    custom = tuple((data.get(f"custom_field_{n}") or "").strip() for n in ("1", "2", "3"))
    return Tracking(
        class_id=class_id,
        class_name=class_name,
        department_id=department_id,
        department_name=department_name,
        custom_fields=custom,
    )


def line_class(form: forms.Form, dims: Dimensions | None) -> tuple[str, str]:
    if not dims or "line_class" not in form.fields:
        return "", ""
    return _named(dims.classes, form.cleaned_data.get("line_class") or "")
