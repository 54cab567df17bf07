"""CreditMemo, SalesReceipt, RefundReceipt and Estimate through python-quickbooks: totals,
credit applied through a $0 payment, paid-at-once receipts, estimates converted to invoices,
and their CDC rows and webhooks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects import (
    CreditMemo,
    Customer,
    Estimate,
    Invoice,
    Payment,
    RefundReceipt,
    SalesReceipt,
)
from quickbooks.objects.payment import PaymentLine

from sandbox_support import unpaced
from test_transactions import _customer, _invoice, _line


@pytest.fixture(autouse=True)
def _quick(request):
    if "sandbox" in request.fixturenames:
        unpaced(request.getfixturevalue("sandbox"))


def _links(txn) -> list[tuple[str, str]]:
    """(TxnType, TxnId) of LinkedTxn (python-quickbooks parses them for some entities only)."""
    return [
        (t["TxnType"], t["TxnId"]) if isinstance(t, dict) else (t.TxnType, t.TxnId)
        for t in txn.LinkedTxn or []
    ]


def _form(qb, cls, customer, *lines, **fields):
    form = cls()
    if customer is not None:
        form.CustomerRef = customer.to_ref()
    form.Line = list(lines)
    for key, value in fields.items():
        setattr(form, key, value)
    return form.save(qb=qb)


def _apply_credit(qb, customer, invoice, memo, amount, cash=0):
    """A payment of `cash` that uses `amount` of the memo's credit on the invoice."""
    payment = Payment()
    payment.CustomerRef = customer.to_ref()
    payment.TotalAmt = Decimal(str(cash))
    lines = []
    for txn, value in ((invoice, amount + cash), (memo, amount)):
        line = PaymentLine()
        line.Amount = Decimal(str(value))
        line.LinkedTxn = [txn.to_linked_txn()]
        lines.append(line)
    payment.Line = lines
    return payment.save(qb=qb)


def _balance(qb, customer) -> Decimal:
    return Customer.get(customer.Id, qb=qb).Balance


def test_a_credit_memo_is_credit_the_customer_holds(qb):
    customer = _customer(qb, "Credit Holder")
    memo = _form(qb, CreditMemo, customer, _line(qb, 40))
    assert (memo.TotalAmt, memo.Balance, memo.RemainingCredit) == (40, 40, 40)
    assert memo.DocNumber
    assert _balance(qb, customer) == Decimal("-40")
    assert CreditMemo.filter(CustomerRef=customer.Id, qb=qb)[0].Id == memo.Id


def test_a_zero_payment_applies_a_credit_memo_to_an_invoice(qb):
    customer = _customer(qb, "Credit User")
    invoice = _invoice(qb, customer, _line(qb, 100))
    memo = _form(qb, CreditMemo, customer, _line(qb, 30))
    assert _balance(qb, customer) == Decimal("70")
    payment = _apply_credit(qb, customer, invoice, memo, 30)
    assert (payment.TotalAmt, payment.UnappliedAmt) == (0, 0)
    invoice, memo = Invoice.get(invoice.Id, qb=qb), CreditMemo.get(memo.Id, qb=qb)
    assert invoice.Balance == 70
    assert (memo.Balance, memo.RemainingCredit, memo.SyncToken) == (0, 0, "1")
    assert _links(memo) == [("Payment", payment.Id)]
    assert _balance(qb, customer) == Decimal("70")
    payment.delete(qb=qb)  # the credit is back on the memo, the invoice owes it all again
    assert CreditMemo.get(memo.Id, qb=qb).RemainingCredit == 30
    assert Invoice.get(invoice.Id, qb=qb).Balance == 100


def test_credit_and_cash_together_and_over_use_is_refused(qb):
    customer = _customer(qb, "Credit And Cash")
    invoice = _invoice(qb, customer, _line(qb, 100))
    memo = _form(qb, CreditMemo, customer, _line(qb, 10))
    with pytest.raises(QuickbooksException) as refused:
        _apply_credit(qb, customer, invoice, memo, 15)  # more credit than the memo holds
    assert refused.value.error_code == 6000
    payment = _apply_credit(qb, customer, invoice, memo, 10, cash=90)
    assert (payment.TotalAmt, payment.UnappliedAmt) == (90, 0)
    assert Invoice.get(invoice.Id, qb=qb).Balance == 0
    with pytest.raises(QuickbooksException) as linked:
        CreditMemo.get(memo.Id, qb=qb).delete(qb=qb)  # applied credit must be unlinked first
    assert linked.value.error_code == 6000


def test_voiding_the_invoice_releases_the_credit(qb):
    customer = _customer(qb, "Credit Released")
    invoice = _invoice(qb, customer, _line(qb, 50))
    memo = _form(qb, CreditMemo, customer, _line(qb, 20))
    _apply_credit(qb, customer, invoice, memo, 20)
    Invoice.get(invoice.Id, qb=qb).void(qb=qb)
    assert CreditMemo.get(memo.Id, qb=qb).RemainingCredit == 20
    assert _balance(qb, customer) == Decimal("-20")


