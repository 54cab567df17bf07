"""Sales tax on sales forms: US automated sales tax by ship-to state, US manual tax codes,
and the non-US per-line tax codes; the TaxRate list and the tax codes a company starts with.

Rules (QBO-TRANSACTIONS.md §7-8; README "Sales tax"):
- `TaxPrefs.UsingSalesTax` false: TxnTaxDetail is ignored, answered as {"TotalTax": 0}.
- US, `TaxPrefs.PartnerTaxEnabled` (automated sales tax): the tax code is the one for the
  ship-to state (ShipAddr.CountrySubDivisionCode, else the company address), whatever
  TxnTaxCodeRef was sent ("replaced by the AST engine recommendation"); lines are taxed by
  their pseudo code TAX/NON.
- US without AST: the TxnTaxCodeRef sent (a real code) gives the rates; none, no tax.
- Non-US: every sales line needs a real TaxCodeRef (6000 "... GST/HST rate ..." / "VAT rate"),
  tax per code's rates; GlobalTaxCalculation TaxExcluded (default), TaxInclusive or
  NotApplicable.
- An explicit TxnTaxDetail.TotalTax is honoured and prorated over the code's rates.
- ApplyTaxAfterDiscount: the discount's share on taxable lines (pro rata) comes off the base.
"""

from __future__ import annotations

from decimal import Decimal

from qbo_sandbox.books import errors
from qbo_sandbox.books.store import UnitOfWork
from qbo_sandbox.books.wire import money
from qbo_sandbox.entities.base import (
    PSEUDO_TAX_CODES,
    EntityType,
    boolean_of,
    decimal_of,
    ref_value,
    resolve_ref,
)

SALES = "SalesItemLineDetail"
DISCOUNT = "DiscountLineDetail"
SHIPPING_ITEM_ID = "SHIPPING_ITEM_ID"
COMPUTED = "_TaxComputed"  # the TotalTax the engine last computed (not an override)

# US rates by ship-to state: (TaxCode id, code name, [(TaxRate id, rate name, percent)]).
# Codes 2 and 3 and rates 1-3 are Intuit's sample company's (nango_invoice_read.json: code 2
# "California" is rate 3 at 8%); the others are a small, plausible table, not real rates.
US_RATES: dict[str, tuple[str, str, list[tuple[str, str, str]]]] = {
    "CA": ("2", "California", [("3", "California", "8")]),
    "AZ": ("3", "Tucson", [("2", "AZ State tax", "7.1"), ("1", "Tucson City", "0.1")]),
    "NY": ("4", "New York City", [("4", "NY State", "4"), ("5", "New York City", "4.875")]),
    "TX": ("5", "Texas", [("6", "TX State", "6.25"), ("7", "TX Local", "2")]),
    "WA": ("6", "Washington", [("8", "WA State", "6.5"), ("9", "WA Local", "3.6")]),
    "FL": ("7", "Florida", [("10", "FL State", "6"), ("11", "FL County", "1")]),
}
OTHER_STATES = ("8", "Other states", [("12", "State", "6")])
NO_SALES_TAX = frozenset({"OR", "MT", "NH", "DE", "AK"})
# Non-US codes by country: (code id, name, [(rate id, rate name, percent)]); the first is the
# standard code seeded sales use.
GLOBAL_CODES: dict[str, list[tuple[str, str, list[tuple[str, str, str]]]]] = {
    "CA": [
        ("2", "GST", [("1", "GST", "5")]),
        ("3", "HST ON", [("2", "HST ON", "13")]),
        ("4", "Zero-rated", [("3", "Zero-rated", "0")]),
        ("5", "Exempt", [("4", "Exempt", "0")]),
    ],
    "GB": [
        ("2", "20.0% S", [("1", "20.0% S", "20")]),
        ("3", "5.0% R", [("2", "5.0% R", "5")]),
        ("4", "0.0% Z", [("3", "0.0% Z", "0")]),
        ("5", "Exempt", [("4", "Exempt", "0")]),
    ],
    "AU": [
        ("2", "GST", [("1", "GST", "10")]),
        ("3", "GST free", [("2", "GST free", "0")]),
    ],
}
OTHER_COUNTRIES = [
    ("2", "Standard", [("1", "Standard", "10")]),
    ("3", "Zero", [("2", "Zero", "0")]),
]
RATE_WORD = {"CA": "GST/HST", "GB": "VAT", "AU": "GST"}  # 6000 wording (CA, GB recorded)
CALCULATIONS = ("TaxExcluded", "TaxInclusive", "NotApplicable")


