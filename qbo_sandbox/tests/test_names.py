"""Customers, vendors, employees and items through python-quickbooks: the name rules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from quickbooks.exceptions import ObjectNotFoundException, QuickbooksException, ValidationException
from quickbooks.objects import Account, Customer, Employee, Item, Vendor
from quickbooks.objects.base import Ref


def _customer(qb, name: str, **fields) -> Customer:
    customer = Customer()
    customer.DisplayName = name
    for key, value in fields.items():
        setattr(customer, key, value)
    return customer.save(qb=qb)


def test_get_returns_the_seeded_sample_customer(qb):
    amy = Customer.get(1, qb=qb)
    assert amy.DisplayName == "Amy's Bird Sanctuary"
    assert amy.Id == "1" and amy.SyncToken == "0"
    assert isinstance(amy.Balance, Decimal)


def test_create_fills_in_qbo_defaults(qb):
    created = _customer(qb, "Zed Zero", GivenName="Zed")
    assert created.Id.isdigit()
    assert created.SyncToken == "0"
    assert created.FullyQualifiedName == "Zed Zero"
    assert created.PrintOnCheckName == "Zed Zero"
    assert created.Balance == 0 and created.Active is True
    assert created.MetaData["CreateTime"] == created.MetaData["LastUpdatedTime"]


def test_display_name_is_derived_from_name_parts(api):
    response = api.post("customer", {"GivenName": "Ada", "FamilyName": "Lovelace"})
    assert response.json()["Customer"]["DisplayName"] == "Ada Lovelace"


def test_a_customer_needs_some_name(api):
    response = api.post("customer", {"Notes": "nameless"})
    assert response.status_code == 400
    assert response.json()["Fault"]["Error"][0]["code"] == "2020"


def test_full_update_bumps_sync_token_and_clears_omitted_fields(qb, api):
    created = _customer(qb, "Full Update", Notes="keep?", CompanyName="FU Inc")
    body = {"Id": created.Id, "SyncToken": created.SyncToken, "DisplayName": "Full Update"}
    updated = api.post("customer", body).json()["Customer"]
    assert updated["SyncToken"] == "1"
    assert "Notes" not in updated and "CompanyName" not in updated
    assert updated["MetaData"]["CreateTime"] == created.MetaData["CreateTime"]


def test_sparse_update_changes_only_what_is_sent(qb, api):
    created = _customer(qb, "Sparse Update", Notes="kept", CompanyName="SU Inc")
    body = {"Id": created.Id, "SyncToken": "0", "sparse": True, "CompanyName": "SU Ltd"}
    updated = api.post("customer", body).json()["Customer"]
    assert updated["CompanyName"] == "SU Ltd"
    assert updated["Notes"] == "kept"
    assert updated["SyncToken"] == "1"


def test_sparse_update_through_python_quickbooks(qb):
    created = _customer(qb, "PQB Sparse")
    change = Customer()
    change.Id, change.SyncToken, change.sparse = created.Id, created.SyncToken, True
    change.DisplayName = "PQB Sparse Renamed"
    saved = change.save(qb=qb)
    assert saved.DisplayName == "PQB Sparse Renamed" and saved.SyncToken == "1"


def test_stale_sync_token_is_5010(qb):
    created = _customer(qb, "Stale One")
    created.CompanyName = "first"
    created.save(qb=qb)  # the library leaves created.SyncToken at "0"
    created.CompanyName = "second"
    with pytest.raises(QuickbooksException) as caught:
        created.save(qb=qb)
    assert caught.value.error_code == 5010
    assert "Stale Object Error" in caught.value.message


@pytest.mark.parametrize("entity", ["Customer", "Vendor", "Employee"])
def test_display_name_is_unique_across_names_ignoring_case(qb, entity):
    _customer(qb, "Shared Name")
    clash = {"Customer": Customer, "Vendor": Vendor, "Employee": Employee}[entity]()
    clash.DisplayName = "  shared   NAME "
    with pytest.raises(QuickbooksException) as caught:
        clash.save(qb=qb)
    assert caught.value.error_code == 6240
    assert "Another customer is already using this name" in caught.value.detail


def test_vendor_name_blocks_a_customer_of_the_same_name(qb):
    with pytest.raises(QuickbooksException) as caught:
        _customer(qb, "hicks hardware")  # a seeded vendor
    assert caught.value.error_code == 6240
    assert "Another vendor" in caught.value.detail


def test_deactivating_a_customer_appends_deleted_and_frees_the_name(qb):
    created = _customer(qb, "Thrifty Meats")
    created.Active = False
    gone = created.save(qb=qb)
    assert gone.DisplayName == "Thrifty Meats (deleted)"
    assert gone.FullyQualifiedName == "Thrifty Meats (deleted)"
    again = _customer(qb, "Thrifty Meats")  # the name is free again
    assert again.Id != gone.Id
    gone.Active, gone.DisplayName = True, "Thrifty Meats Two"
    back = gone.save(qb=qb)
    assert back.DisplayName == "Thrifty Meats Two" and back.Active is True


def test_deactivated_names_are_left_out_of_queries_unless_asked_for(qb):
    created = _customer(qb, "Hidden Later")
    created.Active = False
    created.save(qb=qb)
    assert not Customer.filter(Id=created.Id, qb=qb)
    found = Customer.where(f"Id = '{created.Id}' AND Active IN (true, false)", qb=qb)
    assert [c.Active for c in found] == [False]
    assert Customer.where("Active = false", qb=qb)


def test_names_cannot_be_deleted(api):
    response = api.post("customer", {"Id": "1", "SyncToken": "0"}, operation="delete")
    assert response.status_code == 400
    assert response.json()["Fault"]["Error"][0]["code"] == "500"


def test_reading_a_missing_object_is_610(qb):
    with pytest.raises(ObjectNotFoundException) as caught:
        Customer.get(999_999, qb=qb)
    assert caught.value.error_code == 610


def test_sub_customer_gets_job_level_and_qualified_name(qb):
    parent = Customer.filter(DisplayName="Freeman Sporting Goods", qb=qb)[0]
    job = _customer(qb, "New Job", ParentRef=parent.to_ref())
    assert job.Job is True and job.Level == 1
    assert job.FullyQualifiedName == "Freeman Sporting Goods:New Job"


def test_service_item_needs_an_income_account(qb):
    item = Item()
    item.Name, item.Type = "Consulting", "Service"
    with pytest.raises(ValidationException) as caught:
        item.save(qb=qb)
    assert caught.value.error_code == 2020


def _account_ref(qb, name: str) -> Ref:
    account = Account.filter(Name=name, qb=qb)[0]
    return account.to_ref()


def test_service_and_non_inventory_items(qb):
    for kind in ("Service", "NonInventory"):
        item = Item()
        item.Name, item.Type = f"New {kind}", kind
        item.UnitPrice = Decimal("12.50")
        item.IncomeAccountRef = _account_ref(qb, "Services")
        saved = item.save(qb=qb)
        assert saved.Type == kind and saved.UnitPrice == Decimal("12.5")
        assert saved.TrackQtyOnHand is False


def test_inventory_item_tracks_quantity_on_hand(qb):
    item = Item()
    item.Name, item.Type, item.TrackQtyOnHand = "Garden Gnome", "Inventory", True
    item.QtyOnHand, item.InvStartDate = 10, "2024-01-01"
    item.IncomeAccountRef = _account_ref(qb, "Sales of Product Income")
    item.AssetAccountRef = _account_ref(qb, "Inventory Asset")
    item.ExpenseAccountRef = _account_ref(qb, "Cost of Goods Sold")
    saved = item.save(qb=qb)
    assert saved.QtyOnHand == 10 and saved.TrackQtyOnHand is True


def test_inventory_item_needs_quantity_and_accounts(api):
    response = api.post(
        "item", {"Name": "No Stock", "Type": "Inventory", "IncomeAccountRef": {"value": "5"}}
    )
    assert response.json()["Fault"]["Error"][0]["code"] == "2020"


def test_item_names_are_unique(api):
    response = api.post(
        "item", {"Name": "services", "Type": "Service", "IncomeAccountRef": {"value": "1"}}
    )
    assert response.json()["Fault"]["Error"][0]["code"] == "6240"


def test_all_items_query_selects_sku(qb):
    items = Item.all(qb=qb)
    assert len(items) == 17


def test_unknown_reference_is_rejected(api):
    response = api.post("customer", {"DisplayName": "Bad Term", "SalesTermRef": {"value": "99"}})
    assert response.status_code == 400
    assert response.json()["Fault"]["Error"][0]["code"] == "610"
