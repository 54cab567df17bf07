"""CompanyInfo and Preferences: one per company, read and updated, never created."""

from __future__ import annotations

from qbo_sandbox.books import errors
from qbo_sandbox.books.store import UnitOfWork
from qbo_sandbox.entities.base import EntityType


def deep_merge(base: dict, patch: dict) -> dict:
    merged = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class CompanyInfoType(EntityType):
    name = "CompanyInfo"
    kind = "singleton"
    creatable = False
    read_only = frozenset({"Country", "CompanyStartDate", "SupportedLanguages", "NameValue"})
    fields = (
        "CompanyName",
        "LegalName",
        "CompanyAddr",
        "CustomerCommunicationAddr",
        "LegalAddr",
        "PrimaryPhone",
        "CompanyStartDate",
        "FiscalYearStartMonth",
        "Country",
        "Email",
        "WebAddr",
        "SupportedLanguages",
        "NameValue",
    )

    def build(
        self, work: UnitOfWork, data: dict, existing: dict | None, options: frozenset
    ) -> dict:
        if not data.get("CompanyName"):
            raise errors.required_param("CompanyName")
        kept = {key: existing[key] for key in self.read_only if existing and key in existing}
        return {**data, **kept}


class PreferencesType(EntityType):
    name = "Preferences"
    kind = "singleton"
    creatable = False
    fields = (
        "AccountingInfoPrefs",
        "ProductAndServicesPrefs",
        "SalesFormsPrefs",
        "EmailMessagesPrefs",
        "VendorAndPurchasesPrefs",
        "TimeTrackingPrefs",
        "TaxPrefs",
        "CurrencyPrefs",
        "ReportPrefs",
        "OtherPrefs",
    )

    def build(
        self, work: UnitOfWork, data: dict, existing: dict | None, options: frozenset
    ) -> dict:
        before = (existing or {}).get("CurrencyPrefs", {})
        if "CurrencyPrefs" not in data and before:
            data = {**data, "CurrencyPrefs": before}  # kept, like the company's other facts
        after = data.get("CurrencyPrefs", {})
        if work.source == "api" and (
            bool(before.get("MultiCurrencyEnabled")) != bool(after.get("MultiCurrencyEnabled"))
            or before.get("HomeCurrency") != after.get("HomeCurrency")
        ):
            # "Multicurrency is enabled from the QuickBooks Online UI, only. It cannot be
            # enabled via the API"; the home currency is fixed (code and text unverified).
            raise errors.business_rule("CurrencyPrefs cannot be changed through the API.")
        return dict(data)

    def merge(self, base: dict, patch: dict) -> dict:
        # Preferences are nested sections; a sparse update changes only the leaves it sends.
        return deep_merge(base, patch)
