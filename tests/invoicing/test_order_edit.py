"""Editing an order after it is an invoice: preview, one sparse update, 5010s and conflicts.

Everything runs against the local sandbox over real HTTP; what QuickBooks holds afterwards
is read from the sandbox, not from our rows.
"""

import re
from dataclasses import replace
from decimal import Decimal

import pytest

from invoicing import drains, lifecycle
from invoicing.models import Order, OrderWrite
from qbo import sync
from qbo.client import open_client
from tests.invoicing.lifecycle_support import (
    edit_in_quickbooks,
    invoice_in_qbo,
    line,
    pay_in_quickbooks,
    sales_lines,
    synced_order,
)
from tests.invoicing.support import make_order

pytestmark = pytest.mark.django_db


def edit_post(*lines: dict, initial: int = 1, **extra) -> dict:
    data = {
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": str(initial),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
        **extra,
    }
    for index, values in enumerate(lines):
        values = {"description": "", "quantity": "1", "unit_price": "", **values}
        for name, value in values.items():
            data[f"lines-{index}-{name}"] = value
    return data


def test_editing_on_the_page_previews_then_makes_one_sparse_update(
    client, connected, qbo, sandbox_realm, company
):
    order = synced_order(company, line("Consulting", "1", "100.00"))
    page = client.get(f"/orders/{order.pk}/")
    assert f'href="/orders/{order.pk}/edit/"' in page.text

    changed = {"description": "Consulting", "quantity": "3", "unit_price": "100.00"}
    preview = client.post(f"/orders/{order.pk}/edit/", edit_post(changed))
    assert preview.status_code == 200
    text = re.sub(r"\s+", " ", preview.text)
    assert "What QuickBooks will change" in text
    assert "Line 1 quantity</td><td>1</td><td><strong>3</strong>" in text
    assert "Total</td><td>100.00</td><td><strong>300.00</strong>" in text
    assert OrderWrite.objects.count() == 0  # nothing saved by a preview
    digest = re.search(r'name="confirm" value="([0-9a-f]+)"', preview.text).group(1)

    saved = client.post(f"/orders/{order.pk}/edit/", edit_post(changed, confirm=digest))
    assert saved.status_code == 302
    [write] = OrderWrite.objects.filter(order=order)
    assert (write.kind, write.revision, write.status) == ("update", 1, "pending")
    assert write.request_id  # stored before the first attempt
    drains.drain(company.pk)

    write.refresh_from_db()
    assert write.status == "done", write.last_error
    invoice = invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id)
    assert sales_lines(invoice) == [("Consulting", Decimal("3"), Decimal("300.00"))]
    assert invoice["TotalAmt"] == Decimal("300.00") and invoice["SyncToken"] == "1"
    [update] = [
        r
        for r in qbo.control.request_log()
        if r["method"] == "POST"
        and r["path"].endswith("/invoice")
        and r["requestid"]
        and r["requestid"] == write.request_id
    ]
    assert update["status"] == 200
    order.refresh_from_db()
    assert (order.qbo_total, order.qbo_sync_token, order.total) == (
        Decimal("300.00"),
        "1",
        Decimal("300.00"),
    )
    history = client.get(f"/orders/{order.pk}/").text
    assert "Edit (revision 1)" in history and "Done" in history


def test_a_payment_in_quickbooks_moves_the_token_and_the_edit_is_reapplied(
    connected, qbo, sandbox_realm, company
):
    order = synced_order(company, line("Consulting", "1", "100.00"))
    pay_in_quickbooks(company, order, "40.00")  # bumps the invoice's SyncToken
    write = lifecycle.edit_order(order, lines=[line("Consulting", "2", "100.00")], by=None)
    drains.drain(company.pk)

    write.refresh_from_db()
    assert write.status == "done", write.last_error
    invoice = invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id)
    assert sales_lines(invoice) == [("Consulting", Decimal("2"), Decimal("200.00"))]
    # The payment stays applied: 200 - 40.
    assert invoice["Balance"] == Decimal("160.00")
    assert [k["TxnType"] for k in invoice["LinkedTxn"]] == ["Payment"]


