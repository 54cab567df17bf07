"""Classes, locations and sales-form custom fields: what the company's QuickBooks tracks.

Read from QBO when the order form loads, kept in the cache for a few minutes, rather than
mirrored: the lists are small (a handful of classes and locations), the form is the only
reader, and a mirror would need its own CDC wiring for three lists. A renamed or deactivated
class shows up on the form within DIMENSIONS_TTL; one deactivated in between is refused by
QuickBooks at push (610) and the order fails with QBO's words. When QuickBooks can't be
reached, the form offers none of them (the order still works; it is sent without them).

Preferences (QBO-TRANSACTIONS.md §9, §10): AccountingInfoPrefs.ClassTrackingPerTxn (one class
for the invoice) or ClassTrackingPerTxnLine (one per line), TrackDepartments (the invoice's
DepartmentRef, called a location in QBO's UI), SalesFormsPrefs.CustomField (slot N is on when
UseSalesCustomN is true, named by SalesCustomNameN; its DefinitionId is "N").

Tax codes (QBO-TRANSACTIONS.md §7-8): outside the US every sales line carries a real TaxCode
(its rates give the line's tax), so the form offers the company's active codes per line; US
companies mark lines TAX/NON and need no list.

Currencies (QBO-TRANSACTIONS.md §11): CurrencyPrefs.HomeCurrency, and when
MultiCurrencyEnabled the CompanyCurrency list's active entries (the currencies the company
has added; the home currency is never one of them).
"""

import logging
import re
from dataclasses import dataclass, field

from django.core.cache import cache

from qbo.client import open_client
from qbo.errors import QuickBooksError
from qbo.models import QuickBooksConnection

logger = logging.getLogger(__name__)

DIMENSIONS_TTL = 300
SLOTS = (1, 2, 3)
_SLOT = re.compile(r"SalesFormsPrefs\.(UseSalesCustom|SalesCustomName)([123])$")


@dataclass(frozen=True)
class Dimensions:
    """What the order form offers: class mode ("", "txn", "line"), locations, custom fields."""

    class_mode: str = ""
    track_departments: bool = False
    department_label: str = "Location"
    classes: list[tuple[str, str]] = field(default_factory=list)  # (Id, FullyQualifiedName)
    departments: list[tuple[str, str]] = field(default_factory=list)
    custom_fields: list[tuple[str, str]] = field(default_factory=list)  # (DefinitionId, Name)
    home_currency: str = ""  # empty: QuickBooks couldn't be asked
    multicurrency: bool = False
    currencies: list[str] = field(default_factory=list)  # active CompanyCurrency codes
    tax_codes: list[tuple[str, str]] = field(default_factory=list)  # (Id, Name), non-US only

    @property
    def usable_currencies(self) -> list[str]:
        """The home currency, then the company's other active ones (empty when unknown)."""
        if not self.home_currency:
            return []
        others = self.currencies if self.multicurrency else []
        return [self.home_currency, *(code for code in others if code != self.home_currency)]


def custom_fields_from(preferences: dict) -> list[tuple[str, str]]:
    """The enabled legacy sales-form custom fields as (DefinitionId, Name), slot order."""
    used, names = set(), {}
    for group in (preferences.get("SalesFormsPrefs") or {}).get("CustomField") or []:
        for entry in group.get("CustomField") or []:
            match = _SLOT.match(str(entry.get("Name") or ""))
            if not match:
                continue
            kind, slot = match.groups()
            if kind == "UseSalesCustom" and entry.get("BooleanValue") is True:
                used.add(slot)
            elif kind == "SalesCustomName":
                names[slot] = str(entry.get("StringValue") or "")
    return [(slot, names.get(slot) or f"Custom {slot}") for slot in sorted(used)]


def class_mode_from(preferences: dict) -> str:
    info = preferences.get("AccountingInfoPrefs") or {}
    if info.get("ClassTrackingPerTxnLine"):
        return "line"
    return "txn" if info.get("ClassTrackingPerTxn") else ""


def _active(qb, entity: str) -> list[tuple[str, str]]:
    # QBO's queries answer active list entries only; the check is for the deactivated ones a
    # query including them would bring.
    rows = [row for row in qb.query_all(entity) if row.get("Active") is not False]
    found = [
        (str(row["Id"]), str(row.get("FullyQualifiedName") or row.get("Name"))) for row in rows
    ]
    return sorted(found, key=lambda pair: pair[1].casefold())


# US-only pseudo codes: never a line's code elsewhere (QBO-TRANSACTIONS.md §7).
PSEUDO_TAX_CODES = frozenset({"TAX", "NON"})


def _tax_codes(qb) -> list[tuple[str, str]]:
    return [pair for pair in _active(qb, "TaxCode") if pair[0] not in PSEUDO_TAX_CODES]


def _currencies(qb) -> list[str]:
    rows = qb.query_all("CompanyCurrency")
    return sorted({str(row["Code"]).upper() for row in rows if row.get("Active") is not False})


def read(qb, *, us: bool = True) -> Dimensions:
    """The company's tracking preferences, its active classes and locations and (outside the
    US) tax codes, from QBO."""
    preferences = qb.preferences()
    info = preferences.get("AccountingInfoPrefs") or {}
    mode, departments = class_mode_from(preferences), bool(info.get("TrackDepartments"))
    money = preferences.get("CurrencyPrefs") or {}
    multicurrency = bool(money.get("MultiCurrencyEnabled"))
    return Dimensions(
        class_mode=mode,
        track_departments=departments,
        department_label=str(info.get("DepartmentTerminology") or "Location"),
        classes=_active(qb, "Class") if mode else [],
        departments=_active(qb, "Department") if departments else [],
        custom_fields=custom_fields_from(preferences),
        home_currency=str((money.get("HomeCurrency") or {}).get("value") or "").upper(),
        multicurrency=multicurrency,
        currencies=_currencies(qb) if multicurrency else [],
        tax_codes=[] if us else _tax_codes(qb),
    )


def cache_key(company_id: int) -> str:
    return f"qbo:dimensions:v3:{company_id}"  # v3: with tax codes


def for_company(company) -> Dimensions:
    """The company's dimensions, from the cache or QBO; none when QBO can't be asked."""
    key = cache_key(company.pk)
    if (cached := cache.get(key)) is not None:
        return cached
    conn = QuickBooksConnection.objects.filter(company=company).only("country").first()
    us = ((conn.country if conn else "") or "US").upper() == "US"
    try:
        with open_client(company) as qb:
            found = read(qb, us=us)
    except QuickBooksError as exc:
        logger.info("company %s: no classes/locations on the form (%s)", company.pk, exc)
        return Dimensions()
    cache.set(key, found, DIMENSIONS_TTL)
    return found


def cached(company_id: int) -> Dimensions | None:
    """The company's dimensions if the cache holds them (never asks QuickBooks)."""
    return cache.get(cache_key(company_id))


def forget(company_id: int) -> None:
    cache.delete(cache_key(company_id))
