"""qbsync's own defaults for a customer's orders: the class an order takes when the company's
QuickBooks tracks one class per transaction (QBO's Customer has no class of its own).

The classes are read from QuickBooks when the customer page needs them and kept in the cache
for a few minutes, as the order form's are (invoicing/dimensions.py, which this app can't
import): AccountingInfoPrefs.ClassTrackingPerTxn / PerTxnLine (QBO-TRANSACTIONS.md §9).
"""

import logging

from django.core.cache import cache

from customers.models import Customer
from qbo.client import open_client
from qbo.errors import QuickBooksError

logger = logging.getLogger(__name__)

CLASSES_TTL = 300


def _read_classes(qb) -> list[tuple[str, str]]:
    info = qb.preferences().get("AccountingInfoPrefs") or {}
    if not (info.get("ClassTrackingPerTxn") or info.get("ClassTrackingPerTxnLine")):
        return []
    rows = [row for row in qb.query_all("Class") if row.get("Active") is not False]
    found = [
        (str(row["Id"]), str(row.get("FullyQualifiedName") or row.get("Name"))) for row in rows
    ]
    return sorted(found, key=lambda pair: pair[1].casefold())


def tracked_classes(company) -> list[tuple[str, str]]:
    """The company's active classes as (Id, name) when it tracks classes; none when it
    doesn't, or when QuickBooks can't be asked."""
    key = f"qbo:customer-classes:v1:{company.pk}"
    if (cached := cache.get(key)) is not None:
        return cached
    try:
        with open_client(company) as qb:
            found = _read_classes(qb)
    except QuickBooksError as exc:
        logger.info("company %s: no classes for the customer page (%s)", company.pk, exc)
        return []
    cache.set(key, found, CLASSES_TTL)
    return found


def set_default_class(customer: Customer, class_id: str, class_name: str) -> None:
    """Keep the class new orders of this customer start with (empty: none)."""
    Customer.objects.filter(pk=customer.pk).update(
        default_class_id=class_id, default_class_name=class_name[:500]
    )
    customer.default_class_id, customer.default_class_name = class_id, class_name[:500]
