"""Money made in QuickBooks shows on the order: payments, credit memos applied to the invoice
and refund receipts, mirrored from the sandbox over HTTP by a catch-up or a webhook's sync;
ours are counted once."""

import json
import re
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from qbo_sandbox.samples import SAMPLES

from invoicing import drains, settlements
from invoicing.models import Order
from payments.credits import marked_order
from payments.models import CreditMemo, PaymentApplication, RefundReceipt
from payments.sync import applications
from qbo import sync
from qbo.client import open_client
from qbo.idempotency import derived_request_id
from qbo.models import WebhookEvent
from qbo.tasks import process_webhook_events
from tests.invoicing.lifecycle_support import line, pay_in_quickbooks, synced_order
from tests.qbo.webhook_support import cloud_events, post, sign
from tests.support import TEST_VERIFIER

pytestmark = pytest.mark.django_db


def page_text(client, order) -> str:
    return re.sub(r"\s+", " ", client.get(f"/orders/{order.pk}/").text)


def bank_account(company) -> str:
    with open_client(company) as qb:
        accounts = qb.query_page("Account")
    return next(str(a["Id"]) for a in accounts if a.get("AccountType") == "Bank")


def credit_in_quickbooks(company, order: Order, amount: str) -> dict:
    """Someone in QuickBooks makes a credit memo and applies it to the invoice (a zero payment
    with an Invoice and a CreditMemo line: QBO-TRANSACTIONS.md §5)."""
    with open_client(company) as qb:
        invoice = qb.read("Invoice", order.qbo_invoice_id)
        item = invoice["Line"][0]["SalesItemLineDetail"]["ItemRef"]
        memo = qb.create(
            "CreditMemo",
            {
                "CustomerRef": invoice["CustomerRef"],
                "Line": [
                    {
                        "Amount": amount,
                        "DetailType": "SalesItemLineDetail",
                        "SalesItemLineDetail": {"ItemRef": item, "Qty": 1, "UnitPrice": amount},
                    }
                ],
            },
            request_id=derived_request_id("qbo-memo", order.pk, amount),
        )
        qb.create(
            "Payment",
            {
                "CustomerRef": invoice["CustomerRef"],
                "TotalAmt": 0,
                "Line": [
                    {
                        "Amount": amount,
                        "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}],
                    },
                    {
                        "Amount": amount,
                        "LinkedTxn": [{"TxnId": memo["Id"], "TxnType": "CreditMemo"}],
                    },
                ],
            },
            request_id=derived_request_id("qbo-apply", order.pk, amount),
        )
    return memo


def refund_in_quickbooks(company, order: Order, amount: str) -> dict:
    with open_client(company) as qb:
        invoice = qb.read("Invoice", order.qbo_invoice_id)
        item = invoice["Line"][0]["SalesItemLineDetail"]["ItemRef"]
        payload = {
            "CustomerRef": invoice["CustomerRef"],
            "DepositToAccountRef": {"value": bank_account(company)},
            "Line": [
                {
                    "Amount": amount,
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {"ItemRef": item, "Qty": 1, "UnitPrice": amount},
                }
            ],
        }
        return qb.create(
            "RefundReceipt", payload, request_id=derived_request_id("qbo-refund", order.pk)
        )


def test_money_made_in_quickbooks_shows_on_the_order_after_a_catch_up(
    client, connected, qbo, company
):
    order = synced_order(company, line("Consulting", "1", "100.00"))
    sync.sync_company(company.pk)  # the first import; what follows comes by CDC
    pay_in_quickbooks(company, order, "30.00")
    memo = credit_in_quickbooks(company, order, "20.00")
    refund = refund_in_quickbooks(company, order, "5.00")

    sync.sync_company(company.pk)
    order.refresh_from_db()
    money = settlements.money(order)
    assert (money.received, money.credited, money.refunded) == (
        Decimal("30.00"),
        Decimal("20.00"),
        Decimal("0.00"),  # a refund made in QuickBooks names no invoice: the customer's only
    )
    assert money.paid_in_app == 0
    assert order.qbo_balance == Decimal("50.00")
    text = page_text(client, order)
    assert "Payments received 30.00. Credited 20.00. Balance 50.00 USD." in text
    mirrored = CreditMemo.objects.get(company=company, qbo_id=memo["Id"])
    assert mirrored.total_amount == Decimal("20.00") and mirrored.remaining_credit == 0
    assert mirrored.customer == order.customer and mirrored.order is None
    kept = RefundReceipt.objects.get(company=company, qbo_id=refund["Id"])
    assert (kept.customer, kept.order, kept.total_amount) == (order.customer, None, Decimal("5"))


