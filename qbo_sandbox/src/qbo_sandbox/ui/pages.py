"""HTML pages from string.Template files (no Jinja here); callers escape what they insert."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from html import escape
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from werkzeug.exceptions import NotFound
from werkzeug.utils import redirect
from werkzeug.wrappers import Response

if TYPE_CHECKING:
    from qbo_sandbox.app import SandboxApp
    from qbo_sandbox.books.store import Company

TEMPLATES = Path(__file__).parent / "templates"
NAV = '<a href="/">Companies</a><a href="/ui/faults">Fault switches</a>'


@cache
def template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def fill(name: str, **values: object) -> str:
    return template(name).substitute({key: str(value) for key, value in values.items()})


def page(
    title: str, content: str, *, message: str = "", nav: str = NAV, status: int = 200
) -> Response:
    notice = f'<p class="notice">{escape(message)}</p>' if message else ""
    html = fill("layout.html", title=escape(title), nav=nav, message=notice, content=content)
    return Response(html, status=status, mimetype="text/html")


def error_page(heading: str, detail: str, code: str, status: int = 400) -> Response:
    content = fill("error.html", heading=escape(heading), detail=escape(detail), code=escape(code))
    return page(heading, content, status=status, nav="")


def hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'


def money(value: object) -> str:
    return f"{Decimal(str(value or 0)):,.2f}"


def company_or_404(app: SandboxApp, realm: str) -> Company:
    company = app.state.company(realm)
    if company is None:
        raise NotFound()
    return company


def tabs(company: Company, active: str) -> str:
    """The company heading and its Customers / Invoices / Payments / lists / settings tabs."""
    flags = {
        f"{tab}_active": "active" if tab == active else ""
        for tab in ("customers", "invoices", "payments", "lists", "settings")
    }
    return fill(
        "company_tabs.html", company=escape(company.name), realm=escape(company.realm_id), **flags
    )


def back(path: str, message: str) -> Response:
    """Redirect after a POST, carrying a one-line notice for the next page."""
    return redirect(f"{path}?{urlencode({'msg': message})}", code=303)
