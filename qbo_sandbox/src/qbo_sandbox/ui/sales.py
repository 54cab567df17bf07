"""The demo UI's sales pages: invoices (with "Receive payment"), one invoice, payments.

"Receive payment" creates a Payment linked to the invoice through `mutations`, exactly as
a POST /payment would (partial amounts allowed), so it shows up in the change log.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import TYPE_CHECKING

from werkzeug.exceptions import NotFound
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from qbo_sandbox.api import pdf
from qbo_sandbox.books import errors, mutations
from qbo_sandbox.books.clock import company_date
from qbo_sandbox.books.store import Company
from qbo_sandbox.books.wire import to_decimal
from qbo_sandbox.entities import entity_type
from qbo_sandbox.entities.base import ref_value
from qbo_sandbox.ui import pages

if TYPE_CHECKING:
    from qbo_sandbox.app import SandboxApp

BASE = "/ui/companies/<realm>"
RULES = [
    Rule(f"{BASE}/invoices", endpoint="ui.invoices", methods=["GET"]),
    Rule(f"{BASE}/invoices/<ident>", endpoint="ui.invoice", methods=["GET"]),
    Rule(f"{BASE}/invoices/<ident>/pdf", endpoint="ui.invoice_pdf", methods=["GET"]),
    Rule(
        f"{BASE}/invoices/<ident>/receive-payment",
        endpoint="ui.receive_payment",
        methods=["GET", "POST"],
    ),
    Rule(f"{BASE}/payments", endpoint="ui.payments", methods=["GET"]),
]


def _invoice(company: Company, ident: str) -> dict:
    invoice = company.get("Invoice", ident)
    if invoice is None:
        raise NotFound()
    return invoice


def _status(invoice: dict) -> tuple[str, str]:
    if invoice.get("_voided"):
        return "Voided", "void"
    if invoice["Balance"] == 0:
        return "Paid", "paid"
    return "Open", ""


def _receive_button(realm: str, invoice: dict) -> str:
    if _status(invoice)[0] != "Open":
        return ""
    target = f"/ui/companies/{escape(realm)}/invoices/{escape(invoice['Id'])}/receive-payment"
    return (
        f'<form method="get" action="{target}" class="inline">'
        f'<button type="submit">Receive payment</button></form>'
    )


def invoices(app: SandboxApp, request: Request, realm: str) -> Response:
    company = pages.company_or_404(app, realm)
    rows = company.rows("Invoice")
    body = "\n".join(_invoice_row(realm, row) for row in reversed(rows))
    content = pages.fill("invoices.html", tabs=pages.tabs(company, "invoices"), rows=body)
    return pages.page("Invoices", content, message=request.args.get("msg", ""))


def _invoice_row(realm: str, row: dict) -> str:
    status, css_class = _status(row)
    badge = f'<span class="badge {css_class}">{status}</span>'
    link = f"/ui/companies/{escape(realm)}/invoices/{escape(row['Id'])}"
    number = escape(row.get("DocNumber", row["Id"]))
    customer_name = escape((row.get("CustomerRef") or {}).get("name", ""))
    return (
        f'<tr><td><a href="{link}">{number}</a></td><td>{escape(row["TxnDate"])}</td>'
        f"<td>{customer_name}</td><td>{escape(row.get('DueDate', ''))}</td>"
        f'<td class="num">{pages.money(row["TotalAmt"])}</td>'
        f'<td class="num">{pages.money(row["Balance"])}</td><td>{badge}</td>'
        f"<td>{_receive_button(realm, row)}</td></tr>"
    )


def invoice(app: SandboxApp, request: Request, realm: str, ident: str) -> Response:
    company = pages.company_or_404(app, realm)
    row = _invoice(company, ident)
    status, css_class = _status(row)
    lines = "\n".join(
        f"<tr><td>{escape(str(line.get('LineNum', '')))}</td>"
        f"<td>{escape((detail.get('ItemRef') or {}).get('name', ''))}</td>"
        f"<td>{escape(line.get('Description', ''))}</td>"
        f'<td class="num">{escape(str(detail.get("Qty", "")))}</td>'
        f'<td class="num">{escape(str(detail.get("UnitPrice", "")))}</td>'
        f'<td class="num">{pages.money(line["Amount"])}</td></tr>'
        for line in row["Line"]
        for detail in [line.get("SalesItemLineDetail") or {}]
    )
    linked = ", ".join(
        f"{escape(link['TxnType'])} {escape(link['TxnId'])}" for link in row.get("LinkedTxn", [])
    )
    content = pages.fill(
        "invoice.html",
        tabs=pages.tabs(company, "invoices"),
        realm=escape(realm),
        ident=escape(ident),
        doc_number=escape(row.get("DocNumber", ident)),
        status=status,
        status_class=css_class,
        customer=escape((row.get("CustomerRef") or {}).get("name", "")),
        txn_date=escape(row["TxnDate"]),
        due_date=escape(row.get("DueDate", "")),
        lines=lines,
        total=pages.money(row["TotalAmt"]),
        balance=pages.money(row["Balance"]),
        linked=linked or "nothing",
        receive=_receive_button(realm, row),
    )
    return pages.page(
        f"Invoice {row.get('DocNumber', ident)}", content, message=request.args.get("msg", "")
    )


def invoice_pdf(app: SandboxApp, request: Request, realm: str, ident: str) -> Response:
    company = pages.company_or_404(app, realm)
    rendered = entity_type("Invoice").render(_invoice(company, ident))
    return Response(pdf.invoice_pdf(company.name, rendered), mimetype="application/pdf")


def receive_payment(app: SandboxApp, request: Request, realm: str, ident: str) -> Response:
    company = pages.company_or_404(app, realm)
    row = _invoice(company, ident)
    if row.get("_voided"):
        raise NotFound()
    if request.method == "GET":
        return _payment_form(app, company, row, str(row["Balance"]), "")
    form = request.form
    try:
        amount = to_decimal(form.get("amount", "")) or Decimal(0)
    except ValueError:
        return _payment_form(app, company, row, form.get("amount", ""), "Enter an amount.", 400)
    payment = {
        "CustomerRef": {"value": ref_value(row["CustomerRef"])},
        "TotalAmt": str(amount),
        "TxnDate": form.get("txn_date", ""),
        "PaymentRefNum": form.get("reference", ""),
        "PaymentMethodRef": {"value": form["payment_method"]} if form.get("payment_method") else "",
        "Line": [{"Amount": str(amount), "LinkedTxn": [{"TxnId": ident, "TxnType": "Invoice"}]}],
    }
    try:
        saved = mutations.create(app.state, company, "Payment", payment, source="ui")
    except errors.QBOError as error:
        message = f"{error.message}: {error.detail}"
        return _payment_form(app, company, row, form.get("amount", ""), message, 400)
    return pages.back(
        f"/ui/companies/{realm}/invoices", f"Saved payment {saved['Id']} of {pages.money(amount)}"
    )


def _payment_form(
    app: SandboxApp, company: Company, row: dict, amount: str, message: str, status: int = 200
) -> Response:
    methods = "".join(
        f'<option value="{escape(m["Id"])}">{escape(m["Name"])}</option>'
        for m in company.rows("PaymentMethod")
        if m.get("Active", True)
    )
    content = pages.fill(
        "payment_form.html",
        tabs=pages.tabs(company, "invoices"),
        realm=escape(company.realm_id),
        doc_number=escape(row.get("DocNumber", row["Id"])),
        customer=escape((row.get("CustomerRef") or {}).get("name", "")),
        balance=pages.money(row["Balance"]),
        amount=escape(amount),
        txn_date=company_date(app.state.clock.now()).isoformat(),
        methods=methods,
    )
    return pages.page("Receive payment", content, message=message, status=status)


def payments(app: SandboxApp, request: Request, realm: str) -> Response:
    company = pages.company_or_404(app, realm)
    rows = company.rows("Payment")
    body = "\n".join(_payment_row(realm, row) for row in reversed(rows))
    content = pages.fill("payments.html", tabs=pages.tabs(company, "payments"), rows=body)
    return pages.page("Payments", content, message=request.args.get("msg", ""))


def _payment_row(realm: str, row: dict) -> str:
    applied = ", ".join(
        f'<a href="/ui/companies/{escape(realm)}/invoices/{escape(link["TxnId"])}">'
        f"Invoice {escape(link['TxnId'])}</a>"
        for line in row.get("Line", [])
        for link in line.get("LinkedTxn", [])
    )
    if row.get("_voided"):
        applied = '<span class="badge void">Voided</span>'
    method = escape((row.get("PaymentMethodRef") or {}).get("name", ""))
    customer_name = escape((row.get("CustomerRef") or {}).get("name", ""))
    return (
        f"<tr><td>{escape(row['Id'])}</td><td>{escape(row['TxnDate'])}</td>"
        f"<td>{customer_name}</td><td>{applied}</td>"
        f'<td class="num">{pages.money(row["TotalAmt"])}</td>'
        f'<td class="num">{pages.money(row.get("UnappliedAmt"))}</td><td>{method}</td></tr>'
    )


HANDLERS = {
    "ui.invoices": invoices,
    "ui.invoice": invoice,
    "ui.invoice_pdf": invoice_pdf,
    "ui.receive_payment": receive_payment,
    "ui.payments": payments,
}
