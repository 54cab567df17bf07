from datetime import date
from decimal import Decimal

import pytest

from payments.models import Payment

# Companies, customers and admin clients: tests/admin_fixtures.py.


def make_payment(company, qbo_id: str, **fields) -> Payment:
    fields.setdefault("txn_date", date(2026, 3, 9))
    fields.setdefault("total_amount", Decimal("120.00"))
    return Payment.objects.create(company=company, qbo_id=qbo_id, **fields)


@pytest.fixture
def globex_payment(company, globex):
    return make_payment(
        company,
        "9",
        customer=globex,
        customer_qbo_id=globex.qbo_id,
        customer_name=globex.display_name,
        unapplied_amount=Decimal("20.00"),
        currency="USD",
        reference_number="CHK-4471",
    )


@pytest.fixture
def initech_payment(other_company, initech):
    return make_payment(
        other_company,
        "11",
        customer=initech,
        customer_qbo_id=initech.qbo_id,
        customer_name=initech.display_name,
        reference_number="WIRE-0099",
    )
