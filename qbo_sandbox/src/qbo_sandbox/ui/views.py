"""The demo web UI: companies and customers (see ui_sales for invoices and payments).

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
from werkzeug.wrappers import Request, Response

from qbo_sandbox.books import errors, mutations, seed
from qbo_sandbox.books.store import Company
from qbo_sandbox.entities import entity_type
from qbo_sandbox.ui import faults as ui_faults
from qbo_sandbox.ui import lists as ui_lists
from qbo_sandbox.ui import pages
from qbo_sandbox.ui import sales as ui_sales

if TYPE_CHECKING:
    from qbo_sandbox.app import SandboxApp

PAGE_SIZE = 50
CSS = (Path(__file__).parent / "static" / "sandbox.css").read_bytes()

RULES = [
    Rule("/", endpoint="ui.home", methods=["GET"]),
    Rule("/static/sandbox.css", endpoint="ui.css", methods=["GET"]),
    Rule("/ui/companies", endpoint="ui.new_company", methods=["POST"]),
    Rule("/ui/faults", endpoint="ui.faults", methods=["GET", "POST"]),
    Rule("/ui/companies/<realm>/customers", endpoint="ui.customers", methods=["GET"]),
    Rule(
        "/ui/companies/<realm>/customers/<ident>", endpoint="ui.customer", methods=["GET", "POST"]
    ),
    Rule(
        "/ui/companies/<realm>/customers/<ident>/merge",
        endpoint="ui.merge_customer",
        methods=["POST"],
    ),
    *ui_sales.RULES,
    *ui_lists.RULES,
]


def css(app: SandboxApp, request: Request) -> Response:
    return Response(CSS, mimetype="text/css")


def home(app: SandboxApp, request: Request) -> Response:
    rows = []
    for company in app.state.all_companies():
        invoices = company.rows("Invoice")
        open_balance = sum((inv["Balance"] for inv in invoices), Decimal(0))
        realm = escape(company.realm_id)
        rows.append(
            f'<tr><td><a href="/ui/companies/{realm}/customers">{escape(company.name)}</a></td>'
            f'<td>{realm}</td><td class="num">{company.count("Customer")}</td>'
            f'<td class="num">{len(invoices)}</td><td class="num">{pages.money(open_balance)}</td>'
            f'<td><a href="/ui/companies/{realm}/invoices">Invoices</a></td></tr>'
        )
    content = pages.fill("home.html", rows="\n".join(rows))
    return pages.page("Companies", content, message=request.args.get("msg", ""))


def new_company(app: SandboxApp, request: Request) -> Response:
    name = request.form.get("name", "").strip() or None
    company = seed.create_company(
        app.state, name, custom_txn_numbers=bool(request.form.get("custom_txn_numbers"))
    )
    return pages.back("/", f"Created {company.name} ({company.realm_id})")


def customers(app: SandboxApp, request: Request, realm: str) -> Response:
    company = pages.company_or_404(app, realm)
    query = request.args.get("q", "").strip().casefold()
    page = max(1, int(request.args.get("page", "1") or 1))
    rows = company.rows("Customer")
    if query:
        rows = [row for row in rows if query in row["DisplayName"].casefold()]
    shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    body = "\n".join(_customer_row(realm, row) for row in shown)
    pager = f"{len(rows)} customers · page {page}"
    if page * PAGE_SIZE < len(rows):
        pager += f' · <a href="?{urlencode({"q": query, "page": page + 1})}">Next page</a>'
    content = pages.fill(
        "customers.html",
        tabs=pages.tabs(company, "customers"),
        rows=body,
        query=escape(query),
        pager=pager,
    )
    return pages.page("Customers", content, message=request.args.get("msg", ""))


def _customer_row(realm: str, row: dict) -> str:
    status = "" if row.get("Active", True) else ' <span class="badge void">Inactive</span>'
    email = (row.get("PrimaryEmailAddr") or {}).get("Address", "")
    link = f"/ui/companies/{escape(realm)}/customers/{escape(row['Id'])}"
    return (
        f"<tr><td>{escape(row['Id'])}</td><td>{escape(row['DisplayName'])}{status}</td>"
        f"<td>{escape(row.get('CompanyName', ''))}</td><td>{escape(email)}</td>"
        f'<td class="num">{pages.money(row.get("Balance"))}</td>'
        f'<td><a href="{link}">Edit</a></td></tr>'
    )


def customer(app: SandboxApp, request: Request, realm: str, ident: str) -> Response:
    company = pages.company_or_404(app, realm)
    row = company.get("Customer", ident)
    if row is None:
        raise NotFound()
    if request.method == "GET":
        return _customer_form(company, row, request.args.get("msg", ""))
    payload = _edited_customer(row, request.form)
    try:
        saved = mutations.update(app.state, company, "Customer", payload, sparse=False, source="ui")
    except errors.QBOError as error:
        return _customer_form(company, row, f"{error.message}: {error.detail}", status=400)
    return pages.back(f"/ui/companies/{realm}/customers", f"Saved customer {saved['DisplayName']}")


def merge_customer(app: SandboxApp, request: Request, realm: str, ident: str) -> Response:
    """The "Merge into…" button: this customer disappears into the one whose Id was given."""
    company = pages.company_or_404(app, realm)
    row = company.get("Customer", ident)
    if row is None:
        raise NotFound()
    into = request.form.get("into", "").strip()
    try:
        survivor = mutations.merge_customers(app.state, company, ident, into, source="ui")
    except errors.QBOError as error:
        return _customer_form(company, row, f"{error.message}: {error.detail}", status=400)
    message = f"Merged {row['DisplayName']} into {survivor['DisplayName']}"
    return pages.back(f"/ui/companies/{realm}/customers/{survivor['Id']}", message)


def _edited_customer(row: dict, form: dict) -> dict:
    """A full update: the stored writable fields with the form's changes (blank = remove)."""
    payload = {**entity_type("Customer").writable(row), "SyncToken": form.get("sync_token", "")}
    payload["Id"] = row["Id"]
    fields = {
        "DisplayName": form.get("display_name", ""),
        "GivenName": form.get("given_name", ""),
        "FamilyName": form.get("family_name", ""),
        "CompanyName": form.get("company_name", ""),
        "PrimaryEmailAddr": {"Address": form["email"]} if form.get("email") else None,
        "PrimaryPhone": {"FreeFormNumber": form["phone"]} if form.get("phone") else None,
    }
    for key, value in fields.items():
        if value:
            payload[key] = value
        else:
            payload.pop(key, None)
    payload["Active"] = bool(form.get("active"))
    return payload


def _customer_form(company: Company, row: dict, message: str, status: int = 200) -> Response:
    content = pages.fill(
        "customer_form.html",
        tabs=pages.tabs(company, "customers"),
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
        merge_targets=_merge_targets(company, row["Id"]),
    )
    return pages.page("Edit customer", content, message=message, status=status)


def _merge_targets(company: Company, ident: str, limit: int = 200) -> str:
    options = []
    for other in company.rows("Customer"):
        if other["Id"] != ident and other.get("Active", True):
            options.append(
                f'<option value="{escape(other["Id"])}">{escape(other["DisplayName"])}</option>'
            )
        if len(options) >= limit:
            break
    return "".join(options)


HANDLERS = {
    "ui.home": home,
    "ui.css": css,
    "ui.new_company": new_company,
    "ui.faults": ui_faults.faults,
    "ui.customers": customers,
    "ui.customer": customer,
    "ui.merge_customer": merge_customer,
    **ui_sales.HANDLERS,
    **ui_lists.HANDLERS,
}
