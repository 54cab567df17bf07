"""New and edited customers, written to the local sandbox over real HTTP: addresses and phone
arrive in QuickBooks, a customer is created once however often the form is sent, edits are
sparse updates at the SyncToken the form was opened at, and a change made meanwhile in
QuickBooks is shown, never overwritten."""

import html
import json
import uuid

import pytest

from customers import services
from customers.models import Customer, CustomerWrite
from qbo import sync
from qbo.client import open_client
from qbo.models import QBOCall

pytestmark = pytest.mark.django_db

ADDRESS = {
    "bill_line1": "12 Harbor Rd",
    "bill_city": "Portland",
    "bill_region": "OR",
    "bill_postal_code": "97201",
    "bill_country": "USA",
}
SHIPPING = {
    "ship_line1": "800 Desert Way",
    "ship_city": "Phoenix",
    "ship_region": "AZ",
    "ship_postal_code": "85001",
    "ship_country": "USA",
}


def shown(response) -> str:
    """The page's text as a person reads it (Django escapes quotes)."""
    return html.unescape(response.content.decode())


def new_customer(**fields) -> dict:
    data = {
        "form_token": str(uuid.uuid4()),
        "display_name": "Harbor Outfitters",
        "company_name": "Harbor Outfitters LLC",
        "email": "ap@harbor.test",
        "phone": "(503) 555-0100",
        **ADDRESS,
        **SHIPPING,
    }
    data.update(fields)
    return data


def in_sandbox(qbo, realm, name: str) -> list[dict]:
    return [c for c in qbo.state.companies[realm].rows("Customer") if c["DisplayName"] == name]


def edit_post(customer: Customer, **changes) -> dict:
    data = {name: getattr(customer, name) for name in new_customer() if hasattr(customer, name)}
    data["sync_token"] = customer.sync_token
    data.update(changes)
    return data


def test_a_new_customer_goes_to_quickbooks_with_addresses_and_phone(client, connected, qbo):
    response = client.post("/customers/new/", new_customer(), follow=True)
    assert "is in QuickBooks" in shown(response)
    [live] = in_sandbox(qbo, connected.realm_id, "Harbor Outfitters")
    assert live["PrimaryPhone"]["FreeFormNumber"] == "(503) 555-0100"
    assert live["PrimaryEmailAddr"]["Address"] == "ap@harbor.test"
    assert (live["BillAddr"]["City"], live["BillAddr"]["CountrySubDivisionCode"]) == (
        "Portland",
        "OR",
    )
    assert (live["ShipAddr"]["Line1"], live["ShipAddr"]["PostalCode"]) == (
        "800 Desert Way",
        "85001",
    )
    mirrored = Customer.objects.get(qbo_id=live["Id"])
    assert (mirrored.ship_city, mirrored.ship_region, mirrored.phone) == (
        "Phoenix",
        "AZ",
        "(503) 555-0100",
    )
    assert response.context["customer"] == mirrored  # the customer's page
    assert "800 Desert Way" in shown(response)


def test_ship_to_the_billing_address_when_ticked(client, connected, qbo):
    client.post("/customers/new/", new_customer(ship_same="on", ship_city="Ignored"))
    [live] = in_sandbox(qbo, connected.realm_id, "Harbor Outfitters")
    assert live["ShipAddr"]["City"] == "Portland"


def test_the_same_form_sent_twice_makes_one_customer(client, connected, qbo, company):
    data = new_customer()
    first = client.post("/customers/new/", data)
    second = client.post("/customers/new/", data)  # a double click, or the back button
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert len(in_sandbox(qbo, connected.realm_id, "Harbor Outfitters")) == 1
    write = CustomerWrite.objects.get(company=company)
    assert write.status == "done" and write.customer.display_name == "Harbor Outfitters"
    creates = qbo.control.request_log(realm=connected.realm_id, path="/customer", method="POST")
    assert len(creates) == 1  # the second submit didn't even ask QuickBooks again


def test_a_dropped_answer_is_looked_up_not_repeated(client, connected, qbo, company):
    qbo.control.add_fault(r"/customer$", "drop_after_commit", count=1, method="POST")
    response = client.post("/customers/new/", new_customer(), follow=True)
    assert "is in QuickBooks" in shown(response)
    assert len(in_sandbox(qbo, connected.realm_id, "Harbor Outfitters")) == 1
    assert CustomerWrite.objects.get(company=company).status == "done"


