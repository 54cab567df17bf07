from decimal import Decimal

import pytest

from invoicing.models import Product

pytestmark = pytest.mark.django_db


def product_data(**overrides) -> dict:
    data = {"name": "Gadget", "sku": "G-1", "description": "", "unit_price": "9.99"}
    data.update(taxable="on", active="on")
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_creates_a_product_for_the_current_company(owner_client, company):
    response = owner_client.post("/products/new/", product_data())
    assert response.status_code == 302
    product = Product.objects.get(company=company, name="Gadget")
    assert product.unit_price == Decimal("9.99")
    assert product.taxable and product.active


def test_edits_a_product(owner_client, product):
    response = owner_client.post(
        f"/products/{product.pk}/",
        product_data(name="Widget XL", sku="W-1", unit_price="14.00", taxable=None),
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.unit_price, product.taxable) == (
        "Widget XL",
        Decimal("14.00"),
        False,
    )


def test_duplicate_name_in_another_case_is_a_form_error(owner_client, product):
    response = owner_client.post("/products/new/", product_data(name="wIDGET", sku=""))
    assert response.status_code == 200
    assert "“wIDGET” is the same QuickBooks item name as your product “Widget”." in response.text
    assert Product.objects.filter(company=product.company).count() == 1


def test_renaming_to_a_taken_name_is_a_form_error(owner_client, company, product):
    gadget = Product.objects.create(company=company, name="Gadget")
    response = owner_client.post(f"/products/{gadget.pk}/", product_data(name="widget", sku=""))
    assert "“widget” is the same QuickBooks item name as your product “Widget”." in response.text
    gadget.refresh_from_db()
    assert gadget.name == "Gadget"


def test_keeping_its_own_name_is_not_a_duplicate(owner_client, product):
    response = owner_client.post(f"/products/{product.pk}/", product_data(name="Widget", sku="W-1"))
    assert response.status_code == 302


def test_duplicate_sku_is_a_form_error_but_blank_skus_may_repeat(owner_client, company, product):
    response = owner_client.post("/products/new/", product_data(sku="W-1"))
    assert "Another product already has the SKU “W-1”." in response.text
    Product.objects.create(company=company, name="No SKU one")
    response = owner_client.post("/products/new/", product_data(sku=""))
    assert response.status_code == 302


def test_the_same_name_is_fine_in_another_company(owner_client, other_company):
    Product.objects.create(company=other_company, name="Gadget", sku="G-1")
    response = owner_client.post("/products/new/", product_data())
    assert response.status_code == 302


def test_negative_unit_price_is_a_form_error(owner_client):
    response = owner_client.post("/products/new/", product_data(unit_price="-1.00"))
    assert "The unit price can&#x27;t be negative." in response.text
    assert not Product.objects.exists()


def test_deactivates_a_product(owner_client, product):
    response = owner_client.post(f"/products/{product.pk}/deactivate/")
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.active is False


def test_deactivate_needs_post(owner_client, product):
    assert owner_client.get(f"/products/{product.pk}/deactivate/").status_code == 405
    product.refresh_from_db()
    assert product.active


def test_edit_page_shows_the_quickbooks_item_read_only(owner_client, product):
    product.qbo_item_id, product.qbo_item_name = "19", "Widget"
    product.save()
    response = owner_client.get(f"/products/{product.pk}/")
    assert "Widget (id 19)" in response.text
    assert 'name="qbo_item_id"' not in response.text


def test_list_searches_and_filters_by_active(owner_client, company, product):
    Product.objects.create(company=company, name="Old gizmo", sku="OG", active=False)
    names = lambda response: [p.name for p in response.context["page"]]  # noqa: E731
    assert names(owner_client.get("/products/")) == ["Old gizmo", "Widget"]
    assert names(owner_client.get("/products/?active=yes")) == ["Widget"]
    assert names(owner_client.get("/products/?active=no")) == ["Old gizmo"]
    assert names(owner_client.get("/products/?q=og")) == ["Old gizmo"]
    assert names(owner_client.get("/products/?q=w-1")) == ["Widget"]


def test_list_paginates_by_25(owner_client, company):
    Product.objects.bulk_create(Product(company=company, name=f"P{n:02}") for n in range(30))
    first = owner_client.get("/products/")
    second = owner_client.get("/products/?page=2")
    assert len(first.context["page"]) == 25
    assert [p.name for p in second.context["page"]] == [f"P{n:02}" for n in range(25, 30)]
    assert "?page=2" in first.text


def test_empty_list_invites_the_first_product(owner_client):
    assert "Add your first product" in owner_client.get("/products/").text