def _stock(api, ident: str) -> Decimal:
    return Decimal(str(api.get(f"item/{ident}").json()["Item"]["QtyOnHand"]))


def test_a_credit_memo_returns_stock_and_cannot_be_voided(qb, api):
    before = _stock(api, "5")
    memo = _form(qb, CreditMemo, _customer(qb, "Returner"), _line(qb, 275, 1, 275, "Rock Fountain"))
    assert _stock(api, "5") == before + 1  # returned
    response = api.post("creditmemo", {"Id": memo.Id, "SyncToken": "0"}, operation="void")
    assert response.json()["Fault"]["Error"][0]["code"] == "500"
    memo.delete(qb=qb)
    assert _stock(api, "5") == before


def test_a_sales_receipt_is_paid_at_once_and_voidable(qb, api):
    before = _stock(api, "11")
    receipt = _form(qb, SalesReceipt, None, _line(qb, 25, 1, 25, "Pump"))
    assert (receipt.TotalAmt, receipt.Balance) == (25, 0)
    assert receipt.DepositToAccountRef.value == "4"  # Undeposited Funds
    assert _stock(api, "11") == before - 1
    customer = _customer(qb, "Receipt Buyer")
    cash = api.get("paymentmethod/1").json()["PaymentMethod"]
    paid = api.post(
        "salesreceipt",
        {
            "CustomerRef": {"value": customer.Id},
            "Line": [{"Amount": 10, **_raw_detail()}],
            "PaymentMethodRef": {"value": cash["Id"]},
            "DepositToAccountRef": {"value": "8"},
        },
    ).json()["SalesReceipt"]
    assert paid["PaymentMethodRef"] == {"value": "1", "name": "Cash"}
    assert paid["DepositToAccountRef"]["value"] == "8"
    assert _balance(qb, customer) == 0  # never on the customer's balance
    voided = api.post(
        "salesreceipt",
        {"Id": receipt.Id, "SyncToken": "0", "sparse": True},
        operation="update",
        include="void",
    ).json()["SalesReceipt"]
    assert (voided["TotalAmt"], voided["PrivateNote"], voided["SyncToken"]) == (0, "Voided", "1")
    assert _stock(api, "11") == before


def test_a_deposit_account_must_be_bank_or_other_current_asset(api):
    body = {"Line": [{"Amount": 10, **_raw_detail()}], "DepositToAccountRef": {"value": "1"}}
    error = api.post("salesreceipt", body).json()["Fault"]["Error"][0]
    assert error["code"] == "6000"


def test_a_refund_receipt_needs_the_account_refunded_from(qb, api):
    customer = _customer(qb, "Refunded")
    refund = RefundReceipt()
    refund.CustomerRef = customer.to_ref()
    refund.Line = [_line(qb, 15)]
    with pytest.raises(QuickbooksException) as missing:
        refund.save(qb=qb)
    assert missing.value.error_code == 2020
    assert "DepositToAccountRef" in missing.value.detail
    refund.DepositToAccountRef = {"value": "8"}
    saved = refund.save(qb=qb)
    assert (saved.TotalAmt, saved.Balance, saved.DepositToAccountRef.value) == (15, 0, "8")


def test_an_estimate_is_pending_until_an_invoice_closes_it(qb, api):
    customer = _customer(qb, "Estimated")
    estimate = _form(qb, Estimate, customer, _line(qb, 60), ExpirationDate="2030-01-31")
    assert (estimate.TxnStatus, estimate.ExpirationDate, estimate.TotalAmt) == (
        "Pending",
        "2030-01-31",
        60,
    )
    raw = api.get(f"estimate/{estimate.Id}").json()["Estimate"]
    assert "Balance" not in raw and "DueDate" not in raw  # nango_estimate_create.json
    invoice = _invoice(qb, customer, _line(qb, 60), LinkedTxn=[estimate.to_linked_txn()])
    assert _links(invoice) == [("Estimate", estimate.Id)]
    closed = Estimate.get(estimate.Id, qb=qb)
    assert (closed.TxnStatus, closed.SyncToken) == ("Closed", "1")
    assert _links(closed) == [("Invoice", invoice.Id)]
    with pytest.raises(QuickbooksException):
        _invoice(qb, customer, _line(qb, 60), LinkedTxn=[estimate.to_linked_txn()])
    invoice.delete(qb=qb)
    reopened = Estimate.get(estimate.Id, qb=qb)
    assert (reopened.TxnStatus, _links(reopened)) == ("Pending", [])