def test_a_failure_before_quickbooks_saw_it_asks_to_submit_again(client, connected, qbo):
    qbo.control.add_fault(r"/customer$", "status", count=1, status=503, method="POST")
    data = new_customer()
    response = client.post("/customers/new/", data)
    assert response.status_code == 200
    assert "didn't confirm the change in time" in shown(response)
    assert in_sandbox(qbo, connected.realm_id, "Harbor Outfitters") == []
    assert client.post("/customers/new/", data).status_code == 302  # the same form, again
    assert len(in_sandbox(qbo, connected.realm_id, "Harbor Outfitters")) == 1


def test_a_name_quickbooks_already_has_is_a_form_error(client, connected, qbo, company):
    taken = qbo.state.companies[connected.realm_id].rows("Vendor")[0]["DisplayName"]
    response = client.post("/customers/new/", new_customer(display_name=taken))
    assert response.status_code == 200
    assert "already has a customer, vendor or employee with this name" in shown(response)
    assert not Customer.objects.filter(company=company, display_name=taken).exists()
    # Corrected, the same form goes through (a new requestid: what it sends changed).
    fixed = client.post("/customers/new/", {**response.context["form"].data, "display_name": "X1"})
    assert fixed.status_code == 302


@pytest.mark.parametrize(
    "field,value,error",
    [
        ("display_name", "", "This field is required"),
        ("display_name", "Parent:Job", "allow a colon (:) in a name"),
        ("email", "not-an-email", "Enter a valid email address"),
        ("phone", "5" * 31, "at most 30 characters"),
        ("form_token", "forged", "This page is out of date"),
    ],
)
def test_bad_input_is_a_form_error_and_nothing_is_sent(client, connected, qbo, field, value, error):
    response = client.post("/customers/new/", new_customer(**{field: value}))
    assert response.status_code == 200
    assert error in shown(response)
    assert not QBOCall.objects.filter(operation="customer").exists()


def test_without_quickbooks_the_form_says_so(client, user, company):
    client.force_login(user)
    response = client.post("/customers/new/", new_customer())
    assert "QuickBooks isn't connected" in shown(response)
    assert not Customer.objects.exists()


@pytest.fixture
def harbor(client, connected, qbo):
    client.post("/customers/new/", new_customer())
    return Customer.objects.get(display_name="Harbor Outfitters")


def test_an_edit_is_a_sparse_update_of_what_changed(client, connected, qbo, harbor):
    page = client.get(f"/customers/{harbor.pk}/edit/")
    assert page.status_code == 200 and "(503) 555-0100" in page.text
    data = edit_post(harbor, phone="(503) 555-0199", ship_city="Tucson")
    response = client.post(f"/customers/{harbor.pk}/edit/", data, follow=True)
    assert "Saved “Harbor Outfitters” in QuickBooks" in shown(response)
    live = qbo.state.companies[connected.realm_id].get("Customer", harbor.qbo_id)
    assert live["PrimaryPhone"]["FreeFormNumber"] == "(503) 555-0199"
    assert live["ShipAddr"]["City"] == "Tucson"
    assert live["PrimaryEmailAddr"]["Address"] == "ap@harbor.test"  # not sent, kept
    harbor.refresh_from_db()
    assert (harbor.phone, harbor.ship_city, harbor.sync_token) == (
        "(503) 555-0199",
        "Tucson",
        str(live["SyncToken"]),
    )


def test_a_change_made_meanwhile_in_quickbooks_is_shown_not_overwritten(
    client, connected, qbo, company, harbor
):
    opened = edit_post(harbor, phone="(503) 555-0111")  # the form as it was opened
    live = qbo.state.companies[connected.realm_id].get("Customer", harbor.qbo_id)
    with open_client(company) as qb:  # someone else, in QuickBooks
        body = {"Id": live["Id"], "SyncToken": live["SyncToken"], "sparse": True}
        qb.update_object("Customer", json.dumps({**body, "PrimaryPhone": {"FreeFormNumber": "1"}}))

    response = client.post(f"/customers/{harbor.pk}/edit/", opened)
    assert response.status_code == 200
    assert "Changed in QuickBooks since you opened this page" in shown(response)
    assert ("Phone", "(503) 555-0111", "1") in response.context["conflict"]
    live = qbo.state.companies[connected.realm_id].get("Customer", harbor.qbo_id)
    assert live["PrimaryPhone"]["FreeFormNumber"] == "1"  # not overwritten
    harbor.refresh_from_db()
    assert harbor.phone == "1"  # the mirror learnt QuickBooks' version

    # Saving the shown form again means "mine wins", at the new SyncToken.
    again = response.context["form"].data
    assert again["sync_token"] == harbor.sync_token
    assert client.post(f"/customers/{harbor.pk}/edit/", again).status_code == 302
    live = qbo.state.companies[connected.realm_id].get("Customer", harbor.qbo_id)
    assert live["PrimaryPhone"]["FreeFormNumber"] == "(503) 555-0111"


