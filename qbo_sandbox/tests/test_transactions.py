"""Invoices and payments through python-quickbooks: totals, numbering, links and balances."""

from __future__ import annotations

from decimal import Decimal

import pytest
from quickbooks.exceptions import ObjectNotFoundException, QuickbooksException, ValidationException
from quickbooks.objects import Customer, Invoice, Item, Payment
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.payment import PaymentLine

from sandbox_support import Api, connect


def _meta(obj, key: str) -> str:
    meta = obj.MetaData  # python-quickbooks parses it into an object for some entities only
    return meta[key] if isinstance(meta, dict) else getattr(meta, key)


def _line(qb, amount, qty=None, price=None, item="Services") -> SalesItemLine:
    line = SalesItemLine()
    line.Amount = Decimal(str(amount))
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = Item.filter(Name=item, qb=qb)[0].to_ref()
    if qty is not None:
        line.SalesItemLineDetail.Qty = Decimal(str(qty))
    if price is not None:
        line.SalesItemLineDetail.UnitPrice = Decimal(str(price))
    return line


def _customer(qb, name: str = "Invoice Customer") -> Customer:
    customer = Customer()
    customer.DisplayName = name
    customer.PrimaryEmailAddr = None
    return customer.save(qb=qb)


def _invoice(qb, customer: Customer, *lines, **fields) -> Invoice:
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.Line = list(lines)
    for key, value in fields.items():
        setattr(invoice, key, value)
    return invoice.save(qb=qb, request_id=fields.pop("request_id", None))


def _pay(qb, customer: Customer, total, *applied) -> Payment:
    payment = Payment()
    payment.CustomerRef = customer.to_ref()
    payment.TotalAmt = Decimal(str(total))
    payment.Line = []
    for invoice, amount in applied:
        line = PaymentLine()
        line.Amount = Decimal(str(amount))
        line.LinkedTxn = [invoice.to_linked_txn()]
        payment.Line.append(line)
    return payment.save(qb=qb)


def test_invoice_totals_balance_and_subtotal_line(qb):
    customer = _customer(qb)
    invoice = _invoice(qb, customer, _line(qb, "100.00", 2, 50), _line(qb, "22.50", 1, "22.5"))
    assert invoice.TotalAmt == Decimal("122.5")
    assert invoice.Balance == Decimal("122.5")
    assert [line.DetailType for line in invoice.Line] == [
        "SalesItemLineDetail",
        "SalesItemLineDetail",
        "SubTotalLineDetail",
    ]
    assert invoice.Line[-1].Amount == Decimal("122.5")
    assert [line.Id for line in invoice.Line[:2]] == ["1", "2"]
    assert invoice.TxnDate and invoice.DueDate and invoice.CurrencyRef.value == "USD"


def test_invoice_line_amount_must_equal_qty_times_price(qb):
    with pytest.raises(QuickbooksException) as caught:
        _invoice(qb, _customer(qb), _line(qb, "58", 2, 30))
    assert caught.value.error_code == 6070
    assert "Supplied value:58" in caught.value.detail


def test_invoice_needs_a_customer_and_a_line(api):
    no_customer = api.post(
        "invoice",
        {
            "Line": [
                {
                    "Amount": 10,
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
                }
            ]
        },
    )
    assert no_customer.json()["Fault"]["Error"][0]["Detail"].endswith(
        "CustomerRef is missing in the request"
    )
    no_line = api.post("invoice", {"CustomerRef": {"value": "1"}})
    error = no_line.json()["Fault"]["Error"][0]
    assert (no_line.status_code, error["code"]) == (400, "2020")
    assert error["Detail"] == "Required parameter Line is missing in the request"


def test_invoice_rejects_unknown_item_and_customer(api):
    line = {
        "Amount": 10,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": "9999"}},
    }
    bad_item = api.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [line]})
    assert bad_item.json()["Fault"]["Error"][0]["code"] == "610"
    bad_customer = api.post("invoice", {"CustomerRef": {"value": "9999"}, "Line": [line]})
    assert bad_customer.json()["Fault"]["Error"][0]["code"] == "610"


def test_amounts_accepted_as_numbers_or_numeric_strings_and_answered_as_numbers(api):
    for amount in (12.5, "12.50"):
        line = {
            "Amount": amount,
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "Qty": "1", "UnitPrice": amount},
        }
        invoice = api.post("invoice", {"CustomerRef": {"value": "2"}, "Line": [line]}).json()
        assert invoice["Invoice"]["TotalAmt"] == 12.5
    bad = api.post(
        "invoice", {"CustomerRef": {"value": "2"}, "Line": [{**line, "Amount": "twelve"}]}
    )
    assert bad.json()["Fault"]["Error"][0]["code"] == "2080"


