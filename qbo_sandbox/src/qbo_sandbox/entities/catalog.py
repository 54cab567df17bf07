"""Item, Account, Term, PaymentMethod and TaxCode: the lists transactions point at."""

from __future__ import annotations

from decimal import Decimal

from qbo_sandbox.books import errors
from qbo_sandbox.books.store import UnitOfWork
from qbo_sandbox.entities.base import (
    USD,
    EntityType,
    active_name,
    boolean_of,
    check_name_characters,
    claim_name,
    date_of,
    decimal_of,
    resolve_ref,
    today,
)

ITEM_TYPES = ("Service", "NonInventory", "Inventory", "Category")
CLASSIFICATIONS = {
    "Bank": ("Asset", "Checking"),
    "Accounts Receivable": ("Asset", "AccountsReceivable"),
    "Other Current Asset": ("Asset", "OtherCurrentAssets"),
    "Fixed Asset": ("Asset", "OtherFixedAssets"),
    "Other Asset": ("Asset", "OtherLongTermAssets"),
    "Accounts Payable": ("Liability", "AccountsPayable"),
    "Credit Card": ("Liability", "CreditCard"),
    "Other Current Liability": ("Liability", "OtherCurrentLiabilities"),
    "Long Term Liability": ("Liability", "OtherLongTermLiabilities"),
    "Equity": ("Equity", "OpeningBalanceEquity"),
    "Income": ("Revenue", "ServiceFeeIncome"),
    "Other Income": ("Revenue", "OtherMiscellaneousIncome"),
    "Cost of Goods Sold": ("Expense", "SuppliesMaterialsCogs"),
    "Expense": ("Expense", "OtherMiscellaneousServiceCost"),
    "Other Expense": ("Expense", "OtherMiscellaneousExpense"),
}


def _name(data: dict) -> str:
    name = str(data.get("Name") or "").strip()
    if not name:
        raise errors.required_param("Name")
    check_name_characters(name, "Name")
    return name


class ItemType(EntityType):
    name = "Item"
    kind = "name"
    read_only = frozenset({"FullyQualifiedName", "Level"})
    fields = (
        "Name",
        "Sku",
        "Description",
        "Active",
        "SubItem",
        "ParentRef",
        "Level",
        "FullyQualifiedName",
        "Taxable",
        "SalesTaxIncluded",
        "UnitPrice",
        "Type",
        "IncomeAccountRef",
        "PurchaseDesc",
        "PurchaseCost",
        "ExpenseAccountRef",
        "AssetAccountRef",
        "TrackQtyOnHand",
        "QtyOnHand",
        "InvStartDate",
    )

    def build(
        self, work: UnitOfWork, data: dict, existing: dict | None, options: frozenset
    ) -> dict:
        own_id = existing["Id"] if existing else None
        active = boolean_of(data, "Active", True)
        name = active_name(work, "Item", _name(data), active, own_id, "product or service")
        item_type = data.get("Type") or "Service"
        if item_type not in ITEM_TYPES:
            raise errors.invalid_property(f"Type:{item_type} is not a supported item type")
        # nango_item_create.json: PurchaseCost 0 and DeferredRevenue false though not sent.
        defaults = {"Taxable": False, "UnitPrice": Decimal(0), "PurchaseCost": Decimal(0)}
        if item_type != "Category":
            defaults["DeferredRevenue"] = False
        obj = {**defaults, **data, "Name": name, "Type": item_type}
        obj["Active"] = active
        obj["FullyQualifiedName"] = name
        for key in ("UnitPrice", "PurchaseCost"):
            if key in obj:
                obj[key] = decimal_of(obj, key)
        self.check_accounts(work, obj)
        if item_type == "Inventory":
            return self.inventory(work, obj)
        return {**obj, "TrackQtyOnHand": False}

    def check_accounts(self, work: UnitOfWork, obj: dict) -> None:
        needed = {"IncomeAccountRef"} if obj["Type"] != "Category" else set()
        if obj["Type"] == "Inventory":
            needed |= {"AssetAccountRef", "ExpenseAccountRef"}
        for key in ("IncomeAccountRef", "ExpenseAccountRef", "AssetAccountRef"):
            ref = resolve_ref(work, obj, key, "Account", required=key in needed)
            if ref is not None:
                obj[key] = ref

    def inventory(self, work: UnitOfWork, obj: dict) -> dict:
        quantity = decimal_of(obj, "QtyOnHand")
        if quantity is None:
            raise errors.required_param("QtyOnHand")
        start = date_of(obj, "InvStartDate", today(work))
        return {**obj, "TrackQtyOnHand": True, "QtyOnHand": quantity, "InvStartDate": start}


