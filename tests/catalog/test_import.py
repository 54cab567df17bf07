"""'Import from QuickBooks' on the products page: each item matched by SKU then name, a
preview of create / link / skip, the choices applied (and re-judged when applied)."""

from decimal import Decimal

import pytest

from catalog.models import Item
from invoicing.models import Product
from qbo import sync
from tests.catalog.support import income_account, make_item, seed_items

pytestmark = pytest.mark.django_db

URL = "/products/import/"


def proposals(response) -> dict[str, tuple]:
    assert response.status_code == 200
    return {
        p.item.name: (p.choices, p.default, p.product.name if p.product else None)
        for p in response.context["proposals"]
    }


@pytest.fixture
def items(company):
    return {
        "hose": make_item(company, "10", "Garden Hose", sku="HOSE-25", unit_price="19.991"),
        "rake": make_item(company, "11", "  garden   RAKE ", sku=""),
        "spade": make_item(company, "12", "Spade", sku="SP-1", description="Steel", taxable=True),
        "linked": make_item(company, "13", "Linked Item"),
        "taken": make_item(company, "14", "Taken Name"),
        "old": make_item(company, "15", "Old (deleted)", active=False),
        "category": make_item(company, "16", "Garden", type=Item.Type.CATEGORY),
    }


@pytest.fixture
def products(company):
    return {
        # A SKU match wins over the name: the hose is sold here as "Hose, 25 ft".
        "hose": Product.objects.create(company=company, name="Hose, 25 ft", sku="HOSE-25"),
        "rake": Product.objects.create(company=company, name="Garden Rake"),
        "linked": Product.objects.create(company=company, name="Linked", qbo_item_id="13"),
        "taken": Product.objects.create(company=company, name="taken name", qbo_item_id="99"),
    }


def test_the_preview_proposes_link_create_or_skip_for_each_item(owner_client, items, products):
    shown = proposals(owner_client.get(URL, {"show": "all"}))
    assert shown == {
        "Garden Hose": (("link", "skip"), "link", "Hose, 25 ft"),
        "  garden   RAKE ": (("link", "skip"), "link", "Garden Rake"),
        "Spade": (("create", "skip"), "create", None),
        "Linked Item": (("skip",), "skip", "Linked"),
        "Taken Name": (("skip",), "skip", "taken name"),
    }  # inactive items and categories aren't offered
    default = proposals(owner_client.get(URL))
    assert "Linked Item" not in default  # by default: items no product is linked to
    page = owner_client.get(URL, {"show": "all"}).text
    assert "linked to another QuickBooks item" in page


def test_applying_creates_links_and_skips(owner_client, company, items, products):
    data = {
        "item": [items[k].pk for k in ("hose", "rake", "spade", "linked")],
        f"action-{items['hose'].pk}": "link",
        f"action-{items['rake'].pk}": "skip",
        f"action-{items['spade'].pk}": "create",
    }
    response = owner_client.post(URL, data, follow=True)
    assert "1 created, 1 linked, 2 skipped" in response.text
    products["hose"].refresh_from_db()
    products["rake"].refresh_from_db()
    assert (products["hose"].qbo_item_id, products["hose"].qbo_item_name) == ("10", "Garden Hose")
    assert products["hose"].name == "Hose, 25 ft"
    assert products["rake"].qbo_item_id == ""
    spade = Product.objects.get(company=company, qbo_item_id="12")
    assert (spade.name, spade.sku, spade.description, spade.taxable) == (
        "Spade",
        "SP-1",
        "Steel",
        True,
    )
    assert spade.unit_price == Decimal("0.00")
    # Applied again (a double click): nothing more happens.
    owner_client.post(URL, data)
    assert Product.objects.filter(company=company).count() == 5


def test_a_created_product_gets_the_items_price_in_cents(owner_client, company, items):
    item = items["hose"]
    owner_client.post(URL, {"item": [item.pk], f"action-{item.pk}": "create"})
    product = Product.objects.get(company=company, qbo_item_id=item.qbo_id)
    assert (product.name, product.unit_price) == ("Garden Hose", Decimal("19.99"))


def test_choices_are_judged_again_when_applied(owner_client, company, items, products):
    taken, spade = items["taken"], items["spade"]
    # A forged "create" for an item whose name is taken, a "link" for one with no match.
    data = {
        "item": [taken.pk, spade.pk],
        f"action-{taken.pk}": "create",
        f"action-{spade.pk}": "link",
    }
    response = owner_client.post(URL, data, follow=True)
    assert "0 created, 0 linked, 0 skipped" in response.text
    assert "Nothing was changed" in response.text
    assert Product.objects.filter(company=company).count() == 4
    assert not Product.objects.filter(qbo_item_id__in=["12", "14"]).exists()


