"""After a conflict, "Keep QuickBooks' version" keeps what QuickBooks holds: each line's tax
code and class, and every street line of the ship-to; an edit made while QuickBooks' lists
can't be read keeps each line's tax code and class.

A GB company tracking a class per line, in the local sandbox over real HTTP; what QuickBooks
holds afterwards is read from the sandbox, not from our rows.
"""

import re
from dataclasses import replace
from decimal import Decimal

import pytest

from invoicing import dimensions, drains, lifecycle
from invoicing.models import InvoicingSettings, Order, OrderWrite
from qbo.client import open_client
from qbo.idempotency import derived_request_id
from tests.invoicing.lifecycle_support import line, synced_order
from tests.invoicing.test_dimensions import make, posted_order, the_invoice
from tests.support import connect_through_consent

pytestmark = pytest.mark.django_db

# The sandbox's GB codes (qbo_sandbox entities/tax.py GLOBAL_CODES).
STANDARD, ZERO = "2", "4"


@pytest.fixture
def uk_lines(client, user, company, qbo) -> str:
    """Albion Ltd (GB: a tax code per line), tracking a class per line, connected."""
    realm = qbo.control.create_company(
        name="Albion Ltd", country="GB", features={"class_tracking": "line"}
    )
    client.force_login(user)
    assert connect_through_consent(client, qbo, realm_id=realm).status_code == 302
    return realm


def sales_details(invoice: dict) -> list[dict]:
    return [ln for ln in invoice["Line"] if ln["DetailType"] == "SalesItemLineDetail"]


def change_in_quickbooks(company, invoice_id: str, *, first: dict, ship_to: dict | None = None):
    """Someone edits the invoice in QuickBooks: its first sales line's detail takes `first`
    (its amount follows Qty and UnitPrice), the other lines stay; the ship-to is replaced."""
    with open_client(company) as qb:
        current = qb.read("Invoice", invoice_id)
        lines = sales_details(current)
        detail = {**lines[0]["SalesItemLineDetail"], **first}
        amount = Decimal(str(detail["Qty"])) * Decimal(str(detail["UnitPrice"]))
        lines[0] = {**lines[0], "Amount": amount, "SalesItemLineDetail": detail}
        payload = {"Id": invoice_id, "SyncToken": current["SyncToken"], "Line": lines}
        if ship_to is not None:
            payload["ShipAddr"] = ship_to
        return qb.update(
            "Invoice", payload, request_id=derived_request_id("qbo-edit", invoice_id, "codes")
        )


def in_conflict(order: Order, lines) -> OrderWrite:
    write = lifecycle.edit_order(order, lines=lines, by=None)
    drains.drain(order.company_id)
    write.refresh_from_db()
    assert write.status == "conflict", write.last_error
    return write


def codes(invoice: dict) -> list[tuple]:
    return [
        (
            Decimal(str(ln["SalesItemLineDetail"]["Qty"])),
            ln["SalesItemLineDetail"].get("TaxCodeRef", {}).get("value"),
            ln["SalesItemLineDetail"].get("ClassRef", {}).get("value"),
        )
        for ln in sales_details(invoice)
    ]


