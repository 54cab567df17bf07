"""What a person can type into the new-order form: plain numbers only, dates QuickBooks takes."""

from decimal import Decimal

import pytest

from invoicing.models import Order

from .test_create_order import order_post

pytestmark = pytest.mark.django_db


def post_line(owner_client, **line) -> str:
    owner_client.raise_request_exception = False
    line = {"description": "Consulting", "unit_price": "10.00", **line}
    response = owner_client.post("/orders/new/", order_post(line, new_customer_name="Initech"))
    assert response.status_code == 200
    assert not Order.objects.exists()
    return response.text


@pytest.mark.parametrize("typed", ["sNaN", "NaN", "-sNaN", "Infinity", "1e", "twelve"])
def test_a_quantity_that_is_not_a_number_is_a_form_error(owner_client, typed):
    assert "Enter a number, such as 12.50." in post_line(owner_client, quantity=typed)


@pytest.mark.parametrize(
    ("typed", "understood"),
    [
        ("1e3", "1000"),
        ("1E+2", "100"),
        ("1_000", "1000"),
        ("\u0661\u0662", "12"),
        ("\uff11\uff12", "12"),
    ],
)
def test_a_quantity_written_other_than_plainly_is_refused_saying_what_it_read(
    owner_client, typed, understood
):
    page = post_line(owner_client, quantity=typed)
    assert f"decimal point only: did you mean {understood}?" in page


@pytest.mark.parametrize("typed", ["1e2", "1_0", "\u0665"])
def test_a_unit_price_written_other_than_plainly_is_refused(owner_client, typed):
    assert "decimal point only: did you mean" in post_line(owner_client, unit_price=typed)


def test_plain_numbers_are_still_taken(owner_client, company):
    line = {"description": "Consulting", "quantity": "2.5", "unit_price": ".50"}
    response = owner_client.post("/orders/new/", order_post(line, new_customer_name="Initech"))
    assert response.status_code == 302
    assert Order.objects.get(company=company).total == Decimal("1.25")


@pytest.mark.parametrize(
    ("field", "typed"),
    [
        ("order_date", "0001-01-01"),
        ("order_date", "9999-12-31"),
        ("order_date", "1899-12-31"),
        ("order_date", "2100-01-01"),
        ("due_date", "9999-12-31"),
    ],
)
def test_dates_outside_1900_to_2099_are_refused_at_the_form(owner_client, field, typed):
    owner_client.raise_request_exception = False
    data = order_post({"description": "x", "unit_price": "1"}, new_customer_name="Initech")
    data.update({"order_date": "2026-03-02", field: typed})
    response = owner_client.post("/orders/new/", data)
    assert response.status_code == 200
    assert "Enter a date between 1 January 1900 and 31 December 2099." in response.text
    assert not Order.objects.exists()


def test_a_date_in_other_digits_is_refused(owner_client):
    data = order_post({"description": "x", "unit_price": "1"}, new_customer_name="Initech")
    data["order_date"] = "٢٠٢٦-٠٣-٠٢"
    assert owner_client.post("/orders/new/", data).status_code == 200
    assert not Order.objects.exists()


def test_the_product_price_is_a_plain_number_too(owner_client, company):
    data = {"name": "Widget", "sku": "", "description": "", "unit_price": "1e3", "active": "on"}
    response = owner_client.post("/products/new/", data)
    assert response.status_code == 200
    assert "did you mean 1000?" in response.text
    assert not company.products.exists()
