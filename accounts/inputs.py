"""Strict parsing of what people type: ids, plain decimal numbers and business dates.

Python and Django are generous readers ("²".isdigit(), Decimal("1_000"), Decimal("sNaN"),
Arabic-Indic digits, exponents, year 9999): generous enough to turn a typo into a 500 or
into a figure nobody meant. These accept ASCII digits only, and say what they understood.
"""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms

# 18 digits always fit a 64-bit id column (SQLite and PostgreSQL bigint alike).
_ID = re.compile(r"[0-9]{1,18}")
_PLAIN_DECIMAL = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
# Search boxes: as long as the longest column they search (customer names, 500).
SEARCH_MAX_LENGTH = 500
# Dates QuickBooks and people can both make sense of: a typo such as 0202 or 9999 for the
# year is refused here rather than by QuickBooks later, after the order was saved.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2099, 12, 31)


def column_field(model, name: str, **overrides) -> forms.Field:
    """The form field for what a form stores in `model.name`: the column sets the maximum
    length (emails 254), so a value the column can't hold is a form error, not a DataError."""
    return model._meta.get_field(name).formfield(**overrides)


def parse_id(text: object) -> int | None:
    """A positive database id typed as ASCII digits, or None."""
    if not isinstance(text, str) or not _ID.fullmatch(text):
        return None
    return int(text) or None


def _understood(text: str) -> Decimal | None:
    """What Python would have read `text` as, if it is a finite number at all."""
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


class IdChoiceField(forms.ModelChoiceField):
    """A choice of row by its id, typed as ASCII digits (int() reads Arabic-Indic digits too)."""

    def to_python(self, value):
        if value in self.empty_values or isinstance(value, self.queryset.model):
            return super().to_python(value)
        if parse_id(str(value)) is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class PlainDecimalField(forms.DecimalField):
    """A decimal typed plainly: digits 0-9, an optional minus sign and decimal point."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not _PLAIN_DECIMAL.fullmatch(text):
            understood = _understood(text)
            if understood is None:
                raise forms.ValidationError("Enter a number, such as 12.50.", code="invalid")
            raise forms.ValidationError(
                "Type the number with the digits 0 to 9 and a decimal point only: "
                "did you mean %(value)s?",
                code="not_plain",
                params={"value": format(understood, "f")},
            )
        return super().to_python(text)


class BusinessDateField(forms.DateField):
    """A date typed with ASCII digits, between 1 January 1900 and 31 December 2099."""

    def to_python(self, value):
        if isinstance(value, str) and not value.isascii():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)

    def validate(self, value) -> None:
        super().validate(value)
        if value and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise forms.ValidationError(
                "Enter a date between 1 January 1900 and 31 December 2099.", code="out_of_range"
            )
