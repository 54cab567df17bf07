"""Order numbers stay unique and gapless when many orders are created at once."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from invoicing import services
from invoicing.models import Order
from invoicing.services import NewLine

WORKERS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_orders_get_distinct_sequential_numbers(company):
    barrier = threading.Barrier(WORKERS)
    errors: list[BaseException] = []
    line = NewLine(
        product=None,
        description="Repair",
        quantity=Decimal("1"),
        unit_price=Decimal("5"),
        taxable=True,
    )

    def create_one(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            services.create_order(
                company=company,
                created_by=None,
                new_customer_name=f"Customer {n}",
                order_date=date(2026, 3, 2),
                lines=[line],
            )
        except BaseException as error:  # reported to the main thread below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create_one, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    numbers = sorted(int(n) for n in Order.objects.values_list("number", flat=True))
    assert numbers == list(range(1001, 1001 + WORKERS))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_form_submitted_twice_at_once_makes_one_order(user, company):
    from django.test import Client

    from tests.support import order_post

    data = order_post({"description": "Repair", "unit_price": "80"}, new_customer_name="Initech")
    barrier = threading.Barrier(2)
    locations = []

    def submit() -> None:
        client = Client()
        client.force_login(user)
        barrier.wait(timeout=10)
        locations.append(client.post("/orders/new/", data)["Location"])
        connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    order = Order.objects.get(company=company)
    assert locations == [f"/orders/{order.pk}/"] * 2