def test_an_edit_below_the_amount_paid_is_a_form_error(
    client, connected, qbo, sandbox_realm, company
):
    order = synced_order(company, line("Consulting", "1", "100.00"))
    pay_in_quickbooks(company, order, "60.00")
    sync.sync_company(company.pk)  # the payment reaches the order
    order.refresh_from_db()
    assert order.amount_paid == Decimal("60.00")

    too_low = {"description": "Consulting", "quantity": "1", "unit_price": "50.00"}
    preview = client.post(f"/orders/{order.pk}/edit/", edit_post(too_low))
    digest = re.search(r'name="confirm" value="([0-9a-f]+)"', preview.text).group(1)
    refused = client.post(f"/orders/{order.pk}/edit/", edit_post(too_low, confirm=digest))
    assert refused.status_code == 409
    assert "less than the 60.00 already paid" in refused.text
    assert not OrderWrite.objects.exists()
    assert [str(n.amount) for n in order.lines.all()] == ["100.00"]


def test_an_edit_made_in_quickbooks_is_never_overwritten_without_a_choice(
    client, connected, qbo, sandbox_realm, company
):
    order = synced_order(company, line("Consulting", "1", "100.00"))
    edit_in_quickbooks(company, order.qbo_invoice_id, quantity="5", unit_price="100")
    sync.sync_company(company.pk)  # CDC brings the new SyncToken to our row
    write = lifecycle.edit_order(order, lines=[line("Consulting", "2", "100.00")], by=None)
    drains.drain(company.pk)

    write.refresh_from_db()
    assert write.status == "conflict"
    invoice = invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id)
    assert sales_lines(invoice) == [("Consulting", Decimal("5"), Decimal("500.00"))]
    page = client.get(f"/orders/{order.pk}/").text
    assert "Changed in QuickBooks." in page
    assert "5 at 100 = 500" in page and "2 at 100.00 = 200.00" in page
    # Another edit waits for the choice.
    with pytest.raises(lifecycle.Refused):
        lifecycle.edit_order(order, lines=[line("Consulting", "4", "100.00")], by=None)

    chosen = client.post(f"/orders/{order.pk}/conflicts/{write.pk}/", {"keep": "ours"})
    assert chosen.status_code == 302
    drains.drain(company.pk)
    write.refresh_from_db()
    assert write.status == "done", write.last_error
    invoice = invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id)
    assert sales_lines(invoice) == [("Consulting", Decimal("2"), Decimal("200.00"))]


def test_keeping_the_quickbooks_version_takes_its_lines(
    client, connected, qbo, sandbox_realm, company
):
    order = synced_order(company, line("Consulting", "1", "100.00"))
    edit_in_quickbooks(company, order.qbo_invoice_id, quantity="5", unit_price="100")
    write = lifecycle.edit_order(order, lines=[line("Consulting", "2", "100.00")], by=None)
    drains.drain(company.pk)
    write.refresh_from_db()
    assert write.status == "conflict"

    assert (
        client.post(f"/orders/{order.pk}/conflicts/{write.pk}/", {"keep": "x"}).status_code == 400
    )
    kept = client.post(f"/orders/{order.pk}/conflicts/{write.pk}/", {"keep": "quickbooks"})
    assert kept.status_code == 302
    order.refresh_from_db()
    assert order.total == Decimal("500.00")
    assert [(n.quantity, n.amount) for n in order.lines.all()] == [
        (Decimal("5.00"), Decimal("500.00"))
    ]
    # A later edit is based on QuickBooks' version and goes through.
    later = lifecycle.edit_order(order, lines=[line("Consulting", "6", "100.00")], by=None)
    drains.drain(company.pk)
    later.refresh_from_db()
    assert later.status == "done", later.last_error
    invoice = invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id)
    assert sales_lines(invoice) == [("Consulting", Decimal("6"), Decimal("600.00"))]
    # The same choice twice is refused, not applied twice.
    again = client.post(f"/orders/{order.pk}/conflicts/{write.pk}/", {"keep": "quickbooks"})
    assert again.status_code == 409


def test_an_unsynced_order_is_simply_edited_before_its_first_push(owner_client, company):
    order = make_order(company, total=Decimal("10.00"))
    changed = {"description": "Consulting", "quantity": "2", "unit_price": "10.00"}
    saved = owner_client.post(f"/orders/{order.pk}/edit/", edit_post(changed))
    assert saved.status_code == 302  # no preview: QuickBooks has nothing yet
    order.refresh_from_db()
    assert order.total == Decimal("20.00") and order.revision == 1
    assert not OrderWrite.objects.exists()


def test_a_double_submitted_edit_makes_one_revision(connected, qbo, company):
    order = synced_order(company, line("Consulting", "1", "100.00"))
    new = [line("Consulting", "3", "100.00")]
    assert lifecycle.edit_order(order, lines=new, by=None) is not None
    assert lifecycle.edit_order(order, lines=new, by=None) is None
    assert OrderWrite.objects.filter(order=order).count() == 1