def test_keeping_quickbooks_version_keeps_each_lines_tax_code_and_class(
    client, company, qbo, uk_lines
):
    design, retail = make(company, "Class", "Design"), make(company, "Class", "Retail")
    order = posted_order(
        client,
        {"description": "Design work", "unit_price": "100.00", "line_tax_code": STANDARD,
         "line_class": design},
        {"description": "Books", "unit_price": "30.00", "line_tax_code": ZERO,
         "line_class": design},
    )  # fmt: skip
    drains.drain(company.pk)
    order.refresh_from_db()
    assert order.push_status == "synced", order.last_error
    # In QuickBooks: the first line's quantity, tax code and class change.
    change_in_quickbooks(
        company,
        order.qbo_invoice_id,
        first={"Qty": 3, "UnitPrice": 100, "TaxCodeRef": {"value": ZERO},
               "ClassRef": {"value": retail}},
    )  # fmt: skip
    theirs = codes(the_invoice(qbo, uk_lines, order))
    assert theirs == [(Decimal("3"), ZERO, retail), (Decimal("1"), ZERO, design)]

    ours = [line(n.description, "2", str(n.unit_price)) for n in order.lines.all()]
    write = in_conflict(order, ours)
    page = client.get(f"/orders/{order.pk}/").text
    assert "3 at 100 = 300 · class Retail · tax code 0.0% Z" in page

    assert client.post(f"/orders/{order.pk}/conflicts/{write.pk}/", {"keep": "quickbooks"})
    kept = [
        (n.quantity, n.qbo_tax_code_id, n.qbo_tax_code_name, n.qbo_class_id, n.qbo_class_name)
        for n in order.lines.all()
    ]
    assert kept == [
        (Decimal("3.00"), ZERO, "0.0% Z", retail, "Retail"),
        (Decimal("1.00"), ZERO, "0.0% Z", design, "Design"),
    ]
    detail = client.get(f"/orders/{order.pk}/").text
    assert "Class: Retail" in detail and "0.0% Z" in detail

    # A later edit starts from QuickBooks' lines: their codes and classes go back as they were.
    order.refresh_from_db()
    later = [
        lifecycle.services.NewLine(
            product=None,
            description=n.description,
            quantity=n.quantity + 1,
            unit_price=n.unit_price,
            taxable=n.taxable,
            tax_code_id=n.qbo_tax_code_id,
            tax_code_name=n.qbo_tax_code_name,
            class_id=n.qbo_class_id,
            class_name=n.qbo_class_name,
        )
        for n in order.lines.all()
    ]
    write = lifecycle.edit_order(order, lines=later, by=None)
    drains.drain(company.pk)
    write.refresh_from_db()
    assert write.status == "done", write.last_error
    assert codes(the_invoice(qbo, uk_lines, order)) == [
        (Decimal("4"), ZERO, retail),
        (Decimal("2"), ZERO, design),
    ]


def test_a_version_stored_before_line_codes_were_kept_takes_the_defaults(
    client, company, qbo, uk_lines
):
    design = make(company, "Class", "Design")
    order = posted_order(
        client,
        {"description": "Design work", "unit_price": "100.00", "line_tax_code": STANDARD,
         "line_class": design},
    )  # fmt: skip
    drains.drain(company.pk)
    order.refresh_from_db()
    change_in_quickbooks(company, order.qbo_invoice_id, first={"Qty": 3, "UnitPrice": 100})
    write = in_conflict(order, [line("Design work", "2", "100.00")])
    old = dict(write.qbo_version)
    old["lines"] = [
        {k: v for k, v in n.items() if k in ("item", "description", "quantity", "unit_price",
                                               "amount")}
        for n in old["lines"]
    ]  # fmt: skip
    OrderWrite.objects.filter(pk=write.pk).update(qbo_version=old)
    page = client.get(f"/orders/{order.pk}/").text
    theirs = page.split('id="conflict-theirs"')[1].split("</ul>")[0]
    assert "3 at 100 = 300</li>" in theirs  # shown as before: no codes to show

    client.post(f"/orders/{order.pk}/conflicts/{write.pk}/", {"keep": "quickbooks"})
    [kept] = order.lines.all()
    assert (kept.quantity, kept.qbo_tax_code_id, kept.qbo_class_id) == (Decimal("3.00"), "", "")


