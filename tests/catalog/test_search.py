"""The order form's item search: the company's sellable items by name or SKU, as an htmx
fragment or JSON; never another company's, never an inactive item or a category."""

import pytest

from catalog.models import Item
from invoicing.models import Product
from tests.catalog.support import make_item

pytestmark = pytest.mark.django_db

URL = "/items/search"


@pytest.fixture
def items(company, other_company):
    make_item(company, "1", "Hose", fully_qualified_name="Garden:Hose", sku="HS-25", unit_price=100)
    make_item(company, "2", "Hose Reel", sku="REEL", unit_price="19.991", taxable=True)
    make_item(company, "3", "Old Hose (deleted)", active=False)
    make_item(company, "4", "Hoses", type=Item.Type.CATEGORY)
    make_item(company, "5", "Rake", sku="GARDEN-RK")
    make_item(other_company, "6", "Bravo Hose", sku="HS-99")


def found(response) -> list[str]:
    assert response.status_code == 200
    return [item["fully_qualified_name"] for item in response.json()["items"]]


def test_items_match_by_name_category_or_sku(owner_client, items):
    assert found(owner_client.get(URL, {"q": "hose", "format": "json"})) == [
        "Garden:Hose",
        "Hose Reel",
    ]
    assert found(owner_client.get(URL, {"q": "garden", "format": "json"})) == [
        "Garden:Hose",
        "Rake",
    ]
    assert found(owner_client.get(URL, {"q": "reel", "format": "json"})) == ["Hose Reel"]


def test_the_json_gives_what_an_order_line_needs(owner_client, company, items):
    product = Product.objects.create(company=company, name="Our hose", qbo_item_id="1")
    answer = owner_client.get(URL, {"q": "hs-25", "format": "json"}).json()
    assert answer["items"] == [
        {
            "id": Item.objects.get(company=company, qbo_id="1").pk,
            "qbo_id": "1",
            "name": "Hose",
            "fully_qualified_name": "Garden:Hose",
            "sku": "HS-25",
            "unit_price": "100.00",
            "taxable": False,
            "type": "Service",
            "product_id": product.pk,
        }
    ]
    reel = owner_client.get(URL, {"q": "reel", "format": "json"}).json()["items"][0]
    assert (reel["unit_price"], reel["taxable"], reel["product_id"]) == ("19.991", True, None)


def test_the_fragment_lists_buttons_to_pick(owner_client, items):
    page = owner_client.get(URL, {"q": "hose"}).text
    assert 'data-item-id="1"' in page and 'data-unit-price="100.00"' in page
    assert "Garden:Hose · HS-25 · 100.00" in page
    assert "Bravo" not in page and "Old Hose" not in page
    assert "No QuickBooks item matches “zzz”" in owner_client.get(URL, {"q": "zzz"}).text


@pytest.mark.parametrize(
    "q", ["", "   ", "x" * 501, "a\x00b"], ids=["empty", "blank", "long", "nul"]
)
def test_nothing_to_search_for_finds_nothing_and_never_fails(owner_client, items, q):
    assert found(owner_client.get(URL, {"q": q, "format": "json"})) == []


def test_results_are_capped(owner_client, company):
    for n in range(30):
        make_item(company, str(100 + n), f"Bolt {n:02d}")
    assert len(found(owner_client.get(URL, {"q": "bolt", "format": "json"}))) == 20


def test_another_company_finds_none_of_our_items(bob_client, items):
    assert found(bob_client.get(URL, {"q": "hose", "format": "json"})) == ["Bravo Hose"]
    assert "Garden" not in bob_client.get(URL, {"q": "garden"}).text


def test_anonymous_visitors_are_sent_to_log_in(client, items):
    response = client.get(URL, {"q": "hose"})
    assert response.status_code == 302 and "/login/" in response["Location"]
