"""Sub-customers (jobs) as Intuit's Customer page describes them: Job true with a ParentRef to
an active customer, Level and FullyQualifiedName "Parent:Job" kept by QuickBooks, BillWithParent
only on a job, DisplayName unique across every name (QBO-API.md §5.1)."""

from __future__ import annotations

import pytest

from sandbox_support import unpaced


@pytest.fixture(autouse=True)
def _quick(sandbox):
    unpaced(sandbox)


def _ok(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()["Customer"]


def _fault(response) -> dict:
    assert response.status_code == 400, response.text
    return response.json()["Fault"]["Error"][0]


def _parent(api, name: str = "Kitchen Owner") -> dict:
    return _ok(api.post("customer", {"DisplayName": name}))


def test_a_job_names_its_parent_and_level(api):
    parent = _parent(api)
    job = _ok(
        api.post(
            "customer",
            {
                "DisplayName": "Remodel",
                "Job": True,
                "BillWithParent": True,
                "ParentRef": {"value": parent["Id"]},
            },
        )
    )
    assert job["Job"] is True and job["BillWithParent"] is True and job["Level"] == 1
    assert job["FullyQualifiedName"] == "Kitchen Owner:Remodel"
    assert job["ParentRef"] == {"value": parent["Id"], "name": "Kitchen Owner"}
    read = _ok(api.get(f"customer/{job['Id']}"))
    assert read["FullyQualifiedName"] == "Kitchen Owner:Remodel"
    grandchild = _ok(
        api.post(
            "customer", {"DisplayName": "Cabinets", "Job": True, "ParentRef": {"value": job["Id"]}}
        )
    )
    assert grandchild["Level"] == 2
    assert grandchild["FullyQualifiedName"] == "Kitchen Owner:Remodel:Cabinets"


def test_a_top_level_customer_has_no_parent_and_is_not_billed_with_one(api):
    top = _ok(api.post("customer", {"DisplayName": "Loner", "BillWithParent": True}))
    assert top["Job"] is False and top["BillWithParent"] is False
    assert "ParentRef" not in top and "Level" not in top


def test_job_true_needs_a_parent_ref(api):
    error = _fault(api.post("customer", {"DisplayName": "Orphan", "Job": True}))
    assert error["code"] == "2020" and "ParentRef" in error["Detail"]


def test_the_parent_must_be_an_existing_active_customer(api):
    missing = _fault(api.post("customer", {"DisplayName": "A", "ParentRef": {"value": "99999"}}))
    assert missing["code"] == "610"
    parent = _parent(api, "Gone Owner")
    _ok(
        api.post(
            "customer",
            {"Id": parent["Id"], "SyncToken": parent["SyncToken"], "sparse": True, "Active": False},
        )
    )
    inactive = _fault(
        api.post(
            "customer", {"DisplayName": "B", "Job": True, "ParentRef": {"value": parent["Id"]}}
        )
    )
    assert inactive["code"] == "610"


def test_a_job_display_name_is_unique_like_any_name(api):
    parent = _parent(api)
    _ok(api.post("customer", {"DisplayName": "Deck", "ParentRef": {"value": parent["Id"]}}))
    other = _parent(api, "Other Owner")
    clash = _fault(
        api.post("customer", {"DisplayName": "deck", "ParentRef": {"value": other["Id"]}})
    )
    assert clash["code"] == "6240"


def test_a_customer_cannot_move_under_its_own_job(api):
    parent = _parent(api)
    job = _ok(api.post("customer", {"DisplayName": "Patio", "ParentRef": {"value": parent["Id"]}}))
    loop = _fault(
        api.post(
            "customer",
            {
                "Id": parent["Id"],
                "SyncToken": parent["SyncToken"],
                "sparse": True,
                "ParentRef": {"value": job["Id"]},
            },
        )
    )
    assert loop["code"] == "6000"


def test_jobs_nest_at_most_four_levels_below_the_top(api):
    above = _parent(api, "Level Zero")
    for depth in range(1, 5):
        above = _ok(
            api.post(
                "customer", {"DisplayName": f"Level {depth}", "ParentRef": {"value": above["Id"]}}
            )
        )
    assert above["Level"] == 4
    too_deep = _fault(
        api.post("customer", {"DisplayName": "Level 5", "ParentRef": {"value": above["Id"]}})
    )
    assert too_deep["code"] == "6000"


def test_renaming_a_parent_renames_its_jobs(api):
    parent = _parent(api)
    job = _ok(api.post("customer", {"DisplayName": "Roof", "ParentRef": {"value": parent["Id"]}}))
    _ok(
        api.post(
            "customer",
            {
                "Id": parent["Id"],
                "SyncToken": parent["SyncToken"],
                "sparse": True,
                "DisplayName": "Home Owner",
            },
        )
    )
    moved = _ok(api.get(f"customer/{job['Id']}"))
    assert moved["FullyQualifiedName"] == "Home Owner:Roof"
    assert moved["ParentRef"]["name"] == "Home Owner"
    assert moved["SyncToken"] == "1"
