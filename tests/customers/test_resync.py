"""The admin's "Resync from QuickBooks", against the local QBO sandbox over real HTTP."""

import pytest
from django.contrib.auth.models import Group

from customers.models import Customer
from tests.support import make_customer

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/customers/customer/"


@pytest.fixture
def admin_client(client, user, connected):
    """Alice (owner of the connected Acme Supplies) as staff, on the client that connected."""
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name="Company staff"))
    return client


def resync(client, *customers):
    return client.post(
        CHANGELIST,
        {"action": "resync_from_quickbooks", "_selected_action": [c.pk for c in customers]},
        follow=True,
    )


def sandbox_customer(qbo, realm: str, qbo_id: str) -> dict:
    return qbo.state.companies[realm].get("Customer", qbo_id)


def test_resync_rereads_the_chosen_customers(admin_client, company, qbo, sandbox_realm):
    amy = make_customer(company, "Stale name", qbo_id="1")
    cars = make_customer(company, "Old cars", qbo_id="3", email="old@example.test")
    untouched = make_customer(company, "Not chosen", qbo_id="2")
    response = resync(admin_client, amy, cars)
    assert "Acme Supplies: 2 customers refreshed from QuickBooks." in response.text
    amy.refresh_from_db()
    cars.refresh_from_db()
    untouched.refresh_from_db()
    assert amy.display_name == sandbox_customer(qbo, sandbox_realm, "1")["DisplayName"]
    assert cars.display_name == "Cool Cars"
    assert cars.raw["Id"] == "3" and cars.raw["DisplayName"] == "Cool Cars"
    assert cars.qbo_updated_at is not None
    assert untouched.display_name == "Not chosen"


def test_resync_marks_customers_quickbooks_no_longer_has(admin_client, company):
    ghost = make_customer(company, "Ghost Ltd", qbo_id="999999")
    response = resync(admin_client, ghost)
    assert "1 customer refreshed from QuickBooks." in response.text
    ghost.refresh_from_db()
    assert ghost.deleted_in_qbo and not ghost.active


def test_resync_shows_quickbooks_error_text(admin_client, company, qbo, sandbox_realm):
    customer = make_customer(company, "Stale name", qbo_id="1")
    # Intuit revoked the grant (the user removed the app in QuickBooks).
    qbo.control.revoke_tokens(sandbox_realm)
    qbo.control.expire_access_tokens(sandbox_realm)
    response = resync(admin_client, customer)
    (message,) = [str(m) for m in response.context["messages"] if "Acme" in str(m)]
    assert message.startswith("Acme Supplies: QuickBooks said: ")
    assert "invalid_grant" in message and "(intuit_tid 1-" in message
    customer.refresh_from_db()
    assert customer.display_name == "Stale name"


def test_resync_without_a_connection_says_so(staff_client, globex):
    response = resync(staff_client, globex)
    assert (
        "Acme Supplies: QuickBooks said: QuickBooks is not connected for this company"
        in response.text
    )


def test_resync_cannot_reach_another_companys_customers(admin_client, other_company):
    theirs = make_customer(other_company, "Stale name", qbo_id="1")
    resync(admin_client, theirs)
    theirs.refresh_from_db()
    assert theirs.display_name == "Stale name"
    assert Customer.objects.get(pk=theirs.pk).raw == {}


def test_resync_refuses_more_rows_than_one_request_should_read(staff_client, company, monkeypatch):
    monkeypatch.setattr("qbo.admin_base.RESYNC_LIMIT", 1)
    first, second = make_customer(company, "First"), make_customer(company, "Second")
    response = resync(staff_client, first, second)
    assert "Choose at most 1 rows to resync at once." in response.text
    assert "refreshed" not in response.text and "QuickBooks said" not in response.text
