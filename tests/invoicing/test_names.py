"""One rule for names, QuickBooks': what the push would send as one name is one name here."""

import pytest
from django.db import IntegrityError, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicing import references
from invoicing.models import Product
from invoicing.names import clean_name, name_key
from tests.invoicing.support import make_customer

from .test_create_order import errors_for, order_post

pytestmark = pytest.mark.django_db

SAME = [
    ("Wid get", "Wid  get"),
    ("a:b", "a-b"),
    ("Tab\there", "Tab here"),
    ("\u00c9clair", "\u00e9clair"),
    ("E\u0301clair", "\u00e9clair"),  # decomposed and composed é
    ("Stra\u00dfe", "STRASSE"),
    (" Widget ", "widget"),
]
examples_tried = {"names": 0}


def product_data(**overrides) -> dict:
    data = {"name": "", "sku": "", "description": "", "unit_price": "1.00", "active": "on"}
    return {**data, **overrides}


@pytest.mark.parametrize(("first", "second"), SAME)
def test_a_product_named_like_another_for_quickbooks_is_refused(
    owner_client, company, first, second
):
    Product.objects.create(company=company, name=first)

    response = owner_client.post("/products/new/", product_data(name=second))

    assert response.status_code == 200
    assert "is the same QuickBooks item name as your product" in response.text
    assert company.products.count() == 1


@pytest.mark.parametrize(("first", "second"), SAME)
def test_the_database_refuses_it_too(company, first, second):
    Product.objects.create(company=company, name=first)
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.create(company=company, name=second)


def test_names_that_differ_for_quickbooks_are_two_products(owner_client, company, other_company):
    Product.objects.create(company=company, name="Widget")
    Product.objects.create(company=other_company, name="Wid get")  # another company's
    assert owner_client.post("/products/new/", product_data(name="Wid get")).status_code == 302
    assert owner_client.post("/products/new/", product_data(name="Widgets")).status_code == 302


def test_renaming_keeps_the_key_in_step(company):
    product = Product.objects.create(company=company, name="Widget")
    product.name = "Gadget"
    product.save(update_fields=["name"])
    Product.objects.create(company=company, name="widget")  # the old name is free again
    product.refresh_from_db()
    assert product.name_key == "gadget"


@pytest.mark.parametrize(
    ("existing", "typed"),
    [
        ("Globex Corp", "globex  corp"),
        ("\u00c9clair Ltd", "\u00e9clair ltd"),
        ("A-B Traders", "a:b traders"),
    ],
)
def test_a_new_customer_named_like_an_existing_one_is_refused(
    owner_client, company, existing, typed
):
    make_customer(company, existing)
    data = order_post({"description": "R", "unit_price": "5"}, new_customer_name=typed)
    assert f"same QuickBooks name as the customer “{existing}”" in errors_for(owner_client, data)


def test_a_quickbooks_item_is_linked_to_one_product(company):
    Product.objects.create(company=company, name="Widget", qbo_item_id="7")
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.create(company=company, name="Gadget", qbo_item_id="7")


def test_the_push_names_the_same_function(company):
    assert references.clean_name("a:b\tc  d") == clean_name("a:b\tc  d") == "a-b c d"


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=120))
def test_the_normaliser_is_idempotent(name):
    examples_tried["names"] += 1
    assert clean_name(clean_name(name)) == clean_name(name)
    assert name_key(name_key(name)) == name_key(name)
    assert name_key(clean_name(name)) == name_key(name)
    assert not set(":\t\n\r") & set(clean_name(name))


def test_report_property_examples(record_property):
    print(f"\nname normaliser property: {examples_tried['names']} examples")
    record_property("name_examples", examples_tried["names"])
