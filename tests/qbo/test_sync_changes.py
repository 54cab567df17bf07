"""Changes in QuickBooks reach the mirrors: by the catch-up (CDC) and through webhooks."""

import base64
import hashlib
import hmac
import json
import random
from decimal import Decimal

import pytest
import requests

from customers.models import Customer
from invoicing import drains
from invoicing.models import Order
from payments.models import Payment
from qbo import sync
from qbo.client import open_client
from qbo.models import QBOCall, SyncCursor, WebhookEvent
from qbo.tasks import process_webhook_events
from tests.support import order_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def synced(connected, qbo):
    sync.sync_company(connected.company_id)
    return connected


def sparse_update(company, entity: str, obj: dict, **fields) -> dict:
    """Another QuickBooks user edits an object (a sparse update through the API)."""
    body = {"Id": obj["Id"], "SyncToken": obj["SyncToken"], "sparse": True, **fields}
    with open_client(company) as qb:
        return qb.update_object(entity, json.dumps(body))[entity]


def sandbox_customer(qbo, realm, qbo_id):
    return qbo.state.companies[realm].get("Customer", qbo_id)


def test_edits_deactivations_merges_and_deletes_arrive_with_the_catch_up(synced, qbo, company):
    realm = synced.realm_id
    edited, deactivated, merged, survivor = Customer.objects.filter(
        company=company, active=True, raw__Job=False
    ).order_by("qbo_id")[:4]
    sparse_update(
        company,
        "Customer",
        sandbox_customer(qbo, realm, edited.qbo_id),
        DisplayName="Renamed In QuickBooks",
    )
    sparse_update(
        company, "Customer", sandbox_customer(qbo, realm, deactivated.qbo_id), Active=False
    )
    qbo.control.merge_customers(realm, merged.qbo_id, survivor.qbo_id)
    payment = Payment.objects.filter(company=company).first()
    with open_client(company) as qb:
        obj = qbo.state.companies[realm].get("Payment", payment.qbo_id)
        qb.delete_object("Payment", json.dumps({"Id": obj["Id"], "SyncToken": obj["SyncToken"]}))

    sync.sync_company(company.pk)

    for row in (edited, deactivated, merged, payment):
        row.refresh_from_db()
    assert edited.display_name == "Renamed In QuickBooks"
    assert deactivated.active is False and deactivated.display_name.endswith("(deleted)")
    assert merged.deleted_in_qbo is True
    assert payment.deleted_in_qbo is True
    assert QBOCall.objects.filter(operation="cdc").exists()


def _receive_payment(qbo, realm, invoice_id: str, amount: str) -> None:
    """A person clicks "Receive payment" in the sandbox UI and saves it."""
    url = f"{qbo.url}/ui/companies/{realm}/invoices/{invoice_id}/receive-payment"
    response = requests.post(url, data={"amount": amount}, timeout=10, allow_redirects=False)
    assert response.status_code in (302, 303), response.text[:300]


def test_payments_received_in_quickbooks_mark_the_order_paid(client, synced, qbo, company):
    client.post(
        "/orders/new/",
        order_post({"description": "Design", "unit_price": "100"}, new_customer_name="Pays Later"),
    )
    drains.drain(company.pk)
    order = Order.objects.get(company=company)
    assert order.payment_status == "unpaid"

    # QuickBooks' total, which includes the sales tax it calculated on the taxable line.
    rest = order.qbo_total - Decimal("40.00")
    _receive_payment(qbo, synced.realm_id, order.qbo_invoice_id, "40.00")
    sync.sync_company(company.pk)
    order.refresh_from_db()
    assert (order.payment_status, order.qbo_balance) == ("partially_paid", rest)
    page = client.get(f"/orders/{order.pk}/")
    assert "Partially paid" in page.text

    _receive_payment(qbo, synced.realm_id, order.qbo_invoice_id, str(rest))
    sync.sync_company(company.pk)
    order.refresh_from_db()
    assert (order.payment_status, order.qbo_balance) == ("paid", Decimal("0.00"))
    applications = order.payment_applications.all()
    assert sorted(a.amount for a in applications) == sorted([Decimal("40.00"), rest])


def test_more_than_a_thousand_changes_are_paged_by_time(synced, qbo, company):
    before = Customer.objects.filter(company=company).count()
    qbo.control.seed_customers(synced.realm_id, 1200)
    sync.sync_company(company.pk)
    assert Customer.objects.filter(company=company).count() == before + 1200
    assert QBOCall.objects.filter(operation="query Customer").count() >= 3  # COUNT + paged


