"""A bundle (Group item) someone adds to the invoice in QuickBooks is part of what QuickBooks
holds: an edit in qbsync doesn't overwrite it without a choice, and keeping QuickBooks'
version keeps the bundle's lines and their money (sandbox over real HTTP)."""

from decimal import Decimal

import pytest

from invoicing import drains, lifecycle
from invoicing.sync import content_lines
from qbo.client import open_client
from qbo.idempotency import derived_request_id
from tests.invoicing.lifecycle_support import invoice_in_qbo, line, synced_order

pytestmark = pytest.mark.django_db


def add_bundle_in_quickbooks(qbo, realm: str, company, invoice_id: str) -> dict:
    """A bundle of two of one of the company's services, added to the invoice in QuickBooks."""
    with open_client(company) as qb:
        service = next(i for i in qb.query_page("Item") if i.get("Type") == "Service")
        bundle = qbo.control.add_bundle(realm, "Gift box", [{"item": service["Id"], "qty": 2}])
        current = qb.read("Invoice", invoice_id)
        group = {
            "DetailType": "GroupLineDetail",
            "GroupLineDetail": {"GroupItemRef": {"value": bundle["Id"]}, "Quantity": 1},
        }
        kept = [ln for ln in current["Line"] if ln["DetailType"] == "SalesItemLineDetail"]
        payload = {
            "Id": invoice_id,
            "SyncToken": current["SyncToken"],
            "sparse": True,
            "Line": [*kept, group],
        }
        qb.update("Invoice", payload, request_id=derived_request_id("qbo-bundle", invoice_id))
    return service


def test_a_bundles_lines_are_part_of_the_invoices_content():
    invoice_lines = [
        {
            "DetailType": "GroupLineDetail",
            "Amount": 0,
            "GroupLineDetail": {
                "GroupItemRef": {"value": "24"},
                "Quantity": 3,
                "Line": [
                    {
                        "DetailType": "SalesItemLineDetail",
                        "Amount": 7.96,
                        "SalesItemLineDetail": {"ItemRef": {"value": "25"}, "Qty": 15},
                    }
                ],
            },
        }
    ]
    assert [(x["item"], x["quantity"], x["amount"]) for x in content_lines(invoice_lines)] == [
        ("25", "15", "7.96")
    ]


def test_a_bundle_added_in_quickbooks_is_never_overwritten_without_a_choice(
    client, connected, qbo, sandbox_realm, company
):
    order = synced_order(company, line("Consulting", "1", "100.00"))
    service = add_bundle_in_quickbooks(qbo, sandbox_realm, company, order.qbo_invoice_id)
    bundled = invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id)
    worth = Decimal(str(bundled["Line"][1]["GroupLineDetail"]["Line"][0]["Amount"]))
    assert worth == 2 * Decimal(str(service.get("UnitPrice", 0)))

    write = lifecycle.edit_order(order, lines=[line("Consulting", "2", "100.00")], by=None)
    drains.drain(company.pk)
    write.refresh_from_db()
    assert write.status == "conflict"
    invoice = invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id)
    assert [ln["DetailType"] for ln in invoice["Line"]] == [
        "SalesItemLineDetail",
        "GroupLineDetail",
    ]  # the bundle is still there

    kept = client.post(f"/orders/{order.pk}/conflicts/{write.pk}/", {"keep": "quickbooks"})
    assert kept.status_code == 302
    order.refresh_from_db()
    assert order.total == Decimal("100.00") + worth  # the bundle's money kept
    assert [(n.quantity, n.amount) for n in order.lines.order_by("position")] == [
        (Decimal("1.00"), Decimal("100.00")),
        (Decimal("2.00"), worth),
    ]