def test_doc_numbers_are_assigned_in_sequence(qb):
    customer = _customer(qb)
    first = _invoice(qb, customer, _line(qb, 10))
    second = _invoice(qb, customer, _line(qb, 10))
    assert int(second.DocNumber) == int(first.DocNumber) + 1


def test_custom_doc_number_is_kept_and_next_auto_number_follows_it(qb):
    customer = _customer(qb)
    custom = _invoice(qb, customer, _line(qb, 10), DocNumber="AT101")
    assert custom.DocNumber == "AT101"
    assert _invoice(qb, customer, _line(qb, 10)).DocNumber == "AT102"


def test_duplicate_doc_number_is_6140_unless_allowed(qb, api):
    customer = _customer(qb)
    _invoice(qb, customer, _line(qb, 10), DocNumber="DUP-1")
    body = {
        "CustomerRef": {"value": customer.Id},
        "DocNumber": "DUP-1",
        "Line": [
            {
                "Amount": 5,
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
            }
        ],
    }
    duplicate = api.post("invoice", body)
    error = duplicate.json()["Fault"]["Error"][0]
    assert (duplicate.status_code, error["code"]) == (400, "6140")
    assert "DocNumber=DUP-1 is assigned to TxnType=Invoice" in error["Detail"]
    allowed = api.post("invoice", body, include="allowduplicatedocnum")
    assert allowed.json()["Invoice"]["DocNumber"] == "DUP-1"


def test_custom_transaction_numbers_company_leaves_doc_number_empty(sandbox, qb, api):
    realm = sandbox.control.create_company("Custom Numbers", custom_txn_numbers=True, seed=True)
    client = connect(sandbox, realm_id=realm)
    other = Api(sandbox, realm, client.access_token)
    line = {
        "Amount": 5,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
    }
    invoice = other.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [line]}).json()
    assert "DocNumber" not in invoice["Invoice"]
    forced = other.post(
        "invoice", {"CustomerRef": {"value": "1"}, "Line": [line], "DocNumber": "AUTO_GENERATE"}
    ).json()
    assert forced["Invoice"]["DocNumber"].isdigit()
    prefs = other.get("preferences").json()["Preferences"]
    assert prefs["SalesFormsPrefs"]["CustomTxnNumbers"] is True


def test_due_date_follows_the_sales_term(api):
    line = {
        "Amount": 5,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
    }
    invoice = api.post(
        "invoice",
        {
            "CustomerRef": {"value": "1"},
            "Line": [line],
            "TxnDate": "2015-07-24",
            "SalesTermRef": {"value": "3"},
        },
    )
    assert invoice.json()["Invoice"]["DueDate"] == "2015-08-23"  # Net 30, as in invoice.json


def test_deleting_an_invoice_answers_a_tombstone_and_it_is_gone(qb):
    invoice = _invoice(qb, _customer(qb), _line(qb, 10))
    response = invoice.delete(qb=qb)
    assert response["Invoice"] == {"domain": "QBO", "status": "Deleted", "Id": invoice.Id}
    with pytest.raises(ObjectNotFoundException):
        Invoice.get(invoice.Id, qb=qb)


def test_delete_with_a_stale_sync_token_is_5010(qb):
    invoice = _invoice(qb, _customer(qb), _line(qb, 10))
    invoice.SyncToken = "7"
    with pytest.raises(QuickbooksException) as caught:
        invoice.delete(qb=qb)
    assert caught.value.error_code == 5010


def test_voided_invoice_keeps_lines_with_zero_total_and_balance(qb):
    customer = _customer(qb)
    invoice = _invoice(qb, customer, _line(qb, 40, 2, 20))
    raw = invoice.void(qb=qb)["Invoice"]
    voided = Invoice.from_json(raw)
    assert voided.TotalAmt == 0 and voided.Balance == 0
    assert voided.PrivateNote == "Voided"
    # Lines kept, amounts and quantities zeroed (qbo_api void/invoice.yml; Intuit's example).
    assert [line.DetailType for line in voided.Line] == [
        "SalesItemLineDetail",
        "SubTotalLineDetail",
    ]
    assert [line.Amount for line in voided.Line] == [0, 0]
    detail = voided.Line[0].SalesItemLineDetail
    assert detail.ItemRef.name == "Services" and detail.Qty == 0
    assert "UnitPrice" not in raw["Line"][0]["SalesItemLineDetail"]
    assert voided.LinkedTxn == [] and voided.TxnTaxDetail.TotalTax == 0
    assert voided.SyncToken == "1"
    assert Customer.get(customer.Id, qb=qb).Balance == 0


