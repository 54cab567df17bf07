from decimal import Decimal

import pytest

from tests.payments.support import make_payment

# Companies, customers and admin clients: tests/admin_fixtures.py.


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
