"""Customer, Vendor and Employee: names that share one DisplayName namespace."""

from __future__ import annotations

from decimal import Decimal

from qbo_sandbox.books import errors
from qbo_sandbox.books.store import UnitOfWork
from qbo_sandbox.entities.base import (
    USD,
    EntityType,
    active_name,
    base_name,
    boolean_of,
    bumped,
    check_name_characters,
    ref_value,
    resolve_ref,
    stamp_addresses,
)
from qbo_sandbox.entities.currency import customer_currency, home_currency

NAME_PARTS = ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")
_PERSON_FIELDS = (
    *NAME_PARTS,
    "DisplayName",
    "PrintOnCheckName",
    "CompanyName",
    "FullyQualifiedName",
    "Active",
    "PrimaryEmailAddr",
    "PrimaryPhone",
    "AlternatePhone",
    "Mobile",
    "Fax",
    "WebAddr",
    "BillAddr",
    "ShipAddr",
    "Notes",
    "Balance",
    "CurrencyRef",
)


def display_name_from(data: dict) -> str:
    """QBO derives DisplayName from the name parts (or CompanyName) when it is missing."""
    if data.get("DisplayName"):
        return str(data["DisplayName"])
    parts = [str(data[key]) for key in NAME_PARTS if data.get(key)]
    if parts:
        return " ".join(parts)
    return str(data.get("CompanyName") or "")


class NameType(EntityType):
    kind = "name"
    label = ""
    read_only = frozenset({"FullyQualifiedName", "Balance", "BalanceWithJobs", "Level"})

    def build(
        self, work: UnitOfWork, data: dict, existing: dict | None, options: frozenset
    ) -> dict:
        own_id = existing["Id"] if existing else None
        name = display_name_from(data)
        if not name.strip():
            raise errors.required_param("DisplayName")
        check_name_characters(base_name(name), "DisplayName")
        active = boolean_of(data, "Active", True)
        display = active_name(work, self.name, name, active, own_id, self.label)
        obj = {**self.defaults(), **data, "DisplayName": display, "Active": active}
        obj.setdefault("PrintOnCheckName", base_name(display))
        obj["FullyQualifiedName"] = display
        return self.finish(work, obj, existing)

    def defaults(self) -> dict:
        return {"CurrencyRef": dict(USD)}

    def finish(self, work: UnitOfWork, obj: dict, existing: dict | None) -> dict:
        stamp_addresses(work, obj, existing, "BillAddr", "ShipAddr")
        balance = existing.get("Balance", Decimal(0)) if existing else Decimal(0)
        return {**obj, "Balance": balance}


