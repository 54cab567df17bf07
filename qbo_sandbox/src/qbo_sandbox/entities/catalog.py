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
    bumped,
    check_name_characters,
    claim_name,
    date_of,
    decimal_of,
    resolve_ref,
    today,
)

ITEM_TYPES = ("Service", "NonInventory", "Inventory", "Category")
CATEGORY_FIELDS = ("Name", "Description", "Active", "SubItem", "ParentRef", "Sku")
CATEGORY_DEPTH = 4
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
        if item_type == "Category":
            # A category is only a name in the tree (Intuit's Item page, "Category" example:
            # Name, SubItem, ParentRef, Level, FullyQualifiedName; no price or accounts).
            obj = {key: data[key] for key in CATEGORY_FIELDS if key in data}
            obj.update(Name=name, Type=item_type, Active=active)
            return self.place(work, obj, own_id)
        # nango_item_create.json: PurchaseCost 0 and DeferredRevenue false though not sent.
        defaults = {
            "Taxable": False,
            "UnitPrice": Decimal(0),
            "PurchaseCost": Decimal(0),
            "DeferredRevenue": False,
        }
        obj = {**defaults, **data, "Name": name, "Type": item_type}
        obj["Active"] = active
        for key in ("UnitPrice", "PurchaseCost"):
            if key in obj:
                obj[key] = decimal_of(obj, key)
        self.check_accounts(work, obj)
        obj = self.place(work, obj, own_id)
        if item_type == "Inventory":
            return self.inventory(work, obj)
        return {**obj, "TrackQtyOnHand": False}

    def place(self, work: UnitOfWork, obj: dict, own_id: str | None) -> dict:
        """Put the item in the category tree: a ParentRef (SubItem true) must name an active
        Category; FullyQualifiedName is "Parent:Child" and Level the depth (Intuit's Item page:
        categories nest at most 4 levels below the top, items sit in any category)."""
        sub = boolean_of(obj, "SubItem", False) or "ParentRef" in obj
        parent_ref = resolve_ref(work, obj, "ParentRef", "Item", required=sub)
        if parent_ref is None:
            # Top-level items answer no SubItem/Level (nango_item_create.json); categories do.
            top = {k: v for k, v in obj.items() if k not in ("ParentRef", "SubItem", "Level")}
            if obj["Type"] == "Category":
                top.update(SubItem=False, Level=0)
            return {**top, "FullyQualifiedName": obj["Name"]}
        parent = work.get("Item", parent_ref["value"]) or {}
        if parent.get("Type") != "Category":
            # Unverified text; QBO's UI only offers categories as parents.
            raise errors.business_rule("ParentRef must be a category (Type Category).")
        if parent_ref["value"] == own_id or _ancestor(work, parent, own_id):
            raise errors.business_rule("A category cannot be placed inside itself.")
        level = int(parent.get("Level", 0)) + 1
        if level > CATEGORY_DEPTH and obj["Type"] == "Category":
            raise errors.business_rule("Categories nest at most 4 levels deep.")
        qualified = f"{parent['FullyQualifiedName']}:{obj['Name']}"
        parent_ref["name"] = parent["FullyQualifiedName"]
        obj.update(SubItem=True, ParentRef=parent_ref, Level=level)
        return {**obj, "FullyQualifiedName": qualified}

    def after_write(self, work: UnitOfWork, old: dict | None, new: dict | None) -> None:
        """Renaming or moving a category renames everything under it (FullyQualifiedName)."""
        if (
            old is None
            or new is None
            or old.get("FullyQualifiedName") == new.get("FullyQualifiedName")
        ):
            return
        for child in list(work.values("Item")):
            if (child.get("ParentRef") or {}).get("value") != new["Id"]:
                continue
            qualified = f"{new['FullyQualifiedName']}:{child['Name']}"
            parent_ref = {"value": new["Id"], "name": new["FullyQualifiedName"]}
            changes = {"FullyQualifiedName": qualified, "ParentRef": parent_ref}
            moved = bumped(child, changes, work.now)
            work.put("Item", moved, "Update")
            self.after_write(work, child, moved)

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


def _ancestor(work: UnitOfWork, item: dict, own_id: str | None) -> bool:
    """Whether `own_id` is `item` or one of its parents (a loop in the tree)."""
    seen = 0
    while item and own_id is not None and seen <= CATEGORY_DEPTH + 1:
        if item.get("Id") == own_id:
            return True
        parent_id = (item.get("ParentRef") or {}).get("value")
        item = work.get("Item", parent_id) if parent_id else None
        seen += 1
    return False


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