def test_a_newer_mirror_is_a_conflict_before_asking_quickbooks(client, connected, qbo, harbor):
    opened = edit_post(harbor, phone="(503) 555-0122")
    Customer.objects.filter(pk=harbor.pk).update(sync_token="99")  # a sync ran meanwhile
    QBOCall.objects.all().delete()
    response = client.post(f"/customers/{harbor.pk}/edit/", opened)
    assert "Changed in QuickBooks since you opened this page" in shown(response)
    assert not QBOCall.objects.exists()


def test_sub_customers_show_as_parent_and_job(client, connected, qbo, company):
    sync.sync_company(company.pk)
    job = Customer.objects.filter(company=company, raw__Job=True).first()
    assert job is not None and ":" in job.fully_qualified_name
    assert job.parent_qbo_id
    parent = Customer.objects.get(company=company, qbo_id=job.parent_qbo_id)
    assert job.fully_qualified_name == f"{parent.display_name}:{job.display_name}"
    page = client.get("/customers/", {"q": job.display_name})
    assert job.fully_qualified_name in page.text


def test_the_sparse_body_holds_only_what_changed():
    details = {"display_name": "Harbor", "email": "", "phone": "1", "ship_city": "Tucson"}
    body = services.customer_body(details, only={"email", "phone", "ship_city"})
    assert body == {
        "PrimaryEmailAddr": {"Address": ""},  # cleared: sent empty
        "PrimaryPhone": {"FreeFormNumber": "1"},
        "ShipAddr": {
            "Line1": "",
            "City": "Tucson",
            "CountrySubDivisionCode": "",
            "PostalCode": "",
            "Country": "",
            # (our street line holds all of QuickBooks' lines: the others are emptied)
            **{f"Line{n}": "" for n in range(2, 6)},
        },
    }
    # A new customer: what was filled in, no empty objects.
    assert services.customer_body(details) == {
        "DisplayName": "Harbor",
        "PrimaryPhone": {"FreeFormNumber": "1"},
        "ShipAddr": {
            "Line1": "",
            "City": "Tucson",
            "CountrySubDivisionCode": "",
            "PostalCode": "",
            "Country": "",
        },
    }


def test_an_address_of_several_lines_is_kept_whole(client, connected, qbo, company, harbor):
    """QuickBooks' Line1..Line3 land in our street line, and an edit sends them back as one
    line without doubling them."""
    live = qbo.state.companies[connected.realm_id].get("Customer", harbor.qbo_id)
    street = {"Line1": "Harbor Outfitters", "Line2": "Dock 4", "Line3": "800 Desert Way"}
    with open_client(company) as qb:  # someone in QuickBooks
        body = {"Id": live["Id"], "SyncToken": live["SyncToken"], "sparse": True}
        qb.update_object(
            "Customer", json.dumps({**body, "ShipAddr": {**live["ShipAddr"], **street}})
        )
    sync.sync_company(company.pk)
    harbor.refresh_from_db()
    assert harbor.ship_line1 == "Harbor Outfitters, Dock 4, 800 Desert Way"
    client.post(f"/customers/{harbor.pk}/edit/", edit_post(harbor, ship_city="Tucson"))
    live = qbo.state.companies[connected.realm_id].get("Customer", harbor.qbo_id)
    assert live["ShipAddr"]["Line1"] == "Harbor Outfitters, Dock 4, 800 Desert Way"
    assert not live["ShipAddr"].get("Line2") and not live["ShipAddr"].get("Line3")
    sync.sync_company(company.pk)
    harbor.refresh_from_db()
    assert (harbor.ship_line1, harbor.ship_city) == (
        street["Line1"] + ", Dock 4, 800 Desert Way",
        "Tucson",
    )


def test_clearing_the_email_clears_it_in_quickbooks(client, connected, qbo, harbor):
    client.post(f"/customers/{harbor.pk}/edit/", edit_post(harbor, email=""))
    live = qbo.state.companies[connected.realm_id].get("Customer", harbor.qbo_id)
    assert not (live.get("PrimaryEmailAddr") or {}).get("Address")
    harbor.refresh_from_db()
    assert harbor.email == ""
