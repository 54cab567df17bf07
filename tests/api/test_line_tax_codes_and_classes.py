"""A QuickBooks tax code and class per line through the API (issue 15), on create and on
edit, checked as the order form checks them: against the local sandbox over real HTTP, the
pushed invoice's TaxCodeRef and ClassRef read back from the sandbox."""

from decimal import Decimal

import pytest

from invoicing import dimensions, drains
from invoicing.models import Order, OrderWrite, Product
from qbo.client import open_client
from tests.api.conftest import order_body
from tests.invoicing.test_totals_matrix import the_invoice
from tests.support import connect_through_consent

pytestmark = pytest.mark.django_db

# The sandbox's GB codes (qbo_sandbox entities/tax.py GLOBAL_CODES).
STANDARD, REDUCED, ZERO = "2", "3", "4"
PICK_A_CODE = "Pick one of QuickBooks' tax codes."
PICK_A_CLASS = "Pick one of QuickBooks' active classes."


def _connect(client, user, qbo, **company) -> str:
    realm = qbo.control.create_company(name="Albion Ltd", **company)
    client.force_login(user)
    assert connect_through_consent(client, qbo, realm_id=realm).status_code == 302
    return realm


@pytest.fixture
def uk(client, user, qbo) -> str:
    return _connect(client, user, qbo, country="GB")


@pytest.fixture
def uk_classes(client, user, qbo) -> str:
    """A GB company that assigns a class to each line."""
    return _connect(client, user, qbo, country="GB", features={"class_tracking": "line"})


def make_class(company, name: str) -> str:
    with open_client(company) as qb:
        return str(qb.create("Class", {"Name": name}, request_id=f"t-class-{name}")["Id"])


def deactivate_class(company, class_id: str) -> None:
    with open_client(company) as qb:
        row = qb.read("Class", class_id)
        body = {"Id": class_id, "SyncToken": row["SyncToken"], "sparse": True, "Active": False}
        qb.update("Class", body, request_id=f"t-off-{class_id}")
    dimensions.forget(company.pk)  # as the form's lists, after their few minutes


def sales(invoice: dict) -> list[dict]:
    return [
        ln["SalesItemLineDetail"]
        for ln in invoice["Line"]
        if ln["DetailType"] == "SalesItemLineDetail"
    ]


def codes(invoice: dict) -> list[tuple]:
    return [
        ((d.get("TaxCodeRef") or {}).get("value"), (d.get("ClassRef") or {}).get("value"))
        for d in sales(invoice)
    ]


def pushed(api, company, body: dict) -> Order:
    response = api.post("/api/v1/orders/", body)
    assert response.status_code == 201, response.json()
    drains.drain(company.pk)
    order = Order.objects.get(pk=response.json()["id"])
    assert order.push_status == "synced", order.last_error
    return order


def test_each_lines_tax_code_and_class_reach_the_invoice_as_given(api, company, qbo, uk_classes):
    design, retail = make_class(company, "Design"), make_class(company, "Retail")
    widget = Product.objects.create(
        company=company,
        name="Widget",
        unit_price=Decimal("10.00"),
        qbo_tax_code_id=STANDARD,
        qbo_tax_code_name="20.0% S",
        qbo_class_id=design,
        qbo_class_name="Design",
    )
    lines = [
        {"product": widget.pk, "quantity": "2"},  # the product's code and class
        {"product": widget.pk, "qbo_tax_code_id": REDUCED, "qbo_class_id": retail},
        {"description": "Books", "unit_price": "30.00", "qbo_tax_code_id": ZERO},
    ]
    response = api.post("/api/v1/orders/", order_body(lines=lines))
    assert response.status_code == 201, response.json()
    read = [
        (ln["qbo_tax_code_id"], ln["qbo_tax_code_name"], ln["qbo_class_id"])
        for ln in response.json()["lines"]
    ]
    assert read == [
        (STANDARD, "20.0% S", design),
        (REDUCED, "5.0% R", retail),
        (ZERO, "0.0% Z", ""),
    ]
    drains.drain(company.pk)
    order = Order.objects.get(pk=response.json()["id"])
    assert order.push_status == "synced", order.last_error

    invoice = the_invoice(qbo, uk_classes, order)
    assert codes(invoice) == [(STANDARD, design), (REDUCED, retail), (ZERO, None)]
    # 20 % of 20.00, 5 % of 10.00, 0 % of 30.00
    assert Decimal(str(invoice["TxnTaxDetail"]["TotalTax"])) == Decimal("4.50")


@pytest.mark.parametrize("bad", ["999", "TAX", "NON"])
def test_a_tax_code_not_among_the_companys_is_a_400_naming_the_line(api, company, qbo, uk, bad):
    lines = [
        {"description": "Fine", "unit_price": "1", "qbo_tax_code_id": STANDARD},
        {"description": "Bad", "unit_price": "1", "qbo_tax_code_id": bad},
    ]
    response = api.post("/api/v1/orders/", order_body(lines=lines))
    assert response.status_code == 400, response.json()
    body = response.json()
    assert (body["field"], body["code"], body["message"]) == (
        "lines[1].qbo_tax_code_id",
        "invalid_choice",
        PICK_A_CODE,
    )
    assert not Order.objects.exists()


