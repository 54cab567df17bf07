"""What the company's Preferences switch on sales forms: class and location tracking, the
sales-form custom fields, and the shipping line (QBO-TRANSACTIONS.md §8-10).

- `AccountingInfoPrefs.ClassTrackingPerTxn` / `ClassTrackingPerTxnLine` / `TrackDepartments`:
  a header ClassRef, line ClassRefs and DepartmentRef are used when on and dropped when off
  ("Available if ..."; dropping is the reference notes' reading, unverified). An Id that is not
  a number is 2030, one that does not exist 2500 "Invalid Reference Id", an inactive one 610.
- `SalesFormsPrefs.CustomField`: slot N ("1".."3") is on when UseSalesCustomN is true, named by
  SalesCustomNameN. A form answers one entry per enabled slot ({DefinitionId, Name, Type
  StringType} plus the StringValue sent); unknown or disabled DefinitionIds are ignored
  silently, as QBO does (quickbooks-ruby#219, QuickBooks-V3-PHP-SDK#258).
- `SalesFormsPrefs.AllowShipping`: a SalesItemLineDetail line with ItemRef "SHIPPING_ITEM_ID"
  is the form's shipping charge; refused with 2500 when shipping is off.
"""

from __future__ import annotations

from qbo_sandbox.books import errors
from qbo_sandbox.books.store import UnitOfWork
from qbo_sandbox.entities import tax
from qbo_sandbox.entities.base import display_of, ref_value

SALES = "SalesItemLineDetail"
SLOTS = ("1", "2", "3")


def _prefs(work: UnitOfWork, section: str) -> dict:
    return (work.get("Preferences", "1") or {}).get(section, {})


def tracking_ref(work: UnitOfWork, ref: object, entity: str, element: str) -> dict | None:
    ident = ref_value(ref)
    if ident is None:
        return None
    if not ident.strip().isdigit():
        raise errors.invalid_id(ident, f"{element}.value")
    target = work.get(entity, ident)
    if target is None:
        raise errors.invalid_reference(element)
    if target.get("Active") is False:
        raise errors.object_not_found(entity, ident)
    return {"value": ident, "name": display_of(target)}


def apply_tracking(work: UnitOfWork, obj: dict) -> None:
    """Keep (validated) or drop ClassRef, DepartmentRef and line ClassRefs per Preferences."""
    prefs = _prefs(work, "AccountingInfoPrefs")
    header = (
        ("ClassRef", "Class", "ClassTrackingPerTxn"),
        ("DepartmentRef", "Department", "TrackDepartments"),
    )
    for key, entity, flag in header:
        ref = tracking_ref(work, obj.get(key), entity, key) if prefs.get(flag) else None
        if ref is None:
            obj.pop(key, None)
        else:
            obj[key] = ref
    per_line = bool(prefs.get("ClassTrackingPerTxnLine"))
    for line in obj["Line"]:
        for detail_type in (SALES, "DiscountLineDetail"):
            detail = line.get(detail_type)
            if not isinstance(detail, dict) or "ClassRef" not in detail:
                continue
            element = f"Line.{detail_type}.ClassRef"
            ref = tracking_ref(work, detail["ClassRef"], "Class", element) if per_line else None
            line[detail_type] = {k: v for k, v in detail.items() if k != "ClassRef"}
            if ref is not None:
                line[detail_type]["ClassRef"] = ref


def custom_field_definitions(work: UnitOfWork) -> dict[str, str]:
    """Enabled legacy slots: DefinitionId -> Name."""
    return definitions_in(_prefs(work, "SalesFormsPrefs"))


def definitions_in(sales_prefs: dict) -> dict[str, str]:
    """Enabled slots of a SalesFormsPrefs section: DefinitionId -> Name."""
    flags, names = {}, {}
    for group in sales_prefs.get("CustomField") or []:
        for field in group.get("CustomField") or []:
            name = str(field.get("Name") or "")
            slot = name[-1:]
            if name.startswith("SalesFormsPrefs.UseSalesCustom"):
                flags[slot] = field.get("BooleanValue") in (True, "true")
            elif name.startswith("SalesFormsPrefs.SalesCustomName"):
                names[slot] = str(field.get("StringValue") or "")
    return {slot: names.get(slot, "") for slot in SLOTS if flags.get(slot)}


def apply_custom_fields(work: UnitOfWork, obj: dict) -> None:
    definitions = custom_field_definitions(work)
    sent = {
        str(field.get("DefinitionId")): field
        for field in obj.get("CustomField") or []
        if isinstance(field, dict)
    }
    fields = []
    for slot, name in definitions.items():
        field = {"DefinitionId": slot, "Name": name, "Type": "StringType"}
        value = sent.get(slot, {}).get("StringValue")
        if value not in (None, ""):
            field["StringValue"] = str(value)
        fields.append(field)
    obj["CustomField"] = fields


def shipping_detail(work: UnitOfWork, detail: dict) -> dict:
    """The shipping line's detail: ItemRef SHIPPING_ITEM_ID and its tax code (TAX/NON in the
    US decides whether shipping is taxed)."""
    element = f"Line.{SALES}.ItemRef"
    if not _prefs(work, "SalesFormsPrefs").get("AllowShipping"):
        raise errors.invalid_reference(element)
    out = {"ItemRef": {"value": tax.SHIPPING_ITEM_ID}}
    if "ClassRef" in detail:
        out["ClassRef"] = detail["ClassRef"]
    out["TaxCodeRef"] = tax.line_tax_code(work, detail, f"Line.{SALES}.TaxCodeRef")
    return out
