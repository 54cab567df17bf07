"""Order ⇄ QBO Invoice mapping (no HTTP here)."""

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from invoicing.models import Order
from invoicing.signals import announce, invoice_voided, order_paid
from qbo.qbojson import decimal, parse_time

# Written into every invoice's PrivateNote; finds the invoice again after an ambiguous push.
MARKER = re.compile(r"\[qbsync:(\d+):(\d+)\]")


def marker(order: Order) -> str:
    return f"[qbsync:{order.company_id}:{order.pk}]"


def has_marker(invoice: dict, order: Order) -> bool:
    return marker(order) in (invoice.get("PrivateNote") or "")


@dataclass(frozen=True)
class TaxRule:
    """How lines are taxed: US companies mark lines TAX/NON; others use a line tax code."""

    us: bool
    tax_code_id: str = ""


def line_tax_code(line, tax: TaxRule) -> str:
    """Outside the US: the line's own tax code (a saved line's or a new one's), else the
    company's (Invoicing settings)."""
    own = getattr(line, "qbo_tax_code_id", "") or getattr(line, "tax_code_id", "")
    return own or tax.tax_code_id


def _line(line, position: int, item_id: str, tax: TaxRule) -> dict:
    detail = {
        "ItemRef": {"value": item_id},
        "Qty": line.quantity,
        "UnitPrice": line.unit_price,
    }
    if tax.us:
        detail["TaxCodeRef"] = {"value": "TAX" if line.taxable else "NON"}
    elif code := line_tax_code(line, tax):
        detail["TaxCodeRef"] = {"value": code}
    # A saved line's class (qbo_class_id) or a new one's (class_id): companies tracking per row.
    if class_id := getattr(line, "qbo_class_id", "") or getattr(line, "class_id", ""):
        detail["ClassRef"] = {"value": class_id}
    body = {
        "LineNum": position,
        "Amount": line.amount,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": detail,
    }
    description = line.description or (line.product.description if line.product_id else "")
    if description:
        body["Description"] = description[:4000]
    return body


def invoice_lines(lines, item_ids: list[str], tax: TaxRule) -> list[dict]:
    """Invoice Line objects for order lines (saved or not), with their QBO item ids."""
    return [
        _line(line, n, item_id, tax)
        for n, (line, item_id) in enumerate(zip(lines, item_ids, strict=True), 1)
    ]


# QBO's own item for the sales form's shipping charge (when SalesFormsPrefs.AllowShipping).
SHIPPING_ITEM_ID = "SHIPPING_ITEM_ID"


@dataclass(frozen=True)
class Charges:
    """How an order's discount and shipping become invoice lines, per company."""

    # SHIPPING_ITEM_ID when the company's form has a shipping field, else a chosen item.
    shipping_item_id: str = SHIPPING_ITEM_ID
    shipping_taxable: bool = False
    apply_tax_after_discount: bool = False


def _tax_ref(taxable: bool, tax: TaxRule) -> dict | None:
    if tax.us:
        return {"value": "TAX" if taxable else "NON"}
    return {"value": tax.tax_code_id} if tax.tax_code_id else None


def _shipping_line(order: Order, position: int, tax: TaxRule, charges: Charges) -> dict:
    detail: dict = {"ItemRef": {"value": charges.shipping_item_id}}
    if charges.shipping_item_id != SHIPPING_ITEM_ID:  # an ordinary item: one of it
        detail.update(Qty=Decimal("1"), UnitPrice=order.shipping)
    if ref := _tax_ref(charges.shipping_taxable, tax):
        detail["TaxCodeRef"] = ref
    return {
        "LineNum": position,
        "Amount": order.shipping,
        "Description": "Shipping",
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": detail,
    }


def _discount_line(order: Order) -> dict:
    # DiscountLineDetail, Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice
    if order.discount_percent is not None:
        detail = {"PercentBased": True, "DiscountPercent": order.discount_percent}
    else:
        detail = {"PercentBased": False}
    return {
        "Amount": order.discount,
        "DetailType": "DiscountLineDetail",
        "DiscountLineDetail": detail,
    }