def test_a_us_lines_tax_and_non_stay_as_quickbooks_holds_them(
    client, connected, qbo, sandbox_realm, company
):
    order = synced_order(company, line("Consulting", "1", "100.00"), line("Books", "1", "10"))
    assert [n.taxable for n in order.lines.all()] == [False, False]  # NON in QuickBooks
    change_in_quickbooks(
        company,
        order.qbo_invoice_id,
        first={"Qty": 2, "UnitPrice": 100, "TaxCodeRef": {"value": "TAX"}},
    )
    write = in_conflict(order, [line("Consulting", "3", "100.00"), line("Books", "1", "10")])
    client.post(f"/orders/{order.pk}/conflicts/{write.pk}/", {"keep": "quickbooks"})
    kept = [(n.quantity, n.taxable, n.qbo_tax_code_id) for n in order.lines.all()]
    assert kept == [(Decimal("2.00"), True, ""), (Decimal("1.00"), False, "")]

    # QuickBooks' TAX and NON go back with the next edit.
    order.refresh_from_db()
    again = [replace(line(n.description, "5", str(n.unit_price)), taxable=n.taxable)
             for n in order.lines.all()]  # fmt: skip
    later = lifecycle.edit_order(order, lines=again, by=None)
    drains.drain(company.pk)
    later.refresh_from_db()
    assert later.status == "done", later.last_error
    invoice = qbo.state.companies[sandbox_realm].get("Invoice", order.qbo_invoice_id)
    assert [(q, tax) for q, tax, _class in codes(invoice)] == [
        (Decimal("5"), "TAX"),
        (Decimal("5"), "NON"),
    ]


def test_keeping_quickbooks_version_keeps_every_street_line_of_the_ship_to(
    client, connected, qbo, sandbox_realm, company
):
    order = synced_order(company, line("Consulting", "1", "100.00"))
    ship_to = {
        "Line1": "Acme Warehouse",
        "Line2": "Attn: Receiving",
        "Line3": "Dock 4",
        "Line4": "12 Harbour Road",
        "City": "Portland",
        "CountrySubDivisionCode": "OR",
        "PostalCode": "97201",
    }
    change_in_quickbooks(
        company, order.qbo_invoice_id, first={"Qty": 2, "UnitPrice": 100}, ship_to=ship_to
    )
    write = in_conflict(order, [line("Consulting", "3", "100.00")])
    client.post(f"/orders/{order.pk}/conflicts/{write.pk}/", {"keep": "quickbooks"})
    order.refresh_from_db()
    assert order.ship_line1 == "Acme Warehouse, Attn: Receiving, Dock 4, 12 Harbour Road"
    assert (order.ship_city, order.ship_region, order.ship_postal_code) == (
        "Portland",
        "OR",
        "97201",
    )
    # The next edit of the lines leaves QuickBooks' ship-to as it is.
    later = lifecycle.edit_order(order, lines=[line("Consulting", "5", "100.00")], by=None)
    drains.drain(company.pk)
    later.refresh_from_db()
    assert later.status == "done", later.last_error
    invoice = qbo.state.companies[sandbox_realm].get("Invoice", order.qbo_invoice_id)
    assert {k: invoice["ShipAddr"].get(k) for k in ship_to} == ship_to


def test_street_lines_longer_than_the_order_holds_are_cut(
    client, connected, qbo, sandbox_realm, company
):
    order = synced_order(company, line("Consulting", "1", "100.00"))
    long = {"Line1": "A" * 300, "Line2": "B" * 300, "Line3": "C" * 300, "City": "Portland"}
    change_in_quickbooks(
        company, order.qbo_invoice_id, first={"Qty": 2, "UnitPrice": 100}, ship_to=long
    )
    write = in_conflict(order, [line("Consulting", "3", "100.00")])
    assert client.post(f"/orders/{order.pk}/conflicts/{write.pk}/", {"keep": "quickbooks"})
    order.refresh_from_db()
    assert order.ship_line1 == "A" * 300 + ", " + "B" * 198
    assert order.ship_city == "Portland"


# --- the edit form when QuickBooks' lists can't be read ---------------------------------------


def edit_data(rows: list[dict], **extra) -> dict:
    data = {
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": str(len(rows)),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
        **extra,
    }
    for index, values in enumerate(rows):
        values = {"taxable": "on", **values}
        data.update({f"lines-{index}-{name}": value for name, value in values.items()})
    return data


