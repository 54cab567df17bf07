"""Writes to the invoice itself: edits (sparse updates), voids, deletes and sends.

An edit carries the SyncToken of the invoice as we last agreed on it (the order's base). A
5010 means it changed since: re-read once — our own revision already there is done; only the
token moved (a payment, an e-mail) is re-applied on the new token; anything else (lines,
amounts, customer) was someone's edit in QuickBooks and waits for a person's choice. Voids
and deletes are fenced by the SyncToken too; a send after an attempt that may have reached
QuickBooks first looks whether the invoice went out since the write was made.
"""

import logging
from datetime import timedelta
from decimal import Decimal

from invoicing import push, references, writes
from invoicing.models import Order, OrderLine, OrderWrite, Product
from invoicing.sync import (
    VOIDED_NOTE,
    TaxRule,
    changed_since,
    charge_lines,
    content_charges,
    content_lines,
    header_payload,
    invoice_content,
    invoice_header,
    invoice_lines,
    line_refs,
)
from qbo.errors import Rejected, StaleObject
from qbo.idempotency import derived_request_id
from qbo.qbojson import parse_time

logger = logging.getLogger(__name__)

Kind = OrderWrite.Kind
NOT_FOUND = "610"


def update_lines(ctx: references.PushContext, write: OrderWrite) -> list[dict]:
    """The invoice lines of the write's revision (items found or created as for a create)."""
    products = Product.objects.in_bulk(
        [n["product"] for n in write.intent["lines"] if n["product"]]
    )
    lines = [
        OrderLine(
            product=products.get(n["product"]),
            description=n["description"],
            quantity=Decimal(n["quantity"]),
            unit_price=Decimal(n["unit_price"]),
            amount=Decimal(n["amount"]),
            taxable=n["taxable"],
            # Intents written before picked items (and tax codes, classes) were kept lack them.
            qbo_item_id=n.get("qbo_item_id") or "",
            qbo_tax_code_id=n.get("tax_code_id") or "",
            qbo_class_id=n.get("class_id") or "",
        )
        for n in write.intent["lines"]
    ]
    items = [
        references.product_item_id(ctx, line.product)
        if line.product
        else line.qbo_item_id or references.default_item_id(ctx)
        for line in lines
    ]
    tax = TaxRule(us=ctx.us, tax_code_id=ctx.settings.tax_code_id)
    body = invoice_lines(lines, items, tax)
    if charges := write.intent.get("charges"):  # intents of before charges were edited have none
        revision = _charged(charges)
        if revision.shipping and not ctx.allow_shipping and not ctx.settings.shipping_item_id:
            raise Rejected(push.NO_SHIPPING_FIELD)
        body += charge_lines(revision, len(body) + 1, tax, push.charges_for(ctx))
    return body


def _charged(charges: dict) -> Order:
    """An unsaved order holding an edit's discount, shipping and tax (for the charge lines)."""
    percent, tax = charges.get("discount_percent"), charges.get("tax")
    return Order(
        discount_percent=None if percent is None else Decimal(percent),
        discount=Decimal(charges["discount"]),
        shipping=Decimal(charges["shipping"]),
        tax=None if tax is None else Decimal(tax),
    )


def update_payload(ctx: references.PushContext, write: OrderWrite) -> dict:
    """The sparse update of the write's revision: the whole line set (QBO replaces Line
    whole), our tax when we send it, and only the header fields the edit changed."""
    order = write.order
    payload = {"Id": order.qbo_invoice_id, "SyncToken": order.qbo_base_token}
    payload.update(header_payload(write.intent.get("header") or {}))
    if not write.intent.get("line_set", True):
        return payload
    payload["Line"] = update_lines(ctx, write)
    if charges := write.intent.get("charges"):
        revision = _charged(charges)
        if revision.discount:
            payload["ApplyTaxAfterDiscount"] = ctx.settings.apply_tax_after_discount
        if revision.tax is not None and ctx.us:
            payload["TxnTaxDetail"] = {"TotalTax": revision.tax}
    return payload


def _ours_arrived(current: dict, payload: dict, write: OrderWrite) -> bool:
    """The invoice already holds what this write sends (an answer we lost)."""
    content = invoice_content(current)
    if "Line" in payload and content["lines"] != content_lines(payload["Line"]):
        return False
    if "Line" in payload and content["charges"] != content_charges(payload["Line"]):
        return False
    sent, header = invoice_header(payload), content["header"]
    return all(header[key] == sent[key] for key in write.intent.get("header") or {})


def apply_update(ctx: references.PushContext, write: OrderWrite) -> None:
    order = write.order
    payload = update_payload(ctx, write)
    OrderWrite.objects.filter(pk=write.pk).update(sent=writes.as_json(payload))
    writes.renew_claim(write)
    try:
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#sparse-update-an-invoice
        invoice = ctx.qb.update("Invoice", payload, request_id=write.request_id)
    except StaleObject:
        current = ctx.qb.read("Invoice", order.qbo_invoice_id)
        content = invoice_content(current)
        if _ours_arrived(current, payload, write):
            invoice = current  # our own revision got there (an answer we lost)
        elif not changed_since(content, order.qbo_base):
            # Only the token moved (a payment applied, the invoice e-mailed): re-apply.
            Order.objects.filter(pk=order.pk).update(qbo_base_token=current["SyncToken"])
            payload["SyncToken"] = current["SyncToken"]
            writes.send_with_request_id(
                write, derived_request_id(write.request_id, "on", current["SyncToken"])
            )
            writes.renew_claim(write)
            invoice = ctx.qb.update("Invoice", payload, request_id=write.request_id)
        else:
            conflict(write, current)
            return
    writes.done(
        write,
        invoice,
        qbo_base_token=str(invoice.get("SyncToken", "")),
        qbo_base=invoice_content(invoice),
    )


