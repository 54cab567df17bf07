"""The customers pages in the app: list with search and filters, and one customer."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from invoicing.models import Order
from payments.models import Payment, PaymentApplication
from tests.support import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client, user, company):
    client.force_login(user)
    return client


@pytest.fixture
def bob_client(other_company):
    client = Client()
    client.force_login(other_company.members.get())
    return client


def names(response) -> list[str]:
    assert response.status_code == 200
    return [customer.display_name for customer in response.context["page"]]


def make_order(company, customer, number: str, **fields) -> Order:
    return Order.objects.create(
        company=company,
        customer=customer,
        number=number,
        order_date=date(2026, 3, 2),
        total=Decimal("120.00"),
        **fields,
    )


def test_lists_the_companys_customers_with_balances(owner_client, globex, initech):
    response = owner_client.get("/customers/")
    assert names(response) == ["Globex Corporation"]
    assert "1,250.50 USD" in response.text
    assert "Initech" not in response.text


@pytest.mark.parametrize("term", ["globex corp", "holdings", "AP@GLOBEX", "555-0142"])
def test_search_by_name_company_email_or_phone(owner_client, company, globex, term):
    make_customer(company, "Umbrella Corp", email="x@umbrella.test", phone="(212) 000-1111")
    assert names(owner_client.get("/customers/", {"q": term})) == ["Globex Corporation"]


def test_search_never_finds_another_companys_customers(owner_client, initech):
    for term in ["Initech", "billing@initech", "555-0199"]:
        assert names(owner_client.get("/customers/", {"q": term})) == []


def test_filter_by_active_inactive_and_deleted(owner_client, company, globex):
    make_customer(company, "Sleepy Inc", active=False)
    make_customer(company, "Gone Ltd", active=False, deleted_in_qbo=True)
    assert names(owner_client.get("/customers/", {"show": "active"})) == ["Globex Corporation"]
    assert names(owner_client.get("/customers/", {"show": "inactive"})) == ["Sleepy Inc"]
    assert names(owner_client.get("/customers/", {"show": "deleted"})) == ["Gone Ltd"]
    everyone = owner_client.get("/customers/")
    assert names(everyone) == ["Globex Corporation", "Gone Ltd", "Sleepy Inc"]
    assert "Deleted in QuickBooks" in everyone.text


def test_paginates_25_a_page(owner_client, company):
    for number in range(30):
        make_customer(company, f"Customer {number:02}")
    first = owner_client.get("/customers/")
    assert len(names(first)) == 25 and "Page 1 of 2" in first.text
    assert names(owner_client.get("/customers/", {"page": 2}))[-1] == "Customer 29"


def test_no_matches_offers_the_way_back(owner_client, globex):
    response = owner_client.get("/customers/", {"q": "nobody"})
    assert "No customers match these filters." in response.text


def test_without_customers_explains_where_they_come_from(owner_client):
    assert "Customers come from QuickBooks." in owner_client.get("/customers/").text


def test_detail_shows_the_customer_and_their_orders(owner_client, company, globex):
    synced = make_order(
        company, globex, "1001", push_status=Order.PushStatus.SYNCED, payment_status="paid"
    )
    make_order(company, globex, "1002", push_status=Order.PushStatus.FAILED)
    make_order(company, None, "1003", new_customer_name="Someone else")
    response = owner_client.get(f"/customers/{globex.pk}/")
    assert response.status_code == 200
    for text in [
        "ap@globex.test",
        "(415) 555-0142",
        "1 Globex Way",
        "Springfield, OR 97477",
        "1,250.50 USD",
        "Active",
    ]:
        assert text in response.text
    assert [order.number for order in response.context["orders"]] == ["1002", "1001"]
    assert f'href="/orders/{synced.pk}/"' in response.text
    assert '<span class="badge ok">Synced</span>' in response.text
    assert '<span class="badge ok">Paid</span>' in response.text
    assert '<span class="badge err">Failed</span>' in response.text
    assert "1003" not in response.text


def test_detail_shows_the_customers_payments_and_what_they_paid(owner_client, company, globex):
    order = make_order(company, globex, "1001", qbo_invoice_id="130")
    payment = Payment.objects.create(
        company=company,
        qbo_id="9",
        customer=globex,
        customer_qbo_id=globex.qbo_id,
        txn_date=date(2026, 3, 9),
        total_amount=Decimal("120.00"),
        reference_number="CHK-4471",
    )
    PaymentApplication.objects.create(
        payment=payment, invoice_qbo_id="130", amount=Decimal("120.00"), order=order
    )
    response = owner_client.get(f"/customers/{globex.pk}/")
    assert "CHK-4471" in response.text
    assert f'<a href="/orders/{order.pk}/">Order 1001</a>' in response.text


def test_detail_of_a_deleted_customer_says_so(owner_client, company):
    gone = make_customer(company, "Gone Ltd", active=False, deleted_in_qbo=True)
    response = owner_client.get(f"/customers/{gone.pk}/")
    assert "Deleted in QuickBooks" in response.text


def test_every_customers_url_is_scoped(bob_client, owner_client, globex, initech):
    """Each customers URL, as Acme's owner and as Bravo's member, shows only their own."""
    from django.urls import get_resolver

    patterns = get_resolver("customers.urls").url_patterns
    assert {p.name for p in patterns} == {
        "customer_list",
        "customer_detail",
        "customer_create",
        "customer_edit",
        "customer_default_class",
    }
    assert bob_client.get(f"/customers/{globex.pk}/").status_code == 404
    assert (
        bob_client.post(f"/customers/{globex.pk}/class/", {"default_class": ""}).status_code == 404
    )
    assert bob_client.get(f"/customers/{globex.pk}/edit/").status_code == 404
    edit = {"display_name": "Hijacked", "sync_token": "0", "ship_same": "on"}
    assert bob_client.post(f"/customers/{globex.pk}/edit/", edit).status_code == 404
    assert owner_client.get(f"/customers/{initech.pk}/edit/").status_code == 404
    assert owner_client.get(f"/customers/{initech.pk}/").status_code == 404
    assert names(bob_client.get("/customers/")) == ["Initech LLC"]
    assert names(owner_client.get("/customers/")) == ["Globex Corporation"]


def test_pages_need_a_login(client, globex):
    for url in ["/customers/", f"/customers/{globex.pk}/", "/customers/new/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for url in ["/customers/new/", f"/customers/{globex.pk}/edit/"]:
        response = client.post(url, {"display_name": "Anonymous"})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_people_without_a_company_are_told_so(client, django_user_model):
    loner = django_user_model.objects.create_user(email="loner@example.com", password="x")
    client.force_login(loner)
    response = client.get("/customers/")
    assert response.status_code == 403 and "No company yet" in response.text


def test_nav_links_to_customers(owner_client):
    page = owner_client.get("/customers/").text
    assert 'href="/customers/"' in page and ">Customers</a>" in page
