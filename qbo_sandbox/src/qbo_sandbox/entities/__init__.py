"""The entity types the sandbox serves, by QBO name and by URL segment."""

from __future__ import annotations

from qbo_sandbox.entities.attachable import AttachableType
from qbo_sandbox.entities.base import EntityType
from qbo_sandbox.entities.catalog import (
    AccountType,
    ItemType,
    PaymentMethodType,
    TaxCodeType,
    TermType,
)
from qbo_sandbox.entities.company import CompanyInfoType, PreferencesType
from qbo_sandbox.entities.currency import CompanyCurrencyType
from qbo_sandbox.entities.invoice import InvoiceType
from qbo_sandbox.entities.names import CustomerType, EmployeeType, VendorType
from qbo_sandbox.entities.payment import PaymentType
from qbo_sandbox.entities.purchase import BillType, VendorCreditType
from qbo_sandbox.entities.sales import (
    CreditMemoType,
    EstimateType,
    RefundReceiptType,
    SalesReceiptType,
)
from qbo_sandbox.entities.tax import TaxRateType
from qbo_sandbox.entities.tracking import ClassType, DepartmentType

ENTITY_TYPES: dict[str, EntityType] = {
    entity.name: entity
    for entity in (
        CustomerType(),
        VendorType(),
        EmployeeType(),
        ItemType(),
        AccountType(),
        TermType(),
        PaymentMethodType(),
        TaxCodeType(),
        TaxRateType(),
        CompanyCurrencyType(),
        InvoiceType(),
        PaymentType(),
        CreditMemoType(),
        SalesReceiptType(),
        RefundReceiptType(),
        EstimateType(),
        ClassType(),
        DepartmentType(),
        BillType(),
        VendorCreditType(),
        AttachableType(),
        CompanyInfoType(),
        PreferencesType(),
    )
}
_BY_LOWER = {name.lower(): entity for name, entity in ENTITY_TYPES.items()}


def entity_type(name: str) -> EntityType | None:
    """Look an entity up case-insensitively ("invoice" in URLs, "Invoice" in queries)."""
    return _BY_LOWER.get(name.lower())