def conflict(write: OrderWrite, current: dict) -> None:
    """Someone changed the invoice in QuickBooks since our last sync: nothing is overwritten."""
    tax = (current.get("TxnTaxDetail") or {}).get("TotalTax")
    content = invoice_content(current)
    # Each line with its tax code and class, for the order to take if QuickBooks' is kept.
    refs = line_refs(current.get("Line") or [])
    version = {
        **content,
        "lines": [{**line, **ref} for line, ref in zip(content["lines"], refs, strict=True)],
        "SyncToken": str(current.get("SyncToken", "")),
        "tax": "" if tax is None else str(tax),
    }
    writes.settle(write, status=OrderWrite.Status.CONFLICT, qbo_version=version, last_error="")
    logger.info("order write %s waits: invoice changed in QuickBooks", write.pk)


def is_voided(invoice: dict) -> bool:
    return (invoice.get("PrivateNote") or "").startswith(VOIDED_NOTE) and not Decimal(
        str(invoice.get("TotalAmt") or 0)
    )


def _paid_in_qbo(invoice: dict) -> bool:
    return Decimal(str(invoice.get("Balance") or 0)) < Decimal(str(invoice.get("TotalAmt") or 0))


def apply_void(ctx: references.PushContext, write: OrderWrite) -> None:
    order = write.order
    token = order.qbo_sync_token
    OrderWrite.objects.filter(pk=write.pk).update(
        sent={"Id": order.qbo_invoice_id, "SyncToken": token, "operation": "void"}
    )
    writes.renew_claim(write)
    try:
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#void-an-invoice
        invoice = ctx.qb.void("Invoice", order.qbo_invoice_id, token, request_id=write.request_id)
    except Rejected:  # a stale token, or already voided (by us, an answer we lost)
        current = ctx.qb.read("Invoice", order.qbo_invoice_id)
        if is_voided(current):
            invoice = current
        elif _paid_in_qbo(current):
            raise Rejected(
                "The invoice has a payment in QuickBooks: refund or credit it first."
            ) from None
        else:
            writes.send_with_request_id(
                write, derived_request_id(write.request_id, "on", current["SyncToken"])
            )
            writes.renew_claim(write)
            invoice = ctx.qb.void(
                "Invoice", order.qbo_invoice_id, current["SyncToken"], request_id=write.request_id
            )
    writes.done(write, invoice, qbo_state="voided")


def apply_delete(ctx: references.PushContext, write: OrderWrite) -> None:
    order = write.order
    token = order.qbo_sync_token
    OrderWrite.objects.filter(pk=write.pk).update(
        sent={"Id": order.qbo_invoice_id, "SyncToken": token, "operation": "delete"}
    )
    writes.renew_claim(write)
    try:
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#delete-an-invoice
        answer = ctx.qb.delete("Invoice", order.qbo_invoice_id, token, request_id=write.request_id)
    except Rejected:
        try:
            current = ctx.qb.read("Invoice", order.qbo_invoice_id)
        except Rejected as exc:
            if exc.code != NOT_FOUND:
                raise
            answer = {"Id": order.qbo_invoice_id, "status": "Deleted"}  # ours got there
        else:
            if _paid_in_qbo(current):
                raise Rejected(
                    "The invoice has a payment in QuickBooks: refund or credit it first."
                ) from None
            writes.send_with_request_id(
                write, derived_request_id(write.request_id, "on", current["SyncToken"])
            )
            writes.renew_claim(write)
            answer = ctx.qb.delete(
                "Invoice", order.qbo_invoice_id, current["SyncToken"], request_id=write.request_id
            )
    writes.done(write, None, qbo_state="deleted")
    OrderWrite.objects.filter(pk=write.pk).update(answer=writes.summary(answer))


def apply_send(ctx: references.PushContext, write: OrderWrite) -> None:
    order = write.order
    email = write.intent.get("email", "")
    OrderWrite.objects.filter(pk=write.pk).update(sent={"sendTo": email})
    if write.attempts > 1:
        # An earlier attempt may have sent it (and the requestid's answer be gone): look.
        current = ctx.qb.read(order.qbo_entity, order.qbo_invoice_id)
        if _sent_since(current, write):
            writes.done(write, current, **_sent_base(order, current))
            return
    writes.renew_claim(write)
    # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#send-an-invoice
    # (salesreceipt#send-a-salesreceipt: the same call on /salesreceipt/<id>/send)
    invoice = ctx.qb.send(
        order.qbo_entity, order.qbo_invoice_id, send_to=email, request_id=write.request_id
    )
    writes.done(write, invoice, **_sent_base(order, invoice))


def _sent_base(order: Order, invoice: dict) -> dict:
    """The BillEmail our send wrote is ours, not someone's edit: the base takes it (its
    SyncToken stays, so a later edit still re-reads and compares the rest)."""
    base = Order.objects.filter(pk=order.pk).values_list("qbo_base", flat=True).first() or {}
    if "header" not in base:
        return {}
    email = invoice_header(invoice)["bill_email"]
    return {"qbo_base": {**base, "header": {**base["header"], "bill_email": email}}}


def _sent_since(invoice: dict, write: OrderWrite) -> bool:
    delivered = (invoice.get("DeliveryInfo") or {}).get("DeliveryTime")
    if invoice.get("EmailStatus") != "EmailSent" or not delivered:
        return False
    moment = parse_time(delivered)
    return moment is not None and moment >= write.created_at - timedelta(seconds=1)


APPLY = {
    Kind.UPDATE: apply_update,
    Kind.VOID: apply_void,
    Kind.DELETE: apply_delete,
    Kind.SEND: apply_send,
}
