"""An edit that meets someone's change in QuickBooks, in a real Chromium against the local
sandbox: the conflict shows both versions, "Keep QuickBooks' version" makes the order
QuickBooks' invoice, and nothing of QuickBooks' edit is overwritten (checked in the
sandbox). Screenshots under tests/artifacts/screenshots/<test>/."""

from dataclasses import replace
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from invoicing import drains
from invoicing.models import OrderWrite
from qbo.client import open_client
from tests.browser.test_order_life_browser import signed_in  # noqa: F401 (a fixture)
from tests.invoicing.lifecycle_support import invoice_in_qbo, line, synced_order
from tests.invoicing.test_conflict_keeps_quickbooks import change_in_quickbooks, codes
from tests.invoicing.test_dimensions import make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def settle(page, company) -> None:
    """The worker's part, run here: apply the due writes, then look at the page again."""
    drains.drain(company.pk)
    page.reload()


def test_keeping_quickbooks_version_after_a_conflict_overwrites_nothing_of_it(
    signed_in,  # noqa: F811
    shots,
    qbo,
    sandbox_realm,
    company,
):
    page = signed_in
    qbo.control.set_features(sandbox_realm, class_tracking="line")
    design, retail = make(company, "Class", "Design"), make(company, "Class", "Retail")
    order = synced_order(
        company,
        replace(line("Consulting", "1", "100.00"), class_id=design, class_name="Design"),
        replace(line("Travel", "1", "30.00"), class_id=design, class_name="Design"),
    )
    # In QuickBooks: the first line's quantity and class, the second line now taxable.
    change_in_quickbooks(
        company,
        order.qbo_invoice_id,
        first={"Qty": 3, "UnitPrice": 100, "ClassRef": {"value": retail}},
    )
    with open_client(company) as qb:
        current = qb.read("Invoice", order.qbo_invoice_id)
        lines = [n for n in current["Line"] if n["DetailType"] == "SalesItemLineDetail"]
        lines[1]["SalesItemLineDetail"]["TaxCodeRef"] = {"value": "TAX"}
        theirs = qb.update(
            "Invoice",
            {"Id": current["Id"], "SyncToken": current["SyncToken"], "Line": lines},
            request_id="qbo-edit-tax",
        )
    held = codes(invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id))
    assert held == [(Decimal("3"), "NON", retail), (Decimal("1"), "TAX", design)]

    # The edit in qbsync, made on the page before it knows of QuickBooks' change.
    page.goto(f"/orders/{order.pk}/")
    page.get_by_role("link", name="Edit order").click()
    page.locator('[name="lines-0-quantity"]').fill("2")
    page.get_by_role("button", name="Show what changes").click()
    expect(page.locator("#edit-preview")).to_contain_text("Line 1 quantity")
    shots(page, "edit-preview")
    page.get_by_role("button", name="Save and update QuickBooks").click()
    expect(page.get_by_text("QuickBooks will be updated.")).to_be_visible()
    settle(page, company)

    # Both versions, side by side; nothing was sent over QuickBooks' edit.
    conflict = page.locator("#conflict")
    expect(conflict).to_contain_text("Changed in QuickBooks.")
    expect(page.locator("#conflict-theirs")).to_contain_text("3 at 100 = 300 · class Retail")
    expect(page.locator("#conflict-theirs")).to_contain_text(
        "1 at 30 = 30 · class Design · taxable"
    )
    expect(page.locator("#conflict-ours")).to_contain_text("2 at 100.00 = 200.00 · class Design")
    expect(page.locator("#conflict-ours")).not_to_contain_text("taxable")
    shots(page, "conflict")
    assert (
        invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id)["SyncToken"]
        == (theirs["SyncToken"])
    )

    page.get_by_role("button", name="Keep QuickBooks' version").click()
    expect(page.locator("#conflict")).to_have_count(0)
    shots(page, "kept-quickbooks")
    text = page.locator("body").inner_text()
    assert "Class: Retail" in text and "Class: Design" in text
    [write] = OrderWrite.objects.filter(order=order)
    assert write.status == "discarded"
    kept = [(n.quantity, n.taxable, n.qbo_class_id) for n in order.lines.all()]
    assert kept == [(Decimal("3.00"), False, retail), (Decimal("1.00"), True, design)]

    # QuickBooks' invoice is as its edit left it: same SyncToken, lines, codes and classes.
    drains.drain(company.pk)
    invoice = invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id)
    assert invoice["SyncToken"] == theirs["SyncToken"]
    assert codes(invoice) == held

    # A later edit on the page starts from QuickBooks' lines and keeps their codes.
    page.get_by_role("link", name="Edit order").click()
    expect(page.locator('[name="lines-0-line_class"]')).to_have_value(retail)
    page.locator('[name="lines-1-quantity"]').fill("2")
    page.get_by_role("button", name="Show what changes").click()
    preview = page.locator("#edit-preview")
    expect(preview).to_contain_text("Line 2 quantity")
    expect(preview).not_to_contain_text("class")
    page.get_by_role("button", name="Save and update QuickBooks").click()
    settle(page, company)
    expect(page.locator("#history")).to_contain_text("Done")
    shots(page, "edited-after")
    invoice = invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id)
    assert codes(invoice) == [(Decimal("3"), "NON", retail), (Decimal("2"), "TAX", design)]