def test_estimates_and_sales_receipts_are_sent_like_invoices(qb, api):
    estimate = _form(qb, Estimate, _customer(qb, "Quoted"), _line(qb, 12))
    sent = estimate.send(qb=qb, send_to="quotes@example.com")["Estimate"]
    assert (sent["EmailStatus"], sent["BillEmail"], sent["SyncToken"]) == (
        "EmailSent",
        {"Address": "quotes@example.com"},
        "1",
    )
    assert sent["DeliveryInfo"]["DeliveryType"] == "Email"
    receipt = _form(qb, SalesReceipt, None, _line(qb, 8))
    no_address = api.post(f"salesreceipt/{receipt.Id}/send")
    assert no_address.json()["Fault"]["Error"][0]["code"] == "6000"
    bad = api.post(f"salesreceipt/{receipt.Id}/send", sendTo="not-an-address")
    assert bad.json()["Fault"]["Error"][0]["code"] == "6000"
    ok = api.post(f"salesreceipt/{receipt.Id}/send", sendTo="buyer@example.com")
    assert ok.json()["SalesReceipt"]["EmailStatus"] == "EmailSent"
    memo = _form(qb, CreditMemo, _customer(qb, "Unsent"), _line(qb, 3))
    refused = api.post(f"creditmemo/{memo.Id}/send", sendTo="a@example.com")
    assert refused.json()["Fault"]["Error"][0]["code"] == "500"


def test_estimate_statuses_are_intuits(api):
    body = {"CustomerRef": {"value": "1"}, "Line": [{"Amount": 5, **_raw_detail()}]}
    accepted = api.post("estimate", {**body, "TxnStatus": "Accepted"}).json()["Estimate"]
    assert accepted["TxnStatus"] == "Accepted"
    error = api.post("estimate", {**body, "TxnStatus": "Maybe"}).json()["Fault"]["Error"][0]
    assert error["code"] == "6000"


def test_new_sales_forms_are_in_queries_cdc_and_webhooks(hooked):
    unpaced(hooked.sandbox)
    api = hooked.api
    detail = {"Amount": 10, **_raw_detail()}
    made = {}
    for entity, extra in (
        ("CreditMemo", {"CustomerRef": {"value": "1"}}),
        ("SalesReceipt", {}),
        ("RefundReceipt", {"DepositToAccountRef": {"value": "8"}}),
        ("Estimate", {"CustomerRef": {"value": "1"}}),
    ):
        response = api.post(entity.lower(), {**extra, "Line": [detail]})
        assert response.status_code == 200, response.text
        made[entity] = response.json()[entity]["Id"]
        rows = api.rows(f"SELECT * FROM {entity} WHERE TotalAmt = '10'")[entity]
        assert [row["Id"] for row in rows] == [made[entity]]
    api.post("creditmemo", {"Id": made["CreditMemo"], "SyncToken": "0"}, operation="delete")
    changed = api.get(
        "cdc", entities="CreditMemo,SalesReceipt,RefundReceipt,Estimate", changedSince="2020-01-01"
    )
    assert changed.status_code == 400  # more than 30 days back
    since = api.get("companyinfo/" + hooked.realm).json()["time"][:10]
    answer = api.get(
        "cdc", entities="CreditMemo,SalesReceipt,RefundReceipt,Estimate", changedSince=since
    ).json()["CDCResponse"][0]["QueryResponse"]
    assert answer[0]["CreditMemo"][0]["status"] == "Deleted"
    assert [
        r[next(k for k in r if k not in ("startPosition", "maxResults", "totalCount"))][0]["Id"]
        for r in answer[1:]
    ] == [made["SalesReceipt"], made["RefundReceipt"], made["Estimate"]]
    hooked.control.flush_webhooks()
    types = {event["type"] for d in hooked.receiver.wait_for(1) for event in d.json()}
    assert {
        "qbo.creditmemo.created.v1",
        "qbo.creditmemo.deleted.v1",
        "qbo.salesreceipt.created.v1",
        "qbo.refundreceipt.created.v1",
        "qbo.estimate.created.v1",
    } <= types


def _raw_detail() -> dict:
    return {"DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}


def test_a_sales_receipt_has_no_due_date_or_terms_and_prints_as_one(api):
    # Intuit's SalesReceipt has neither (its reference page; quickbooks-types' SalesReceipt).
    for extra in ({"DueDate": "2030-01-31"}, {"SalesTermRef": {"value": "3"}}):
        body = {"Line": [{"Amount": 10, **_raw_detail()}], **extra}
        error = api.post("salesreceipt", body).json()["Fault"]["Error"][0]
        assert error["code"] == "2010" and next(iter(extra)) in error["Detail"]
    made = api.post("salesreceipt", {"Line": [{"Amount": 10, **_raw_detail()}]})
    receipt = made.json()["SalesReceipt"]
    printed = api.get(f"salesreceipt/{receipt['Id']}/pdf")
    assert printed.status_code == 200 and printed.content.startswith(b"%PDF")
    assert "Fault" in api.get("creditmemo/1/pdf").json()  # not printable through the API
