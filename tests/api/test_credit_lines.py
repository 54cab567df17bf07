"""A credit of chosen lines through the API, as the order's Credit page's "These lines":
through the sandbox over real HTTP, the credit memo read back from the sandbox."""

from decimal import Decimal

import pytest

from api.models import ApiAuditEntry
from invoicing import drains, settlements
from invoicing.models import OrderWrite
from tests.invoicing.lifecycle_support import invoice_in_qbo, line, synced_order
from tests.invoicing.support import make_order

pytestmark = pytest.mark.django_db


def item_lines(txn: dict) -> list[tuple]:
    return [
        (ln["Description"], Decimal(str(ln["SalesItemLineDetail"]["Qty"])), ln["Amount"])
        for ln in txn["Line"]
        if ln.get("DetailType") == "SalesItemLineDetail"
    ]


def credits(api, order, body: dict, **kwargs):
    return api.post(f"/api/v1/orders/{order.pk}/credits/", body, **kwargs)


def test_chosen_lines_are_the_credit_memos_lines_once_even_when_replayed(
    api, connected, qbo, sandbox_realm, company
):
    order = synced_order(
        company, line("Consulting", "2", "50.00"), line("Widget", "3", "10.00"), line("Fee")
    )
    read = api.get(f"/api/v1/orders/{order.pk}/").json()
    consulting, widget, _fee = (ln["id"] for ln in read["lines"])
    body = {
        "lines": [{"line": consulting, "quantity": "1"}, {"line": widget}],  # all three widgets
        "reason": "Returned",
        "date": "2026-03-05",
    }
    first = credits(api, order, body, idempotency_key="credit-lines-1")
    assert first.status_code == 200, first.json()
    again = credits(api, order, body, idempotency_key="credit-lines-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    [write] = OrderWrite.objects.filter(order=order)
    assert write.amount == Decimal("80.00")  # 1 x 50.00 + 3 x 10.00
    drains.drain(company.pk)

    write.refresh_from_db()
    assert write.status == "done", write.last_error
    memo = qbo.state.companies[sandbox_realm].get("CreditMemo", write.answer["CreditMemo"])
    assert item_lines(memo) == [
        ("Consulting", Decimal("1"), Decimal("50.00")),
        ("Widget", Decimal("3"), Decimal("30.00")),
    ]
    assert memo["TotalAmt"] == Decimal("80.00") and memo["TxnDate"] == "2026-03-05"
    invoice = invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id)
    assert invoice["Balance"] == Decimal("230.00") - Decimal("80.00")
    money = api.get(f"/api/v1/orders/{order.pk}/").json()["money"]
    assert (money["credited"], money["open_balance"]) == ("80.00", "150.00")
    assert list(ApiAuditEntry.objects.filter(order=order).values_list("action", flat=True)) == [
        "credited"
    ]


def test_lines_not_of_this_order_are_a_400_and_write_nothing(
    api, connected, qbo, company, bravo_rows, other_company
):
    order = synced_order(company, line("Consulting", "2", "50.00"))
    [mine] = order.lines.all()
    other = synced_order(company, line("Elsewhere", "1", "500.00"), name="Someone Else")
    [theirs] = other.lines.all()
    [bravos] = make_order(other_company).lines.all()
    for foreign in (theirs.pk, bravos.pk, 999999):
        response = credits(api, order, {"lines": [{"line": mine.pk}, {"line": foreign}]})
        assert response.status_code == 400, response.json()
        body = response.json()
        assert (body["field"], body["code"]) == ("lines[1].line", "invalid_choice")
        assert "Not one of this order's lines" in body["message"]
    twice = credits(api, order, {"lines": [{"line": mine.pk}, {"line": mine.pk}]})
    assert (twice.status_code, twice.json()["field"]) == (400, "lines[1].line")
    assert not OrderWrite.objects.exists()
    assert not ApiAuditEntry.objects.exists()


@pytest.mark.parametrize("quantity", ["3", "0", "-1", "2.01"])
def test_a_quantity_beyond_the_lines_is_the_forms_400(api, connected, qbo, company, quantity):
    order = synced_order(company, line("Consulting", "2", "50.00"))
    [consulting] = order.lines.all()
    response = credits(api, order, {"lines": [{"line": consulting.pk, "quantity": quantity}]})
    assert response.status_code == 400, response.json()
    assert (response.json()["field"], response.json()["message"]) == (
        "lines[0].quantity",
        "Between 0.01 and the 2 on the order.",
    )
    assert not OrderWrite.objects.exists()


def test_lines_worth_more_than_the_open_balance_are_refused(api, connected, qbo, company):
    order = synced_order(company, line("Consulting", "2", "50.00"))
    [consulting] = order.lines.all()
    settlements.record_payment(order, amount=Decimal("60"), paid_on=order.order_date, by=None)
    response = credits(api, order, {"lines": [{"line": consulting.pk, "quantity": "1"}]})
    # As the Credit page (a 409 there too): the open balance is the service's to say.
    assert response.status_code == 409, response.json()
    body = response.json()
    assert (body["code"], body["field"]) == ("over_balance", "lines")
    assert "at most the 40.00 still owed" in body["message"]
    assert not OrderWrite.objects.filter(kind="credit").exists()
    assert not ApiAuditEntry.objects.exists()
