"""Classes, locations and custom fields: offered on the order form as the company's QuickBooks
Preferences say, sent with the invoice (to the sandbox, over real HTTP) and searchable."""

import pytest

from invoicing import drains
from invoicing.models import Order
from qbo.client import open_client
from tests.support import connect_through_consent, order_post

pytestmark = pytest.mark.django_db

LINE = {"description": "Design", "quantity": "2", "unit_price": "50.00"}


def tracked_company(client, user, company, qbo, **features) -> str:
    realm = qbo.control.create_company(name="Tracked Goods", features=features)
    client.force_login(user)
    assert connect_through_consent(client, qbo, realm_id=realm).status_code == 302
    return realm


def make(company, entity: str, name: str) -> str:
    with open_client(company) as qb:
        return str(qb.create(entity, {"Name": name}, request_id=f"t-{entity}-{name}")["Id"])


def posted_order(client, *lines, **fields) -> Order:
    response = client.post("/orders/new/", order_post(*lines, new_customer_name="Ann", **fields))
    assert response.status_code == 302, response.content.decode()[:3000]
    return Order.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])


def the_invoice(qbo, realm, order) -> dict:
    [invoice] = [
        row
        for row in qbo.state.companies[realm].rows("Invoice")
        if f"[qbsync:{order.company_id}:{order.pk}]" in (row.get("PrivateNote") or "")
    ]
    return invoice


def test_class_location_and_custom_fields_reach_the_invoice(client, user, company, qbo):
    realm = tracked_company(
        client,
        user,
        company,
        qbo,
        class_tracking="txn",
        track_departments=True,
        custom_fields=["Crew #", "PO"],
    )
    design, retail = make(company, "Class", "Design"), make(company, "Class", "Retail")
    downtown = make(company, "Department", "Downtown")

    page = client.get("/orders/new/").content.decode()
    assert 'name="qbo_class"' in page and "Retail" in page
    assert 'name="department"' in page and "Downtown" in page
    assert "Crew #" in page and 'name="custom_field_2"' in page
    assert 'name="custom_field_3"' not in page  # slot 3 is off
    assert 'name="lines-0-line_class"' not in page  # one class per invoice, not per line

    order = posted_order(
        client,
        LINE,
        qbo_class=retail,
        department=downtown,
        custom_field_1="Crew 7",
        custom_field_2="PO-991",
    )
    assert (order.qbo_class_name, order.qbo_department_name) == ("Retail", "Downtown")
    drains.drain(company.pk)
    order.refresh_from_db()
    assert order.push_status == "synced", order.last_error

    invoice = the_invoice(qbo, realm, order)
    assert invoice["ClassRef"]["value"] == retail != design
    assert invoice["DepartmentRef"]["value"] == downtown
    fields = {f["DefinitionId"]: (f["Name"], f.get("StringValue")) for f in invoice["CustomField"]}
    assert fields == {"1": ("Crew #", "Crew 7"), "2": ("PO", "PO-991")}

    # Searchable in the order list by a custom field's value.
    found = client.get("/orders/", {"q": "po-99"}).content.decode()
    assert order.number in found
    assert order.number not in client.get("/orders/", {"q": "nothing-like"}).content.decode()


def test_class_per_line_when_the_company_assigns_one_to_each_row(client, user, company, qbo):
    realm = tracked_company(client, user, company, qbo, class_tracking="line")
    design, retail = make(company, "Class", "Design"), make(company, "Class", "Retail")

    page = client.get("/orders/new/").content.decode()
    assert 'name="lines-0-line_class"' in page and 'name="qbo_class"' not in page

    order = posted_order(
        client, {**LINE, "line_class": design}, {**LINE, "description": "Fit", "line_class": retail}
    )
    assert [line.qbo_class_name for line in order.lines.all()] == ["Design", "Retail"]
    drains.drain(company.pk)
    order.refresh_from_db()
    assert order.push_status == "synced", order.last_error
    sales = [
        line["SalesItemLineDetail"]["ClassRef"]["value"]
        for line in the_invoice(qbo, realm, order)["Line"]
        if line["DetailType"] == "SalesItemLineDetail"
    ]
    assert sales == [design, retail]


def test_a_class_not_in_quickbooks_is_a_form_error(client, user, company, qbo):
    tracked_company(client, user, company, qbo, class_tracking="txn")
    make(company, "Class", "Design")
    response = client.post(
        "/orders/new/", order_post(LINE, new_customer_name="Ann", qbo_class="999999")
    )
    assert response.status_code == 200
    assert "Pick one of QuickBooks&#x27; active classes." in response.content.decode()
    assert not Order.objects.exists()


def test_no_tracking_fields_without_the_preferences(client, user, company, qbo):
    tracked_company(client, user, company, qbo)
    page = client.get("/orders/new/").content.decode()
    assert 'name="qbo_class"' not in page and 'name="department"' not in page
    assert 'id="tracking"' not in page
