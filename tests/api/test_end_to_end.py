"""The API end to end, as the business's own app uses it over real HTTP.

200 orders are sent with Idempotency-Keys; half of them are first sent on a connection that
is closed before the answer is read (a network drop), then retried with the same key. A real
Celery worker pushes them to the local QBO sandbox and delivers the events to a receiving
server, which checks every signature. Then a payment is received in the sandbox, a sync
brings it in, and the receiver hears order.partially_paid and order.paid.
"""

import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import requests
from django.db import connections

from api import keys
from customers.models import Customer
from events import delivery
from events.models import EVENT_TYPES, WebhookEndpoint
from invoicing.models import Order
from qbo import sync
from qbo.models import SyncCursor
from tests.events.conftest import SECRET
from tests.events.receiver import EventReceiver

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(900),
]
ORDERS = 200


def eventually(check, timeout: float = 180.0, what: str = "the change"):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, f"{what} did not happen in time"
        time.sleep(0.25)
    return result


def send_and_drop(url: str, key: str, idempotency_key: str, body: bytes) -> None:
    """Send the whole request, then close the socket without reading the answer."""
    parts = urlsplit(url)
    head = (
        f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Authorization: Bearer {key}\r\nIdempotency-Key: {idempotency_key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head.encode() + body)


def order_request(n: int, customers: list[Customer]) -> dict:
    if n % 10 == 9:
        customer = {"name": f"API Buyer {n:03d}", "email": f"buyer{n}@example.test"}
    else:
        customer = {"id": customers[n % len(customers)].pk}
    lines = [{"description": f"Item {n}", "quantity": "2", "unit_price": f"{10 + n % 7}.25"}]
    if n % 3 == 0:
        lines.append({"description": "Shipping", "quantity": "1", "unit_price": "4.99"})
    return {
        "external_id": f"shop-{n:04d}",
        "customer": customer,
        "order_date": "2026-03-02",
        "lines": lines,
    }


def create(session, url: str, key: str, n: int, body: bytes, drop_first: bool):
    idempotency_key = f"checkout-{n:04d}"
    if drop_first:
        send_and_drop(url, key, idempotency_key, body)
    headers = {
        "Authorization": f"Bearer {key}",
        "Idempotency-Key": idempotency_key,
        "Content-Type": "application/json",
    }
    while True:
        response = session.post(url, data=body, headers=headers, timeout=60)
        if response.status_code != 409 or response.json()["code"] != "in_progress":
            return response
        time.sleep(float(response.headers["Retry-After"]))


@pytest.fixture
def short_lived_connections():
    """The live server answers each request in a new thread: with persistent connections
    (CONN_MAX_AGE) each would keep its own PostgreSQL connection open after it ends."""
    database = connections.databases["default"]
    kept = database.get("CONN_MAX_AGE", 0)
    database["CONN_MAX_AGE"] = 0
    yield
    database["CONN_MAX_AGE"] = kept


@pytest.fixture
def shop(short_lived_connections, company, user, qbo, celery_worker, connected, settings):
    """Acme connected to the sandbox with its customers imported, an API key, and an
    endpoint at the shop's receiver for every event type."""
    settings.API_RATE_PER_MINUTE = 10_000
    eventually(
        lambda: (
            set(SyncCursor.objects.filter(company=company).values_list("state", flat=True))
            == {"idle"}
        ),
        what="the first import",
    )
    _, key = keys.create_key(company=company, name="Shop checkout", created_by=user)
    with EventReceiver() as receiver:
        WebhookEndpoint.objects.create(
            company=company,
            url=receiver.url,
            event_types=[name for name, _ in EVENT_TYPES],
            secret_encrypted=delivery.seal_secret(company.pk, SECRET),
        )
        yield key, receiver
    connections.close_all()


def test_two_hundred_orders_with_drops_and_retries_make_two_hundred_invoices(
    live_server, company, qbo, sandbox_realm, shop
):
    key, receiver = shop
    url = f"{live_server.url}/api/v1/orders/"
    customers = list(Customer.objects.filter(company=company, active=True).order_by("pk"))
    assert customers
    bodies = [json.dumps(order_request(n, customers)).encode() for n in range(ORDERS)]

    def one(n: int):
        with requests.Session() as session:
            try:
                return create(session, url, key, n, bodies[n], drop_first=n % 2 == 0)
            finally:
                connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(one, range(ORDERS)))

    assert [a.status_code for a in answers] == [201] * ORDERS, [
        a.text for a in answers if a.status_code != 201
    ][:3]
    ids = {a.json()["id"] for a in answers}
    replayed = sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers[::2])
    print(f"retries after a drop answered by replay: {replayed} of {ORDERS // 2}")
    assert replayed > 0
    assert len(ids) == ORDERS
    assert Order.objects.filter(company=company).count() == ORDERS

    eventually(
        lambda: Order.objects.filter(company=company, push_status="synced").count() == ORDERS,
        what="every push",
    )
    marker = f"[qbsync:{company.pk}:"
    invoices = [
        inv
        for inv in qbo.state.companies[sandbox_realm].rows("Invoice")
        if marker in (inv.get("PrivateNote") or "")
    ]
    assert len(invoices) == ORDERS
    assert {inv["Id"] for inv in invoices} == set(
        Order.objects.filter(company=company).values_list("qbo_invoice_id", flat=True)
    )

    def synced_orders(received) -> set[int]:
        return {
            d.json()["data"]["order"]["id"] for d in received if d.json()["type"] == "order.synced"
        }

    received = receiver.wait_until(lambda got: synced_orders(got) >= ids, timeout=120)
    assert all(d.signed_with(SECRET) for d in received)
    assert synced_orders(received) == ids

    # A payment in QuickBooks (the sandbox's UI), in two parts; a sync brings each in.
    paid = Order.objects.filter(company=company).order_by("pk").first()
    pay = f"{qbo.url}/ui/companies/{sandbox_realm}/invoices/{paid.qbo_invoice_id}/receive-payment"
    part = (paid.qbo_total / 2).quantize(paid.qbo_total)
    for amount, event_type in (
        (part, "order.partially_paid"),
        (paid.qbo_total - part, "order.paid"),
    ):
        assert requests.post(pay, data={"amount": str(amount)}, timeout=10).status_code < 400
        sync.sync_company(company.pk)

        def heard(got, event_type=event_type):
            return any(
                d.json()["type"] == event_type and d.json()["data"]["order"]["id"] == paid.pk
                for d in got
            )

        received = receiver.wait_until(heard, timeout=60)
    final = [d for d in received if d.json()["type"] == "order.paid"][-1].json()
    assert final["data"]["order"]["payment_status"] == "paid"
    assert final["data"]["order"]["invoice"]["balance"] == "0.00"
    assert all(d.signed_with(SECRET) for d in received)
