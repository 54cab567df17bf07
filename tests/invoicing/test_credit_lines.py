"""Credit for chosen lines: the Credit form's "These lines", through the sandbox over HTTP."""

import re
import uuid
from decimal import Decimal

import pytest

from invoicing import drains, services, settlements
from invoicing.models import OrderWrite
from tests.invoicing.lifecycle_support import invoice_in_qbo, line, synced_order

pytestmark = pytest.mark.django_db


def taxed(description: str, quantity: str, unit_price: str) -> services.NewLine:
    return services.NewLine(
        product=None,
        description=description,
        quantity=Decimal(quantity),
        unit_price=Decimal(unit_price),
        taxable=True,
    )


def credit_form(order, chosen: dict, **extra) -> dict:
    data = {"form_token": str(uuid.uuid4()), "what": "lines", "on": "2026-03-05", **extra}
    for order_line, quantity in chosen.items():
        data[f"line_{order_line.pk}"] = "on"
        data[f"quantity_{order_line.pk}"] = quantity
    return data


def item_lines(txn: dict) -> list[dict]:
    return [ln for ln in txn["Line"] if ln.get("DetailType") == "SalesItemLineDetail"]


def test_a_credit_of_chosen_lines_carries_those_lines_and_lowers_the_balance(
    client, connected, qbo, sandbox_realm, company
):
    order = synced_order(
        company, line("Consulting", "2", "50.00"), taxed("Widget", "3", "10.00"), line("Fee")
    )
    consulting, widget, _fee = order.lines.order_by("position")
    form = client.get(f"/orders/{order.pk}/credit/").text
    assert f'name="line_{widget.pk}"' in form and "These lines" in form
    data = credit_form(order, {consulting: "1", widget: "3"}, reason="Returned")
    assert client.post(f"/orders/{order.pk}/credit/", data).status_code == 302
    assert client.post(f"/orders/{order.pk}/credit/", data).status_code == 302  # double click
    [write] = OrderWrite.objects.filter(order=order)
    assert write.amount == Decimal("80.00")  # 1 x 50.00 + all three widgets (30.00)
    drains.drain(company.pk)

    write.refresh_from_db()
    assert write.status == "done", write.last_error
    memo = qbo.state.companies[sandbox_realm].get("CreditMemo", write.answer["CreditMemo"])
    invoice = invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id)
    by_name = {ln["Description"]: ln for ln in item_lines(invoice)}
    sent = [
        (ln["Description"], Decimal(str(ln["SalesItemLineDetail"]["Qty"])), ln["Amount"])
        for ln in item_lines(memo)
    ]
    assert sent == [
        ("Consulting", Decimal("1"), Decimal("50.00")),
        ("Widget", Decimal("3"), Decimal("30.00")),
    ]
    for ln in item_lines(memo):  # the invoice line's item and tax code
        theirs = by_name[ln["Description"]]["SalesItemLineDetail"]
        assert ln["SalesItemLineDetail"]["ItemRef"]["value"] == theirs["ItemRef"]["value"]
        assert ln["SalesItemLineDetail"]["TaxCodeRef"] == theirs["TaxCodeRef"]
    # QuickBooks taxes the credited widgets as it taxed them on the invoice: the tax is
    # credited too, and the whole memo is applied.
    tax = memo["TxnTaxDetail"]["TotalTax"]
    assert tax > 0 and memo["TotalAmt"] == Decimal("80.00") + tax and memo["Balance"] == 0
    assert invoice["Balance"] == invoice["TotalAmt"] - memo["TotalAmt"]
    write.refresh_from_db()
    assert write.amount == memo["TotalAmt"]
    order.refresh_from_db()
    assert order.qbo_balance == invoice["Balance"]
    assert settlements.money(order).credited == memo["TotalAmt"]
    page = re.sub(r"\s+", " ", client.get(f"/orders/{order.pk}/").text)
    assert f"Credited {memo['TotalAmt']:,.2f}." in page


def test_bad_line_choices_are_form_errors_and_write_nothing(client, connected, qbo, company):
    order = synced_order(company, line("Consulting", "2", "50.00"))
    [consulting] = order.lines.all()
    url = f"/orders/{order.pk}/credit/"
    cases = [
        (credit_form(order, {}), "Choose the lines to credit."),
        (credit_form(order, {consulting: "3"}), "Between 0.01 and the 2 on the order."),
        (credit_form(order, {consulting: "0"}), "Between 0.01 and the 2 on the order."),
        (credit_form(order, {consulting: "abc"}), "Enter a number"),
        (credit_form(order, {consulting: "-1"}), "Between 0.01 and the 2 on the order."),
        ({**credit_form(order, {}), "what": "amount"}, "Enter the amount to credit."),
        ({**credit_form(order, {}), "what": "everything"}, "Select a valid choice."),
    ]
    for data, problem in cases:
        response = client.post(url, data)
        assert response.status_code == 200, problem
        assert problem in response.text
    assert not OrderWrite.objects.exists()


def test_lines_worth_more_than_the_open_balance_are_refused(client, connected, qbo, company):
    order = synced_order(company, line("Consulting", "2", "50.00"))
    [consulting] = order.lines.all()
    settlements.record_payment(order, amount=Decimal("60"), paid_on=order.order_date, by=None)
    response = client.post(f"/orders/{order.pk}/credit/", credit_form(order, {consulting: "1"}))
    assert response.status_code == 409 and "at most the 40.00 still owed" in response.text
    assert not OrderWrite.objects.filter(kind="credit").exists()


def test_another_orders_lines_cannot_be_credited(client, connected, qbo, company):
    order = synced_order(company, line("Consulting", "1", "100.00"))
    other = synced_order(company, line("Elsewhere", "1", "500.00"), name="Someone Else")
    [theirs] = other.lines.all()
    # A line of another order is not on this form: choosing it chooses nothing.
    response = client.post(f"/orders/{order.pk}/credit/", credit_form(order, {theirs: "1"}))
    assert response.status_code == 200 and "Choose the lines to credit." in response.text
    with pytest.raises(settlements.Refused, match="not one of this order"):
        settlements.credit_order(
            order, amount=Decimal("1"), on=order.order_date, lines=[(theirs, Decimal("1"))], by=None
        )
    assert not OrderWrite.objects.exists()
