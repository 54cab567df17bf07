"""Change Data Capture: python-quickbooks' change_data_capture, the raw shape, tombstones,
changedSince formats, the 30-day rule and the 1,000-object cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from quickbooks.cdc import change_data_capture
from quickbooks.exceptions import UnsupportedException
from quickbooks.objects import Customer, Invoice, Payment

from qbo_sandbox.books.clock import COMPANY_TZ

INVOICE = {
    "CustomerRef": {"value": "1"},
    "Line": [
        {
            "Amount": 25,
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
        }
    ],
}


@pytest.fixture
def since(sandbox) -> datetime:
    """A moment after the seed data: the clock jumps a minute, so only the test's changes count."""
    sandbox.control.advance_clock(60)
    return datetime.fromisoformat(sandbox.control.clock()["now"]) - timedelta(seconds=1)


def _cdc(api, entities: str, changed_since: str) -> requests.Response:
    return api.get("cdc", entities=entities, changedSince=changed_since)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _changes(api, since: datetime, *entities: str) -> list[dict]:
    response = _cdc(api, ",".join(entities), _utc(since))
    assert response.status_code == 200, response.text
    return response.json()["CDCResponse"][0]["QueryResponse"]


def test_python_quickbooks_reads_changes_and_tombstones(qb, api, since):
    customer = Customer()
    customer.DisplayName = "CDC Customer"
    customer = customer.save(qb=qb)
    doomed = api.post("invoice", INVOICE).json()["Invoice"]
    api.post("invoice", {"Id": doomed["Id"], "SyncToken": "0"}, operation="delete")

    # A string with an explicit offset: python-quickbooks drops the zone of a datetime.
    cdc = change_data_capture([Customer, Invoice, Payment], _utc(since), qb=qb)
    assert [c.Id for c in cdc.Customer] == [customer.Id]
    [tombstone] = cdc.Invoice
    assert (tombstone.Id, tombstone.status) == (doomed["Id"], "Deleted")
    assert not hasattr(cdc, "Payment")  # no changes: the library sets no attribute

    # A datetime goes out as "%Y-%m-%dT%H:%M:%S" without an offset: the company's local time.
    local = since.astimezone(COMPANY_TZ).replace(tzinfo=None)
    assert [c.Id for c in change_data_capture([Customer], local, qb=qb).Customer] == [customer.Id]


def test_the_response_has_one_query_response_per_requested_entity(api, since):
    api.post("customer", {"DisplayName": "Shape Check"})
    doomed = api.post("invoice", INVOICE).json()["Invoice"]
    api.post("invoice", {"Id": doomed["Id"], "SyncToken": "0"}, operation="delete")
    body = _cdc(api, "Customer,Invoice,Payment", _utc(since)).json()
    assert set(body) == {"CDCResponse", "time"}
    [block] = body["CDCResponse"]
    customers, invoices, payments = block["QueryResponse"]
    assert set(customers) == {"Customer", "startPosition", "maxResults", "totalCount"}
    assert (customers["startPosition"], customers["maxResults"], customers["totalCount"]) == (
        1,
        1,
        1,
    )
    assert customers["Customer"][0]["DisplayName"] == "Shape Check"
    assert invoices["Invoice"] == [
        {
            "domain": "QBO",
            "status": "Deleted",
            "Id": doomed["Id"],
            "MetaData": {"LastUpdatedTime": invoices["Invoice"][0]["MetaData"]["LastUpdatedTime"]},
        }
    ]
    assert payments == {}


def test_changed_since_accepts_offsets_naive_times_and_dates(api, since):
    api.post("customer", {"DisplayName": "Format Check"})
    local = since.astimezone(COMPANY_TZ)
    for text in (
        _utc(since),  # "+" is URL-encoded by requests
        since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        local.strftime("%Y-%m-%dT%H:%M:%S"),  # python-quickbooks: the company's local time
        local.isoformat(),
    ):
        [customers] = _changes_from(api, text)
        assert [c["DisplayName"] for c in customers["Customer"]] == ["Format Check"], text
    [whole_day] = _changes_from(api, local.date().isoformat())
    assert "Format Check" in [c["DisplayName"] for c in whole_day["Customer"]]


def _changes_from(api, text: str) -> list[dict]:
    response = _cdc(api, "Customer", text)
    assert response.status_code == 200, (text, response.text)
    return response.json()["CDCResponse"][0]["QueryResponse"]


def test_an_unencoded_plus_is_not_a_time(api, since):
    # What a client that forgets to URL-encode "+00:00" actually sends.
    raw = _utc(since).replace("+", "%20")
    response = api.session.get(f"{api.base}/cdc?entities=Customer&changedSince={raw}", timeout=10)
    assert response.status_code == 400
    assert response.json()["Fault"]["Error"][0]["code"] == "2010"