class CustomerType(NameType):
    name = "Customer"
    label = "customer"
    fields = (
        *_PERSON_FIELDS,
        "Taxable",
        "Job",
        "BillWithParent",
        "ParentRef",
        "Level",
        "BalanceWithJobs",
        "PreferredDeliveryMethod",
        "DefaultTaxCodeRef",
        "SalesTermRef",
        "PaymentMethodRef",
        "ResaleNum",
        "IsProject",
        "V4IDPseudonym",
    )

    def defaults(self) -> dict:
        return {
            "Taxable": True,
            "Job": False,
            "BillWithParent": False,
            "CurrencyRef": dict(USD),
            "PreferredDeliveryMethod": "Print",
            "IsProject": False,
        }

    def build(
        self, work: UnitOfWork, data: dict, existing: dict | None, options: frozenset
    ) -> dict:
        # With sales tax on, QBO fills the company's default tax code (nango_customer_create,
        # qbo_api update/customer.yml: {"value": "2"} though the request had none).
        if "DefaultTaxCodeRef" not in data:
            prefs = (work.get("Preferences", "1") or {}).get("TaxPrefs", {})
            codes = sorted(work.values("TaxCode"), key=lambda code: int(code["Id"]))
            if prefs.get("UsingSalesTax") and codes:
                data = {**data, "DefaultTaxCodeRef": {"value": codes[0]["Id"]}}
        parent = _parent_of(work, data)
        moved = existing is None or ref_value(existing.get("ParentRef")) != ref_value(
            data.get("ParentRef")
        )
        if parent is not None and moved:
            # A new sub-customer (or one given a new parent) is invoiced in its parent's
            # currency: not sent, it takes it; another is refused [U].
            theirs = ref_value(parent.get("CurrencyRef")) or home_currency(work)
            sent = (ref_value(data.get("CurrencyRef")) or "").upper()
            if sent and sent != theirs:
                raise errors.business_rule(
                    f"A sub-customer uses its parent's currency ({theirs}), not {sent}."
                )
            data = {**data, "CurrencyRef": {"value": theirs}}
        elif not ref_value(data.get("CurrencyRef")):
            # Not sent: the customer keeps its currency (a new one gets the home currency).
            kept = (existing or {}).get("CurrencyRef") or {"value": home_currency(work)}
            data = {**data, "CurrencyRef": kept}
        obj = super().build(work, data, existing, options)
        return {**obj, "CurrencyRef": customer_currency(work, obj, existing)}

    def finish(self, work: UnitOfWork, obj: dict, existing: dict | None) -> dict:
        obj = super().finish(work, obj, existing)
        obj["BalanceWithJobs"] = existing.get("BalanceWithJobs", obj["Balance"]) if existing else 0
        for key, entity in (("SalesTermRef", "Term"), ("PaymentMethodRef", "PaymentMethod")):
            if key in obj:
                obj[key] = resolve_ref(work, obj, key, entity)
        if "DefaultTaxCodeRef" in obj:
            obj["DefaultTaxCodeRef"] = {"value": str(obj["DefaultTaxCodeRef"].get("value", ""))}
        return self.place(work, obj, existing)

    def place(self, work: UnitOfWork, obj: dict, existing: dict | None) -> dict:
        """Put the customer in the Customer:Job tree (Intuit's Customer page: "set Job to true
        and set ParentRef to reference parent customer object"; ParentRef is "required for the
        create operation if this object is a sub-customer or Job"; BillWithParent is "valid
        only if this entity is a Job or sub Customer"; Level is read-only, 0 at the top).
        ParentRef must name an active customer (610 otherwise, as for any reference)."""
        job = boolean_of(obj, "Job", False)
        parent = resolve_ref(work, obj, "ParentRef", "Customer", required=job)
        if parent is None:
            top = {k: v for k, v in obj.items() if k not in ("ParentRef", "Level")}
            return {**top, "Job": False, "BillWithParent": False}
        own_id = existing["Id"] if existing else None
        parent_obj = work.get("Customer", parent["value"]) or {}
        if own_id is not None and _ancestor(work, parent_obj, own_id):
            raise errors.business_rule("A customer cannot be its own parent or sub-customer.")
        level = int(parent_obj.get("Level", 0)) + 1
        if level > JOB_DEPTH:
            # Sub-customers nest like item categories (QBO-TRANSACTIONS.md, Sub-items). [U]
            raise errors.business_rule(f"Sub-customers nest at most {JOB_DEPTH} levels deep.")
        qualified = f"{parent_obj.get('FullyQualifiedName')}:{obj['DisplayName']}"
        return {
            **obj,
            "ParentRef": {"value": parent["value"], "name": parent_obj.get("FullyQualifiedName")},
            "Job": True,
            "BillWithParent": boolean_of(obj, "BillWithParent", False),
            "Level": level,
            "FullyQualifiedName": qualified,
        }

    def after_write(self, work: UnitOfWork, old: dict | None, new: dict | None) -> None:
        """Renaming or moving a customer renames its jobs (their FullyQualifiedName)."""
        if old is None or new is None:
            return
        if old.get("FullyQualifiedName") == new.get("FullyQualifiedName"):
            return
        for child in list(work.values("Customer")):
            if ref_value(child.get("ParentRef")) != new["Id"]:
                continue
            changes = {
                "FullyQualifiedName": f"{new['FullyQualifiedName']}:{child['DisplayName']}",
                "ParentRef": {"value": new["Id"], "name": new["FullyQualifiedName"]},
                "Level": int(new.get("Level", 0)) + 1,
            }
            moved = bumped(child, changes, work.now)
            work.put("Customer", moved, "Update")
            self.after_write(work, child, moved)


JOB_DEPTH = 4


def _ancestor(work: UnitOfWork, customer: dict, own_id: str) -> bool:
    """Whether `own_id` is `customer` or one of its parents (a loop in the tree)."""
    for _ in range(JOB_DEPTH + 2):
        if not customer:
            return False
        if customer.get("Id") == own_id:
            return True
        parent_id = ref_value(customer.get("ParentRef"))
        customer = work.get("Customer", parent_id) if parent_id else None
    return False


class VendorType(NameType):
    name = "Vendor"
    label = "vendor"
    fields = (*_PERSON_FIELDS, "Vendor1099", "AcctNum", "TaxIdentifier", "TermRef")

    def defaults(self) -> dict:
        # nango_vendor_create.json: BillRate and CostRate 0 though not sent.
        return {"Vendor1099": False, "CurrencyRef": dict(USD), "BillRate": 0, "CostRate": 0}

    def finish(self, work: UnitOfWork, obj: dict, existing: dict | None) -> dict:
        obj = super().finish(work, obj, existing)
        obj.pop("FullyQualifiedName", None)  # vendors have none (nango_vendor_create.json)
        return obj


class EmployeeType(NameType):
    name = "Employee"
    label = "employee"
    fields = (*_PERSON_FIELDS, "EmployeeNumber", "SSN", "HiredDate", "ReleasedDate", "BillableTime")

    def defaults(self) -> dict:
        return {"BillableTime": False}

    def finish(self, work: UnitOfWork, obj: dict, existing: dict | None) -> dict:
        stamp_addresses(work, obj, existing, "PrimaryAddr")
        obj.pop("Balance", None)
        obj.pop("CurrencyRef", None)
        obj.pop("FullyQualifiedName", None)
        return obj


def _parent_of(work: UnitOfWork, data: dict) -> dict | None:
    """The parent a customer's request names as a job (Job true and a ParentRef), if it
    exists (place() refuses a missing or inactive one)."""
    if not boolean_of(data, "Job", False):
        return None
    parent_id = ref_value(data.get("ParentRef"))
    return work.get("Customer", parent_id) if parent_id else None
