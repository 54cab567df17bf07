"""Multicurrency: the CompanyCurrency list, a customer's one currency, and a sales form's
CurrencyRef, ExchangeRate and home-currency amounts (QBO-TRANSACTIONS.md §11).

- `Preferences.CurrencyPrefs.MultiCurrencyEnabled` turns it on (control API or demo UI only:
  "It cannot be enabled via the API"); HomeCurrency is fixed.
- CurrencyRef.value is the ISO 4217 code. A customer's currency is set at creation (default:
  home) and cannot change once the customer has transactions.
- A sales form's CurrencyRef defaults to its customer's; any other is refused with QBO's
  6000 "The currency of the transaction is invalid for customer/vendor/account."
- ExchangeRate (home units per foreign unit) defaults from RATES; HomeTotalAmt and
  HomeBalance are TotalAmt and Balance times it, to the cent.
"""

from __future__ import annotations

from decimal import Decimal

from qbo_sandbox.books import errors
from qbo_sandbox.books.store import UnitOfWork
from qbo_sandbox.books.wire import money
from qbo_sandbox.entities.base import EntityType, boolean_of, decimal_of, ref_value

# ISO code -> (name as QBO spells it, US dollars per unit). A fixed, small table, not market
# rates: the sandbox has no exchange-rate feed.
RATES: dict[str, tuple[str, Decimal]] = {
    "USD": ("United States Dollar", Decimal("1")),
    "EUR": ("Euro", Decimal("1.08")),
    "GBP": ("British Pound Sterling", Decimal("1.27")),
    "CAD": ("Canadian Dollar", Decimal("0.74")),
    "AUD": ("Australian Dollar", Decimal("0.66")),
    "MXN": ("Mexican Peso", Decimal("0.058")),
    "JPY": ("Japanese Yen", Decimal("0.0067")),
    "INR": ("Indian Rupee", Decimal("0.012")),
}
HOME_BY_COUNTRY = {"US": "USD", "CA": "CAD", "GB": "GBP", "AU": "AUD", "IN": "INR"}
TRANSACTIONS = ("Invoice", "CreditMemo", "SalesReceipt", "RefundReceipt", "Estimate", "Payment")
MISMATCH = "The currency of the transaction is invalid for customer/vendor/account."


def currency_name(code: str) -> str:
    if code not in RATES:
        raise ValueError(f"unknown currency {code!r}; the sandbox knows {sorted(RATES)}")
    return RATES[code][0]


def currency_ref(code: str) -> dict:
    return {"value": code, "name": currency_name(code)}


def home_currency(work: UnitOfWork) -> str:
    prefs = (work.get("Preferences", "1") or {}).get("CurrencyPrefs", {})
    return ref_value(prefs.get("HomeCurrency")) or "USD"


def multicurrency(work: UnitOfWork) -> bool:
    prefs = (work.get("Preferences", "1") or {}).get("CurrencyPrefs", {})
    return bool(prefs.get("MultiCurrencyEnabled"))


def exchange_rate(code: str, home: str) -> Decimal:
    """Home units per unit of `code`, from the table (8 significant digits)."""
    rate = RATES[code][1] / RATES[home][1]
    return rate.quantize(Decimal("0.0000001")).normalize()


def _usable(work: UnitOfWork, code: str) -> bool:
    """The home currency, or one of the company's active currencies."""
    if code == home_currency(work):
        return True
    return any(c.get("Code") == code and c.get("Active") for c in work.values("CompanyCurrency"))


class CompanyCurrencyType(EntityType):
    """{"Id", "Name": "Euro", "Code": "EUR", "Active"} (quickbooks-ruby company_currency.xml);
    "deleting" one is Active false. Only in multicurrency companies (6000 otherwise, [U])."""

    name = "CompanyCurrency"
    kind = "name"
    fields = ("Code", "Name", "Active")

    def build(
        self, work: UnitOfWork, data: dict, existing: dict | None, options: frozenset
    ) -> dict:
        if not multicurrency(work):
            raise errors.business_rule("Multicurrency is not turned on for this company.")
        code = str(data.get("Code") or (existing or {}).get("Code") or "").upper()
        if not code:
            raise errors.required_param("Code")
        if existing is not None and code != existing["Code"]:
            raise errors.business_rule("A currency's Code cannot be changed.")
        if code not in RATES:
            raise errors.invalid_property(f"Code:{code}")
        if code == home_currency(work):
            raise errors.business_rule(f"{code} is the home currency.")
        own_id = existing["Id"] if existing else None
        if any(c["Code"] == code and c["Id"] != own_id for c in work.values("CompanyCurrency")):
            raise errors.duplicate_name("currency")
        return {"Code": code, "Name": RATES[code][0], "Active": boolean_of(data, "Active", True)}


def customer_currency(work: UnitOfWork, obj: dict, existing: dict | None) -> dict:
    """A customer's CurrencyRef: home by default; another only if multicurrency is on and
    the company uses it; fixed once the customer has transactions (6000, text [U])."""
    home = home_currency(work)
    code = (ref_value(obj.get("CurrencyRef")) or home).upper()
    before = ref_value((existing or {}).get("CurrencyRef")) or home
    if code not in RATES or not (code == home or (multicurrency(work) and _usable(work, code))):
        raise errors.business_rule(MISMATCH)
    if existing is not None and code != before and _has_transactions(work, existing["Id"]):
        raise errors.business_rule(
            "You can't change the currency of a customer that has transactions."
        )
    return currency_ref(code)


def _has_transactions(work: UnitOfWork, customer_id: str) -> bool:
    return any(
        ref_value(txn.get("CustomerRef")) == customer_id
        for entity in TRANSACTIONS
        for txn in work.values(entity)
    )


def apply(work: UnitOfWork, obj: dict, data: dict, customer: dict | None) -> None:
    """CurrencyRef (default: the customer's), ExchangeRate, HomeTotalAmt/HomeBalance."""
    home = home_currency(work)
    own = ref_value((customer or {}).get("CurrencyRef")) or home
    code = (ref_value(data.get("CurrencyRef")) or own).upper()
    if (code != own and customer is not None) or code not in RATES:
        raise errors.business_rule(MISMATCH)
    if code != home and not (multicurrency(work) and _usable(work, code)):
        raise errors.business_rule(MISMATCH)
    obj["CurrencyRef"] = currency_ref(code)
    if not multicurrency(work):
        # Single-currency answers carry no ExchangeRate or home amounts (nango_*_create).
        obj.pop("ExchangeRate", None)
        return
    rate = decimal_of(data, "ExchangeRate") if code != home else Decimal(1)
    if rate is None:
        rate = exchange_rate(code, home)
    if rate <= 0:
        raise errors.business_rule("ExchangeRate must be greater than 0.")
    obj["ExchangeRate"] = rate
    obj["HomeTotalAmt"] = money(obj["TotalAmt"] * rate)
    if "Balance" in obj:
        obj["HomeBalance"] = money(obj["Balance"] * rate)
