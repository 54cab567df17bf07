"""The Credit form: an amount, or chosen lines of the order with a quantity each.

Chosen lines become the credit memo's item lines (invoicing/settlement_writes.py), at the
line's unit price; the amount is what they add up to. Whether that fits the open balance is
the service's question (invoicing.settlements.credit_order), asked under the order's lock.
"""

from decimal import Decimal

from django import forms

from accounts.inputs import PlainDecimalField
from invoicing.forms import MoneyForm
from invoicing.models import Order, OrderLine

AMOUNT, LINES = "amount", "lines"


def _quantity(value: Decimal) -> str:
    return f"{value.normalize():f}"


class CreditForm(MoneyForm):
    what = forms.ChoiceField(
        label="Credit",
        required=False,  # the API sends an amount only
        choices=[(AMOUNT, "A sum of money"), (LINES, "These lines")],
        initial=AMOUNT,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label="Reason (on the credit memo)", required=False, max_length=4000)

    def __init__(self, *args, order: Order | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].required = False
        self.order_lines = list(order.lines.select_related("product")) if order else []
        for n, line in enumerate(self.order_lines, 1):
            self.fields[f"line_{line.pk}"] = forms.BooleanField(
                label=f"Line {n}: {line} ({_quantity(line.quantity)} at {line.unit_price:,.2f})",
                required=False,
            )
            self.fields[f"quantity_{line.pk}"] = PlainDecimalField(
                label=f"Quantity of line {n} to credit",
                required=False,
                max_digits=12,
                decimal_places=2,
                initial=line.quantity,
                widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}),
            )
        # The choice first, then the amount or the lines it chooses between.
        lines = [f for f in self.fields if f.startswith(("line_", "quantity_"))]
        self.order_fields(["what", "amount", *lines, "on"])

    def clean_amount(self) -> Decimal | None:
        amount = self.cleaned_data.get("amount")
        if amount is not None and amount <= 0:
            raise forms.ValidationError("The amount must be more than zero.")
        return amount

    def clean(self) -> dict:
        data = super().clean()
        if (data.get("what") or AMOUNT) == AMOUNT:
            if data.get("amount") is None and "amount" not in self.errors:
                self.add_error("amount", "Enter the amount to credit.")
            data["lines"] = []
            return data
        data["lines"] = [chosen for line in self.order_lines if (chosen := self._chosen(line))]
        if not data["lines"] and not self.errors:
            self.add_error(None, "Choose the lines to credit.")
        data["amount"] = sum((line.worth(qty) for line, qty in data["lines"]), Decimal("0.00"))
        return data

    def _chosen(self, line: OrderLine) -> tuple[OrderLine, Decimal] | None:
        if not self.cleaned_data.get(f"line_{line.pk}"):
            return None
        field = f"quantity_{line.pk}"
        quantity = self.cleaned_data.get(field)
        if field in self.errors:
            return None
        if quantity is None:
            quantity = line.quantity
        if quantity <= 0 or quantity > line.quantity:
            self.add_error(field, f"Between 0.01 and the {_quantity(line.quantity)} on the order.")
            return None
        return line, quantity
