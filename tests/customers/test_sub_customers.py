"""Sub-customers (jobs) made from the customer page, written to the local sandbox over real
HTTP: Job, ParentRef and BillWithParent arrive in QuickBooks, the mirror shows "Parent:Job",
the job is made once however often the form is sent, and a parent that can't have jobs (another
company's, an inactive one) is a form error with nothing sent."""

import html
import json
import uuid

import pytest

from accounts.models import Company
from customers.models import Customer
from invoicing import drains
from invoicing.models import Order
from qbo.client import open_client
from qbo.models import QBOCall
from tests.support import order_post

pytestmark = pytest.mark.django_db


def shown(response) -> str:
    return html.unescape(response.content.decode())


def post_customer(client, name: str, **fields):
    data = {"form_token": str(uuid.uuid4()), "display_name": name, **fields}
    return client.post("/customers/new/", data)


def live(qbo, connected, customer: Customer) -> dict:
    return qbo.state.companies[connected.realm_id].get("Customer", customer.qbo_id)


@pytest.fixture
def owner(client, connected) -> Customer:
    assert post_customer(client, "Kitchen Owner").status_code == 302
    return Customer.objects.get(display_name="Kitchen Owner")


def test_a_job_goes_to_quickbooks_under_its_parent(client, connected, qbo, owner):
    response = post_customer(client, "Remodel", parent="kitchen owner", bill_with_parent="on")
    assert response.status_code == 302
    job = Customer.objects.get(display_name="Remodel")
    sent = live(qbo, connected, job)
    assert sent["Job"] is True and sent["BillWithParent"] is True and sent["Level"] == 1
    assert sent["ParentRef"]["value"] == owner.qbo_id
    assert (job.full_name, job.parent_qbo_id) == ("Kitchen Owner:Remodel", owner.qbo_id)
    page = client.get(response["Location"])
    assert "Kitchen Owner:Remodel" in shown(page)
    assert "billed with parent" in shown(page)
    # The order form's customer picker shows the job under its parent.
    matches = client.get("/orders/customers/", {"customer_search": "Remodel"})
    assert "Kitchen Owner:Remodel" in shown(matches)


def test_a_job_of_a_job_is_named_by_its_full_name(client, connected, qbo, owner):
    assert post_customer(client, "Remodel", parent="Kitchen Owner").status_code == 302
    assert post_customer(client, "Cabinets", parent="Kitchen Owner:Remodel").status_code == 302
    cabinets = Customer.objects.get(display_name="Cabinets")
    assert cabinets.full_name == "Kitchen Owner:Remodel:Cabinets"
    assert live(qbo, connected, cabinets)["BillWithParent"] is False


def test_the_same_job_form_sent_twice_makes_one_job(client, connected, qbo, owner):
    data = {"form_token": str(uuid.uuid4()), "display_name": "Deck", "parent": "Kitchen Owner"}
    first, second = client.post("/customers/new/", data), client.post("/customers/new/", data)
    assert first["Location"] == second["Location"]
    rows = qbo.state.companies[connected.realm_id].rows("Customer")
    assert [c["FullyQualifiedName"] for c in rows if c["DisplayName"] == "Deck"] == [
        "Kitchen Owner:Deck"
    ]


def test_a_dropped_answer_is_looked_up_not_repeated(client, connected, qbo, owner):
    qbo.control.add_fault(r"/customer$", "drop_after_commit", count=1, method="POST")
    response = post_customer(client, "Porch", parent="Kitchen Owner")
    assert response.status_code == 302
    rows = qbo.state.companies[connected.realm_id].rows("Customer")
    assert len([c for c in rows if c["DisplayName"] == "Porch"]) == 1
    assert Customer.objects.get(display_name="Porch").parent_qbo_id == owner.qbo_id


def _nothing_sent_after(count: int) -> bool:
    return QBOCall.objects.filter(operation="customer").count() == count


def test_another_companys_customer_is_no_parent(client, connected, qbo, owner):
    other = Company.objects.create(name="Other Co")
    Customer.objects.create(company=other, qbo_id="77", display_name="Their Customer")
    before = QBOCall.objects.filter(operation="customer").count()
    response = post_customer(client, "Snoop", parent="Their Customer")
    assert response.status_code == 200
    assert "No customer named “Their Customer” in QuickBooks" in shown(response)
    assert _nothing_sent_after(before)


def test_an_inactive_parent_is_a_form_error(client, connected, qbo, owner):
    Customer.objects.filter(pk=owner.pk).update(active=False)
    before = QBOCall.objects.filter(operation="customer").count()
    response = post_customer(client, "Garage", parent="Kitchen Owner")
    assert response.status_code == 200
    assert "is inactive in QuickBooks" in shown(response)
    assert _nothing_sent_after(before)
    assert not Customer.objects.filter(display_name="Garage").exists()