def ship_address(order: Order) -> dict:
    """The order's ship-to as a QBO PhysicalAddress (empty parts left out)."""
    parts = {
        "Line1": order.ship_line1,
        "City": order.ship_city,
        "CountrySubDivisionCode": order.ship_region,
        "PostalCode": order.ship_postal_code,
        "Country": order.ship_country,
    }
    return {key: value for key, value in parts.items() if value}


def _plain(value) -> str:
    """A number as QBO may answer it (1, 1.0, "1.00") in one canonical form."""
    return format(decimal(value).normalize(), "f") if value not in (None, "") else ""


def _item_lines(lines: list[dict]) -> list[dict]:
    """Sales item lines, a bundle's (GroupLineDetail: its own Amount is 0) in its place."""
    found = []
    for line in lines or []:
        if line.get("DetailType") == "SalesItemLineDetail":
            found.append(line)
        elif line.get("DetailType") == "GroupLineDetail":
            found += _item_lines((line.get("GroupLineDetail") or {}).get("Line") or [])
    return found


def _sales_lines(lines: list[dict]):
    """(line, SalesItemLineDetail) of the order's own sales lines: not the shipping charge;
    a bundle someone sold in QuickBooks counts as its lines."""
    for line in _item_lines(lines):
        detail = line.get("SalesItemLineDetail") or {}
        if (detail.get("ItemRef") or {}).get("value") == SHIPPING_ITEM_ID:
            continue  # the form's shipping charge, not one of the order's lines
        yield line, detail


def content_lines(lines: list[dict]) -> list[dict]:
    """The sales lines of an invoice (or of an update we sent), in a comparable form."""
    return [
        {
            "item": str((detail.get("ItemRef") or {}).get("value") or ""),
            "description": line.get("Description") or "",
            "quantity": _plain(detail.get("Qty")),
            "unit_price": _plain(detail.get("UnitPrice")),
            "amount": _plain(line.get("Amount")),
        }
        for line, detail in _sales_lines(lines)
    ]


# What line_refs adds to each of content_lines' lines (a conflict's QuickBooks version).
LINE_REF_KEYS = ("tax_code_id", "tax_code_name", "class_id", "class_name")


def _ref(detail: dict, key: str) -> tuple[str, str]:
    ref = detail.get(key) or {}
    return str(ref.get("value") or ""), str(ref.get("name") or "")


def line_refs(lines: list[dict]) -> list[dict]:
    """Each sales line's TaxCodeRef and ClassRef (id, and name when QBO names it), in
    content_lines' order. Not part of the content a 5010 compares: what the order takes
    when someone chooses QuickBooks' version of its lines."""
    found = []
    for _line, detail in _sales_lines(lines):
        tax_code, class_ = _ref(detail, "TaxCodeRef"), _ref(detail, "ClassRef")
        found.append(dict(zip(LINE_REF_KEYS, (*tax_code, *class_), strict=True)))
    return found


def content_charges(lines: list[dict]) -> dict:
    """The discount and shipping of an invoice (or of an update we sent), comparable."""
    discount, shipping, percent = Decimal(0), Decimal(0), ""
    for line in lines or []:
        if line.get("DetailType") == "DiscountLineDetail":
            discount += decimal(line.get("Amount"))
            detail = line.get("DiscountLineDetail") or {}
            if detail.get("PercentBased"):
                percent = _plain(detail.get("DiscountPercent"))
        elif line.get("DetailType") == "SalesItemLineDetail":
            item = ((line.get("SalesItemLineDetail") or {}).get("ItemRef") or {}).get("value")
            if item == SHIPPING_ITEM_ID:
                shipping += decimal(line.get("Amount"))
    return {"discount": _plain(discount), "discount_percent": percent, "shipping": _plain(shipping)}


# ShipAddr's street lines: QBO's PhysicalAddress has Line1..Line5.
STREET_LINES = ("Line1", "Line2", "Line3", "Line4", "Line5")
ADDRESS_PARTS = (*STREET_LINES, "City", "CountrySubDivisionCode", "PostalCode")