class TaxRateType(EntityType):
    """Read-only, as in QBO (rates come from the TaxService); quickbooks-ruby tax_rate.xml."""

    name = "TaxRate"
    creatable = False
    fields = ("Name", "Description", "Active", "RateValue", "AgencyRef", "SpecialTaxType")

    def build(
        self, work: UnitOfWork, data: dict, existing: dict | None, options: frozenset
    ) -> dict:
        raise errors.unsupported_operation("Operation Create/Update is not supported for TaxRate.")


def company_codes(country: str) -> list[tuple[str, str, list[tuple[str, str, str]]]]:
    """The tax codes (with rates) a new company of `country` starts with."""
    if country == "US":
        return [*US_RATES.values(), OTHER_STATES]
    return GLOBAL_CODES.get(country, OTHER_COUNTRIES)


def standard_code(country: str) -> str | None:
    """The code seeded sales lines use (None in the US: TAX/NON pseudo codes)."""
    return None if country == "US" else company_codes(country)[0][0]


def country_of(work: UnitOfWork) -> str:
    return str((work.get("CompanyInfo", "1") or {}).get("Country") or "US")


def _prefs(work: UnitOfWork) -> dict:
    return (work.get("Preferences", "1") or {}).get("TaxPrefs", {})


def is_shipping(detail: dict | None) -> bool:
    return ref_value((detail or {}).get("ItemRef")) == SHIPPING_ITEM_ID


GROUP = "GroupLineDetail"


def item_lines(lines: list[dict]) -> list[dict]:
    """The sales item lines, a bundle's own lines in its place: a GroupLineDetail line's
    Amount is 0 and its lines carry the money (quickbooks-ruby invoice_with_bundle_line_item)."""
    found = []
    for line in lines:
        if line["DetailType"] == SALES:
            found.append(line)
        elif line["DetailType"] == GROUP:
            found.extend(line[GROUP].get("Line", []))
    return found


def line_tax_code(work: UnitOfWork, detail: dict, element: str) -> dict:
    """A sales line's TaxCodeRef: TAX/NON (default NON) in the US; a real, required code
    elsewhere (QBO refuses a line without one: activepieces#8539, quickbooks-online-mcp#94)."""
    country = country_of(work)
    if country == "US":
        return resolve_ref(work, detail, "TaxCodeRef", "TaxCode", element=element) or {
            "value": "NON"
        }
    ident = ref_value(detail.get("TaxCodeRef"))
    if ident is None:
        word = RATE_WORD.get(country, "tax")
        raise errors.business_rule(
            f"Make sure all your transactions have a {word} rate before you save."
        )
    if ident in PSEUDO_TAX_CODES:
        raise errors.invalid_reference(element)  # pseudo codes are US-only (unverified code)
    return resolve_ref(work, detail, "TaxCodeRef", "TaxCode", element=element)


def _rates(work: UnitOfWork, code_id: str) -> list[tuple[dict, Decimal]]:
    """A code's sales rates as (TaxRate, percent)."""
    code = work.get("TaxCode", code_id) or {}
    rates = []
    for detail in (code.get("SalesTaxRateList") or {}).get("TaxRateDetail", []):
        rate = work.get("TaxRate", ref_value(detail.get("TaxRateRef")) or "")
        if rate is not None:
            rates.append((rate, Decimal(str(rate.get("RateValue", 0)))))
    return rates


def _ship_to_state(work: UnitOfWork, obj: dict) -> str:
    """ShipAddr's state, else the company address's (Intuit: "If a shipping address is not
    provided, the company address is considered as the destination address")."""
    address = obj.get("ShipAddr") or {}
    state = str(address.get("CountrySubDivisionCode") or "").strip().upper()
    if state:
        return state
    company = (work.get("CompanyInfo", "1") or {}).get("CompanyAddr") or {}
    return str(company.get("CountrySubDivisionCode") or "").strip().upper()


