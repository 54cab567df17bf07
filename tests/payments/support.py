"""Payment rows for the payments tests."""

from datetime import date
from decimal import Decimal

from payments.models import Payment


def make_payment(company, qbo_id: str, **fields) -> Payment:
    fields.setdefault("txn_date", date(2026, 3, 9))
    fields.setdefault("total_amount", Decimal("120.00"))
    return Payment.objects.create(company=company, qbo_id=qbo_id, **fields)
