"""GET /v3/company/{realm}/exchangerate?sourcecurrencycode=EUR[&asofdate=YYYY-MM-DD]: the
rate a sales form defaults to, in Intuit's ExchangeRate shape (quickbooks-ruby
exchange_rate.xml: SourceCurrencyCode, TargetCurrencyCode, Rate, AsOfDate). Rates come from
the sandbox's fixed table (entities/currency.py) whatever the date; no POST (code 500)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from qbo_sandbox.api.responses import entity_response
from qbo_sandbox.books import errors
from qbo_sandbox.books.clock import company_date
from qbo_sandbox.books.store import Company
from qbo_sandbox.entities.base import date_of
from qbo_sandbox.entities.currency import RATES, exchange_rate

if TYPE_CHECKING:
    from qbo_sandbox.app import SandboxApp


def read(app: SandboxApp, request: Request, company: Company, values: dict) -> Response:
    source = request.args.get("sourcecurrencycode", "").strip().upper()
    if not source:
        raise errors.required_param("sourcecurrencycode")
    if source not in RATES:
        raise errors.object_not_found("ExchangeRate", source)
    prefs = (company.get("Preferences", "1") or {}).get("CurrencyPrefs", {})
    home = (prefs.get("HomeCurrency") or {}).get("value", "USD")
    today = company_date(app.state.clock.now())
    as_of = date_of({"asofdate": request.args.get("asofdate")}, "asofdate", today)
    rate = {
        "SourceCurrencyCode": source,
        "TargetCurrencyCode": home,
        "Rate": exchange_rate(source, home),
        "AsOfDate": as_of,
    }
    return entity_response(app, "ExchangeRate", rate)
