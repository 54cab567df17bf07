"""The items admin: search, tenant scoping, read-only, the staff group may view it."""

import pytest

from tests.catalog.support import make_item

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/catalog/item/"


def shown(response) -> list[str]:
    assert response.status_code == 200
    return [item.name for item in response.context["cl"].result_list]


@pytest.mark.parametrize("term", ["garden hose", "HOSE-25", "77"], ids=["name", "sku", "id"])
def test_search_finds_an_item_by_each_field(staff_client, company, term):
    make_item(
        company, "77", "Garden Hose", fully_qualified_name="Garden:Garden Hose", sku="HOSE-25"
    )
    make_item(company, "177", "Rake", sku="RAKE-1")
    assert shown(staff_client.get(CHANGELIST, {"q": term})) == ["Garden Hose"]


def test_staff_see_only_their_companies_items(staff_client, company, other_company):
    make_item(company, "1", "Ours")
    theirs = make_item(other_company, "2", "Theirs")
    assert shown(staff_client.get(CHANGELIST)) == ["Ours"]
    assert shown(staff_client.get(CHANGELIST, {"q": "Theirs"})) == []
    response = staff_client.get(f"{CHANGELIST}{theirs.pk}/change/")
    assert response.status_code in (302, 404)


def test_items_are_read_only(staff_client, company):
    item = make_item(company, "3", "Read Only")
    page = staff_client.get(f"{CHANGELIST}{item.pk}/change/")
    assert page.status_code == 200
    assert b'name="name"' not in page.content
    assert staff_client.get(f"{CHANGELIST}add/").status_code == 403