def test_payment_lowers_invoice_and_customer_balances_and_links_them(qb):
    customer = _customer(qb)
    invoice = _invoice(qb, customer, _line(qb, 100))
    assert Customer.get(customer.Id, qb=qb).Balance == 100
    payment = _pay(qb, customer, 100, (invoice, 100))
    assert payment.UnappliedAmt == 0
    after = Invoice.get(invoice.Id, qb=qb)
    assert after.Balance == 0
    assert after.SyncToken == "1"
    assert _meta(after, "LastUpdatedTime") == _meta(payment, "CreateTime")
    assert [(link.TxnId, link.TxnType) for link in after.LinkedTxn] == [(payment.Id, "Payment")]
    assert Customer.get(customer.Id, qb=qb).Balance == 0


def test_partial_payment_leaves_an_open_balance(qb):
    customer = _customer(qb)
    invoice = _invoice(qb, customer, _line(qb, "71.00"))
    payment = _pay(qb, customer, 65, (invoice, 55))
    assert payment.UnappliedAmt == Decimal("10")
    any_values = {
        pair["value"]["Name"]: pair["value"]["Value"] for pair in payment.Line[0].LineEx["any"]
    }
    assert any_values["txnOpenBalance"] == "71.00"
    assert any_values["txnReferenceNumber"] == invoice.DocNumber
    assert Invoice.get(invoice.Id, qb=qb).Balance == Decimal("16")
    assert Customer.get(customer.Id, qb=qb).Balance == Decimal("6")  # 16 owed - 10 credit


def test_unapplied_payment_is_credit_on_the_customer(qb):
    customer = _customer(qb)
    payment = _pay(qb, customer, 30)
    assert payment.UnappliedAmt == Decimal("30")
    assert Customer.get(customer.Id, qb=qb).Balance == Decimal("-30")


def test_payment_cannot_exceed_the_open_balance(qb):
    customer = _customer(qb)
    invoice = _invoice(qb, customer, _line(qb, 50))
    with pytest.raises(QuickbooksException) as caught:
        _pay(qb, customer, 80, (invoice, 80))
    assert caught.value.error_code == 6000
    assert Invoice.get(invoice.Id, qb=qb).Balance == 50


def test_payment_needs_customer_and_total(api):
    assert api.post("payment", {"TotalAmt": 5}).json()["Fault"]["Error"][0]["code"] == "2020"
    response = api.post("payment", {"CustomerRef": {"value": "1"}})
    assert response.json()["Fault"]["Error"][0]["Detail"].startswith("Required parameter TotalAmt")


def test_payment_for_another_customers_invoice_is_rejected(qb):
    invoice = _invoice(qb, _customer(qb, "Owner"), _line(qb, 50))
    with pytest.raises(QuickbooksException) as caught:
        _pay(qb, _customer(qb, "Stranger"), 10, (invoice, 10))
    assert caught.value.error_code == 6000


@pytest.mark.parametrize("undo", ["void", "delete"])
def test_voiding_or_deleting_a_payment_restores_the_invoice(qb, undo):
    customer = _customer(qb)
    invoice = _invoice(qb, customer, _line(qb, 100))
    payment = _pay(qb, customer, 60, (invoice, 60))
    getattr(payment, undo)(qb=qb)
    after = Invoice.get(invoice.Id, qb=qb)
    assert after.Balance == 100
    assert after.LinkedTxn == []
    assert after.SyncToken == "2"
    assert Customer.get(customer.Id, qb=qb).Balance == 100
    if undo == "void":
        voided = Payment.get(payment.Id, qb=qb)
        assert voided.TotalAmt == 0 and voided.PrivateNote == "Voided"


def test_voiding_a_paid_invoice_turns_its_payment_into_credit(qb):
    customer = _customer(qb)
    invoice = _invoice(qb, customer, _line(qb, 100))
    payment = _pay(qb, customer, 100, (invoice, 100))
    Invoice.get(invoice.Id, qb=qb).void(qb=qb)
    after = Payment.get(payment.Id, qb=qb)
    assert after.UnappliedAmt == Decimal("100") and after.Line == []
    assert Customer.get(customer.Id, qb=qb).Balance == Decimal("-100")


def test_updating_a_payment_moves_the_application(qb):
    customer = _customer(qb)
    first = _invoice(qb, customer, _line(qb, 50))
    second = _invoice(qb, customer, _line(qb, 50))
    payment = _pay(qb, customer, 50, (first, 50))
    payment.Line[0].LinkedTxn = [second.to_linked_txn()]
    payment.save(qb=qb)
    assert Invoice.get(first.Id, qb=qb).Balance == 50
    assert Invoice.get(second.Id, qb=qb).Balance == 0


def test_invoice_update_recomputes_balance_after_payments(qb):
    customer = _customer(qb)
    invoice = _invoice(qb, customer, _line(qb, 100))
    _pay(qb, customer, 40, (invoice, 40))
    current = Invoice.get(invoice.Id, qb=qb)
    current.Line = [_line(qb, 150)]
    saved = current.save(qb=qb)
    assert saved.TotalAmt == 150 and saved.Balance == 110
    assert saved.LinkedTxn[0].TxnType == "Payment"


