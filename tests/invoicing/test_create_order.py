from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from invoicing import services
from invoicing.models import Order, Product
from invoicing.services import NewLine
from tests.invoicing.support import make_customer
from tests.support import order_post

pytestmark = pytest.mark.django_db


def line(description="Consulting", quantity="1", unit_price="10.00", product=None) -> NewLine:
    return NewLine(
        product=product,
        description=description,
        quantity=Decimal(quantity),
        unit_price=Decimal(unit_price),
        taxable=True,
    )


def create(company, user, *lines: NewLine, **fields) -> Order:
    fields.setdefault("new_customer_name", "Walk-in Customer")
    return services.create_order(
        company=company, created_by=user, order_date=date(2026, 3, 2), lines=lines, **fields
    )


# --- The service --------------------------------------------------------------------------


def test_line_amounts_round_half_up_to_cents():
    assert services.line_amount(Decimal("3"), Decimal("0.335")) == Decimal("1.01")  # 1.005
    assert services.line_amount(Decimal("0.5"), Decimal("0.05")) == Decimal("0.03")  # 0.025
    assert services.line_amount(Decimal("1.5"), Decimal("0.03")) == Decimal("0.05")  # 0.045
    assert services.line_amount(Decimal("2"), Decimal("19.99")) == Decimal("39.98")


def test_saves_lines_and_decimal_totals(company, user, product):
    order = create(
        company,
        user,
        line(quantity="1.5", unit_price="0.03"),
        line(description="", quantity="3", unit_price="12.50", product=product),
    )
    order.refresh_from_db()
    assert order.subtotal == order.total == Decimal("37.55")
    assert isinstance(order.total, Decimal)
    assert [(x.position, x.amount) for x in order.lines.all()] == [
        (1, Decimal("0.05")),
        (2, Decimal("37.50")),
    ]
    assert order.lines.get(position=2).product == product
    assert order.push_status == Order.PushStatus.PENDING
    assert order.created_by == user


def test_numbers_orders_from_1001_per_company(company, other_company, user):
    numbers = [create(company, user, line()).number for _ in range(3)]
    assert numbers == ["1001", "1002", "1003"]
    assert create(other_company, None, line()).number == "1001"


def test_numbering_follows_the_highest_number_numerically(company, user):
    from tests.invoicing.support import make_order

    make_order(company, number="999")
    make_order(company, number="1009")
    make_order(company, number="INV-7")  # not ours: ignored
    assert create(company, user, line()).number == "1010"


