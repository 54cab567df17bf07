"""A member of Bravo Traders reaches none of Acme Supplies' products or orders, by any URL."""

from decimal import Decimal

import pytest
from django.urls import URLPattern, reverse

from invoicing import urls
from invoicing.models import Order, OrderWrite, Product
from tests.invoicing.support import make_customer, make_order

pytestmark = pytest.mark.django_db

SECRET = "Acme-Secret"  # in every name of Acme's data, so any leak shows in a page
SEARCH = "cme-secre"  # finds SECRET (case-insensitively) without being echoed as it


@pytest.fixture
def acme(company):
    product = Product.objects.create(company=company, name=f"{SECRET} widget", unit_price=5)
    customer = make_customer(company, f"{SECRET} customer")
    order = make_order(
        company,
        "1001",
        customer=customer,
        new_customer_name="",
        push_status=Order.PushStatus.FAILED,
        last_error=f"{SECRET} error",
        qbo_doc_number="1001",
    )
    write = OrderWrite.objects.create(
        company=company,
        order=order,
        kind=OrderWrite.Kind.UPDATE,
        request_id="acme-write",
        status=OrderWrite.Status.CONFLICT,
        qbo_version={"customer": "1", "lines": [], "total": "1", "SyncToken": "3"},
    )
    return {"product": product, "customer": customer, "order": order, "write": write}


def url_names() -> set[str]:
    return {p.name for p in urls.urlpatterns if isinstance(p, URLPattern)}


def order_post(acme) -> dict:
    return {
        "customer": acme["customer"].pk,
        "order_date": "2026-03-02",
        "currency": "USD",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": acme["product"].pk,
        "lines-0-quantity": "1",
        "lines-0-unit_price": "5",
    }


def cases(acme) -> list[tuple[str, str, dict, dict, set[int]]]:
    """(url name, method, url kwargs, data, allowed statuses)."""
    product, order = {"pk": acme["product"].pk}, {"pk": acme["order"].pk}
    edit = {"name": "Hijacked", "unit_price": "0"}
    search = {"customer_search": SEARCH, "q": SEARCH}
    conflict = {"pk": acme["order"].pk, "write_pk": acme["write"].pk}
    money = {
        "form_token": "6f1d9a64-7c0e-4f9b-9a57-0b5b2f4a1c11",
        "amount": "1",
        "on": "2026-03-05",
    }
    edit_lines = {
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
        "lines-0-description": "Hijacked",
        "lines-0-quantity": "9",
        "lines-0-unit_price": "9",
    }
    return [
        ("invoicing:product_list", "get", {}, {"q": SEARCH}, {200}),
        ("invoicing:product_create", "get", {}, {}, {200}),
        ("invoicing:product_create", "post", {}, edit | {"name": "Bravo widget"}, {302}),
        ("invoicing:product_edit", "get", product, {}, {404}),
        ("invoicing:product_edit", "post", product, edit, {404}),
        ("invoicing:product_deactivate", "post", product, {}, {404}),
        ("invoicing:order_list", "get", {}, {"q": SEARCH}, {200}),
        ("invoicing:order_create", "get", {}, {}, {200}),
        ("invoicing:order_create", "post", {}, order_post(acme), {200}),
        ("invoicing:order_customer_search", "get", {}, search, {200}),
        ("invoicing:order_detail", "get", order, {}, {404}),
        ("invoicing:order_push_status", "get", order, {}, {404}),
        ("invoicing:order_retry", "post", order, {}, {404}),
        ("invoicing:order_invoice_pdf", "get", order, {}, {404}),
        ("invoicing:order_edit", "get", order, {}, {404}),
        ("invoicing:order_edit", "post", order, edit_lines, {404}),
        # Cancelling is for owners and admins: a member is refused before any lookup (the
        # managers' case is test_a_manager_of_another_company_cannot_touch_acmes_orders).
        ("invoicing:order_cancel", "post", order, {}, {403, 404}),
        ("invoicing:order_send", "get", order, {}, {404}),
        ("invoicing:order_send", "post", order, {"email": "x@bravo.test"}, {404}),
        ("invoicing:order_conflict", "post", conflict, {"keep": "ours"}, {404}),
        ("invoicing:order_payment", "get", order, {}, {404}),
        ("invoicing:order_payment", "post", order, money, {404}),
        # Credits and refunds are for owners and admins (a member is refused first).
        ("invoicing:order_credit", "post", order, money, {403, 404}),
        ("invoicing:order_refund", "post", order, money, {403, 404}),
        ("invoicing:settings", "get", {}, {}, {403}),
        ("invoicing:settings", "post", {}, {"default_item": "1"}, {403}),
    ]


def test_every_url_refuses_another_companys_objects(bob_client, company, acme):
    covered = set()
    for name, method, kwargs, data, allowed in cases(acme):
        covered.add(name.removeprefix("invoicing:"))
        response = getattr(bob_client, method)(reverse(name, kwargs=kwargs), data)
        assert response.status_code in allowed, (name, method, response.status_code)
        assert SECRET not in response.content.decode(), (name, method)
    assert covered == url_names(), "every invoicing URL needs an isolation case"

    # Nothing of Acme's changed; Bob's product went to his own company.
    product, order = acme["product"], acme["order"]
    product.refresh_from_db()
    order.refresh_from_db()
    assert (product.name, product.active, product.unit_price) == (
        f"{SECRET} widget",
        True,
        Decimal("5.00"),
    )
    assert (order.push_status, order.push_generation) == (Order.PushStatus.FAILED, 0)
    assert (order.revision, order.cancelled_at, order.lines.get().description) == (
        0,
        None,
        "Consulting",
    )
    assert OrderWrite.objects.count() == 1
    assert list(Order.objects.values_list("company", flat=True)) == [company.pk]
    assert Product.objects.filter(company=company).count() == 1


def test_a_manager_of_another_company_cannot_touch_acmes_orders(bob_client, bob, acme):
    bob.memberships.update(role="owner")
    order, write = acme["order"], acme["write"]
    for name, kwargs, data in [
        ("invoicing:order_cancel", {"pk": order.pk}, {"how": "delete"}),
        ("invoicing:order_conflict", {"pk": order.pk, "write_pk": write.pk}, {"keep": "ours"}),
        ("invoicing:order_credit", {"pk": order.pk}, {"amount": "1", "on": "2026-03-05"}),
        ("invoicing:order_refund", {"pk": order.pk}, {"amount": "1", "on": "2026-03-05"}),
    ]:
        response = bob_client.post(reverse(name, kwargs=kwargs), data)
        assert response.status_code == 404, name
    order.refresh_from_db()
    write.refresh_from_db()
    assert (order.cancelled_at, order.push_status, write.status) == (None, "failed", "conflict")
    assert OrderWrite.objects.count() == 1


def test_every_url_sends_anonymous_visitors_to_log_in(client, acme):
    for name, method, kwargs, data, _ in cases(acme):
        response = getattr(client, method)(reverse(name, kwargs=kwargs), data)
        assert response.status_code == 302, name
        assert "/login/" in response["Location"], name


def test_a_user_without_a_company_gets_a_friendly_page(client, django_user_model, acme):
    loner = django_user_model.objects.create_user(email="loner@example.com", password="pw")
    client.force_login(loner)
    for name, method, kwargs, data, _ in cases(acme):
        response = getattr(client, method)(reverse(name, kwargs=kwargs), data)
        assert response.status_code == 403, name
        assert "not a member of any company" in response.content.decode(), name