def _bases(obj: dict, country: str) -> dict[str, Decimal]:
    """Taxable amount per tax code id ("TAX" for US pseudo-taxed lines), before discount."""
    bases: dict[str, Decimal] = {}
    for line in item_lines(obj["Line"]):
        code = ref_value(line[SALES].get("TaxCodeRef")) or "NON"
        if country == "US" and code != "TAX":
            continue
        bases[code] = bases.get(code, Decimal(0)) + line["Amount"]
    return bases


def _discounted(obj: dict, bases: dict[str, Decimal]) -> dict[str, Decimal]:
    """With ApplyTaxAfterDiscount, each base loses its pro-rata share of the discount (the
    discount applies to the item lines, not shipping: QBO-TRANSACTIONS.md §8 [U pro rata])."""
    discount = sum(
        (line["Amount"] for line in obj["Line"] if line["DetailType"] == DISCOUNT), Decimal(0)
    )
    if not discount or not boolean_of(obj, "ApplyTaxAfterDiscount", False):
        return bases
    subtotal = sum(
        (line["Amount"] for line in item_lines(obj["Line"]) if not is_shipping(line.get(SALES))),
        Decimal(0),
    )
    if not subtotal:
        return bases
    out = {}
    for code, base in bases.items():
        # Shipping is not discounted: only the item part of a base shares the discount.
        shipping = sum(
            (
                line["Amount"]
                for line in obj["Line"]
                if line["DetailType"] == SALES
                and is_shipping(line[SALES])
                and ref_value(line[SALES].get("TaxCodeRef")) == code
            ),
            Decimal(0),
        )
        items = base - shipping
        out[code] = money(items - discount * items / subtotal) + shipping
    return out


def _tax_lines(
    rated: list[tuple[dict, Decimal, Decimal]], inclusive: bool
) -> tuple[list[dict], Decimal]:
    """TaxLine entries for (rate, percent, base) and their total."""
    lines, total = [], Decimal(0)
    for rate, percent, base in rated:
        if inclusive:
            amount = money(base - base / (1 + percent / 100))
            net = base - amount
        else:
            amount, net = money(base * percent / 100), money(base)
        total += amount
        detail = {
            "TaxRateRef": {"value": rate["Id"]},  # no name (nango_invoice_read.json)
            "PercentBased": True,
            "TaxPercent": percent,
            "NetAmountTaxable": net,
        }
        lines.append({"Amount": amount, "DetailType": "TaxLineDetail", "TaxLineDetail": detail})
    return lines, total


def _prorate(lines: list[dict], computed: Decimal, wanted: Decimal) -> list[dict]:
    """Spread an explicit TotalTax over the rates in proportion (the last takes the rest)."""
    out, left = [], wanted
    for index, line in enumerate(lines):
        if index == len(lines) - 1:
            amount = left
        elif computed:
            amount = money(wanted * line["Amount"] / computed)
        else:
            amount = money(wanted / len(lines))
        left -= amount
        out.append({**line, "Amount": amount})
    return out


def _explicit(data_tax: dict, existing: dict | None) -> Decimal | None:
    """The TotalTax the request sets, if any: a stored computed amount sent back (a sparse
    update, a read sent whole) is not an override."""
    sent = decimal_of(data_tax, "TotalTax", "TxnTaxDetail.TotalTax")
    if sent is None:
        return None
    computed = existing.get(COMPUTED) if existing is not None else None
    if computed is not None and money(sent) == money(computed):
        return None
    return money(sent)


def apply(work: UnitOfWork, obj: dict, existing: dict | None) -> None:
    """Set TxnTaxDetail, TotalAmt (and the private computed marker) on a built sales form."""
    country = country_of(work)
    sent = dict(obj.get("TxnTaxDetail") or {})
    lines = obj["Line"]
    subtotal = sum((line["Amount"] for line in item_lines(lines)), Decimal(0))
    discount = sum((line["Amount"] for line in lines if line["DetailType"] == DISCOUNT), Decimal(0))
    detail, inclusive = _detail(work, obj, sent, existing, country)
    obj["TxnTaxDetail"] = detail
    added = Decimal(0) if inclusive else detail["TotalTax"]
    obj["TotalAmt"] = money(subtotal - discount + added)