def invoice_header(invoice: dict) -> dict:
    """The header fields an edit may change: due and order dates, memo, bill e-mail, ship-to."""
    address = invoice.get("ShipAddr") or {}
    return {
        "order_date": str(invoice.get("TxnDate") or ""),
        "due_date": str(invoice.get("DueDate") or ""),
        "memo": str((invoice.get("CustomerMemo") or {}).get("value") or ""),
        "bill_email": str((invoice.get("BillEmail") or {}).get("Address") or ""),
        "ship_to": {
            key: str(address[key]) for key in (*ADDRESS_PARTS, "Country") if address.get(key)
        },
    }


def invoice_content(invoice: dict) -> dict:
    """What "someone changed the invoice" means: its customer, sales lines, discount and
    shipping, total, and the header fields an edit may change."""
    return {
        "customer": str((invoice.get("CustomerRef") or {}).get("value") or ""),
        "lines": content_lines(invoice.get("Line") or []),
        "charges": content_charges(invoice.get("Line") or []),
        "total": _plain(invoice.get("TotalAmt")),
        "header": invoice_header(invoice),
    }


def changed_since(content: dict, base: dict) -> list[str]:
    """What differs between the invoice's content and our base ("header.due_date", ...).

    Only what the base holds is compared: bases stored before a part was kept have none."""
    changed = [k for k in base if k not in ("header", "tax") and content.get(k) != base[k]]
    header = content.get("header") or {}
    changed += [f"header.{k}" for k, v in (base.get("header") or {}).items() if header.get(k) != v]
    return changed


def header_payload(header: dict) -> dict:
    """The Invoice fields of an edit's changed header (a sparse update sends only these)."""
    payload: dict = {}
    if "order_date" in header:
        payload["TxnDate"] = header["order_date"]
    if header.get("due_date"):
        payload["DueDate"] = header["due_date"]
    if "memo" in header:
        payload["CustomerMemo"] = {"value": header["memo"]}
    if header.get("bill_email"):
        payload["BillEmail"] = {"Address": header["bill_email"]}
    if "ship_to" in header:
        # Replaced whole, as QBO does; our one street line holds QuickBooks' Line1..Line5
        # (edits.ship_to_fields), so the others are emptied or they would come back twice.
        street = {f"Line{n}": "" for n in range(2, 6)}
        payload["ShipAddr"] = {**street, **header["ship_to"]}
    return payload


def charge_lines(order: Order, position: int, tax: TaxRule, charges: Charges) -> list[dict]:
    """The discount and shipping lines of an order (saved or not), after its sales lines."""
    body = []
    if order.discount:
        body.append(_discount_line(order))
    if order.shipping:
        body.append(_shipping_line(order, position, tax, charges))
    return body


def order_to_invoice(
    order: Order,
    *,
    customer_id: str,
    item_ids: dict[int, str],
    tax: TaxRule,
    custom_doc_number: bool,
    home_currency: str = "",
    term_id: str = "",
    charges: Charges | None = None,
) -> dict:
    """The Invoice create payload for an order. item_ids maps OrderLine pk → QBO Item id.

    Lines, then the discount (QBO takes a percent of the item lines), then shipping; the
    ship-to (which US automated sales tax follows); our own tax as TxnTaxDetail.TotalTax
    when the order holds one (QBO honours it), else QBO calculates."""
    # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#create-an-invoice
    charges = charges or Charges()
    lines = list(order.lines.all())  # prefetched, with their products
    body = [_line(line, n, item_ids[line.pk], tax) for n, line in enumerate(lines, 1)]
    body += charge_lines(order, len(lines) + 1, tax, charges)
    payload: dict = {
        "CustomerRef": {"value": customer_id},
        "TxnDate": order.order_date.isoformat(),
        "Line": body,
        "PrivateNote": f"qbsync order {order.number} {marker(order)}",
    }
    if order.discount:
        payload["ApplyTaxAfterDiscount"] = charges.apply_tax_after_discount
    if address := ship_address(order):
        payload["ShipAddr"] = address
    if order.tax is not None and tax.us:
        payload["TxnTaxDetail"] = {"TotalTax": order.tax}
    # Without multicurrency QBO takes only its home currency: name the currency only when it
    # differs from that (push.preflight refuses it first when the company can't take it) or
    # when we don't know the home currency.
    if order.currency != home_currency:
        payload["CurrencyRef"] = {"value": order.currency}
        if order.exchange_rate is not None:
            payload["ExchangeRate"] = order.exchange_rate  # else QuickBooks' rate for the day
    if order.due_date:
        payload["DueDate"] = order.due_date.isoformat()
    elif term_id:
        payload["SalesTermRef"] = {"value": term_id}
    if order.memo:
        payload["CustomerMemo"] = {"value": order.memo}
    if order.bill_email:  # set on the edit page before the first push
        payload["BillEmail"] = {"Address": order.bill_email}
    if custom_doc_number:
        payload["DocNumber"] = order.number
    payload.update(tracking_refs(order))
    if not tax.us:
        payload["GlobalTaxCalculation"] = "TaxExcluded"
    return payload