class AccountType(EntityType):
    name = "Account"
    kind = "name"
    read_only = frozenset(
        {"FullyQualifiedName", "CurrentBalance", "CurrentBalanceWithSubAccounts", "Classification"}
    )
    fields = (
        "Name",
        "SubAccount",
        "ParentRef",
        "FullyQualifiedName",
        "Active",
        "Classification",
        "AccountType",
        "AccountSubType",
        "AcctNum",
        "Description",
        "CurrentBalance",
        "CurrentBalanceWithSubAccounts",
        "CurrencyRef",
    )

    def build(
        self, work: UnitOfWork, data: dict, existing: dict | None, options: frozenset
    ) -> dict:
        own_id = existing["Id"] if existing else None
        active = boolean_of(data, "Active", True)
        name = active_name(work, "Account", _name(data), active, own_id, "account")
        account_type = data.get("AccountType")
        if not account_type:
            raise errors.required_param("AccountType")
        if account_type not in CLASSIFICATIONS:
            raise errors.invalid_property(f"AccountType:{account_type}")
        classification, subtype = CLASSIFICATIONS[account_type]
        balance = existing.get("CurrentBalance", Decimal(0)) if existing else Decimal(0)
        return {
            "SubAccount": False,
            "AccountSubType": subtype,
            "CurrencyRef": dict(USD),
            **data,
            "Name": name,
            "FullyQualifiedName": name,
            "Active": active,
            "Classification": classification,
            "CurrentBalance": balance,
            "CurrentBalanceWithSubAccounts": balance,
        }


class TermType(EntityType):
    name = "Term"
    fields = ("Name", "Active", "Type", "DueDays", "DiscountPercent", "DiscountDays")

    def build(
        self, work: UnitOfWork, data: dict, existing: dict | None, options: frozenset
    ) -> dict:
        name = _name(data)
        claim_name(work, "Term", name, existing and existing["Id"], "term")
        days = decimal_of(data, "DueDays") or Decimal(0)
        return {
            "Type": "STANDARD",
            **data,
            "Name": name,
            "DueDays": int(days),
            "Active": boolean_of(data, "Active", True),
        }


class PaymentMethodType(EntityType):
    name = "PaymentMethod"
    fields = ("Name", "Active", "Type")

    def build(
        self, work: UnitOfWork, data: dict, existing: dict | None, options: frozenset
    ) -> dict:
        name = _name(data)
        claim_name(work, "PaymentMethod", name, existing and existing["Id"], "payment method")
        return {
            "Type": "NON_CREDIT_CARD",
            **data,
            "Name": name,
            "Active": boolean_of(data, "Active", True),
        }


class TaxCodeType(EntityType):
    """Read-only through the API, as in QBO (tax codes come from the TaxService)."""

    name = "TaxCode"
    creatable = False
    fields = (
        "Name",
        "Description",
        "Active",
        "Taxable",
        "TaxGroup",
        "SalesTaxRateList",
        "PurchaseTaxRateList",
    )

    def build(
        self, work: UnitOfWork, data: dict, existing: dict | None, options: frozenset
    ) -> dict:
        raise errors.unsupported_operation("Operation Create/Update is not supported for TaxCode.")
