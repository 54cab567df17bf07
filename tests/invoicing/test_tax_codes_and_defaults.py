"""A tax code per product and per line for companies outside the US, and default classes per
product and customer: chosen on the pages, sent with the invoice to the sandbox over real HTTP,
and the invoice's tax and total are what the order page shows."""

import uuid
from decimal import Decimal

import pytest

from customers.models import Customer
from invoicing import drains
from invoicing.models import Order, Product
from tests.invoicing.test_dimensions import make, posted_order, the_invoice, tracked_company
from tests.support import connect_through_consent, order_post

pytestmark = pytest.mark.django_db

# The sandbox's GB codes (qbo_sandbox entities/tax.py GLOBAL_CODES, QBO-TRANSACTIONS.md §7.2).
STANDARD, REDUCED, ZERO = "2", "3", "4"


@pytest.fixture
def uk(client, user, company, qbo) -> str:
    realm = qbo.control.create_company(name="Albion Ltd", country="GB")
    client.force_login(user)
    assert connect_through_consent(client, qbo, realm_id=realm).status_code == 302
    return realm


def product_post(**fields) -> dict:
    base = {"name": "Widget", "description": "", "unit_price": "50.00", "active": "on"}
    return {**base, "taxable": "on", **fields}


def sales_lines(invoice: dict) -> list[dict]:
    return [
        line["SalesItemLineDetail"]
        for line in invoice["Line"]
        if line["DetailType"] == "SalesItemLineDetail"
    ]


def test_each_line_is_taxed_by_its_own_code_as_the_order_page_shows(client, company, qbo, uk):
    form = client.get("/products/new/").content.decode()
    assert 'name="tax_code"' in form and "20.0% S" in form and 'value="TAX"' not in form
    assert client.post("/products/new/", product_post(tax_code=STANDARD)).status_code == 302
    widget = Product.objects.get(company=company)
    assert (widget.qbo_tax_code_id, widget.qbo_tax_code_name) == (STANDARD, "20.0% S")

    page = client.get("/orders/new/").content.decode()
    assert 'name="lines-0-line_tax_code"' in page and "0.0% Z" in page
    # No company tax code in Invoicing settings: each line's own code is enough.
    order = posted_order(
        client,
        {"product": str(widget.pk), "quantity": "2", "unit_price": ""},  # the product's code
        {"description": "Books", "unit_price": "30.00", "line_tax_code": ZERO},
    )
    assert [line.qbo_tax_code_id for line in order.lines.all()] == [STANDARD, ZERO]
    drains.drain(company.pk)
    order.refresh_from_db()
    assert order.push_status == "synced", order.last_error

    invoice = the_invoice(qbo, uk, order)
    assert [d["TaxCodeRef"]["value"] for d in sales_lines(invoice)] == [STANDARD, ZERO]
    # 20 % of 100.00 and 0 % of 30.00: one tax line per rate, as QuickBooks answers.
    assert Decimal(str(invoice["TxnTaxDetail"]["TotalTax"])) == Decimal("20.00")
    assert Decimal(str(invoice["TotalAmt"])) == Decimal("150.00")
    assert (order.qbo_tax, order.qbo_total) == (Decimal("20.00"), Decimal("150.00"))

    shown = client.get(f"/orders/{order.pk}/").content.decode()
    assert '<td class="num" id="order-tax">20.00' in shown
    assert "150.00 GBP" in shown and "Differs" not in shown
    assert "20.0% S" in shown and "0.0% Z" in shown


def test_a_line_code_overrides_the_products_and_settings_fill_the_rest(client, company, qbo, uk):
    from invoicing.models import InvoicingSettings

    InvoicingSettings.objects.create(company=company, tax_code_id=ZERO, tax_code_name="0.0% Z")
    widget = Product.objects.create(
        company=company, name="Widget", unit_price=Decimal("10.00"), qbo_tax_code_id=STANDARD
    )
    order = posted_order(
        client,
        {"product": str(widget.pk), "line_tax_code": REDUCED},  # 5 % instead of 20 %
        {"description": "Plain", "unit_price": "10.00"},  # neither: the settings' 0 %
    )
    drains.drain(company.pk)
    order.refresh_from_db()
    assert order.push_status == "synced", order.last_error
    invoice = the_invoice(qbo, uk, order)
    assert [d["TaxCodeRef"]["value"] for d in sales_lines(invoice)] == [REDUCED, ZERO]
    assert Decimal(str(invoice["TxnTaxDetail"]["TotalTax"])) == Decimal("0.50")
    assert order.qbo_total == Decimal("20.50")


def test_a_tax_code_not_in_quickbooks_is_a_form_error(client, company, qbo, uk):
    response = client.post("/products/new/", product_post(tax_code="999"))
    assert response.status_code == 200
    assert "Pick one of QuickBooks&#x27; tax codes." in response.content.decode()
    assert not Product.objects.exists()

    for bad in ("999", "TAX"):  # TAX/NON are US pseudo codes, not a GB line's code
        response = client.post(
            "/orders/new/",
            order_post(
                {"description": "X", "unit_price": "1", "line_tax_code": bad},
                new_customer_name="Ann",
            ),
        )
        assert response.status_code == 200
        assert "Pick one of QuickBooks&#x27; tax codes." in response.content.decode()
    assert not Order.objects.exists()


def test_a_line_without_any_code_fails_before_calling_quickbooks(client, company, qbo, uk):
    order = posted_order(client, {"description": "Work", "unit_price": "10"})
    drains.drain(company.pk)
    order.refresh_from_db()
    assert order.push_status == "failed"
    assert "no tax code" in order.last_error and not order.qbo_invoice_id


