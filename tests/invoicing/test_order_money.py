"""Payments taken in the app, credits and refunds, from the order page to the sandbox; what
QuickBooks holds afterwards is read from the sandbox."""

import re
import uuid
from decimal import Decimal

import pytest

from accounts.models import Membership
from invoicing import drains, lifecycle, settlements
from invoicing.lifecycle import Refused
from invoicing.models import Order, OrderWrite
from invoicing.signals import order_paid
from qbo import sync
from tests.invoicing.lifecycle_support import invoice_in_qbo, line, synced_order

pytestmark = pytest.mark.django_db


def choice(page: str, name: str) -> str:
    """The id of a named option in a form rendered from QuickBooks' data."""
    return re.search(rf'<option value="(\d+)">{name}</option>', page).group(1)


def with_marker(server, realm: str, entity: str, write: OrderWrite) -> list[dict]:
    marker = f"[qbsync:{write.company_id}:{write.order_id}:w{write.pk}]"
    rows = server.state.companies[realm].rows(entity)
    return [row for row in rows if marker in (row.get("PrivateNote") or "")]


def page_text(client, order) -> str:
    return re.sub(r"\s+", " ", client.get(f"/orders/{order.pk}/").text)


def test_a_payment_taken_in_the_app_is_applied_to_the_invoice_once(
    client, connected, qbo, sandbox_realm, company
):
    order = synced_order(company, line("Consulting", "1", "100.00"))
    form = client.get(f"/orders/{order.pk}/payment/").text
    data = {
        "form_token": str(uuid.uuid4()),
        "amount": "40.00",
        "on": "2026-03-05",
        "method": choice(form, "Visa"),
        "account": choice(form, "Checking"),
        "reference": "CHK-881",
    }
    assert client.post(f"/orders/{order.pk}/payment/", data).status_code == 302
    assert client.post(f"/orders/{order.pk}/payment/", data).status_code == 302  # double click
    [write] = OrderWrite.objects.filter(order=order)
    drains.drain(company.pk)

    write.refresh_from_db()
    assert write.status == "done", write.last_error
    [payment] = with_marker(qbo, sandbox_realm, "Payment", write)
    assert payment["Id"] == write.qbo_id
    assert payment["TotalAmt"] == Decimal("40.00") and payment["PaymentRefNum"] == "CHK-881"
    assert payment["DepositToAccountRef"]["value"] == data["account"]
    assert payment["Line"][0]["LinkedTxn"][0]["TxnId"] == order.qbo_invoice_id
    assert invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id)["Balance"] == Decimal("60")
    order.refresh_from_db()
    assert (order.qbo_balance, order.payment_status) == (Decimal("60.00"), "partially_paid")
    assert "Paid in qbsync 40.00" in page_text(client, order)
    assert "Payment of 40.00" in page_text(client, order)


def test_over_payments_and_bad_amounts_are_form_errors(client, connected, qbo, company):
    order = synced_order(company, line("Consulting", "1", "100.00"))
    base = {"form_token": str(uuid.uuid4()), "on": "2026-03-05", "method": "", "account": ""}
    over = client.post(f"/orders/{order.pk}/payment/", {**base, "amount": "100.01"})
    assert over.status_code == 409 and "more than the 100.00 still owed" in over.text
    for bad in ("-5", "0", "abc", ""):
        response = client.post(f"/orders/{order.pk}/payment/", {**base, "amount": bad})
        assert response.status_code == 200 and "Please fix the problems below" in response.text
    assert not OrderWrite.objects.exists()
    # A payment on its way counts: a second one can't take the balance below zero.
    settlements.record_payment(order, amount=Decimal("70"), paid_on=order.order_date, by=None)
    with pytest.raises(Refused, match=r"30\.00 still owed"):
        settlements.record_payment(order, amount=Decimal("31"), paid_on=order.order_date, by=None)


def test_a_credit_is_a_credit_memo_applied_to_the_invoice(
    client, connected, qbo, sandbox_realm, company
):
    order = synced_order(company, line("Consulting", "1", "100.00"))
    data = {"form_token": str(uuid.uuid4()), "amount": "20.00", "on": "2026-03-05"}
    data["reason"] = "Late delivery"
    assert client.post(f"/orders/{order.pk}/credit/", data).status_code == 302
    drains.drain(company.pk)

    [write] = OrderWrite.objects.filter(order=order)
    assert write.status == "done", write.last_error
    [memo] = with_marker(qbo, sandbox_realm, "CreditMemo", write)
    assert memo["TotalAmt"] == Decimal("20.00") and memo["Balance"] == 0  # all of it used
    assert memo["Line"][0]["Description"] == "Late delivery"
    [applied] = with_marker(qbo, sandbox_realm, "Payment", write)
    assert applied["TotalAmt"] == 0
    assert {k["LinkedTxn"][0]["TxnType"] for k in applied["Line"]} == {"Invoice", "CreditMemo"}
    assert invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id)["Balance"] == Decimal("80")
    assert "Credited 20.00. Balance 80.00 USD." in page_text(client, order)