@pytest.mark.parametrize(
    "data",
    [{}, {"item": ["x"]}, {"item": ["1"], "action-1": "delete"}],
    ids=["nothing", "not an id", "unknown action"],
)
def test_a_malformed_confirm_is_refused_with_a_reason(owner_client, items, data):
    response = owner_client.post(URL, data)
    assert response.status_code == 400
    assert b"create, link or skip" in response.content


def test_two_items_of_one_name_create_one_product_and_say_why_not_the_other(owner_client, company):
    first = make_item(company, "20", "Bolt", fully_qualified_name="Parts:Bolt")
    second = make_item(company, "21", "Bolt", fully_qualified_name="Tools:Bolt")
    data = {"item": [first.pk, second.pk], f"action-{first.pk}": "create"}
    data[f"action-{second.pk}"] = "create"
    response = owner_client.post(URL, data, follow=True)
    assert "1 created" in response.text
    assert "a product with this name, SKU or item was saved meanwhile" in response.text
    assert Product.objects.filter(company=company).count() == 1


def test_the_products_page_links_to_the_import_and_flags_inactive_items(
    owner_client, company, items
):
    Product.objects.create(company=company, name="Still Sold", qbo_item_id=items["old"].qbo_id)
    Product.objects.create(company=company, name="Fine", qbo_item_id=items["hose"].qbo_id)
    page = owner_client.get("/products/")
    assert URL in page.text
    assert page.text.count("Inactive in QuickBooks") == 1


def test_the_import_preview_pages_through_the_sandbox_items(owner_client, connected, qbo, company):
    seed_items(qbo, connected.realm_id, 250)
    sync.sync_company(company.pk)
    first = owner_client.get(URL, {"q": "generated"})
    assert len(first.context["proposals"]) == 100
    active = 250 - 250 // 7  # every seventh generated item is inactive
    assert first.context["page"].paginator.count == active
    choices = {"item": [p.item.pk for p in first.context["proposals"]]}
    choices |= {f"action-{p.item.pk}": "create" for p in first.context["proposals"]}
    owner_client.post(f"{URL}?q=generated", choices)
    assert Product.objects.filter(company=company).count() == 100
    assert owner_client.get(URL, {"q": "generated"}).context["page"].paginator.count == active - 100


def test_another_company_sees_and_changes_none_of_our_items(bob_client, company, items, products):
    response = bob_client.get(URL, {"show": "all", "q": "garden"})
    assert response.context["proposals"] == []
    assert "Garden Hose" not in response.text
    data = {"item": [items["spade"].pk], f"action-{items['spade'].pk}": "create"}
    bob_client.post(URL, data)
    assert not Product.objects.filter(qbo_item_id="12").exists()
    assert Product.objects.exclude(company=company).count() == 0


def test_anonymous_visitors_are_sent_to_log_in(client):
    for method in ("get", "post"):
        response = getattr(client, method)(URL)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_imported_and_linked_products_take_the_items_tax_code_and_class(client, user, company, qbo):
    from qbo.client import open_client
    from tests.support import connect_through_consent

    realm = qbo.control.create_company(name="Albion Ltd", country="GB")
    client.force_login(user)
    assert connect_through_consent(client, qbo, realm_id=realm).status_code == 302
    income = income_account(qbo, realm)
    with open_client(company) as qb:
        design = qb.create("Class", {"Name": "Design"}, request_id="t-class")["Id"]
        for n, (name, code) in enumerate([("Tea", "4"), ("Cups", "2")]):
            body = {
                "Name": name,
                "Type": "Service",
                "IncomeAccountRef": income,
                "SalesTaxCodeRef": {"value": code},
                "ClassRef": {"value": design, "name": "Design"},
            }
            qb.create("Item", body, request_id=f"t-item-{n}")
    cups = Product.objects.create(company=company, name="Cups", qbo_tax_code_id="3")
    sync.sync_company(company.pk)
    tea_item, cups_item = (Item.objects.get(company=company, name=n) for n in ("Tea", "Cups"))
    data = {"item": [tea_item.pk, cups_item.pk]}
    data |= {f"action-{tea_item.pk}": "create", f"action-{cups_item.pk}": "link"}
    client.post(URL, data)

    tea = Product.objects.get(company=company, name="Tea")
    assert (tea.qbo_tax_code_id, tea.qbo_class_id, tea.qbo_class_name) == ("4", design, "Design")
    cups.refresh_from_db()
    assert cups.qbo_item_id == cups_item.qbo_id
    # Linking fills only what the product didn't say: its own tax code stays.
    assert (cups.qbo_tax_code_id, cups.qbo_class_id) == ("3", design)
