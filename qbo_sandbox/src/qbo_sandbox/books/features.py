"""Company switches for tests and the demo: named features turned into Preferences (and the
lists they need), applied through the mutation path as a sparse Preferences update.

QBO sets these in the company's settings screens, not through the API (multicurrency
"cannot be enabled via the API"; custom-field definitions "cannot be created through the v3
REST API", QBO-TRANSACTIONS.md §10-11), so here they belong to the control API, the CLI and
the demo UI.
"""

from __future__ import annotations

from qbo_sandbox.books import mutations
from qbo_sandbox.books.store import Company, SandboxState
from qbo_sandbox.entities.company import deep_merge
from qbo_sandbox.entities.currency import currency_name

CLASS_TRACKING = ("none", "txn", "line")
BOOLEAN_FEATURES = {
    # feature -> (Preferences section, field)
    "sales_tax": ("TaxPrefs", "UsingSalesTax"),
    "automated_sales_tax": ("TaxPrefs", "PartnerTaxEnabled"),
    "shipping": ("SalesFormsPrefs", "AllowShipping"),
    "discounts": ("SalesFormsPrefs", "AllowDiscount"),
    "deposits": ("SalesFormsPrefs", "AllowDeposit"),
    "custom_txn_numbers": ("SalesFormsPrefs", "CustomTxnNumbers"),
    "track_departments": ("AccountingInfoPrefs", "TrackDepartments"),
}
FEATURES = (
    *BOOLEAN_FEATURES,
    "class_tracking",
    "department_terminology",
    "custom_fields",
    "multicurrency",
    "currencies",
    "preferences",
)
CUSTOM_FIELD_SLOTS = 3


class FeatureError(ValueError):
    """A switch the sandbox cannot apply (unknown name, bad value, irreversible change)."""


def custom_field_prefs(names: list[str]) -> list[dict]:
    """SalesFormsPrefs.CustomField in QBO's two groups: UseSalesCustomN (BooleanType) and
    SalesCustomNameN (StringType) for N = 1..3 (quickbooks-ruby preferences.xml; the
    DefinitionId of slot N is "N", QuickBooks-V3-PHP-SDK#398)."""
    if len(names) > CUSTOM_FIELD_SLOTS:
        raise FeatureError("at most 3 sales-form custom fields")
    flags = [
        {
            "Name": f"SalesFormsPrefs.UseSalesCustom{slot}",
            "Type": "BooleanType",
            "BooleanValue": slot <= len(names),
        }
        for slot in range(1, CUSTOM_FIELD_SLOTS + 1)
    ]
    labels = [
        {"Name": f"SalesFormsPrefs.SalesCustomName{slot}", "Type": "StringType", "StringValue": n}
        for slot, n in enumerate(names, start=1)
    ]
    return [{"CustomField": flags}, {"CustomField": labels}]


def preferences_patch(current: dict, features: dict) -> dict:
    """The Preferences sections `features` change (validated; nothing is written here)."""
    unknown = sorted(set(features) - set(FEATURES))
    if unknown:
        raise FeatureError(f"unknown features {unknown}; known: {list(FEATURES)}")
    patch: dict = {}

    def put(section: str, field: str, value: object) -> None:
        patch.setdefault(section, {})[field] = value

    for name, (section, field) in BOOLEAN_FEATURES.items():
        if name in features:
            put(section, field, bool(features[name]))
    if features.get("automated_sales_tax"):
        put("TaxPrefs", "UsingSalesTax", True)
    if "class_tracking" in features:
        mode = features["class_tracking"] or "none"
        if mode not in CLASS_TRACKING:
            raise FeatureError(f"class_tracking must be one of {CLASS_TRACKING}")
        # QBO's setting is one choice: one class per transaction or one per line.
        put("AccountingInfoPrefs", "ClassTrackingPerTxn", mode == "txn")
        put("AccountingInfoPrefs", "ClassTrackingPerTxnLine", mode == "line")
    if "department_terminology" in features:
        put("AccountingInfoPrefs", "DepartmentTerminology", str(features["department_terminology"]))
    if "custom_fields" in features:
        names = [str(n) for n in features["custom_fields"] or []]
        put("SalesFormsPrefs", "CustomField", custom_field_prefs(names))
    currency = current.get("CurrencyPrefs", {})
    if "multicurrency" in features:
        if currency.get("MultiCurrencyEnabled") and not features["multicurrency"]:
            # "cannot be disabled once it's been enabled" (manage-multiple-currencies)
            raise FeatureError("multicurrency cannot be turned off once on")
        put("CurrencyPrefs", "MultiCurrencyEnabled", bool(features["multicurrency"]))
    if features.get("preferences"):
        patch = deep_merge(patch, dict(features["preferences"]))
    return patch


def apply_features(
    state: SandboxState, company: Company, features: dict, *, source: str = "control"
) -> dict:
    """Turn features on or off; answer the company's Preferences afterwards."""
    current = company.get("Preferences", "1") or {}
    patch = preferences_patch(current, features)
    codes = [str(code).upper() for code in features.get("currencies") or []]
    multicurrency = patch.get("CurrencyPrefs", {}).get(
        "MultiCurrencyEnabled", current.get("CurrencyPrefs", {}).get("MultiCurrencyEnabled")
    )
    if codes and not multicurrency:
        raise FeatureError("currencies need multicurrency on")
    for code in codes:
        currency_name(code)  # refuses a code the sandbox has no rate for
    if patch:
        body = {**patch, "Id": "1", "SyncToken": current["SyncToken"], "sparse": True}
        current = mutations.update(state, company, "Preferences", body, sparse=True, source=source)
    for code in codes:
        if not any(row.get("Code") == code for row in company.rows("CompanyCurrency")):
            payload = {"Code": code}
            mutations.create(state, company, "CompanyCurrency", payload, source=source)
    return current
