"""What a person can type into the new-order form: plain numbers only, dates QuickBooks takes."""

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