def test_us_companies_get_no_tax_code_fields(client, connected, company):
    assert 'name="tax_code"' not in client.get("/products/new/").content.decode()
    page = client.get("/orders/new/").content.decode()
    assert 'name="lines-0-line_tax_code"' not in page


def test_an_edit_keeps_each_lines_tax_code(client, company, qbo, uk):
    widget = Product.objects.create(
        company=company, name="Widget", unit_price=Decimal("10.00"), qbo_tax_code_id=STANDARD
    )
    order = posted_order(
        client,
        {"product": str(widget.pk)},
        {"description": "Books", "unit_price": "30.00", "line_tax_code": ZERO},
    )
    drains.drain(company.pk)
    order.refresh_from_db()
    edit = {
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "2",
        "lines-0-product": str(widget.pk),
        "lines-0-quantity": "3",
        "lines-0-unit_price": "10.00",
        "lines-0-taxable": "on",
        "lines-0-line_tax_code": STANDARD,
        "lines-1-description": "Books",
        "lines-1-quantity": "1",
        "lines-1-unit_price": "30.00",
        "lines-1-taxable": "on",
        "lines-1-line_tax_code": ZERO,
    }
    preview = client.post(f"/orders/{order.pk}/edit/", edit)
    assert preview.status_code == 200, preview.content.decode()[:2000]
    digest = preview.context["digest"]
    assert digest, preview.content.decode()[:2000]
    saved = client.post(f"/orders/{order.pk}/edit/", {**edit, "confirm": digest})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    drains.drain(company.pk)
    order.refresh_from_db()
    invoice = the_invoice(qbo, uk, order)
    assert [d["TaxCodeRef"]["value"] for d in sales_lines(invoice)] == [STANDARD, ZERO]
    assert Decimal(str(invoice["TxnTaxDetail"]["TotalTax"])) == Decimal("6.00")
    assert order.qbo_total == Decimal("66.00")


# --- default classes ----------------------------------------------------------------------


def test_lines_take_their_products_class_unless_one_is_picked(client, user, company, qbo):
    realm = tracked_company(client, user, company, qbo, class_tracking="line")
    design, retail = make(company, "Class", "Design"), make(company, "Class", "Retail")
    form = client.get("/products/new/").content.decode()
    assert 'name="default_class"' in form and 'name="tax_code"' not in form  # a US company
    assert client.post("/products/new/", product_post(default_class=design)).status_code == 302
    widget = Product.objects.get(company=company)
    assert (widget.qbo_class_id, widget.qbo_class_name) == (design, "Design")

    order = posted_order(
        client,
        {"product": str(widget.pk)},  # the product's class
        {"product": str(widget.pk), "line_class": retail},  # a choice overrides it
        {"description": "Free text", "unit_price": "5"},  # no product: no class
    )
    drains.drain(company.pk)
    order.refresh_from_db()
    assert order.push_status == "synced", order.last_error
    classes = [
        d.get("ClassRef", {}).get("value") for d in sales_lines(the_invoice(qbo, realm, order))
    ]
    assert classes == [design, retail, None]
    assert "Class: Design" in client.get(f"/orders/{order.pk}/").content.decode()


def new_customer(client, name: str) -> Customer:
    data = {"form_token": str(uuid.uuid4()), "display_name": name, "ship_same": "on"}
    assert client.post("/customers/new/", data).status_code == 302
    return Customer.objects.get(display_name=name)


def order_for(client, customer: Customer, *lines: dict, **fields) -> Order:
    response = client.post("/orders/new/", order_post(*lines, customer=str(customer.pk), **fields))
    assert response.status_code == 302, response.content.decode()[:3000]
    return Order.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])


def test_the_order_takes_its_customers_class_unless_one_is_picked(client, user, company, qbo):
    realm = tracked_company(client, user, company, qbo, class_tracking="txn")
    design, retail = make(company, "Class", "Design"), make(company, "Class", "Retail")
    harbor = new_customer(client, "Harbor Supply")
    page = client.get(f"/customers/{harbor.pk}/").content.decode()
    assert 'name="default_class"' in page and "Retail" in page

    response = client.post(f"/customers/{harbor.pk}/class/", {"default_class": "999"}, follow=True)
    assert "Pick one of QuickBooks&#x27; active classes." in response.content.decode()
    harbor.refresh_from_db()
    assert harbor.default_class_id == ""
    client.post(f"/customers/{harbor.pk}/class/", {"default_class": retail})
    harbor.refresh_from_db()
    assert (harbor.default_class_id, harbor.default_class_name) == (retail, "Retail")

    line = {"description": "Design", "quantity": "2", "unit_price": "50.00"}
    matches = client.get("/orders/customers/", {"customer_search": "Harbor"})
    assert f'data-customer-class="{retail}"' in matches.content.decode()
    taken = order_for(client, harbor, line)
    picked = order_for(client, harbor, line, qbo_class=design)
    assert (taken.qbo_class_name, picked.qbo_class_name) == ("Retail", "Design")
    drains.drain(company.pk)
    for order, class_id in ((taken, retail), (picked, design)):
        order.refresh_from_db()
        assert order.push_status == "synced", order.last_error
        assert the_invoice(qbo, realm, order)["ClassRef"]["value"] == class_id


def test_a_deactivated_default_class_is_left_off(client, user, company, qbo):
    realm = tracked_company(client, user, company, qbo, class_tracking="line")
    make(company, "Class", "Design")
    widget = Product.objects.create(
        company=company, name="Widget", unit_price=Decimal("10.00"), qbo_class_id="999999"
    )
    order = posted_order(client, {"product": str(widget.pk)})
    assert order.lines.get().qbo_class_id == ""
    drains.drain(company.pk)
    order.refresh_from_db()
    assert order.push_status == "synced", order.last_error
    assert "ClassRef" not in sales_lines(the_invoice(qbo, realm, order))[0]
