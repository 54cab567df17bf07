"""Items and payments mirrored through qbo.rowmap: on PostgreSQL a page is read inside the
database (payments with their applications, in one statement); the rows are the ones Python's
reading gives, for Intuit's recorded payloads and odd values."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from qbo_sandbox.samples import load_json

from catalog.models import Item
from catalog.sync import ITEM, upsert_items
from customers.models import Customer
from invoicing.models import Order, Product
from payments.models import Payment, PaymentApplication
from payments.sync import PAYMENT, _upsert_in_python, applications, upsert_payments
from tests.invoicing.support import make_order

pytestmark = pytest.mark.django_db


def parsed(obj) -> dict:
    """As our client parses QBO's answers: numbers as Decimals."""
    return json.loads(json.dumps(obj), parse_float=Decimal)


def body(name: str, entity: str) -> dict:
    found = load_json(name)
    return found["response"]["body"][entity] if "response" in found else found


ITEMS_ODD = [
    {"Id": "800"},  # nothing but its Id: a service, named ""
    {"Id": "801", "Name": "Widget", "Type": "Bundle", "FullyQualifiedName": None},  # unknown type
    {"Id": "802", "Name": "Tracked", "Type": "Inventory", "TrackQtyOnHand": True, "QtyOnHand": 7},
    {"Id": "803", "Name": "Untracked", "TrackQtyOnHand": False, "QtyOnHand": 7, "Type": None},
    {"Id": "804", "Name": "n" * 150, "Description": None, "UnitPrice": "12.125", "Taxable": 1},
    {"Id": 805, "Name": "Sub", "Type": "", "ParentRef": {"value": 29}, "Sku": 1234},
]


def _items() -> list[dict]:
    found = [load_json("item.json")]
    found += [body("nango_item_create.json", "Item"), body("nango_item_read.json", "Item")]
    return [parsed(obj) for obj in found] + ITEMS_ODD


def test_items_read_in_the_database_as_in_python(company):
    objects = _items()
    Product.objects.create(company=company, name="Old name", qbo_item_id="802")
    with CaptureQueriesContext(connection) as queries:
        assert upsert_items(company.pk, objects) == len(objects)
    written = [q for q in queries if 'INTO "catalog_item"' in q["sql"]]
    assert len(written) == 1
    for obj in objects:
        stored = Item.objects.filter(company=company, qbo_id=str(obj["Id"])).values().get()
        for name, value in ITEM.row(obj).items():
            assert stored[name] == value, (obj["Id"], name, stored[name], value)
    kinds = dict(Item.objects.filter(company=company).values_list("qbo_id", "type"))
    assert (kinds["800"], kinds["801"], kinds["803"], kinds["805"]) == (
        "Service",
        "Other",
        "Service",
        "Service",
    )
    tracked = Item.objects.get(company=company, qbo_id="802")
    assert (tracked.qty_on_hand, tracked.fully_qualified_name) == (Decimal(7), "Tracked")
    assert Item.objects.get(company=company, qbo_id="803").qty_on_hand is None
    assert Item.objects.get(company=company, qbo_id="801").fully_qualified_name == "Widget"
    # The linked product follows its item's name, in the same statement on PostgreSQL.
    assert Product.objects.get(company=company, qbo_item_id="802").qbo_item_name == "Tracked"


def _payment(qbo_id: str, customer: str, lines: list, **extra) -> dict:
    total = sum(
        (Decimal(str(x.get("Amount", 0))) for x in lines if isinstance(x, dict)), Decimal(0)
    )
    return parsed(
        {
            "Id": qbo_id,
            "SyncToken": "0",
            "TxnDate": "2026-03-09",
            "CustomerRef": {"value": customer, "name": f"Customer {customer}"},
            "TotalAmt": str(total),
            "UnappliedAmt": 0,
            "Line": lines,
            "MetaData": {"CreateTime": "2026-03-09T10:00:00-08:00"},
            **extra,
        }
    )


def _line(amount, kind: str = "Invoice", txn="") -> dict:
    return {"Amount": amount, "LinkedTxn": [{"TxnId": txn, "TxnType": kind}]}


