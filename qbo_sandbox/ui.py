"""The demo web UI: companies, customers (edit), invoices (receive payment), payments.

Every change made here goes through `mutations`, like the API, so it lands in the
change log (and later in CDC and webhooks) exactly as an API write would.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from werkzeug.exceptions import NotFound
from werkzeug.routing import Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from . import errors, mutations, pages, seed, ui_faults
from .clock import company_date
from .entities.base import ref_value
from .store import Company
from .wire import to_decimal

if TYPE_CHECKING:
    from .app import SandboxApp

PAGE_SIZE = 50
CSS = (Path(__file__).parent / "static" / "sandbox.css").read_bytes()

RULES = [
    Rule("/", endpoint="ui.home", methods=["GET"]),
    Rule("/static/sandbox.css", endpoint="ui.css", methods=["GET"]),
    Rule("/ui/companies", endpoint="ui.new_company", methods=["POST"]),
    Rule("/ui/faults", endpoint="ui.faults", methods=["GET", "POST"]),
    Rule("/ui/<realm>/customers", endpoint="ui.customers", methods=["GET"]),
    Rule("/ui/<realm>/customers/<ident>", endpoint="ui.customer", methods=["GET", "POST"]),
    Rule("/ui/<realm>/invoices", endpoint="ui.invoices", methods=["GET"]),
    Rule(
        "/ui/<realm>/invoices/<ident>/receive-payment",
        endpoint="ui.receive_payment",
        methods=["GET", "POST"],
    ),
    Rule("/ui/<realm>/payments", endpoint="ui.payments", methods=["GET"]),
]


def _money(value: object) -> str:
    return f"{Decimal(str(value or 0)):,.2f}"


def _company(app: SandboxApp, realm: str) -> Company:
    company = app.state.company(realm)
    if company is None:
        raise NotFound()
    return company


def _tabs(company: Company, active: str) -> str:
    flags = {
        f"{tab}_active": "active" if tab == active else ""
        for tab in ("customers", "invoices", "payments")
    }
    return pages.fill(
        "company_tabs.html", company=escape(company.name), realm=escape(company.realm_id), **flags
    )


def _back(path: str, message: str) -> Response:
    return redirect(f"{path}?{urlencode({'msg': message})}", code=303)


def css(app: SandboxApp, request: Request) -> Response:
    return Response(CSS, mimetype="text/css")


def home(app: SandboxApp, request: Request) -> Response:
    rows = []
    for company in app.state.companies.values():
        invoices = list(company.tables["Invoice"].values())
        open_balance = sum((inv["Balance"] for inv in invoices), Decimal(0))
        realm = escape(company.realm_id)
        rows.append(
            f'<tr><td><a href="/ui/{realm}/customers">{escape(company.name)}</a></td>'
            f'<td>{realm}</td><td class="num">{len(company.tables["Customer"])}</td>'
            f'<td class="num">{len(invoices)}</td><td class="num">{_money(open_balance)}</td>'
            f'<td><a href="/ui/{realm}/invoices">Invoices</a></td></tr>'
        )
    content = pages.fill("home.html", rows="\n".join(rows))
    return pages.page("Companies", content, message=request.args.get("msg", ""))


def new_company(app: SandboxApp, request: Request) -> Response:
    name = request.form.get("name", "").strip() or None
    company = seed.create_company(
        app.state, name, custom_txn_numbers=bool(request.form.get("custom_txn_numbers"))
    )
    return _back("/", f"Created {company.name} ({company.realm_id})")


def customers(app: SandboxApp, request: Request, realm: str) -> Response:
    company = _company(app, realm)
    query = request.args.get("q", "").strip().casefold()
    page = max(1, int(request.args.get("page", "1") or 1))
    with company.lock:
        rows = list(company.tables["Customer"].values())
    if query:
        rows = [row for row in rows if query in row["DisplayName"].casefold()]
    shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    body = "\n".join(_customer_row(realm, row) for row in shown)
    pager = f"{len(rows)} customers · page {page}"
    if page * PAGE_SIZE < len(rows):
        pager += f' · <a href="?{urlencode({"q": query, "page": page + 1})}">Next page</a>'
    content = pages.fill(
        "customers.html",
        tabs=_tabs(company, "customers"),
        rows=body,
        query=escape(query),
        pager=pager,
    )
    return pages.page("Customers", content, message=request.args.get("msg", ""))


def _customer_row(realm: str, row: dict) -> str:
    status = "" if row.get("Active", True) else ' <span class="badge void">Inactive</span>'
    email = (row.get("PrimaryEmailAddr") or {}).get("Address", "")
    link = f"/ui/{escape(realm)}/customers/{escape(row['Id'])}"
    return (
        f"<tr><td>{escape(row['Id'])}</td><td>{escape(row['DisplayName'])}{status}</td>"
        f"<td>{escape(row.get('CompanyName', ''))}</td><td>{escape(email)}</td>"
        f'<td class="num">{_money(row.get("Balance"))}</td>'
        f'<td><a href="{link}">Edit</a></td></tr>'
    )


def customer(app: SandboxApp, request: Request, realm: str, ident: str) -> Response:
    company = _company(app, realm)
    row = company.get("Customer", ident)
    if row is None:
        raise NotFound()
    if request.method == "GET":
        return _customer_form(company, row, request.args.get("msg", ""))
    form = request.form
    payload = {
        "Id": ident,
        "SyncToken": form.get("sync_token", ""),
        "sparse": True,
        "DisplayName": form.get("display_name", ""),
        "GivenName": form.get("given_name", ""),
        "FamilyName": form.get("family_name", ""),
        "CompanyName": form.get("company_name", ""),
        "PrimaryEmailAddr": {"Address": form["email"]} if form.get("email") else "",
        "PrimaryPhone": {"FreeFormNumber": form["phone"]} if form.get("phone") else "",
        "Active": bool(form.get("active")),
    }
    try:
        saved = mutations.update(app.state, company, "Customer", payload, sparse=True, source="ui")
    except errors.QBOError as error:
        return _customer_form(company, row, f"{error.message}: {error.detail}", status=400)
    return _back(f"/ui/{realm}/customers", f"Saved customer {saved['DisplayName']}")


def _customer_form(company: Company, row: dict, message: str, status: int = 200) -> Response:
    content = pages.fill(
        "customer_form.html",
        tabs=_tabs(company, "customers"),
        realm=escape(company.realm_id),
        ident=escape(row["Id"]),
        sync_token=escape(row["SyncToken"]),
        display_name=escape(row.get("DisplayName", "")),
        given_name=escape(row.get("GivenName", "")),
        family_name=escape(row.get("FamilyName", "")),
        company_name=escape(row.get("CompanyName", "")),
        email=escape((row.get("PrimaryEmailAddr") or {}).get("Address", "")),
        phone=escape((row.get("PrimaryPhone") or {}).get("FreeFormNumber", "")),
        active_checked="checked" if row.get("Active", True) else "",
    )
    return pages.page("Edit customer", content, message=message, status=status)


def invoices(app: SandboxApp, request: Request, realm: str) -> Response:
    company = _company(app, realm)
    with company.lock:
        rows = list(company.tables["Invoice"].values())
    body = "\n".join(_invoice_row(realm, row) for row in reversed(rows))
    content = pages.fill("invoices.html", tabs=_tabs(company, "invoices"), rows=body)
    return pages.page("Invoices", content, message=request.args.get("msg", ""))


def _invoice_row(realm: str, row: dict) -> str:
    if row.get("_voided"):
        status, action = '<span class="badge void">Voided</span>', ""
    elif row["Balance"] == 0:
        status, action = '<span class="badge paid">Paid</span>', ""
    else:
        status = "Open"
        target = f"/ui/{escape(realm)}/invoices/{escape(row['Id'])}/receive-payment"
        action = (
            f'<form method="get" action="{target}" class="inline">'
            f'<button type="submit">Receive payment</button></form>'
        )
    customer_name = escape((row.get("CustomerRef") or {}).get("name", ""))
    return (
        f"<tr><td>{escape(row.get('DocNumber', ''))}</td><td>{escape(row['TxnDate'])}</td>"
        f"<td>{customer_name}</td><td>{escape(row.get('DueDate', ''))}</td>"
        f'<td class="num">{_money(row["TotalAmt"])}</td>'
        f'<td class="num">{_money(row["Balance"])}</td><td>{status}</td><td>{action}</td></tr>'
    )


def receive_payment(app: SandboxApp, request: Request, realm: str, ident: str) -> Response:
    company = _company(app, realm)
    invoice = company.get("Invoice", ident)
    if invoice is None or invoice.get("_voided"):
        raise NotFound()
    if request.method == "GET":
        return _payment_form(app, company, invoice, str(invoice["Balance"]), "")
    form = request.form
    try:
        amount = to_decimal(form.get("amount", "")) or Decimal(0)
    except ValueError:
        return _payment_form(app, company, invoice, form.get("amount", ""), "Enter an amount.", 400)
    payment = {
        "CustomerRef": {"value": ref_value(invoice["CustomerRef"])},
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
        return _payment_form(app, company, invoice, form.get("amount", ""), message, 400)
    return _back(f"/ui/{realm}/invoices", f"Saved payment {saved['Id']} of {_money(amount)}")


def _payment_form(
    app: SandboxApp, company: Company, invoice: dict, amount: str, message: str, status: int = 200
) -> Response:
    methods = "".join(
        f'<option value="{escape(m["Id"])}">{escape(m["Name"])}</option>'
        for m in company.tables["PaymentMethod"].values()
        if m.get("Active", True)
    )
    content = pages.fill(
        "payment_form.html",
        tabs=_tabs(company, "invoices"),
        realm=escape(company.realm_id),
        doc_number=escape(invoice.get("DocNumber", invoice["Id"])),
        customer=escape((invoice.get("CustomerRef") or {}).get("name", "")),
        balance=_money(invoice["Balance"]),
        amount=escape(amount),
        txn_date=company_date(app.state.clock.now()).isoformat(),
        methods=methods,
    )
    return pages.page("Receive payment", content, message=message, status=status)


def payments(app: SandboxApp, request: Request, realm: str) -> Response:
    company = _company(app, realm)
    with company.lock:
        rows = list(company.tables["Payment"].values())
    body = "\n".join(_payment_row(row) for row in reversed(rows))
    content = pages.fill("payments.html", tabs=_tabs(company, "payments"), rows=body)
    return pages.page("Payments", content, message=request.args.get("msg", ""))


def _payment_row(row: dict) -> str:
    applied = ", ".join(
        f"Invoice {escape(link['TxnId'])}"
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
        f'<td class="num">{_money(row["TotalAmt"])}</td>'
        f'<td class="num">{_money(row.get("UnappliedAmt"))}</td><td>{method}</td></tr>'
    )


HANDLERS = {
    "ui.home": home,
    "ui.css": css,
    "ui.new_company": new_company,
    "ui.faults": ui_faults.faults,
    "ui.customers": customers,
    "ui.customer": customer,
    "ui.invoices": invoices,
    "ui.receive_payment": receive_payment,
    "ui.payments": payments,
}