def test_an_inactive_or_unknown_class_is_a_400_naming_the_line(api, company, qbo, uk_classes):
    old = make_class(company, "Old")
    deactivate_class(company, old)
    for bad in (old, "999999"):
        lines = [{"description": "X", "unit_price": "1", "qbo_tax_code_id": ZERO}] * 2
        lines = [lines[0], {**lines[1], "qbo_class_id": bad}]
        response = api.post("/api/v1/orders/", order_body(lines=lines))
        assert response.status_code == 400, response.json()
        assert (response.json()["field"], response.json()["message"]) == (
            "lines[1].qbo_class_id",
            PICK_A_CLASS,
        )
    assert not Order.objects.exists()


def test_a_us_companys_lines_take_no_tax_code(api, connected, company):
    lines = [{"description": "X", "unit_price": "1", "qbo_tax_code_id": "TAX"}]
    response = api.post("/api/v1/orders/", order_body(lines=lines))
    assert response.status_code == 400, response.json()
    body = response.json()
    assert (body["field"], body["code"]) == ("lines[0].qbo_tax_code_id", "not_tracked")
    assert "`taxable`" in body["message"]
    # As the order form: `taxable` makes the line TAX or NON.
    made = api.post("/api/v1/orders/", order_body(lines=[{**lines[0], "qbo_tax_code_id": ""}]))
    assert made.status_code == 201, made.json()


def test_an_edit_sets_a_lines_tax_code_and_class_and_keeps_those_left_out(
    api, company, qbo, uk_classes
):
    design, retail = make_class(company, "Design"), make_class(company, "Retail")
    widget = Product.objects.create(
        company=company, name="Widget", unit_price=Decimal("10.00"), qbo_tax_code_id=STANDARD
    )
    order = pushed(
        api,
        company,
        order_body(
            lines=[
                {"product": widget.pk, "qbo_tax_code_id": REDUCED, "qbo_class_id": design},
                {"description": "Books", "unit_price": "30.00", "qbo_tax_code_id": ZERO},
            ]
        ),
    )
    edit = [
        {"product": widget.pk, "quantity": "3"},  # left out: the saved line's, not the product's
        {"description": "Books", "unit_price": "30.00", "qbo_tax_code_id": STANDARD},
        {
            "description": "Bag",
            "unit_price": "1.00",
            "qbo_tax_code_id": ZERO,
            "qbo_class_id": retail,
        },
    ]
    response = api.post(f"/api/v1/orders/{order.pk}/edit/", {"lines": edit})
    assert response.status_code == 200, response.json()
    drains.drain(company.pk)
    [write] = OrderWrite.objects.filter(order=order)
    assert write.status == "done", write.last_error
    invoice = the_invoice(qbo, uk_classes, order)
    assert codes(invoice) == [(REDUCED, design), (STANDARD, None), (ZERO, retail)]
    # 5 % of 30.00, 20 % of 30.00, 0 % of 1.00
    assert Decimal(str(invoice["TxnTaxDetail"]["TotalTax"])) == Decimal("7.50")

    # Empty: the product's default, as the edit page's "— Product's or settings' —".
    edit[0] = {**edit[0], "qbo_tax_code_id": "", "qbo_class_id": ""}
    assert api.post(f"/api/v1/orders/{order.pk}/edit/", {"lines": edit}).status_code == 200
    drains.drain(company.pk)
    invoice = the_invoice(qbo, uk_classes, order)
    assert codes(invoice)[0] == (STANDARD, None)


def test_an_edits_unknown_tax_code_or_class_is_a_400_and_writes_nothing(
    api, company, qbo, uk_classes
):
    order = pushed(
        api,
        company,
        order_body(lines=[{"description": "Books", "unit_price": "30", "qbo_tax_code_id": ZERO}]),
    )
    before = the_invoice(qbo, uk_classes, order)
    path = f"/api/v1/orders/{order.pk}/edit/"
    line = {"description": "Books", "unit_price": "30"}
    for bad, field, message in [
        ({"qbo_tax_code_id": "999"}, "qbo_tax_code_id", PICK_A_CODE),
        ({"qbo_class_id": "999999"}, "qbo_class_id", PICK_A_CLASS),
    ]:
        response = api.post(path, {"lines": [line, {**line, **bad}]})
        assert response.status_code == 400, response.json()
        assert (response.json()["field"], response.json()["message"]) == (
            f"lines[1].{field}",
            message,
        )
    assert not OrderWrite.objects.filter(order=order).exists()
    drains.drain(company.pk)
    assert the_invoice(qbo, uk_classes, order)["SyncToken"] == before["SyncToken"]


def test_an_edit_refuses_a_class_where_the_company_classes_no_lines(
    api, connected, company, qbo, sandbox_realm
):
    order = pushed(api, company, order_body())
    line = {"description": "Consulting", "unit_price": "40.00"}
    for bad, field in [({"qbo_class_id": "1"}, "lines"), ({"qbo_tax_code_id": "2"}, None)]:
        response = api.post(f"/api/v1/orders/{order.pk}/edit/", {"lines": [{**line, **bad}]})
        assert response.status_code == 400, response.json()
        assert response.json()["code"] == "not_tracked"
        assert response.json()["field"] == (field or "lines[0].qbo_tax_code_id")
    assert not OrderWrite.objects.filter(order=order).exists()