def test_a_refund_is_for_money_paid_and_comes_from_the_chosen_account(
    client, connected, qbo, sandbox_realm, company
):
    order = synced_order(company, line("Consulting", "1", "100.00"))
    form = client.get(f"/orders/{order.pk}/refund/").text
    data = {"form_token": str(uuid.uuid4()), "amount": "20.00", "on": "2026-03-06"}
    data |= {"account": choice(form, "Checking"), "method": ""}
    unpaid = client.post(f"/orders/{order.pk}/refund/", data)
    assert unpaid.status_code == 409 and "nothing to refund" in unpaid.text
    assert not OrderWrite.objects.exists()

    settlements.record_payment(order, amount=Decimal("50"), paid_on=order.order_date, by=None)
    drains.drain(company.pk)
    too_much = client.post(
        f"/orders/{order.pk}/refund/", {**data, "form_token": str(uuid.uuid4()), "amount": "51"}
    )
    assert too_much.status_code == 409 and "At most 50.00 can be refunded" in too_much.text
    assert client.post(f"/orders/{order.pk}/refund/", data).status_code == 302
    drains.drain(company.pk)

    write = OrderWrite.objects.get(order=order, kind="refund")
    assert write.status == "done", write.last_error
    [refund] = with_marker(qbo, sandbox_realm, "RefundReceipt", write)
    assert refund["TotalAmt"] == Decimal("20.00")
    assert refund["DepositToAccountRef"]["value"] == data["account"]
    assert "Refunded 20.00" in page_text(client, order)


def test_members_may_take_payments_but_not_credit_or_refund(client, connected, qbo, company, user):
    order = synced_order(company)
    Membership.objects.filter(user=user).update(role=Membership.Role.MEMBER)
    assert client.get(f"/orders/{order.pk}/payment/").status_code == 200
    data = {"form_token": str(uuid.uuid4()), "amount": "5", "on": "2026-03-05"}
    assert client.post(f"/orders/{order.pk}/credit/", data).status_code == 403
    assert client.post(f"/orders/{order.pk}/refund/", data).status_code == 403
    assert not OrderWrite.objects.exists()
    assert "Credit</a>" not in page_text(client, order)


def test_a_payment_taken_in_the_app_announces_the_order_paid(
    connected, qbo, company, django_capture_on_commit_callbacks
):
    heard = []

    def listen(sender, **kwargs):
        heard.append(kwargs["payment_status"])

    order_paid.connect(listen)
    try:
        order = synced_order(company, line("Consulting", "1", "100.00"))
        for amount in ("40.00", "60.00"):
            settlements.record_payment(
                order, amount=Decimal(amount), paid_on=order.order_date, by=None
            )
            with django_capture_on_commit_callbacks(execute=True):
                drains.drain(company.pk)
        # The next sync sees nothing new: no second announcement.
        with django_capture_on_commit_callbacks(execute=True):
            sync.sync_company(company.pk)
    finally:
        order_paid.disconnect(listen)
    order.refresh_from_db()
    assert order.payment_status == "paid"
    assert heard == ["partially_paid", "paid"]


def test_an_edit_of_the_lines_alone_keeps_the_discount_in_quickbooks(
    connected, qbo, sandbox_realm, company
):
    """The API's edit (lines only) sends the whole line set: the discount line stays."""
    order = synced_order(company, line("Consulting", "1", "100.00"))
    Order.objects.filter(pk=order.pk).update(discount=Decimal("10.00"), total=Decimal("90.00"))
    order.refresh_from_db()
    write = lifecycle.edit_order(order, lines=[line("Consulting", "3", "100.00")], by=None)
    drains.drain(company.pk)
    write.refresh_from_db()
    assert write.status == "done", write.last_error
    invoice = qbo.state.companies[sandbox_realm].get("Invoice", order.qbo_invoice_id)
    discounts = [ln for ln in invoice["Line"] if ln["DetailType"] == "DiscountLineDetail"]
    assert [Decimal(str(ln["Amount"])) for ln in discounts] == [Decimal("10.00")]
    assert Decimal(str(invoice["TotalAmt"])) == Decimal("290.00")
    order.refresh_from_db()
    assert order.total == Decimal("290.00") and not order.total_differs_in_qbo