def test_queues_exactly_one_push_after_commit(
    company, user, django_capture_on_commit_callbacks, published_tasks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        create(company, user, line())
    assert len(callbacks) == 1
    assert published_tasks == []  # nothing leaves before the commit
    callbacks[0]()
    assert published_tasks == [("invoicing.tasks.push_company", (company.pk, 0))]


def test_refuses_another_companys_customer_or_product(company, other_company, user):
    theirs = make_customer(other_company, "Their customer")
    their_product = Product.objects.create(company=other_company, name="Theirs")
    with pytest.raises(ValueError):
        create(company, user, line(), customer=theirs, new_customer_name="")
    with pytest.raises(ValueError):
        create(company, user, line(product=their_product))
    assert not Order.objects.exists()


# --- The page -----------------------------------------------------------------------------


def test_new_order_page_defaults_to_today_and_usd(owner_client):
    response = owner_client.get("/orders/new/")
    assert response.status_code == 200
    form = response.context["form"]
    assert form["order_date"].value() == timezone.localdate()
    # Empty: the customer's currency, else the company's home currency (shown as a hint).
    assert not form["currency"].value() and 'placeholder="USD"' in response.text
    for label in ("Customer", "New customer name", "Description", "Quantity", "Unit price"):
        assert f">{label}</label>" in response.text
    assert "Add line" in response.text and "Create order" in response.text


def test_creates_an_order_for_an_existing_customer(
    owner_client, company, customer, product, django_capture_on_commit_callbacks
):
    data = order_post(
        {"product": str(product.pk), "quantity": "2", "unit_price": "12.50"},
        {"description": "Setup fee", "quantity": "1.5", "unit_price": "0.03"},
        customer=str(customer.pk),
        customer_search=customer.display_name,
        due_date="2026-04-01",
        memo="Thanks!",
        # Posted totals are ignored: the server computes them.
        subtotal="1.00",
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = owner_client.post("/orders/new/", data)
    order = Order.objects.get(company=company)
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.pk}/"
    assert order.customer == customer and order.new_customer_name == ""
    assert order.total == Decimal("25.05")  # 25.00 + 0.045 rounded half-up
    assert (order.due_date, order.memo, order.number) == (date(2026, 4, 1), "Thanks!", "1001")
    assert len(callbacks) == 1
    follow = owner_client.get(response["Location"])
    assert "Order 1001 created" in follow.text


def test_creates_an_order_for_a_new_customer(owner_client, company):
    data = order_post(
        {"description": "Repair", "unit_price": "80"},
        new_customer_name="Initech",
        new_customer_email="billing@initech.test",
    )
    assert owner_client.post("/orders/new/", data).status_code == 302
    order = Order.objects.get(company=company)
    assert (order.customer, order.new_customer_name) == (None, "Initech")
    assert order.new_customer_email == "billing@initech.test"


def test_a_customer_named_exactly_in_the_search_box_is_picked(owner_client, company, customer):
    data = order_post(
        {"description": "Repair", "unit_price": "5"}, customer_search="globex corporation"
    )
    assert owner_client.post("/orders/new/", data).status_code == 302
    assert Order.objects.get(company=company).customer == customer


def test_unmatched_search_text_is_ignored_for_a_new_customer(owner_client, company, customer):
    data = order_post(
        {"description": "Repair", "unit_price": "5"},
        customer_search="Init",
        new_customer_name="Initech",
    )
    assert owner_client.post("/orders/new/", data).status_code == 302
    order = Order.objects.get(company=company)
    assert (order.customer, order.new_customer_name) == (None, "Initech")


def test_a_product_line_without_a_price_uses_the_products_price(owner_client, company, product):
    data = order_post({"product": str(product.pk)}, new_customer_name="Initech")
    assert owner_client.post("/orders/new/", data).status_code == 302
    assert Order.objects.get(company=company).lines.get().unit_price == Decimal("12.50")


def errors_for(owner_client, data) -> str:
    response = owner_client.post("/orders/new/", data)
    assert response.status_code == 200
    assert not Order.objects.exists()
    return response.text


def test_needs_at_least_one_line(owner_client):
    assert "Add at least one line." in errors_for(owner_client, order_post(new_customer_name="X"))


def test_an_untouched_blank_line_does_not_count(owner_client):
    blank = {"quantity": "1", "taxable": "on"}
    assert "Add at least one line." in errors_for(
        owner_client, order_post(blank, new_customer_name="X")
    )


def test_needs_a_customer(owner_client):
    text = errors_for(owner_client, order_post({"description": "Repair", "unit_price": "5"}))
    assert "Pick a customer, or enter a new customer name." in text


def test_refuses_both_a_customer_and_a_new_one(owner_client, customer):
    data = order_post(
        {"description": "Repair", "unit_price": "5"},
        customer=str(customer.pk),
        new_customer_name="Initech",
    )
    assert "Pick an existing customer or enter a new one, not both." in errors_for(
        owner_client, data
    )


def test_refuses_a_new_customer_named_like_an_existing_one(owner_client, customer):
    data = order_post(
        {"description": "R", "unit_price": "5"}, new_customer_name="GLOBEX Corporation"
    )
    assert "same QuickBooks name as the customer “Globex Corporation”: pick it under Customer." in (
        errors_for(owner_client, data)
    )


def test_unknown_customer_text_is_an_error(owner_client, customer):
    data = order_post({"description": "R", "unit_price": "5"}, customer_search="Globe")
    assert "No customer named “Globe”: pick one from the list." in errors_for(owner_client, data)


def test_inactive_or_deleted_customers_cannot_be_picked(owner_client, company, customer):
    customer.deleted_in_qbo = True
    customer.save()
    data = order_post({"description": "R", "unit_price": "5"}, customer=str(customer.pk))
    assert "Pick a customer from the list." in errors_for(owner_client, data)


def test_refuses_a_negative_price_and_a_zero_quantity(owner_client):
    data = order_post(
        {"description": "Refund", "unit_price": "-5"},
        {"description": "Nothing", "quantity": "0", "unit_price": "5"},
        new_customer_name="X",
    )
    text = errors_for(owner_client, data)
    assert "The unit price can&#x27;t be negative." in text
    assert "The quantity must be more than zero." in text


def test_a_line_needs_a_product_or_description_and_a_price(owner_client):
    text = errors_for(owner_client, order_post({"quantity": "2"}, new_customer_name="X"))
    assert "Pick a product or type a description." in text
    assert "Enter a unit price." in text


def test_refuses_more_than_two_decimals(owner_client):
    data = order_post(
        {"description": "R", "quantity": "1.005", "unit_price": "5"}, new_customer_name="X"
    )
    assert "Ensure that there are no more than 2 decimal places." in errors_for(owner_client, data)


def test_refuses_a_due_date_before_the_order_date(owner_client):
    data = order_post(
        {"description": "R", "unit_price": "5"}, new_customer_name="X", due_date="2026-03-01"
    )
    assert "The due date can&#x27;t be before the order date." in errors_for(owner_client, data)


def test_refuses_a_memo_over_1000_characters(owner_client):
    data = order_post(
        {"description": "R", "unit_price": "5"}, new_customer_name="X", memo="m" * 1001
    )
    assert "Ensure this value has at most 1000 characters" in errors_for(owner_client, data)


def test_refuses_another_companys_product(owner_client, other_company):
    theirs = Product.objects.create(company=other_company, name="Theirs", unit_price=1)
    data = order_post({"product": str(theirs.pk), "unit_price": "1"}, new_customer_name="X")
    assert "Pick one of your active products." in errors_for(owner_client, data)


def test_refuses_an_inactive_product(owner_client, product):
    product.active = False
    product.save()
    data = order_post({"product": str(product.pk), "unit_price": "1"}, new_customer_name="X")
    assert "Pick one of your active products." in errors_for(owner_client, data)


def test_keeps_everything_typed_when_re_rendering_errors(owner_client, customer, product):
    data = order_post(
        {"product": str(product.pk), "quantity": "3", "unit_price": "11.11", "taxable": None},
        {"description": "Rush delivery", "quantity": "0", "unit_price": "25.00"},
        customer=str(customer.pk),
        customer_search="Globex Corporation",
        due_date="2026-04-15",
        memo="Deliver to dock 4",
        currency="EUR",
    )
    response = owner_client.post("/orders/new/", data)
    form, lines = response.context["form"], response.context["lines"]
    assert form["customer"].value() == str(customer.pk)
    assert form["customer_search"].value() == "Globex Corporation"
    assert form["memo"].value() == "Deliver to dock 4"
    assert form["due_date"].value() == "2026-04-15" and form["currency"].value() == "EUR"
    assert len(lines.forms) == 2
    assert lines.forms[0]["unit_price"].value() == "11.11"
    assert lines.forms[0]["taxable"].value() is False
    assert lines.forms[1]["description"].value() == "Rush delivery"
    for shown in ('value="11.11"', 'value="Rush delivery"', "Deliver to dock 4", 'value="EUR"'):
        assert shown in response.text


def test_customer_search_matches_name_company_and_email(owner_client, company, customer):
    make_customer(company, "Hooli", email="pay@hooli.test")
    make_customer(company, "Gone Inc", active=False)
    make_customer(company, "Merged Globex", deleted_in_qbo=True)
    search = lambda text: owner_client.get("/orders/customers/", {"customer_search": text})  # noqa: E731
    names = lambda text: [c.display_name for c in search(text).context["customers"]]  # noqa: E731
    assert names("globex") == ["Globex Corporation"]
    assert names("hooli.test") == ["Hooli"]
    assert names("gone") == []
    assert names("") == []
    assert f'data-customer-id="{customer.pk}"' in search("Glob").text


def test_submitting_the_same_form_twice_makes_one_order(owner_client, company):
    data = order_post({"description": "Repair", "unit_price": "80"}, new_customer_name="Initech")
    first = owner_client.post("/orders/new/", data)
    second = owner_client.post("/orders/new/", data)
    order = Order.objects.get(company=company)
    assert first["Location"] == second["Location"] == f"/orders/{order.pk}/"


def test_refuses_amounts_too_large_for_an_invoice(owner_client, company):
    huge = order_post(
        {"description": "Everything", "quantity": "9999999999.99", "unit_price": "999999999999.99"},
        new_customer_name="Initech",
    )
    response = owner_client.post("/orders/new/", huge)
    assert response.status_code == 200
    assert "more than an invoice line can hold" in response.text
    two = order_post(
        {"description": "A", "quantity": "1", "unit_price": "999999999999.00"},
        {"description": "B", "quantity": "1", "unit_price": "999999999999.00"},
        new_customer_name="Initech",
    )
    assert "more than an invoice can hold" in owner_client.post("/orders/new/", two).text
    assert not Order.objects.exists()


def test_a_currency_the_customer_is_not_invoiced_in_is_a_form_error(owner_client, company):
    euro = make_customer(company, "Euro GmbH", currency="EUR")
    line = {"description": "Work", "unit_price": "10"}
    refused = owner_client.post(
        "/orders/new/", order_post(line, customer=str(euro.pk), currency="USD")
    )
    assert refused.status_code == 200 and "in EUR only" in refused.text
    assert not Order.objects.exists()
    made = owner_client.post("/orders/new/", order_post(line, customer=str(euro.pk)))
    assert made.status_code == 302
    assert Order.objects.get().currency == "EUR"  # the customer's, by default
