"""What an edit of an order changes beside its lines: the header and the charges.

invoicing/lifecycle.py decides an edit under the order's lock; this module says what the
edit changes (for the preview and for the sparse update's intent) and how the order's
fields follow. The header is kept in the shape of invoicing.sync.invoice_header, so what
we send, what QuickBooks answers and our base compare field by field.
"""

from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import Decimal

from django.utils import timezone

from invoicing.models import Order
from invoicing.services import SHIP_PARTS, discount_for, order_total
from invoicing.sync import STREET_LINES, ship_address

# ShipAddr's parts as the order keeps them (invoicing.sync.ship_address); Line2..Line5 from
# QuickBooks join Line1 (ship_to_fields).
ADDRESS_OF = {
    "line1": "Line1",
    "city": "City",
    "region": "CountrySubDivisionCode",
    "postal_code": "PostalCode",
    "country": "Country",
}
HEADER_LABELS = {
    "order_date": "Order date",
    "due_date": "Due date",
    "memo": "Message on invoice",
    "bill_email": "Bill e-mail",
    "ship_to": "Ship to",
}


@dataclass(frozen=True)
class LineChange:
    """One row of the preview: what QuickBooks will change on a line, a field, a total."""

    label: str
    before: str
    after: str


@dataclass(frozen=True)
class OrderChanges:
    """An edit's header and charges, whole (what the order is to be, not only the changes)."""

    order_date: date
    due_date: date | None = None
    memo: str = ""
    bill_email: str = ""
    ship_line1: str = ""
    ship_city: str = ""
    ship_region: str = ""
    ship_postal_code: str = ""
    ship_country: str = ""
    discount_percent: Decimal | None = None
    discount_amount: Decimal | None = None
    shipping: Decimal = Decimal("0.00")
    tax: Decimal | None = None

    @classmethod
    def of(cls, order: Order) -> "OrderChanges":
        """The order as it is (an edit of its lines only keeps all of this)."""
        percent, due = order.discount_percent, order_header(order)["due_date"]
        names = {f.name for f in fields(cls)} - {"discount_amount", "due_date"}
        return cls(
            **{name: getattr(order, name) for name in names},
            due_date=date.fromisoformat(due) if due else None,
            discount_amount=None if percent is not None else order.discount,
        )

    def with_ship_to(self, ship_to: dict) -> "OrderChanges":
        return replace(self, **ship_to)

    @property
    def has_ship_to(self) -> bool:
        return any(getattr(self, f"ship_{part}") for part in SHIP_PARTS)

    def header(self) -> dict:
        """The header in invoicing.sync.invoice_header's shape."""
        return {
            "order_date": self.order_date.isoformat(),
            "due_date": self.due_date.isoformat() if self.due_date else "",
            "memo": self.memo,
            "bill_email": self.bill_email,
            "ship_to": {
                ADDRESS_OF[part]: value
                for part in SHIP_PARTS
                if (value := getattr(self, f"ship_{part}"))
            },
        }

    def money(self, subtotal: Decimal) -> tuple[Decimal, Decimal]:
        """(discount, total) for lines worth `subtotal`, worked out as QuickBooks does."""
        discount = discount_for(subtotal, self.discount_percent, self.discount_amount)
        return discount, order_total(subtotal, discount, self.shipping, self.tax)


def order_header(order: Order) -> dict:
    """The order's header as QuickBooks holds it: a due date QuickBooks set from the terms
    (the order has none) is the invoice's, from our base."""
    header = {
        "order_date": order.order_date.isoformat(),
        "due_date": order.due_date.isoformat() if order.due_date else "",
        "memo": order.memo,
        "bill_email": order.bill_email,
        "ship_to": ship_address(order),
    }
    if not header["due_date"]:
        header["due_date"] = (order.qbo_base.get("header") or {}).get("due_date", "")
    return header


def changed_header(order: Order, changes: OrderChanges) -> dict:
    """The header fields the edit changes, with their new values."""
    now, new = order_header(order), changes.header()
    return {key: value for key, value in new.items() if value != now[key]}


def charges_intent(changes: OrderChanges, discount: Decimal) -> dict:
    percent = changes.discount_percent
    return {
        "discount_percent": None if percent is None else str(percent),
        "discount": str(discount),
        "shipping": str(changes.shipping),
        "tax": None if changes.tax is None else str(changes.tax),
    }


def same_charges(order: Order, changes: OrderChanges, discount: Decimal) -> bool:
    return (order.discount_percent, order.discount, order.shipping, order.tax) == (
        changes.discount_percent,
        discount,
        changes.shipping,
        changes.tax,
    )


