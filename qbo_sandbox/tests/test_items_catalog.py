"""Items as a company's product list holds them: categories and sub-items, inventory fields,
generated items by the thousand (control API), and their changes in CDC and webhooks."""

from __future__ import annotations

import pytest

from qbo_sandbox.__main__ import build, parse_args
from sandbox_support import unpaced


@pytest.fixture(autouse=True)
def _quick(request):
    if "sandbox" in request.fixturenames:
        unpaced(request.getfixturevalue("sandbox"))


def _ok(response, entity: str = "Item") -> dict:
    assert response.status_code == 200, response.text
    return response.json()[entity]


def _fault(response) -> dict:
    assert response.status_code == 400, response.text
    return response.json()["Fault"]["Error"][0]


def test_categories_nest_and_items_sit_in_them(api):
    top = _ok(api.post("item", {"Name": "Outdoor", "Type": "Category"}))
    assert (top["SubItem"], top["Level"], top["FullyQualifiedName"]) == (False, 0, "Outdoor")
    assert not {"UnitPrice", "IncomeAccountRef", "TrackQtyOnHand"} & top.keys()
    sub = _ok(
        api.post("item", {"Name": "Chairs", "Type": "Category", "ParentRef": {"value": top["Id"]}})
    )
    assert (sub["SubItem"], sub["Level"], sub["FullyQualifiedName"]) == (
        True,
        1,
        "Outdoor:Chairs",
    )
    chair = _ok(
        api.post(
            "item",
            {
                "Name": "Deck Chair",
                "Type": "NonInventory",
                "IncomeAccountRef": {"value": "1"},
                "ParentRef": {"value": sub["Id"]},
                "Sku": "DC-1",
            },
        )
    )
    assert chair["FullyQualifiedName"] == "Outdoor:Chairs:Deck Chair"
    assert chair["ParentRef"] == {"value": sub["Id"], "name": "Outdoor:Chairs"}
    assert (chair["Level"], chair["Sku"]) == (2, "DC-1")
    # Only categories are parents; a category is not sold on a line.
    under_item = {"Name": "Cushion", "Type": "Service", "IncomeAccountRef": {"value": "1"}}
    assert (
        _fault(api.post("item", {**under_item, "ParentRef": {"value": chair["Id"]}}))["code"]
        == "6000"
    )
    line = {
        "Amount": 5,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": top["Id"]}},
    }
    error = _fault(api.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [line]}))
    assert (error["code"], error["element"]) == ("2500", "Line.SalesItemLineDetail.ItemRef")


def test_renaming_a_category_renames_what_is_under_it(api):
    top = _ok(api.post("item", {"Name": "Tools", "Type": "Category"}))
    body = {"Name": "Saw", "Type": "Service", "IncomeAccountRef": {"value": "1"}}
    saw = _ok(api.post("item", {**body, "ParentRef": {"value": top["Id"]}}))
    since = api.get("preferences").json()["time"][:10]
    rename = {"Id": top["Id"], "SyncToken": top["SyncToken"], "sparse": True, "Name": "Hand Tools"}
    _ok(api.post("item", rename))
    again = _ok(api.get(f"item/{saw['Id']}"))
    assert again["FullyQualifiedName"] == "Hand Tools:Saw"
    assert again["SyncToken"] == "1"
    answer = api.get("cdc", entities="Item", changedSince=since).json()
    changed = answer["CDCResponse"][0]["QueryResponse"][0]["Item"]
    assert {top["Id"], saw["Id"]} <= {row["Id"] for row in changed}


def test_inventory_items_need_stock_fields(api):
    body = {"Name": "Gnome", "Type": "Inventory", "IncomeAccountRef": {"value": "1"}}
    assert _fault(api.post("item", body))["code"] == "2020"  # asset/expense accounts
    assets = api.rows("select * from Account where AccountType = 'Other Current Asset'")
    asset = next(a for a in assets["Account"] if a["Name"] == "Inventory Asset")
    cogs = api.rows("select * from Account where AccountType = 'Cost of Goods Sold'")["Account"][0]
    body.update(AssetAccountRef={"value": asset["Id"]}, ExpenseAccountRef={"value": cogs["Id"]})
    error = _fault(api.post("item", body))
    assert (error["code"], error["element"]) == ("2020", "QtyOnHand")
    gnome = _ok(api.post("item", {**body, "QtyOnHand": 12, "InvStartDate": "2025-01-01"}))
    assert (gnome["TrackQtyOnHand"], gnome["QtyOnHand"], gnome["InvStartDate"]) == (
        True,
        12,
        "2025-01-01",
    )


def test_generated_items_by_the_thousand(sandbox, realm, api):
    made = sandbox.control.seed_items(realm, 3000, inactive_every=50)
    assert made["created"] == 3000
    counts = {
        kind: api.rows(f"select count(*) from Item where Type = '{kind}'")["totalCount"]
        for kind in ("Service", "NonInventory", "Inventory", "Category")
    }
    assert counts["Category"] == 10  # 5 top-level, each with one sub-category
    # Active ones only, unless the WHERE mentions Active (QBO's rule).
    active = api.rows("select count(*) from Item")["totalCount"]
    every = api.rows("select count(*) from Item where Active in (true, false)")["totalCount"]
    assert every - active == 60
    assert every == 17 + 10 + 3000
    page = api.rows("select * from Item where Type = 'Inventory' startposition 1 maxresults 5")
    for item in page["Item"]:
        assert item["TrackQtyOnHand"] is True and "QtyOnHand" in item
    nested = api.rows("select * from Item where Name = 'Nozzle 000030'")["Item"][0]
    assert ":" in nested["FullyQualifiedName"] and nested["SubItem"] is True
    assert nested["Sku"] == "SKU-000030"


def test_item_changes_reach_webhooks(hooked):
    unpaced(hooked.sandbox)
    created = _ok(hooked.api.post("item", {"Name": "Hooked Shelf", "Type": "Category"}))
    hooked.control.flush_webhooks()
    events = [e for d in hooked.receiver.wait_for(1) for e in d.json()]
    assert any(
        e["type"] == "qbo.item.created.v1" and e["intuitentityid"] == created["Id"] for e in events
    )


def test_the_command_seeds_items_into_its_first_company():
    app, _ = build(parse_args(["--seed-items", "50", "--no-latency"]))
    try:
        company = next(iter(app.state.companies.values()))
        generated = [row for row in company.rows("Item") if row.get("Sku", "").startswith("SKU-")]
        assert len(generated) == 50
        assert {row["Type"] for row in generated} == {"Service", "NonInventory", "Inventory"}
    finally:
        app.close()