def test_fetch_then_full_save_round_trips_through_python_quickbooks(qb):
    invoice = Invoice.get(1, qb=qb)
    invoice.PrivateNote = "round trip"
    saved = invoice.save(qb=qb)
    assert saved.PrivateNote == "round trip"
    assert saved.TotalAmt == invoice.TotalAmt
    assert len(saved.Line) == len(invoice.Line)


def test_selling_inventory_lowers_quantity_on_hand_and_void_restores_it(qb):
    pump = Item.filter(Name="Pump", qb=qb)[0]
    invoice = _invoice(qb, _customer(qb), _line(qb, 30, 2, 15, item="Pump"))
    assert Item.get(pump.Id, qb=qb).QtyOnHand == pump.QtyOnHand - 2
    invoice.void(qb=qb)
    assert Item.get(pump.Id, qb=qb).QtyOnHand == pump.QtyOnHand


def test_send_marks_the_invoice_emailed(qb):
    invoice = _invoice(qb, _customer(qb), _line(qb, 10))
    sent = invoice.send(qb=qb, send_to="billing@example.com")["Invoice"]
    assert sent["EmailStatus"] == "EmailSent"
    assert sent["DeliveryInfo"]["DeliveryType"] == "Email"
    assert sent["BillEmail"]["Address"] == "billing@example.com"


def test_invoice_query_counts_and_filters(qb):
    customer = _customer(qb, "Query Me")
    for amount in (10, 20, 30):
        _invoice(qb, customer, _line(qb, amount))
    assert Invoice.count(f"CustomerRef = '{customer.Id}'", qb=qb) == 3
    found = Invoice.where(f"CustomerRef = '{customer.Id}'", order_by="TotalAmt DESC", qb=qb)
    assert [inv.TotalAmt for inv in found] == [30, 20, 10]


def test_validation_errors_map_to_python_quickbooks_exceptions(qb):
    invoice = Invoice()
    invoice.CustomerRef = _customer(qb).to_ref()
    with pytest.raises(ValidationException):
        invoice.save(qb=qb)


def test_sparse_invoice_update_from_a_fresh_python_quickbooks_object(qb):
    invoice = _invoice(qb, _customer(qb), _line(qb, 40, 2, 20), TxnDate="2024-03-01")
    change = Invoice()  # sends its defaults: an empty Line list, "" dates, ...
    change.Id, change.SyncToken, change.sparse = invoice.Id, invoice.SyncToken, True
    change.PrivateNote = "sparse memo"
    saved = change.save(qb=qb)
    assert saved.PrivateNote == "sparse memo"
    assert saved.TxnDate == "2024-03-01"
    assert saved.TotalAmt == 40 and len(saved.Line) == 2  # the line and the subtotal


def test_sparse_payment_update_keeps_its_application(qb):
    customer = _customer(qb)
    invoice = _invoice(qb, customer, _line(qb, 30))
    payment = _pay(qb, customer, 30, (invoice, 30))
    change = Payment()
    change.Id, change.SyncToken, change.sparse = payment.Id, payment.SyncToken, True
    change.PaymentRefNum = "CHK-7"
    saved = change.save(qb=qb)
    assert saved.PaymentRefNum == "CHK-7" and saved.Line[0].Amount == 30
    assert Invoice.get(invoice.Id, qb=qb).Balance == 0


def test_generated_payments_pay_their_invoices(sandbox, realm, api):
    made = sandbox.control.seed_payments(realm, 30)
    assert made["created"] == 30
    first, last = int(made["first_id"]), int(made["last_id"])
    ids = ", ".join(f"'{n}'" for n in range(first, last + 1))
    payments = api.rows(f"select * from Payment where Id in ({ids})")["Payment"]
    assert len(payments) == 30
    paid = {}
    for payment in payments:
        (line,) = payment["Line"]
        linked = line["LinkedTxn"][0]
        assert linked["TxnType"] == "Invoice" and line["Amount"] == payment["TotalAmt"]
        paid[linked["TxnId"]] = payment
    ids = ", ".join(f"'{n}'" for n in paid)
    invoices = api.rows(f"select * from Invoice where Id in ({ids})")["Invoice"]
    assert len(invoices) == 30
    part_paid = 0
    for invoice in invoices:
        payment = paid[invoice["Id"]]
        assert invoice["CustomerRef"]["value"] == payment["CustomerRef"]["value"]
        # QBO's balance rule: TotalAmt less what payments applied.
        left = Decimal(str(invoice["TotalAmt"])) - Decimal(str(payment["TotalAmt"]))
        assert Decimal(str(invoice["Balance"])) == left
        part_paid += left > 0
    assert part_paid == 10  # one in three paid in half
