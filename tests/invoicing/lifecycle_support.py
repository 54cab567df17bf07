"""Helpers for the order-life tests: a synced order, and what the sandbox holds."""

from datetime import date
from decimal import Decimal

from invoicing import drains, services
from invoicing.models import Order
from qbo.client import open_client
from qbo.idempotency import derived_request_id


def line(description="Consulting", quantity="1", unit_price="100.00") -> services.NewLine:
    return services.NewLine(
        product=None,
        description=description,
        quantity=Decimal(quantity),
        unit_price=Decimal(unit_price),
        taxable=False,
    )


def synced_order(company, *lines, email="", name="Lifecycle Customer") -> Order:
    """An order pushed to the sandbox (its invoice exists)."""
    order = services.create_order(
        company=company,
        created_by=None,
        new_customer_name=name,
        new_customer_email=email,
        order_date=date(2026, 3, 2),
        lines=list(lines) or [line()],
    )
    drains.drain(company.pk)
    order.refresh_from_db()
    assert order.push_status == "synced", order.last_error
    return order


def invoice_in_qbo(server, realm: str, invoice_id: str) -> dict | None:
    """The invoice as the sandbox stores it (not our row)."""
    return server.state.companies[realm].get("Invoice", invoice_id)


def sales_lines(invoice: dict) -> list[tuple]:
    return [
        (
            ln.get("Description"),
            Decimal(str(ln["SalesItemLineDetail"].get("Qty", 0))),
            Decimal(str(ln["Amount"])),
        )
        for ln in invoice["Line"]
        if ln["DetailType"] == "SalesItemLineDetail"
    ]


def edit_in_quickbooks(company, invoice_id: str, *, quantity: str, unit_price: str) -> dict:
    """Someone changes the invoice in QuickBooks (another app, or a person there)."""
    with open_client(company) as qb:
        current = qb.read("Invoice", invoice_id)
        first = next(ln for ln in current["Line"] if ln["DetailType"] == "SalesItemLineDetail")
        detail = {**first["SalesItemLineDetail"], "Qty": quantity, "UnitPrice": unit_price}
        amount = Decimal(quantity) * Decimal(unit_price)
        changed = {**first, "Amount": amount, "SalesItemLineDetail": detail}
        payload = {"Id": invoice_id, "SyncToken": current["SyncToken"], "Line": [changed]}
        return qb.update("Invoice", payload, request_id=derived_request_id("qbo-edit", invoice_id))


def pay_in_quickbooks(company, order: Order, amount: str) -> dict:
    """A payment entered in QuickBooks against the order's invoice."""
    with open_client(company) as qb:
        invoice = qb.read("Invoice", order.qbo_invoice_id)
        payload = {
            "CustomerRef": invoice["CustomerRef"],
            "TotalAmt": amount,
            "Line": [
                {
                    "Amount": amount,
                    "LinkedTxn": [{"TxnId": order.qbo_invoice_id, "TxnType": "Invoice"}],
                }
            ],
        }
        return qb.create("Payment", payload, request_id=derived_request_id("pay", order.pk, amount))