def test_an_edit_while_quickbooks_is_unreachable_keeps_each_lines_tax_code_and_class(
    client, company, qbo, uk_lines
):
    design, retail = make(company, "Class", "Design"), make(company, "Class", "Retail")
    order = posted_order(
        client,
        {"description": "Design work", "unit_price": "100.00", "line_tax_code": STANDARD,
         "line_class": design},
        {"description": "Books", "unit_price": "30.00", "line_tax_code": ZERO,
         "line_class": retail},
        {"description": "Paper", "unit_price": "5.00", "line_tax_code": STANDARD,
         "line_class": design},
    )  # fmt: skip
    drains.drain(company.pk)
    order.refresh_from_db()
    assert order.push_status == "synced", order.last_error

    # A new line (no list to pick its code from) takes Invoicing settings' code.
    InvoicingSettings.objects.update_or_create(company=company, defaults={"tax_code_id": ZERO})
    # QuickBooks can't be asked for its lists: the page offers no tax code or class.
    dimensions.forget(company.pk)
    qbo.control.add_fault(r"/v3/company/.*/(preferences|query)", "status", status=503)
    page = client.get(f"/orders/{order.pk}/edit/").text
    assert 'name="lines-0-line_tax_code"' not in page and 'name="lines-0-line_class"' not in page
    positions = re.findall(r'name="lines-(\d)-position" value="(\d)"', page)
    assert positions == [("0", "1"), ("1", "2"), ("2", "3")]

    # The first row removed on the page: the others move up, and say which lines they are.
    rows = [
        {"description": "Books", "quantity": "2", "unit_price": "30.00", "position": "2"},
        {"description": "Paper", "quantity": "1", "unit_price": "5.00", "position": "3"},
        {"description": "New line", "quantity": "1", "unit_price": "7.00", "position": ""},
    ]
    preview = client.post(f"/orders/{order.pk}/edit/", edit_data(rows))
    assert preview.status_code == 200
    digest = preview.context["digest"]
    assert digest, preview.text[:2000]
    saved = client.post(f"/orders/{order.pk}/edit/", edit_data(rows, confirm=digest))
    assert saved.status_code == 302, saved.text[:2000]
    kept = [(n.description, n.qbo_tax_code_id, n.qbo_class_id) for n in order.lines.all()]
    assert kept == [("Books", ZERO, retail), ("Paper", STANDARD, design), ("New line", "", "")]
    assert [n.qbo_class_name for n in order.lines.all()] == ["Retail", "Design", ""]

    # Once QuickBooks answers again the edit reaches it with the lines' codes and classes.
    qbo.control.clear_faults()
    drains.drain(company.pk)
    [write] = OrderWrite.objects.filter(order=order)
    write.refresh_from_db()
    assert write.status == "done", write.last_error
    assert codes(the_invoice(qbo, uk_lines, order)) == [
        (Decimal("2"), ZERO, retail),
        (Decimal("1"), STANDARD, design),
        (Decimal("1"), ZERO, None),
    ]


def test_an_older_page_without_positions_keeps_codes_by_the_rows_place(
    client, company, qbo, uk_lines
):
    design = make(company, "Class", "Design")
    order = posted_order(
        client,
        {"description": "Design work", "unit_price": "100.00", "line_tax_code": ZERO,
         "line_class": design},
    )  # fmt: skip
    drains.drain(company.pk)
    order.refresh_from_db()
    dimensions.forget(company.pk)
    qbo.control.add_fault(r"/v3/company/.*/(preferences|query)", "status", status=503)
    rows = [{"description": "Design work", "quantity": "2", "unit_price": "100.00"}]
    preview = client.post(f"/orders/{order.pk}/edit/", edit_data(rows))
    saved = client.post(
        f"/orders/{order.pk}/edit/", edit_data(rows, confirm=preview.context["digest"])
    )
    assert saved.status_code == 302
    [kept] = order.lines.all()
    assert (kept.quantity, kept.qbo_tax_code_id, kept.qbo_class_id) == (
        Decimal("2.00"),
        ZERO,
        design,
    )