def order_to_sales_receipt(order: Order, **kwargs) -> dict:
    """The SalesReceipt create payload: the invoice's lines, charges, tax and references, paid
    at once — no DueDate or terms (a sales receipt has neither), and where the money went.

    Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/salesreceipt#create-a-salesreceipt
    """
    payload = order_to_invoice(order, **{**kwargs, "term_id": ""})
    payload.pop("DueDate", None)
    if order.payment_method_id:
        payload["PaymentMethodRef"] = {"value": order.payment_method_id}
    # Optional in QBO (Undeposited Funds otherwise); the order form always names it.
    if order.deposit_account_id:
        payload["DepositToAccountRef"] = {"value": order.deposit_account_id}
    return payload


def tracking_refs(order: Order) -> dict:
    """The invoice's ClassRef, DepartmentRef (its location) and custom fields.

    A custom field is written by DefinitionId (the slot, "1".."3"); Name and Type are
    read-only (QBO-TRANSACTIONS.md §10), Type "StringType" is sent as Intuit's examples do."""
    refs: dict = {}
    if order.qbo_class_id:
        refs["ClassRef"] = {"value": order.qbo_class_id}
    if order.qbo_department_id:
        refs["DepartmentRef"] = {"value": order.qbo_department_id}
    custom = [
        {"DefinitionId": str(n), "Type": "StringType", "StringValue": value}
        for n in (1, 2, 3)
        if (value := getattr(order, f"custom_field_{n}"))
    ]
    if custom:
        refs["CustomField"] = custom
    return refs


def payment_status(total: Decimal, balance: Decimal) -> str:
    if balance <= 0:
        return Order.PaymentStatus.PAID
    if balance < total:
        return Order.PaymentStatus.PARTIALLY_PAID
    return Order.PaymentStatus.UNPAID


def order_fields_from_invoice(invoice: dict) -> dict:
    """What the order keeps of its QBO invoice: id, number, SyncToken, totals, paid state."""
    total = decimal(invoice.get("TotalAmt"))
    balance = decimal(invoice.get("Balance"), default=str(total))
    tax_detail = invoice.get("TxnTaxDetail")
    return {
        "qbo_tax": decimal(tax_detail.get("TotalTax"), default="0") if tax_detail else None,
        "qbo_invoice_id": str(invoice["Id"]),
        "qbo_doc_number": str(invoice.get("DocNumber") or "")[:21],
        "qbo_sync_token": str(invoice.get("SyncToken", ""))[:20],
        "qbo_total": total,
        "qbo_balance": balance,
        "payment_status": payment_status(total, balance),
        # E-mailed, and to whom: QBO's EmailStatus, BillEmail and DeliveryInfo.
        "bill_email": str((invoice.get("BillEmail") or {}).get("Address") or "")[:254],
        "email_status": str(invoice.get("EmailStatus") or "")[:20],
        "emailed_at": parse_time((invoice.get("DeliveryInfo") or {}).get("DeliveryTime")),
    }


VOIDED_NOTE = "Voided"
INVOICE_FIELDS = [
    "qbo_doc_number",
    "qbo_sync_token",
    "qbo_total",
    "qbo_balance",
    "qbo_tax",
    "payment_status",
    "bill_email",
    "email_status",
    "emailed_at",
    "last_error",
    "updated_at",
]