def test_a_cursor_beyond_the_cdc_window_means_a_full_re_import(synced, qbo, company):
    qbo.control.advance_clock(31 * 86400)
    renamed = Customer.objects.filter(company=company, active=True).first()
    sparse_update(
        company,
        "Customer",
        sandbox_customer(qbo, synced.realm_id, renamed.qbo_id),
        DisplayName="After A Month",
    )
    sync.sync_company(company.pk)
    renamed.refresh_from_db()
    assert renamed.display_name == "After A Month"
    cursor = SyncCursor.objects.get(company=company, entity="Customer")
    assert cursor.state == "idle" and cursor.import_done == cursor.import_total > 0


def _sign(body: bytes, token: str) -> str:
    return base64.b64encode(hmac.new(token.encode(), body, hashlib.sha256).digest()).decode()


def test_shuffled_and_duplicated_webhook_events_converge(client, synced, qbo, company, settings):
    realm = synced.realm_id
    rng = random.Random(7)
    customers = list(Customer.objects.filter(company=company, active=True, raw__Job=False)[:6])
    events = []
    for n, customer in enumerate(customers):
        current = sandbox_customer(qbo, realm, customer.qbo_id)
        if n % 2:
            sparse_update(company, "Customer", current, Active=False)
            op = "updated"
        else:
            sparse_update(company, "Customer", current, DisplayName=f"Webhook Name {n}")
            op = "updated"
        events.append((customer.qbo_id, op))
    qbo.control.merge_customers(realm, customers[0].qbo_id, customers[2].qbo_id)
    events.append((customers[2].qbo_id, "merged"))
    bodies = []
    for qbo_id, op in events * 2:  # every event twice
        data = {"deletedid": customers[0].qbo_id} if op == "merged" else {}
        bodies.append(
            json.dumps(
                [
                    {
                        "specversion": "1.0",
                        "id": f"evt-{qbo_id}-{op}",
                        "source": "intuit.test",
                        "type": f"qbo.customer.{op}.v1",
                        "time": "2026-11-26T10:00:00Z",
                        "intuitentityid": qbo_id,
                        "intuitaccountid": realm,
                        "data": data,
                    }
                ]
            ).encode()
        )
    rng.shuffle(bodies)
    for body in bodies:
        response = client.post(
            "/quickbooks/webhooks/",
            body,
            content_type="application/json",
            HTTP_INTUIT_SIGNATURE=_sign(body, settings.QBO_WEBHOOK_VERIFIER_TOKEN),
        )
        assert response.status_code == 200
    assert WebhookEvent.objects.count() == len(events)

    process_webhook_events(company.pk)  # what the worker runs for the enqueued message

    for customer in customers:
        customer.refresh_from_db()
        live = qbo.state.companies[realm].get("Customer", customer.qbo_id)
        if live is None:
            assert customer.deleted_in_qbo
        else:
            assert (customer.display_name, customer.active) == (live["DisplayName"], live["Active"])
    customers[0].refresh_from_db()
    assert customers[0].merged_into_qbo_id == customers[2].qbo_id
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {"processed"}

    # The next catch-up sees the tombstone again (CDC overlaps): the merge stays recorded.
    qbo.control.advance_clock(60)
    sync.sync_company(company.pk)
    customers[0].refresh_from_db()
    assert customers[0].merged_into_qbo_id == customers[2].qbo_id


def test_the_catch_up_records_a_merge_whose_webhook_run_never_came(
    client, synced, qbo, company, settings
):
    """The webhook's own run was lost (broker down, a failed sync): the scheduled catch-up
    reads the deletion and records where the customer went."""
    realm = synced.realm_id
    gone, survivor = list(Customer.objects.filter(company=company, active=True, raw__Job=False))[:2]
    qbo.control.merge_customers(realm, gone.qbo_id, survivor.qbo_id)
    body = json.dumps(
        [
            {
                "specversion": "1.0",
                "id": "evt-merge-lost-run",
                "source": "intuit.test",
                "type": "qbo.customer.merged.v1",
                "time": "2026-11-26T10:00:00Z",
                "intuitentityid": survivor.qbo_id,
                "intuitaccountid": realm,
                "data": {"deletedid": gone.qbo_id},
            }
        ]
    ).encode()
    response = client.post(
        "/quickbooks/webhooks/",
        body,
        content_type="application/json",
        HTTP_INTUIT_SIGNATURE=_sign(body, settings.QBO_WEBHOOK_VERIFIER_TOKEN),
    )
    assert response.status_code == 200  # stored; its processing message is never run

    sync.sync_company(company.pk)  # the scheduled catch-up

    gone.refresh_from_db()
    assert (gone.deleted_in_qbo, gone.merged_into_qbo_id) == (True, survivor.qbo_id)
    assert WebhookEvent.objects.get().status == "processed"
