"""The shared upsert path (qbo.bulk): one statement a page, inserts then updates, defaults
filled as Django would, the same rows on PostgreSQL's JSON path and on SQLite's bulk_create."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from payments.models import Payment
from qbo import bulk

pytestmark = pytest.mark.django_db

UPDATE = ["display_name", "balance", "raw", "qbo_updated_at", "synced_at"]


def _row(company, qbo_id: str, **fields) -> dict:
    return {
        "company_id": company.pk,
        "qbo_id": qbo_id,
        "display_name": f"Customer {qbo_id}",
        "balance": Decimal("12.34"),
        "qbo_updated_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "raw": {"Id": qbo_id, "Balance": 12.34, "Nested": {"List": [1, "two", None]}},
        **fields,
    }


def test_a_page_is_one_statement_and_lands_with_its_types(company):
    rows = [_row(company, str(i)) for i in range(1, 1001)]
    with CaptureQueriesContext(connection) as queries:
        sent = bulk.upsert(
            Customer, rows, unique_fields=["company", "qbo_id"], update_fields=UPDATE
        )
    assert sent == 1000 and Customer.objects.filter(company=company).count() == 1000
    if connection.vendor == "postgresql":  # SQLite's bulk_create splits it by its bind limit
        assert len(queries) == 1
    first = Customer.objects.get(company=company, qbo_id="7")
    assert first.display_name == "Customer 7"
    assert first.balance == Decimal("12.34")
    assert first.qbo_updated_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert first.raw == {"Id": "7", "Balance": 12.34, "Nested": {"List": [1, "two", None]}}
    # Fields the rows left out get their defaults (auto_now: now), as bulk_create gives them.
    assert first.active is True and first.deleted_in_qbo is False and first.email == ""
    assert first.synced_at is not None


def test_a_second_page_updates_only_the_named_fields(company):
    unique = ["company", "qbo_id"]
    bulk.upsert(
        Customer,
        [_row(company, "1", email="a@example.com")],
        unique_fields=unique,
        update_fields=UPDATE,
    )
    before = Customer.objects.get(company=company, qbo_id="1")
    bulk.upsert(
        Customer,
        [_row(company, "1", display_name="Renamed", email="b@example.com", balance=Decimal("0.5"))],
        unique_fields=unique,
        update_fields=UPDATE,
    )
    after = Customer.objects.get(company=company, qbo_id="1")
    assert after.pk == before.pk
    assert (after.display_name, after.balance) == ("Renamed", Decimal("0.50"))
    assert after.email == "a@example.com"  # not in update_fields: left alone
    assert Customer.objects.filter(company=company).count() == 1


def test_returning_hands_back_each_rows_key(company):
    rows = [
        {"company_id": company.pk, "qbo_id": q, "txn_date": "2026-03-04", "total_amount": "10.00"}
        for q in ("p1", "p2")
    ]
    got = dict(
        bulk.upsert(
            Payment,
            rows,
            unique_fields=["company", "qbo_id"],
            update_fields=["total_amount"],
            returning=["qbo_id", "id"],
        )
    )
    stored = dict(Payment.objects.filter(company=company).values_list("qbo_id", "id"))
    assert got == stored and set(got) == {"p1", "p2"}
    assert Payment.objects.get(qbo_id="p1").txn_date.isoformat() == "2026-03-04"


def test_a_key_that_is_no_column_is_refused(company):
    with pytest.raises(ValueError, match="no column"):
        bulk.upsert(
            Customer,
            [_row(company, "1", not_a_field=1)],
            unique_fields=["company", "qbo_id"],
            update_fields=UPDATE,
        )
    assert not Customer.objects.filter(company=company).exists()


def test_no_rows_no_statement(company):
    with CaptureQueriesContext(connection) as queries:
        assert (
            bulk.upsert(Customer, [], unique_fields=["company", "qbo_id"], update_fields=UPDATE)
            == 0
        )
    assert len(queries) == 0