def test_changed_since_more_than_30_days_back_is_refused(sandbox, api, qb):
    now = datetime.fromisoformat(sandbox.control.clock()["now"])
    assert _cdc(api, "Customer", _utc(now - timedelta(days=29, hours=23))).status_code == 200
    too_old = _utc(now - timedelta(days=30, minutes=1))
    response = _cdc(api, "Customer", too_old)
    assert response.status_code == 400
    [error] = response.json()["Fault"]["Error"]
    assert (error["code"], error["Message"]) == ("500", "Unsupported Operation")
    assert error["Detail"] == (
        f"Operation cdc with changedSince date {too_old} which is older than fixed days "
        "is not supported."
    )
    with pytest.raises(UnsupportedException):
        change_data_capture([Customer], too_old, qb=qb)


def test_the_30_days_run_on_the_sandbox_clock(sandbox, auth_client, api, since):
    assert _cdc(api, "Customer", _utc(since)).status_code == 200
    sandbox.control.advance_clock(31 * 86_400)
    auth_client.refresh()  # the access token died 30 days ago; the refresh token lives 101
    api.session.headers["Authorization"] = f"Bearer {auth_client.access_token}"
    assert _cdc(api, "Customer", _utc(since)).status_code == 400


def test_at_most_1000_objects_per_entity_oldest_change_first(sandbox, realm, api, since):
    created = sandbox.control.seed_customers(realm, 1_100)
    api.post("invoice", INVOICE)
    customers, invoices = _changes(api, since, "Customer", "Invoice")
    ids = [int(c["Id"]) for c in customers["Customer"]]
    assert ids == list(range(int(created["first_id"]), int(created["first_id"]) + 1000))
    assert (customers["maxResults"], customers["totalCount"]) == (1000, 1000)
    assert len(invoices["Invoice"]) == 1  # the cap is per entity


def test_a_payment_brings_the_invoice_it_paid(sandbox, realm, api, since):
    invoice = api.post("invoice", INVOICE).json()["Invoice"]
    sandbox.control.advance_clock(5)
    later = datetime.fromisoformat(sandbox.control.clock()["now"])
    payment = {
        "CustomerRef": {"value": "1"},
        "TotalAmt": 25,
        "Line": [{"Amount": 25, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}],
    }
    paid = api.post("payment", payment).json()["Payment"]
    invoices, payments = _changes(api, later, "Invoice", "Payment")
    [changed] = invoices["Invoice"]
    assert changed["Balance"] == 0 and changed["SyncToken"] == "1"
    assert changed["LinkedTxn"] == [{"TxnId": paid["Id"], "TxnType": "Payment"}]
    assert [p["Id"] for p in payments["Payment"]] == [paid["Id"]]


def test_a_merge_shows_the_survivor_the_tombstone_and_the_moved_invoices(
    sandbox, realm, api, since
):
    merged = api.post("customer", {"DisplayName": "CDC Merged"}).json()["Customer"]["Id"]
    invoice = api.post("invoice", {**INVOICE, "CustomerRef": {"value": merged}}).json()["Invoice"]
    sandbox.control.merge_customers(realm, merged, "2")
    customers, invoices = _changes(api, since, "Customer", "Invoice")
    by_id = {c["Id"]: c for c in customers["Customer"]}
    assert by_id[merged] == {
        "domain": "QBO",
        "status": "Deleted",
        "Id": merged,
        "MetaData": {"LastUpdatedTime": by_id[merged]["MetaData"]["LastUpdatedTime"]},
    }
    assert by_id["2"]["SyncToken"] == "1" and by_id["2"]["Balance"] > 0
    [moved] = invoices["Invoice"]
    assert (moved["Id"], moved["CustomerRef"]["value"]) == (invoice["Id"], "2")
    assert moved["SyncToken"] == "1"


def test_inactive_and_voided_objects_come_back_whole(api, since):
    customer = api.post("customer", {"DisplayName": "Goes Inactive"}).json()["Customer"]
    api.post("customer", {**customer, "Active": False})
    invoice = api.post("invoice", INVOICE).json()["Invoice"]
    api.post("invoice", {"Id": invoice["Id"], "SyncToken": "0"}, operation="void")
    customers, invoices = _changes(api, since, "Customer", "Invoice")
    [inactive] = customers["Customer"]
    assert inactive["Active"] is False and inactive["DisplayName"] == "Goes Inactive (deleted)"
    assert invoices["Invoice"][0]["PrivateNote"] == "Voided"


@pytest.mark.parametrize(
    ("entities", "code"),
    [("", "2020"), ("Customer,Widget", "500"), ("TaxCode", "500")],
)
def test_entities_must_be_given_and_captured(api, since, entities, code):
    response = _cdc(api, entities, _utc(since))
    assert response.status_code == 400
    assert response.json()["Fault"]["Error"][0]["code"] == code
