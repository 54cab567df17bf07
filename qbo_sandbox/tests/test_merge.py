"""Merging customers (control API and the demo UI's "Merge into…"), as QBO does it."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from qbo_sandbox.control import ControlError

LINE = {
    "Amount": 70,
    "DetailType": "SalesItemLineDetail",
    "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
}


def _customer_with_invoice(api, name: str) -> tuple[dict, dict]:
    customer = api.post("customer", {"DisplayName": name}).json()["Customer"]
    invoice = api.post(
        "invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [LINE]}
    ).json()["Invoice"]
    return customer, invoice


def test_merge_moves_transactions_and_removes_the_merged_customer(sandbox, realm, api):
    merged, invoice = _customer_with_invoice(api, "Merge Me")
    payment = api.post("payment", {"CustomerRef": {"value": merged["Id"]}, "TotalAmt": 5}).json()[
        "Payment"
    ]
    survivor_before = api.get("customer/2").json()["Customer"]

    survivor = sandbox.control.merge_customers(realm, merged["Id"], "2")

    assert survivor["SyncToken"] == str(int(survivor_before["SyncToken"]) + 1)
    assert Decimal(str(survivor["Balance"])) == Decimal(str(survivor_before["Balance"])) + 70 - 5
    moved = api.get(f"invoice/{invoice['Id']}").json()["Invoice"]
    assert moved["CustomerRef"] == {"value": "2", "name": survivor["DisplayName"]}
    assert moved["SyncToken"] == "1"
    assert api.get(f"payment/{payment['Id']}").json()["Payment"]["CustomerRef"]["value"] == "2"
    assert api.get(f"customer/{merged['Id']}").json()["Fault"]["Error"][0]["code"] == "610"
    # The merged-away name is free again.
    assert api.post("customer", {"DisplayName": "Merge Me"}).status_code == 200
    rows = [c for c in sandbox.control.changes(realm) if c["operation"] == "Merge"]
    assert [(c["entity"], c["id"], c["merged_id"]) for c in rows] == [
        ("Customer", "2", merged["Id"])
    ]


@pytest.mark.parametrize(
    ("merged", "into", "message"),
    [
        ("2", "2", "cannot be merged into itself"),
        ("999", "2", "610"),
        ("2", "999", "610"),
    ],
)
def test_merge_refuses_what_qbo_refuses(sandbox, realm, merged, into, message):
    with pytest.raises(ControlError) as refused:
        sandbox.control.merge_customers(realm, merged, into)
    assert refused.value.status == 400 and message in refused.value.body


def test_a_customer_with_sub_customers_is_not_merged(sandbox, realm):
    company = sandbox.state.companies[realm]
    parent = next(c["ParentRef"]["value"] for c in company.rows("Customer") if c.get("Job"))
    with pytest.raises(ControlError) as refused:
        sandbox.control.merge_customers(realm, parent, "1")
    assert "sub-customers" in refused.value.body
    assert company.get("Customer", parent) is not None


def test_the_customer_page_merges_into_another_customer(sandbox, realm, api):
    merged, invoice = _customer_with_invoice(api, "Merged In The UI")
    page = requests.get(f"{sandbox.url}/ui/companies/{realm}/customers/{merged['Id']}", timeout=10)
    assert '<button type="submit" class="danger">Merge into…</button>' in page.text
    assert 'action="/ui/companies/' in page.text and '<option value="1">' in page.text
    response = requests.post(
        f"{sandbox.url}/ui/companies/{realm}/customers/{merged['Id']}/merge",
        data={"into": "1"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.url.endswith(
        f"/ui/companies/{realm}/customers/1?msg=Merged+Merged+In+The+UI+into+Amy%27s+Bird+Sanctuary"
    )
    company = sandbox.state.companies[realm]
    assert company.get("Customer", merged["Id"]) is None
    assert company.get("Invoice", invoice["Id"])["CustomerRef"]["value"] == "1"
    last = company.changes[-1]
    assert (last.operation, last.id, last.merged_id, last.source) == (
        "Merge",
        "1",
        merged["Id"],
        "ui",
    )


def test_the_customer_page_reports_a_refused_merge(sandbox, realm):
    response = requests.post(
        f"{sandbox.url}/ui/companies/{realm}/customers/2/merge", data={"into": "2"}, timeout=10
    )
    assert response.status_code == 400 and "cannot be merged into itself" in response.text