def test_bad_edits_are_form_errors_and_change_nothing(owner_client, company):
    order = make_order(company, total=Decimal("10.00"))
    for bad in ({"quantity": "-1"}, {"unit_price": "-5"}, {"quantity": "abc"}):
        values = {"description": "Consulting", "unit_price": "10.00", **bad}
        response = owner_client.post(f"/orders/{order.pk}/edit/", edit_post(values))
        assert response.status_code == 200 and "Please fix the problems below" in response.text
    Order.objects.filter(pk=order.pk).update(
        push_status=Order.PushStatus.CANCELLED, cancelled_at="2026-03-03T10:00:00Z"
    )
    values = {"description": "Consulting", "quantity": "2", "unit_price": "10.00"}
    refused = owner_client.post(f"/orders/{order.pk}/edit/", edit_post(values))
    assert refused.status_code == 409 and "cancelled" in refused.text
    order.refresh_from_db()
    assert order.total == Decimal("10.00") and order.revision == 0


def test_an_edit_keeps_the_quickbooks_item_a_line_sold(
    client, connected, qbo, sandbox_realm, company
):
    with open_client(company) as qb:
        picked = next(i for i in qb.query_all("Item") if i["Name"] != "Services")
    sold = line("Trimming", "1", "100.00")
    order = synced_order(company, replace(sold, qbo_item_id=picked["Id"]))
    # The edit page carries the picked item on the line, so posting it back keeps it.
    page = client.get(f"/orders/{order.pk}/edit/").text
    assert f'name="lines-0-item" value="{picked["Id"]}"' in page

    changed = {"description": "Trimming", "quantity": "2", "unit_price": "100.00"}
    changed["item"] = picked["Id"]
    preview = client.post(f"/orders/{order.pk}/edit/", edit_post(changed))
    digest = re.search(r'name="confirm" value="([0-9a-f]+)"', preview.text).group(1)
    assert (
        client.post(f"/orders/{order.pk}/edit/", edit_post(changed, confirm=digest)).status_code
        == 302
    )
    drains.drain(company.pk)

    [write] = OrderWrite.objects.filter(order=order)
    assert write.status == "done", write.last_error
    assert order.lines.get().qbo_item_id == picked["Id"]
    invoice = invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id)
    [sale] = [ln for ln in invoice["Line"] if ln["DetailType"] == "SalesItemLineDetail"]
    assert sale["SalesItemLineDetail"]["ItemRef"]["value"] == picked["Id"]
    assert sale["SalesItemLineDetail"]["Qty"] == Decimal("2")


def test_keeping_the_quickbooks_version_keeps_the_item_its_lines_sell(
    client, connected, qbo, sandbox_realm, company
):
    with open_client(company) as qb:
        picked = next(i for i in qb.query_all("Item") if i["Name"] != "Services")
    order = synced_order(
        company, replace(line("Trimming", "1", "100.00"), qbo_item_id=picked["Id"])
    )
    edit_in_quickbooks(company, order.qbo_invoice_id, quantity="5", unit_price="100")
    write = lifecycle.edit_order(order, lines=[line("Trimming", "2", "100.00")], by=None)
    drains.drain(company.pk)
    write.refresh_from_db()
    assert write.status == "conflict"

    client.post(f"/orders/{order.pk}/conflicts/{write.pk}/", {"keep": "quickbooks"})
    kept = order.lines.get()
    assert (kept.quantity, kept.qbo_item_id, kept.product) == (Decimal("5.00"), picked["Id"], None)


def test_an_edit_of_the_header_alone_keeps_the_lines_as_they_are_when_it_runs(company):
    """Lines left out (the API's header-only edit) are read once the order is locked, so an
    edit of the lines that landed in between is not undone by an older copy of them."""
    from dataclasses import replace as changed

    from invoicing.edits import OrderChanges

    order = make_order(company, total=Decimal("10.00"))
    memo = changed(OrderChanges.of(order), memo="Leave at the door")  # prepared first
    lifecycle.edit_order(order, lines=[line("Consulting", "3", "10.00")], by=None)  # lands
    lifecycle.edit_order(order, lines=None, by=None, changes=memo)
    order.refresh_from_db()
    assert order.memo == "Leave at the door"
    assert [(n.description, n.quantity) for n in order.lines.all()] == [
        ("Consulting", Decimal("3.00"))
    ]
    assert order.total == Decimal("30.00")