def save_changes(order: Order, changes: OrderChanges, discount: Decimal) -> list[str]:
    """Set the order's header and charges from the edit; the names of the fields set."""
    values = {
        **{f"ship_{part}": getattr(changes, f"ship_{part}") for part in SHIP_PARTS},
        "order_date": changes.order_date,
        "due_date": changes.due_date,
        "memo": changes.memo,
        "bill_email": changes.bill_email,
        "discount_percent": changes.discount_percent,
        "discount": discount,
        "shipping": changes.shipping,
        "tax": changes.tax,
    }
    for name, value in values.items():
        setattr(order, name, value)
    return list(values)


def _day(text: str) -> str:
    if not text:
        return "—"
    day = date.fromisoformat(text)
    shown = f"{day.day} {day:%b}"
    return shown if day.year == timezone.localdate().year else f"{shown} {day.year}"


def _address(parts: dict) -> str:
    return ", ".join(parts.values()) or "—"


def _fmt(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def preview_header(order: Order, changes: OrderChanges) -> list[LineChange]:
    """The header rows of the preview ("Due date 3 Mar → 10 Mar")."""
    now, rows = order_header(order), []
    for key, value in changed_header(order, changes).items():
        if key in ("order_date", "due_date"):
            before, after = _day(now[key]), _day(value)
        elif key == "ship_to":
            before, after = _address(now[key]), _address(value)
        else:
            before, after = now[key] or "—", value or "—"
        rows.append(LineChange(HEADER_LABELS[key], before, after))
    return rows


def preview_charges(order: Order, changes: OrderChanges, discount: Decimal) -> list[LineChange]:
    rows = []
    if order.discount != discount or order.discount_percent != changes.discount_percent:
        label = "Discount" if changes.discount_percent is None else "Discount (percent)"
        before = _fmt(order.discount)
        if order.discount_percent is not None:
            before = f"{order.discount_percent.normalize():f}% = {before}"
        after = _fmt(discount)
        if changes.discount_percent is not None:
            after = f"{changes.discount_percent.normalize():f}% = {after}"
        rows.append(LineChange(label, before, after))
    if order.shipping != changes.shipping:
        rows.append(LineChange("Shipping", _fmt(order.shipping), _fmt(changes.shipping)))
    if order.tax != changes.tax:
        rows.append(LineChange("Tax", _fmt(order.tax), _fmt(changes.tax)))
    return rows


def _cut(text: str, field: str) -> str:
    return text[: Order._meta.get_field(field).max_length].strip()


def ship_to_fields(ship_to: dict) -> dict:
    """QuickBooks' ShipAddr as the order's ship_* fields: its street lines (Line1..Line5)
    joined into the order's one street line, each part cut to what its column holds."""
    street = ", ".join(line for key in STREET_LINES if (line := ship_to.get(key, "").strip()))
    fields = {"ship_line1": _cut(street, "ship_line1").rstrip(",")}
    for part, key in ADDRESS_OF.items():
        if part != "line1":
            fields[f"ship_{part}"] = _cut(ship_to.get(key, ""), f"ship_{part}")
    return fields


def from_quickbooks(order: Order, version: dict) -> tuple[OrderChanges, Decimal]:
    """QuickBooks' header and charges (a conflict's version) as an edit of the order, and
    its discount."""
    header = version.get("header")
    changes = OrderChanges.of(order)
    if header:
        address = ship_to_fields(header["ship_to"])
        changes = replace(
            changes,
            order_date=date.fromisoformat(header["order_date"])
            if header["order_date"]
            else changes.order_date,
            due_date=date.fromisoformat(header["due_date"]) if header["due_date"] else None,
            memo=header["memo"][:1000],
            bill_email=header["bill_email"][:254],
            **address,
        )
    charges = version.get("charges")
    if not charges:
        return changes, order.discount
    percent = Decimal(charges["discount_percent"]) if charges["discount_percent"] else None
    discount = Decimal(charges["discount"] or "0")
    tax = changes.tax
    if tax is not None and version.get("tax") not in (None, ""):
        tax = Decimal(version["tax"])  # the order carries its own tax: QuickBooks' now
    changes = replace(
        changes,
        discount_percent=percent,
        discount_amount=None if percent is not None else discount,
        shipping=Decimal(charges["shipping"] or "0"),
        tax=tax,
    )
    return changes, discount


def conflict_fields(order: Order, version: dict) -> list[LineChange]:
    """The header fields where QuickBooks' version (before) and ours (after) differ."""
    theirs, ours, rows = version.get("header") or {}, order_header(order), []
    for key, label in HEADER_LABELS.items():
        if key not in theirs or theirs[key] == ours[key]:
            continue
        if key in ("order_date", "due_date"):
            rows.append(LineChange(label, _day(theirs[key]), _day(ours[key])))
        elif key == "ship_to":
            rows.append(LineChange(label, _address(theirs[key]), _address(ours[key])))
        else:
            rows.append(LineChange(label, theirs[key] or "—", ours[key] or "—"))
    return rows
