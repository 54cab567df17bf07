"""The entity types the sandbox serves, by QBO name and by URL segment."""

from __future__ import annotations

from .base import EntityType
from .catalog import AccountType, ItemType, PaymentMethodType, TaxCodeType, TermType
from .company import CompanyInfoType, PreferencesType
from .invoice import InvoiceType
from .names import CustomerType, EmployeeType, VendorType
from .payment import PaymentType

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
        InvoiceType(),
        PaymentType(),
        CompanyInfoType(),
        PreferencesType(),
    )
}
_BY_LOWER = {name.lower(): entity for name, entity in ENTITY_TYPES.items()}


def entity_type(name: str) -> EntityType | None:
    """Look an entity up case-insensitively ("invoice" in URLs, "Invoice" in queries)."""
    return _BY_LOWER.get(name.lower())