def _detail(
    work: UnitOfWork, obj: dict, sent: dict, existing: dict | None, country: str
) -> tuple[dict, bool]:
    obj.pop(COMPUTED, None)
    explicit = _explicit(sent, existing)
    if not _prefs(work).get("UsingSalesTax", True):
        # "If sales tax is disabled ... TxnTaxDetail is ignored and not stored."
        return {"TotalTax": Decimal(0)}, False
    calculation = "TaxExcluded"
    if country != "US":
        calculation = obj.get("GlobalTaxCalculation") or "TaxExcluded"
        if calculation not in CALCULATIONS:
            raise errors.invalid_property(f"GlobalTaxCalculation:{calculation}")
        obj["GlobalTaxCalculation"] = calculation
        if calculation == "NotApplicable":
            return {"TotalTax": Decimal(0)}, False
    code_ids = _codes(work, obj, sent, country)
    if code_ids is None:  # US without a tax code: whatever TotalTax says (0 by default)
        return {"TotalTax": explicit or Decimal(0)}, False
    bases = _discounted(obj, _bases(obj, country))
    if not any(bases.values()):
        # Nothing taxable: {"TotalTax": 0} and no code (nango_invoice_create.json).
        return {"TotalTax": explicit or Decimal(0)}, False
    rated = []
    for code_id, base_key in code_ids:
        base = bases.get(base_key, Decimal(0))
        rated.extend((rate, percent, base) for rate, percent in _rates(work, code_id))
    inclusive = calculation == "TaxInclusive"
    tax_lines, total = _tax_lines([r for r in rated if r[2]], inclusive)
    if explicit is not None and explicit != total:
        tax_lines = _prorate(tax_lines, total, explicit) if tax_lines else []
        total = explicit
    else:
        obj[COMPUTED] = total
    detail: dict = {}
    if country == "US" and code_ids:
        detail["TxnTaxCodeRef"] = {"value": code_ids[0][0]}  # no name (nango_invoice_read)
    detail["TotalTax"] = total
    if tax_lines:
        detail["TaxLine"] = tax_lines
    return detail, inclusive


def _codes(work: UnitOfWork, obj: dict, sent: dict, country: str) -> list[tuple[str, str]] | None:
    """(tax code id, base key) pairs: one code for US forms, one per line code elsewhere."""
    if country != "US":
        return [(code, code) for code in _bases(obj, country)]
    if _prefs(work).get("PartnerTaxEnabled"):
        state = _ship_to_state(work, obj)
        if state in NO_SALES_TAX:
            return []
        code_id = US_RATES.get(state, OTHER_STATES)[0]
        return [(code_id, "TAX")]
    code_ref = resolve_ref(work, sent, "TxnTaxCodeRef", "TaxCode", element="TxnTaxCodeRef")
    if code_ref is None or code_ref["value"] in PSEUDO_TAX_CODES:
        return None
    return [(code_ref["value"], "TAX")]


def tax_code_rows(country: str) -> tuple[list[dict], list[dict]]:
    """The TaxRate and TaxCode objects (without stamps) a new company of `country` has."""
    rates: dict[str, dict] = {}
    codes = []
    for code_id, name, code_rates in company_codes(country):
        details = []
        for order, (rate_id, rate_name, percent) in enumerate(code_rates):
            rates[rate_id] = {
                "Id": rate_id,
                "Name": rate_name,
                "Description": f"{rate_name} sales tax rate",
                "Active": True,
                "RateValue": Decimal(percent),
                "AgencyRef": {"value": "1"},
                "SpecialTaxType": "NONE",
                "DisplayType": "ReadOnly",
            }
            ref = {"value": rate_id, "name": rate_name}
            details.append(
                {"TaxRateRef": ref, "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": order}
            )
        codes.append(
            {
                "Id": code_id,
                "Name": name,
                "Description": f"{name} sales tax",
                "Active": True,
                "Taxable": True,
                "TaxGroup": len(code_rates) > 1,
                "SalesTaxRateList": {"TaxRateDetail": details},
                "PurchaseTaxRateList": {"TaxRateDetail": []},
            }
        )
    return list(rates.values()), codes