def _payments() -> list[dict]:
    found = [load_json("payment.json")["Payment"]]
    found += load_json("nango_payment_query.json")["response"]["body"]["QueryResponse"]["Payment"]
    found += [body("nango_payment_read.json", "Payment")]
    found += [body("nango_payment_create.json", "Payment")]
    found = [parsed(obj) for obj in {str(obj["Id"]): obj for obj in found}.values()]
    return [
        *found,
        # A credit memo's 30.00 fills the first invoice line, then 10.00 of the second.
        _payment(
            "900",
            "58",
            [_line(20, txn="501"), _line(25, txn="502"), _line(30, "CreditMemo", "77")],
        ),
        _payment("901", "missing", [_line("15.50", txn="501")], PaymentRefNum=12345),
        _payment("902", "58", [], TxnDate=None, CurrencyRef={"value": "CAD"}),
        _payment("903", "58", [{"Amount": 5}, "not a line", _line(5, "Deposit", "3")]),
        {"Id": "904"},
        # A negative invoice line (QBO sends none) takes no credit and leaves it for the next.
        _payment(
            "905", "58", [_line(-5, txn="503"), _line(10, txn="504"), _line(8, "CreditMemo", "78")]
        ),
    ]


def _rows(company) -> dict:
    payments = {
        row["qbo_id"]: {name: row[name] for name in PAYMENT.columns if name != "customer"}
        | {"customer": row["customer_id"]}
        for row in Payment.objects.filter(company=company).values()
    }
    for qbo_id in payments:
        payments[qbo_id]["applications"] = list(
            PaymentApplication.objects.filter(payment__company=company, payment__qbo_id=qbo_id)
            .order_by("pk")
            .values_list("invoice_qbo_id", "amount", "credit", "order__number")
        )
    return payments


def test_payments_read_in_the_database_as_in_python(company, other_company):
    """The same pages through the one-statement path and through the Python path (as on
    SQLite), into two companies holding the same customer and orders: the same rows."""
    assert connection.vendor == "postgresql"
    for each in (company, other_company):
        Customer.objects.create(company=each, qbo_id="58", display_name="Globex")
        make_order(each, "1001", qbo_invoice_id="501", total=Decimal("20.00"))
        make_order(each, "1002", qbo_invoice_id="502", total=Decimal("25.00"))
        # A sales receipt sharing an invoice's Id is never what a payment pays.
        make_order(
            each,
            "1003",
            qbo_invoice_id="502",
            qbo_form=Order.QboForm.SALES_RECEIPT,
            deposit_account_id="35",
            total=1,
        )
    objects = _payments()
    with CaptureQueriesContext(connection) as queries:
        assert upsert_payments(company.pk, objects) == len(objects)
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    # The page (payments, their applications and orders, in one) then the orders' money.
    assert any('INTO "payments_paymentapplication"' in sql for sql in statements[:1])
    assert len(statements) <= 4, statements
    _upsert_in_python(other_company.pk, objects, {"company_id": other_company.pk})
    ours, python = _rows(company), _rows(other_company)
    globex = Customer.objects.get(company=company, qbo_id="58").pk
    for qbo_id, row in python.items():
        row["customer"] = row["customer"] and globex  # (the other company's own row)
        assert ours[qbo_id] == row, qbo_id
    credited = ours["900"]["applications"]
    assert credited == [
        ("501", Decimal("20.00"), Decimal("20.00"), "1001"),
        ("502", Decimal("25.00"), Decimal("10.00"), "1002"),
    ]
    assert [a[:3] for a in credited] == applications(next(o for o in objects if o["Id"] == "900"))
    assert [a[2] for a in ours["905"]["applications"]] == [Decimal("0.00"), Decimal("8.00")]
    assert ours["901"]["customer"] is None and ours["901"]["reference_number"] == "12345"
    assert ours["902"]["txn_date"] is None and ours["902"]["currency"] == "CAD"
    assert ours["903"]["applications"] == [] and ours["904"]["total_amount"] == 0
    # The orders' money follows (received = paid - credit).
    paid = Order.objects.get(company=company, number="1002").qbo_money
    assert (paid["received"], paid["credited"]) == ("15.00", "10.00")
    paid = Order.objects.get(company=company, number="1001").qbo_money
    assert (paid["received"], paid["credited"]) == ("15.50", "20.00")
    receipt = Order.objects.get(company=company, number="1003")
    assert not receipt.payment_applications.exists()


def test_a_payment_written_again_replaces_its_applications(company):
    make_order(company, "1001", qbo_invoice_id="501", total=Decimal("20.00"))
    upsert_payments(company.pk, [_payment("900", "58", [_line(20, txn="501")])])
    assert Order.objects.get(number="1001").qbo_money["received"] == "20.00"
    # Edited in QuickBooks: now it pays another invoice; the first order is paid no more.
    changed = _payment("900", "58", [_line(20, txn="999")], SyncToken="1")
    upsert_payments(company.pk, [changed])
    applied = PaymentApplication.objects.filter(payment__qbo_id="900")
    assert list(applied.values_list("invoice_qbo_id", "order")) == [("999", None)]
    assert Order.objects.get(number="1001").qbo_money["received"] == "0.00"