def gone_text(order: Order, how: str) -> str:
    """What the order says once its form was voided or deleted in QuickBooks."""
    return f"The {order.form_name} was {how} in QuickBooks."


def apply_invoice_changes(company_id: int, objects: list[dict]) -> int:
    """Invoice balances (and deletions) reach the orders they belong to, in one statement."""
    return _apply_form_changes(company_id, objects, Order.QboForm.INVOICE)


def apply_sales_receipt_changes(company_id: int, objects: list[dict]) -> int:
    """Sales receipts voided or deleted in QuickBooks show on their orders (as invoices do)."""
    return _apply_form_changes(company_id, objects, Order.QboForm.SALES_RECEIPT)


def _apply_form_changes(company_id: int, objects: list[dict], form: str) -> int:
    by_id = {str(o["Id"]): o for o in objects}
    orders = list(
        Order.objects.filter(company_id=company_id, qbo_form=form, qbo_invoice_id__in=list(by_id))
    )
    now = timezone.now()
    paid, newly_voided = [], []
    for order in orders:
        invoice = by_id[order.qbo_invoice_id]
        was = order.payment_status
        if invoice.get("status") == "Deleted":
            order.last_error = gone_text(order, "deleted")
            if order.is_sales_receipt:  # the sale is gone from the books: nothing was paid
                order.payment_status = Order.PaymentStatus.UNPAID
        else:
            fields = order_fields_from_invoice(invoice)
            fields.pop("qbo_invoice_id")
            for name, value in fields.items():
                setattr(order, name, value)
            voided = VOIDED_NOTE in (invoice.get("PrivateNote") or "") and not order.qbo_total
            if voided:
                order.payment_status = Order.PaymentStatus.UNPAID
                if order.last_error != gone_text(order, "voided"):
                    newly_voided.append(order)
            order.last_error = gone_text(order, "voided") if voided else ""
        if order.payment_status != was and order.payment_status != Order.PaymentStatus.UNPAID:
            paid.append(order)
        order.updated_at = now
    with transaction.atomic():
        Order.objects.bulk_update(orders, INVOICE_FIELDS)
        for order in paid:
            _announce_paid(order)
        for order in newly_voided:
            _announce(invoice_voided, order)
    return len(orders)


def _announce(signal, order: Order) -> None:
    announce(signal, Order, company_id=order.company_id, order_id=order.pk)


def _announce_paid(order: Order) -> None:
    announce_payment_status(order.company_id, order.pk, order.payment_status)


def announce_payment_status(company_id: int, order_id: int, status: str) -> None:
    """order_paid after commit: whoever changed the order's payment status (a sync, or a
    payment recorded in the app) tells it once, when it changes."""
    announce(order_paid, Order, company_id=company_id, order_id=order_id, payment_status=status)


def mark_missing_deleted(company_id: int, seen: set[str], since: datetime) -> int:
    """After a full import: orders synced before it began whose invoice QBO no longer has."""
    return _mark_missing(company_id, seen, since, Order.QboForm.INVOICE)


def mark_missing_sales_receipts(company_id: int, seen: set[str], since: datetime) -> int:
    """After a full import: orders whose sales receipt QBO no longer has."""
    return _mark_missing(company_id, seen, since, Order.QboForm.SALES_RECEIPT)


def _mark_missing(company_id: int, seen: set[str], since: datetime, form: str) -> int:
    note = gone_text(Order(qbo_form=form), "deleted")
    synced = (
        Order.objects.filter(
            company_id=company_id,
            qbo_form=form,
            push_status=Order.PushStatus.SYNCED,
            synced_at__lt=since,
        )
        .exclude(qbo_invoice_id="")
        .exclude(last_error=note)
        .values_list("pk", "qbo_invoice_id")
    )
    gone = [pk for pk, invoice_id in synced.iterator() if invoice_id not in seen]
    fields: dict = {"last_error": note, "updated_at": timezone.now()}
    if form == Order.QboForm.SALES_RECEIPT:
        fields["payment_status"] = Order.PaymentStatus.UNPAID
    return Order.objects.filter(pk__in=gone).update(**fields)