def test_a_parent_made_inactive_in_quickbooks_meanwhile_is_a_form_error(
    client, connected, qbo, company, owner
):
    row = live(qbo, connected, owner)
    with open_client(company) as qb:  # someone, in QuickBooks; the mirror hasn't heard yet
        body = {"Id": row["Id"], "SyncToken": row["SyncToken"], "sparse": True, "Active": False}
        qb.update_object("Customer", json.dumps(body))
    response = post_customer(client, "Shed", parent="Kitchen Owner")
    assert response.status_code == 200
    assert "QuickBooks says this customer is inactive or gone" in shown(response)
    assert not Customer.objects.filter(display_name="Shed").exists()


def test_bill_with_parent_needs_a_parent(client, connected, qbo):
    response = post_customer(client, "Loner", bill_with_parent="on")
    assert response.status_code == 200
    assert "Only a sub-customer can be billed with a parent" in shown(response)
    assert not QBOCall.objects.filter(operation="customer").exists()


def test_jobs_nest_at_most_four_levels_below_the_top(client, connected, qbo, owner):
    parent = "Kitchen Owner"
    for depth in range(1, 5):
        assert post_customer(client, f"L{depth}", parent=parent).status_code == 302
        parent = f"{parent}:L{depth}"
    response = post_customer(client, "L5", parent=parent)
    assert response.status_code == 200
    assert "at most 4 levels deep" in shown(response)


# --- a new customer typed on the order form, made a job of an existing customer -------------


def _new_order(client, name: str, **fields):
    data = order_post(
        {"description": "Site visit", "quantity": "1", "unit_price": "40.00"},
        new_customer_name=name,
        new_customer_email="owner@kitchen.test",
        order_date="2026-03-02",
        **fields,
    )
    return client.post("/orders/new/", data)


def test_an_order_for_a_new_job_creates_it_under_its_parent(client, connected, qbo, owner):
    # The parent shares the job's email: the push must not take the parent for the job.
    with open_client(owner.company) as qb:
        row = live(qbo, connected, owner)
        body = {"Id": row["Id"], "SyncToken": row["SyncToken"], "sparse": True}
        body["PrimaryEmailAddr"] = {"Address": "owner@kitchen.test"}
        qb.update_object("Customer", json.dumps(body))
    response = _new_order(
        client,
        "Bathroom",
        new_customer_parent="Kitchen Owner",
        new_customer_bill_with_parent="on",
    )
    assert response.status_code == 302, response.context["form"].errors
    order = Order.objects.get(new_customer_name="Bathroom")
    assert order.new_customer_parent == owner and order.new_customer_bill_with_parent
    drains.drain(order.company_id)
    order.refresh_from_db()
    assert order.push_status == "synced", order.last_error
    assert order.customer.full_name == "Kitchen Owner:Bathroom"
    job = live(qbo, connected, order.customer)
    assert job["Job"] is True and job["BillWithParent"] is True
    assert job["ParentRef"]["value"] == owner.qbo_id
    invoice = qbo.state.companies[connected.realm_id].get("Invoice", order.qbo_invoice_id)
    assert invoice["CustomerRef"]["value"] == job["Id"]


@pytest.mark.parametrize(
    "fields,field,error",
    [
        ({"new_customer_parent": "Nobody Here"}, "new_customer_parent", "No customer named"),
        (
            {"new_customer_bill_with_parent": "on"},
            "new_customer_bill_with_parent",
            "Only a sub-customer can be billed with a parent",
        ),
    ],
)
def test_a_bad_parent_on_the_order_form_is_a_form_error(
    client, connected, qbo, owner, fields, field, error
):
    response = _new_order(client, "Attic", **fields)
    assert response.status_code == 200
    assert any(error in message for message in response.context["form"].errors[field])
    assert not Order.objects.exists()


def test_an_inactive_or_foreign_parent_on_the_order_form_is_refused(client, connected, qbo, owner):
    other = Company.objects.create(name="Other Co")
    Customer.objects.create(company=other, qbo_id="77", display_name="Their Customer")
    foreign = _new_order(client, "Attic", new_customer_parent="Their Customer")
    assert "No customer named “Their Customer”" in shown(foreign)
    Customer.objects.filter(pk=owner.pk).update(active=False)
    inactive = _new_order(client, "Attic", new_customer_parent="Kitchen Owner")
    assert "is inactive in QuickBooks" in shown(inactive)
    assert not Order.objects.exists()


def test_a_parent_goes_with_a_new_customer_only(client, connected, qbo, owner):
    data = order_post(
        {"description": "Site visit", "quantity": "1", "unit_price": "40.00"},
        customer=str(owner.pk),
        customer_search=owner.display_name,
        new_customer_parent="Kitchen Owner",
        order_date="2026-03-02",
    )
    response = client.post("/orders/new/", data)
    assert response.status_code == 200
    assert "A parent goes with a new customer" in shown(response)