def test_ours_are_counted_once_whether_or_not_the_mirror_has_seen_them(
    client, connected, qbo, company
):
    order = synced_order(company, line("Consulting", "1", "100.00"))
    sync.sync_company(company.pk)
    settlements.record_payment(order, amount=Decimal("40"), paid_on=order.order_date, by=None)
    settlements.credit_order(order, amount=Decimal("10"), on=order.order_date, by=None)
    drains.drain(company.pk)
    settlements.refund_order(
        order, amount=Decimal("15"), account=bank_account(company), on=order.order_date, by=None
    )
    drains.drain(company.pk)
    order.refresh_from_db()
    before = settlements.money(order)  # from our writes alone: nothing mirrored yet
    assert order.qbo_money == {}
    sync.sync_company(company.pk)
    order.refresh_from_db()
    after = settlements.money(order)  # the mirror holds them now, matched on their ids

    for money in (before, after):
        assert (money.received, money.credited, money.refunded, money.paid_in_app) == (
            Decimal("40.00"),
            Decimal("10.00"),
            Decimal("15.00"),
            Decimal("40.00"),
        )
    assert Decimal(order.qbo_money["refunded"]) == Decimal("15.00")  # ours, by its marker
    assert RefundReceipt.objects.get(company=company).order == order
    # Someone in QuickBooks credits a little more: it adds to ours.
    credit_in_quickbooks(company, order, "5.00")
    sync.sync_company(company.pk)
    order.refresh_from_db()
    assert settlements.money(order).credited == Decimal("15.00")
    assert "Payments received 40.00. Paid in qbsync 40.00. Credited 15.00. Refunded 15.00." in (
        page_text(client, order)
    )


def test_a_webhook_brings_a_credit_made_in_quickbooks_to_the_order(
    client, connected, qbo, company, sandbox_realm, settings
):
    order = synced_order(company, line("Consulting", "1", "100.00"))
    sync.sync_company(company.pk)
    memo = credit_in_quickbooks(company, order, "25.00")
    refund = refund_in_quickbooks(company, order, "7.00")
    settings.QBO_WEBHOOK_VERIFIER_TOKEN = TEST_VERIFIER
    body = cloud_events(
        sandbox_realm,
        ("creditmemo", memo["Id"], "created"),
        ("payment", "1", "created"),
        ("refundreceipt", refund["Id"], "created"),
    )
    assert post(Client(), body, sign(body, TEST_VERIFIER)).status_code == 200

    process_webhook_events(company.pk)  # what the debounced task does when it runs
    order.refresh_from_db()
    assert settlements.money(order).credited == Decimal("25.00")
    assert "Credited 25.00. Balance 75.00 USD." in page_text(client, order)
    assert CreditMemo.objects.filter(company=company, qbo_id=memo["Id"]).exists()
    assert RefundReceipt.objects.filter(company=company, qbo_id=refund["Id"]).exists()
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {"processed"}


def test_a_deleted_payment_takes_its_money_off_the_order(client, connected, qbo, company):
    order = synced_order(company, line("Consulting", "1", "100.00"))
    sync.sync_company(company.pk)
    payment = pay_in_quickbooks(company, order, "30.00")
    sync.sync_company(company.pk)
    order.refresh_from_db()
    assert settlements.money(order).received == Decimal("30.00")
    with open_client(company) as qb:
        live = qb.read("Payment", payment["Id"])
        qb.delete("Payment", live["Id"], live["SyncToken"], request_id=str(uuid.uuid4()))
    sync.sync_company(company.pk)
    order.refresh_from_db()
    assert settlements.money(order).received == 0
    assert not PaymentApplication.objects.filter(order=order).exists()


def test_a_payments_credit_lines_pay_its_invoice_lines_in_order():
    sample = {
        "Line": [
            {"Amount": "60", "LinkedTxn": [{"TxnId": "1", "TxnType": "Invoice"}]},
            {"Amount": "40", "LinkedTxn": [{"TxnId": "2", "TxnType": "Invoice"}]},
            {"Amount": "70", "LinkedTxn": [{"TxnId": "9", "TxnType": "CreditMemo"}]},
        ]
    }
    assert applications(sample) == [
        ("1", Decimal("60"), Decimal("60")),
        ("2", Decimal("40"), Decimal("10")),
    ]
    # Intuit's recorded payment (cash only): nothing of it is credit.
    payment = json.loads((SAMPLES / "payment.json").read_text())["Payment"]
    assert applications(payment) and all(credit == 0 for _, _, credit in applications(payment))


def test_a_marker_of_another_company_links_nothing(company):
    assert marked_order(company.pk, f"x [qbsync:{company.pk}:42:w7] y") == 42
    assert marked_order(company.pk, f"[qbsync:{company.pk + 1}:42:w7]") is None
    assert marked_order(company.pk, f"[qbsync:{company.pk}:42]") is None  # an invoice's marker


def test_a_payment_a_full_import_no_longer_sees_takes_its_money_off_the_order(
    client, connected, qbo, company
):
    from qbo.models import SyncCursor
    from qbo.sync import full_import

    order = synced_order(company, line("Consulting", "1", "100.00"))
    sync.sync_company(company.pk)
    payment = pay_in_quickbooks(company, order, "30.00")
    sync.sync_company(company.pk)
    order.refresh_from_db()
    assert settlements.money(order).received == Decimal("30.00")
    with open_client(company) as qb:
        live = qb.read("Payment", payment["Id"])
        qb.delete("Payment", live["Id"], live["SyncToken"], request_id=str(uuid.uuid4()))
        # The daily reconcile's path: a full import, which never sees the deleted payment.
        full_import(qb, SyncCursor.objects.get(company=company, entity="Payment"))
    order.refresh_from_db()
    assert settlements.money(order).received == 0
    assert not PaymentApplication.objects.filter(order=order).exists()
