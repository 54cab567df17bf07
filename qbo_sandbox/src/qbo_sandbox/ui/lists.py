"""The demo UI's other lists (sales forms, purchases, items with categories, classes,
locations, attachments, currencies, tax) and the company settings page.

Lists are read-only here; settings go through books.features (a Preferences update through
the mutation path, so the app hears of it as of any change).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from werkzeug.exceptions import NotFound
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from qbo_sandbox.books import errors, features, wire
from qbo_sandbox.books.store import Company
from qbo_sandbox.entities import entity_type
from qbo_sandbox.entities.formprefs import definitions_in
from qbo_sandbox.ui import pages

if TYPE_CHECKING:
    from qbo_sandbox.app import SandboxApp

BASE = "/ui/companies/<realm>"
RULES = [
    Rule(f"{BASE}/lists", endpoint="ui.lists", methods=["GET"]),
    Rule(f"{BASE}/lists/<entity>", endpoint="ui.list", methods=["GET"]),
    Rule(f"{BASE}/lists/<entity>/<ident>", endpoint="ui.record", methods=["GET"]),
    Rule(f"{BASE}/settings", endpoint="ui.settings", methods=["GET", "POST"]),
]
PAGE_SIZE = 100
Column = tuple[str, Callable[[dict], str]]


def _ref(key: str) -> Callable[[dict], str]:
    return lambda row: str(
        (row.get(key) or {}).get("name") or (row.get(key) or {}).get("value", "")
    )


def _field(key: str) -> Callable[[dict], str]:
    return lambda row: "" if row.get(key) is None else str(row[key])


def _money(key: str) -> Callable[[dict], str]:
    return lambda row: pages.money(row.get(key)) if row.get(key) is not None else ""


def _active(row: dict) -> str:
    return "" if row.get("Active", True) else "Inactive"


def _tree_name(row: dict) -> str:
    """Items, classes and locations by full name, indented by depth."""
    depth = str(row.get("FullyQualifiedName", "")).count(":")
    return "\u2003" * depth + str(row.get("FullyQualifiedName") or row.get("Name", ""))


def _links(row: dict) -> str:
    refs = [ref.get("EntityRef") or {} for ref in row.get("AttachableRef") or []]
    return ", ".join(f"{r.get('type', '')} {r.get('value', '')}" for r in refs)


def _rates(row: dict) -> str:
    details = (row.get("SalesTaxRateList") or {}).get("TaxRateDetail", [])
    return ", ".join(str(d["TaxRateRef"].get("name", "")) for d in details)


_TXN: list[Column] = [
    ("No.", lambda row: str(row.get("DocNumber") or row["Id"])),
    ("Date", _field("TxnDate")),
    ("Customer", _ref("CustomerRef")),
    ("Currency", lambda row: (row.get("CurrencyRef") or {}).get("value", "")),
    ("Total", _money("TotalAmt")),
]
_PURCHASE: list[Column] = [*_TXN[:2], ("Vendor", _ref("VendorRef")), *_TXN[3:]]
COLUMNS: dict[str, list[Column]] = {
    "CreditMemo": [*_TXN, ("Remaining credit", _money("RemainingCredit"))],
    "SalesReceipt": _TXN,
    "RefundReceipt": _TXN,
    "Estimate": [*_TXN, ("Status", _field("TxnStatus"))],
    "Bill": [*_PURCHASE, ("Balance", _money("Balance")), ("Due", _field("DueDate"))],
    "VendorCredit": _PURCHASE,
    "Item": [
        ("Name", _tree_name),
        ("Type", _field("Type")),
        ("SKU", _field("Sku")),
        ("Price", _money("UnitPrice")),
        ("On hand", _field("QtyOnHand")),
        ("", _active),
    ],
    "Class": [("Name", _tree_name), ("", _active)],
    "Department": [("Name", _tree_name), ("", _active)],
    "Attachable": [
        ("File or note", lambda row: str(row.get("FileName") or row.get("Note", ""))),
        ("Linked to", _links),
        ("Size", _field("Size")),
    ],
    "CompanyCurrency": [("Code", _field("Code")), ("Name", _field("Name")), ("", _active)],
    "TaxCode": [("Name", _field("Name")), ("Rates", _rates)],
    "TaxRate": [("Name", _field("Name")), ("Rate %", _field("RateValue"))],
}


def _entity(name: str) -> str:
    etype = entity_type(name)
    if etype is None or etype.name not in COLUMNS:
        raise NotFound()
    return etype.name


def lists(app: SandboxApp, request: Request, realm: str) -> Response:
    company = pages.company_or_404(app, realm)
    rows = "\n".join(
        f'<tr><td><a href="/ui/companies/{escape(realm)}/lists/{name}">{name}</a></td>'
        f'<td class="num">{company.count(name)}</td></tr>'
        for name in COLUMNS
    )
    content = pages.fill("lists.html", tabs=pages.tabs(company, "lists"), rows=rows)
    return pages.page("Other lists", content)


def _matches(row: dict, query: str) -> bool:
    text = " ".join(
        str(row.get(key, ""))
        for key in ("Id", "DocNumber", "Name", "FullyQualifiedName", "Sku", "Code", "FileName")
    )
    return query in text.casefold()


def entity_list(app: SandboxApp, request: Request, realm: str, entity: str) -> Response:
    company = pages.company_or_404(app, realm)
    name = _entity(entity)
    query = request.args.get("q", "").strip().casefold()
    page = max(1, int(request.args.get("page", "1") or 1))
    rows = [row for row in company.rows(name) if not query or _matches(row, query)]
    if name in ("Item", "Class", "Department"):
        rows.sort(key=lambda row: str(row.get("FullyQualifiedName", "")).casefold())
    shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    columns = COLUMNS[name]
    headings = "<th>Id</th>" + "".join(f"<th>{escape(h)}</th>" for h, _ in columns)
    body = "\n".join(_row(realm, name, row, columns) for row in shown)
    pager = f"{len(rows)} rows · page {page}"
    if page * PAGE_SIZE < len(rows):
        pager += f' · <a href="?{urlencode({"q": query, "page": page + 1})}">Next page</a>'
    content = pages.fill(
        "list.html",
        tabs=pages.tabs(company, "lists"),
        entity=name,
        query=escape(query),
        headings=headings,
        rows=body,
        pager=pager,
    )
    return pages.page(name, content)


def _row(realm: str, entity: str, row: dict, columns: list[Column]) -> str:
    link = f"/ui/companies/{escape(realm)}/lists/{entity}/{escape(row['Id'])}"
    cells = "".join(f"<td>{escape(value(row))}</td>" for _, value in columns)
    return f'<tr><td><a href="{link}">{escape(row["Id"])}</a></td>{cells}</tr>'


def record(app: SandboxApp, request: Request, realm: str, entity: str, ident: str) -> Response:
    company = pages.company_or_404(app, realm)
    name = _entity(entity)
    row = company.get(name, ident)
    if row is None:
        raise NotFound()
    shown = entity_type(name).render(row)
    fields = "\n".join(
        f"<tr><th>{escape(key)}</th><td>{escape(_brief(value))}</td></tr>"
        for key, value in shown.items()
        if key not in ("Line", "domain", "sparse")
    )
    content = pages.fill(
        "record.html",
        tabs=pages.tabs(company, "lists"),
        entity=name,
        ident=escape(ident),
        realm=escape(realm),
        fields=fields,
        lines=_lines(shown.get("Line") or []),
        raw=escape(_pretty(shown)),
    )
    return pages.page(f"{name} {ident}", content)


def _pretty(obj: dict) -> str:
    return json.dumps(json.loads(wire.dumps(obj)), indent=2)


def _brief(value: object) -> str:
    if isinstance(value, dict):
        return str(value.get("name") or value.get("value") or value.get("Address") or "") or str(
            value
        )
    return str(value)


def _lines(lines: list[dict]) -> str:
    if not lines:
        return ""
    rows = []
    for line in lines:
        kind = line.get("DetailType", "")
        detail = line.get(kind) or {}
        what = _brief(detail.get("ItemRef") or detail.get("AccountRef") or "")
        rows.append(
            f"<tr><td>{escape(kind)}</td><td>{escape(what)}</td>"
            f"<td>{escape(str(line.get('Description', '')))}</td>"
            f'<td class="num">{pages.money(line.get("Amount"))}</td></tr>'
        )
    head = (
        "<thead><tr><th>Line</th><th>Item / account</th><th>Description</th>"
        '<th class="num">Amount</th></tr></thead>'
    )
    return f"<h3>Lines</h3><table>{head}{''.join(rows)}</table>"


# --- settings ----------------------------------------------------------------------------
def settings(app: SandboxApp, request: Request, realm: str) -> Response:
    company = pages.company_or_404(app, realm)
    if request.method == "GET":
        return _settings_form(company, request.args.get("msg", ""))
    form = request.form
    chosen = {name: bool(form.get(name)) for name in ("sales_tax", "automated_sales_tax")}
    chosen.update(
        {name: bool(form.get(name)) for name in ("shipping", "discounts", "track_departments")}
    )
    chosen["class_tracking"] = form.get("class_tracking", "none")
    chosen["custom_fields"] = [
        form[f"custom_field_{n}"].strip()
        for n in (1, 2, 3)
        if form.get(f"custom_field_{n}", "").strip()
    ]
    chosen["multicurrency"] = bool(form.get("multicurrency"))  # off again: refused
    if form.get("currencies"):
        chosen["currencies"] = [
            c.strip() for c in form.get("currencies", "").split(",") if c.strip()
        ]
    try:
        features.apply_features(app.state, company, chosen, source="ui")
    except (ValueError, errors.QBOError) as error:
        return _settings_form(company, str(getattr(error, "detail", error)), status=400)
    return pages.back(f"/ui/companies/{realm}/settings", "Saved the company settings")


def _settings_form(company: Company, message: str, status: int = 200) -> Response:
    prefs = company.get("Preferences", "1") or {}
    info, sales = prefs.get("AccountingInfoPrefs", {}), prefs.get("SalesFormsPrefs", {})
    taxes, money = prefs.get("TaxPrefs", {}), prefs.get("CurrencyPrefs", {})

    def checked(value: object) -> str:
        return "checked" if value else ""

    mode = (
        "line"
        if info.get("ClassTrackingPerTxnLine")
        else "txn"
        if info.get("ClassTrackingPerTxn")
        else "none"
    )
    labels = {"none": "Off", "txn": "One class per transaction", "line": "One class per line"}
    options = "".join(
        f'<option value="{key}"{" selected" if key == mode else ""}>{label}</option>'
        for key, label in labels.items()
    )
    names = definitions_in(sales)
    codes = ", ".join(row["Code"] for row in company.rows("CompanyCurrency") if row["Active"])
    content = pages.fill(
        "settings.html",
        tabs=pages.tabs(company, "settings"),
        sales_tax=checked(taxes.get("UsingSalesTax")),
        automated_sales_tax=checked(taxes.get("PartnerTaxEnabled")),
        shipping=checked(sales.get("AllowShipping")),
        discounts=checked(sales.get("AllowDiscount")),
        track_departments=checked(info.get("TrackDepartments")),
        class_options=options,
        multicurrency=checked(money.get("MultiCurrencyEnabled")),
        currencies=escape(codes or "home currency only"),
        **{f"custom_field_{n}": escape(names.get(str(n), "")) for n in (1, 2, 3)},
    )
    return pages.page("Settings", content, message=message, status=status)


HANDLERS = {
    "ui.lists": lists,
    "ui.list": entity_list,
    "ui.record": record,
    "ui.settings": settings,
}
