import pytest
from django.contrib.auth.models import Permission

from invoicing.models import Order, OrderWrite, Product
from tests.invoicing.support import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, user, company):
    """Alice as staff (not superuser) with the order and product admin permissions."""
    user.is_staff = True
    user.save()
    codenames = ["view_order", "change_order", "view_product", "change_product", "add_product"]
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return client


@pytest.fixture
def orders(company, other_company):
    return {
        "ours": make_order(company, "1001", new_customer_name="Acme buyer"),
        "theirs": make_order(other_company, "2001", new_customer_name="Bravo buyer"),
    }


def test_staff_see_only_their_companies_orders(staff_client, orders):
    response = staff_client.get("/admin/invoicing/order/")
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert shown == [orders["ours"]]
    assert "Bravo" not in response.text


def test_staff_cannot_open_another_companys_order(staff_client, orders):
    response = staff_client.get(f"/admin/invoicing/order/{orders['theirs'].pk}/change/")
    assert response.status_code in (302, 404)
    assert "Bravo buyer" not in response.text


def test_superusers_see_every_companys_orders(client, django_user_model, orders):
    admin = django_user_model.objects.create_superuser(email="root@example.com", password="x")
    client.force_login(admin)
    response = client.get("/admin/invoicing/order/")
    assert set(response.context["cl"].result_list) == set(orders.values())


def test_staff_product_admin_is_scoped_and_offers_only_their_companies(
    staff_client, company, other_company
):
    Product.objects.create(company=company, name="Ours")
    Product.objects.create(company=other_company, name="Theirs")
    changelist = staff_client.get("/admin/invoicing/product/")
    assert [p.name for p in changelist.context["cl"].result_list] == ["Ours"]
    add = staff_client.get("/admin/invoicing/product/add/")
    assert list(add.context["adminform"].form.fields["company"].queryset) == [company]
    response = staff_client.post(
        "/admin/invoicing/product/add/",
        {"company": other_company.pk, "name": "Sneaky", "unit_price": "1.00"},
    )
    assert response.status_code == 200
    assert not Product.objects.filter(name="Sneaky").exists()


def test_push_again_action_requeues_failed_orders_only(
    staff_client, company, django_capture_on_commit_callbacks
):
    failed = make_order(company, "1001", push_status=Order.PushStatus.FAILED)
    synced = make_order(company, "1002", push_status=Order.PushStatus.SYNCED)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_client.post(
            "/admin/invoicing/order/",
            {"action": "push_again", "_selected_action": [failed.pk, synced.pk]},
            follow=True,
        )
    failed.refresh_from_db()
    synced.refresh_from_db()
    assert failed.push_status == Order.PushStatus.PENDING and failed.push_generation == 1
    assert synced.push_status == Order.PushStatus.SYNCED
    assert len(callbacks) == 1
    assert "1 order(s) queued to push again." in response.text
    assert "1 order(s) skipped" in response.text


def test_push_again_cannot_reach_another_companys_orders(
    staff_client, other_company, django_capture_on_commit_callbacks
):
    theirs = make_order(other_company, "2001", push_status=Order.PushStatus.FAILED)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        staff_client.post(
            "/admin/invoicing/order/", {"action": "push_again", "_selected_action": [theirs.pk]}
        )
    theirs.refresh_from_db()
    assert theirs.push_status == Order.PushStatus.FAILED
    assert callbacks == []


def test_order_change_page_shows_lines_and_push_state_read_only(staff_client, company):
    order = make_order(company, push_status=Order.PushStatus.FAILED, last_error="Bad item")
    response = staff_client.get(f"/admin/invoicing/order/{order.pk}/change/")
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "push_status" not in form.fields and "last_error" not in form.fields
    assert "Consulting" in response.text and "Bad item" in response.text


def _write(order, **fields):
    return OrderWrite.objects.create(
        company=order.company,
        order=order,
        kind="credit",
        amount="5.00",
        request_id=f"req-{order.number}",
        intent={"amount": "5.00"},
        answer={"CreditMemo": {"Id": f"cm-{order.number}"}},
        **fields,
    )


@pytest.fixture
def write_client(client, user):
    user.is_staff = True
    user.save()
    codenames = ["view_order", "view_orderwrite"]
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return client


def test_staff_see_only_their_companies_order_writes_read_only(write_client, orders):
    ours, theirs = _write(orders["ours"]), _write(orders["theirs"])
    listing = write_client.get("/admin/invoicing/orderwrite/?q=1001")
    assert list(listing.context["cl"].result_list) == [ours]
    assert write_client.get("/admin/invoicing/orderwrite/?q=2001").context["cl"].result_count == 0
    page = write_client.get(f"/admin/invoicing/orderwrite/{ours.pk}/change/")
    assert page.status_code == 200
    assert "cm-1001" in page.text and "req-1001" in page.text  # the answer's JSON, shown
    assert 'name="_save"' not in page.text  # nothing to save: the drain keeps these rows
    other = write_client.get(f"/admin/invoicing/orderwrite/{theirs.pk}/change/")
    assert other.status_code in (302, 404) and "cm-2001" not in other.text
    assert write_client.post(f"/admin/invoicing/orderwrite/{ours.pk}/delete/").status_code == 403
    # The order's page lists its writes, each linking to its own page.
    order_page = write_client.get(f"/admin/invoicing/order/{orders['ours'].pk}/change/")
    assert f"/admin/invoicing/orderwrite/{ours.pk}/change/" in order_page.text
