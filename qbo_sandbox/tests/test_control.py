"""The control API: key, reset, companies, seeding, clock, limits and the request log."""

from __future__ import annotations

import pytest
import requests

from qbo_sandbox.control import ControlClient, ControlError
from qbo_sandbox.testing import SandboxServer
from sandbox_support import connect


def test_control_api_needs_the_key(sandbox):
    assert requests.get(f"{sandbox.url}/_control/companies", timeout=10).status_code == 401
    with pytest.raises(ControlError) as caught:
        ControlClient(sandbox.url, "wrong").companies()
    assert caught.value.status == 401


def test_create_company_returns_a_seeded_realm(sandbox):
    realm = sandbox.control.create_company("Acme Landscaping")
    company = next(c for c in sandbox.control.companies() if c["realm_id"] == realm)
    assert company["name"] == "Acme Landscaping"
    assert company["counts"]["Customer"] == 29
    assert company["counts"]["Invoice"] == 12 and company["counts"]["Payment"] == 5
    empty = sandbox.control.create_company("Empty", seed=False)
    counts = next(c for c in sandbox.control.companies() if c["realm_id"] == empty)["counts"]
    assert counts.get("Customer", 0) == 0 and counts["CompanyInfo"] == 1


def test_seed_data_is_deterministic():
    with SandboxServer() as first, SandboxServer() as second:
        tables = []
        for server in (first, second):
            realm = next(iter(server.state.companies))
            server.control.seed_customers(realm, 50)
            company = server.state.companies[realm]
            tables.append(
                {
                    entity: [
                        {k: v for k, v in row.items() if k != "MetaData"} for row in rows.values()
                    ]
                    for entity, rows in company.tables.items()
                    if entity != "CompanyInfo"
                }
            )
        assert tables[0] == tables[1]


def test_seeding_many_customers_numbers_them_and_pages(sandbox, realm, api):
    # How fast seeding is belongs to bench/sandbox_query_bench.py, not to a timed test.
    result = sandbox.control.seed_customers(realm, 20_000)
    assert result["created"] == 20_000
    assert api.rows("SELECT COUNT(*) FROM Customer")["totalCount"] == 20_029
    page = api.rows("SELECT * FROM Customer STARTPOSITION 19030 MAXRESULTS 1000")
    assert page["maxResults"] == 1000
    assert page["Customer"][-1]["Id"] == result["last_id"]


def test_reset_returns_to_a_fresh_start(sandbox, realm):
    client = connect(sandbox, realm_id=realm)
    sandbox.control.create_company("Gone Soon")
    sandbox.control.add_fault("/x", "hang")
    sandbox.control.set_token_mode("strict")
    sandbox.control.set_limits(requests_per_minute=3)
    sandbox.control.advance_clock(1000)
    companies = sandbox.control.reset()
    assert [c["name"] for c in companies] == ["Sandbox Company_US_1"]
    assert sandbox.control.faults() == []
    assert sandbox.control.request_log() == []
    assert sandbox.control.set_token_mode("intuit") == "intuit"
    assert sandbox.control.limits() == {
        "requests_per_minute": 500,
        "max_concurrent": 10,
        "batch_requests_per_minute": 40,
        "requests_per_second": 10,
    }
    assert abs(sandbox.control.clock()["offset"]) < 1
    with pytest.raises(Exception):  # noqa: B017 - the grant is gone with everything else
        client.refresh()
    assert sandbox.control.reset(default_company=False) == []


def test_clock_can_be_advanced_and_set(sandbox):
    before = sandbox.control.clock()["offset"]
    sandbox.control.advance_clock(3600)
    assert sandbox.control.clock()["offset"] == pytest.approx(before + 3600, abs=1)
    now = sandbox.control.set_clock("2030-01-01T00:00:00+00:00")
    assert now.startswith("2030-01-01T00:00:0")


def test_token_mode_must_be_known(sandbox):
    assert sandbox.control.set_token_mode("strict") == "strict"
    with pytest.raises(ControlError):
        sandbox.control.set_token_mode("lenient")


def test_request_log_records_each_call_with_its_intuit_tid(sandbox, realm, api):
    response = api.post("customer", {"DisplayName": "Logged"}, requestid="log-1")
    entry = sandbox.control.request_log(requestid="log-1")[-1]
    assert entry == {
        "method": "POST",
        "path": f"/v3/company/{realm}/customer",
        "query": "minorversion=75&requestid=log-1",
        "requestid": "log-1",
        "status": 200,
        "intuit_tid": response.headers["intuit_tid"],
        "realm": realm,
        "time": entry["time"],
        "fault": None,
        "latency": 0.0,
    }
    assert sandbox.control.request_log(realm=realm, limit=1) == [entry]
    sandbox.control.clear_request_log()
    assert sandbox.control.request_log() == []


def test_every_response_carries_an_intuit_tid(sandbox, realm, api):
    urls = [
        f"{sandbox.url}/",
        f"{sandbox.url}/nowhere",
        sandbox.discovery_url,
        f"{sandbox.url}/ui/companies/{realm}/customers",
        f"{sandbox.url}/_control/companies",
    ]
    for url in urls:
        assert requests.get(url, timeout=10).headers["intuit_tid"]
    assert api.get("customer/999999").headers["intuit_tid"]


def test_change_log_records_mutations_from_every_source(sandbox, realm, api):
    created = api.post("customer", {"DisplayName": "Changelog"}).json()["Customer"]
    api.post("customer", {"Id": created["Id"], "SyncToken": "0", "sparse": True, "Notes": "n"})
    sandbox.control.seed_customers(realm, 2)
    requests.post(
        f"{sandbox.url}/ui/companies/{realm}/customers/{created['Id']}",
        timeout=10,
        data={"sync_token": "1", "display_name": "Changelog UI", "active": "1"},
    )
    rows = [
        (c["id"], c["operation"], c["source"])
        for c in sandbox.control.changes(realm, entity="Customer")
    ]
    assert rows[-5:] == [
        (created["Id"], "Create", "api"),
        (created["Id"], "Update", "api"),
        (str(int(created["Id"]) + 1), "Create", "control"),
        (str(int(created["Id"]) + 2), "Create", "control"),
        (created["Id"], "Update", "ui"),
    ]


def test_listeners_hear_every_committed_change(sandbox, realm, api):
    heard = []
    sandbox.state.listeners.append(lambda realm_id, change: heard.append((realm_id, change)))
    invoice_line = {
        "Amount": 5,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
    }
    invoice = api.post("invoice", {"CustomerRef": {"value": "2"}, "Line": [invoice_line]}).json()
    api.post(
        "payment",
        {
            "CustomerRef": {"value": "2"},
            "TotalAmt": 5,
            "Line": [
                {
                    "Amount": 5,
                    "LinkedTxn": [{"TxnId": invoice["Invoice"]["Id"], "TxnType": "Invoice"}],
                }
            ],
        },
    )
    assert [(c.entity, c.operation) for _, c in heard] == [
        ("Invoice", "Create"),
        ("Payment", "Create"),
        ("Invoice", "Update"),
    ]
    assert {realm_id for realm_id, _ in heard} == {realm}
