"""Mirror columns declared once (qbo.rowmap): PostgreSQL's reading of a QBO object is the
same row as Python's, for Intuit's recorded payloads and for odd values; a page is one
statement; an existing row's columns not declared are kept."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from qbo_sandbox.samples import load_json

from customers.models import Customer
from customers.sync import CUSTOMER, upsert_customers

pytestmark = pytest.mark.django_db

ODD = [
    {"Id": "900"},  # nothing but its Id: every default
    {  # nulls where values are expected
        "Id": "901",
        "DisplayName": None,
        "Active": None,
        "Balance": None,
        "PrimaryEmailAddr": None,
        "MetaData": {"CreateTime": None, "LastUpdatedTime": ""},
        "CurrencyRef": {"value": None},
    },
    {  # numbers and booleans where text is expected; text cut to the column's length
        "Id": 902,
        "DisplayName": 42,
        "CompanyName": True,
        "GivenName": "x" * 150,
        "SyncToken": 3,
        "Balance": "12.50",
        "Active": 0,
        "BillAddr": {"City": Decimal("1.50"), "Line1": ["not", "text"]},
        "ShipAddr": "not an object",
    },
    {  # truthiness of Active: a non-empty string, an empty list
        "Id": "903",
        "Active": "no",
        "PrimaryPhone": {"FreeFormNumber": "(555) 555-0100"},
        "ParentRef": {"value": "58", "name": "Parent"},
        "Job": True,
        "FullyQualifiedName": "Parent:Job",
        "ShipAddr": {"Line1": "Dock 4", "Line2": 12, "Line3": None, "Line4": "", "Line5": "Pier"},
        "MetaData": {"CreateTime": "2015-07-24T10:33:39-07:00"},
    },
    {"Id": "904", "Active": [], "Balance": -3, "DisplayName": "Ünïcödé 名前 'quoted' \\ back"},
]


def _samples() -> list[dict]:
    found = [load_json("customer.json")]
    found += load_json("query_response_customer.json")["QueryResponse"]["Customer"]
    found += [load_json("customer_create_response.json")["Customer"]]
    found = list({str(obj["Id"]): obj for obj in found}.values())  # (two share an Id)
    # Parsed as our client parses QBO's answers: numbers as Decimals.
    return [json.loads(json.dumps(obj), parse_float=Decimal) for obj in found]


def _stored(company, qbo_id) -> dict:
    row = Customer.objects.filter(company=company, qbo_id=str(qbo_id)).values().get()
    return {name: row[name] for name in CUSTOMER.columns}


@pytest.mark.parametrize("source", ["samples", "odd"])
def test_the_database_reads_each_object_as_python_does(company, source):
    objects = _samples() if source == "samples" else ODD
    with CaptureQueriesContext(connection) as queries:
        assert upsert_customers(company.pk, objects) == len(objects)
    written = [q for q in queries if 'INSERT INTO "customers_customer"' in q["sql"]]
    assert len(written) == 1  # a page is one statement (PostgreSQL) or one bulk_create
    for obj in objects:
        expected = CUSTOMER.row(obj)
        stored = _stored(company, obj["Id"])
        assert stored.keys() == expected.keys()
        for name, value in expected.items():
            assert stored[name] == value, (obj["Id"], name, stored[name], value)


def test_odd_values_read_as_declared(company):
    upsert_customers(company.pk, ODD)
    bare = Customer.objects.get(company=company, qbo_id="900")
    assert (bare.display_name, bare.balance, bare.active, bare.qbo_created_at) == (
        "",
        Decimal("0"),
        True,
        None,
    )
    nulls = Customer.objects.get(company=company, qbo_id="901")
    assert (nulls.active, nulls.email, nulls.currency, nulls.qbo_updated_at) == (
        False,
        "",
        "",
        None,
    )
    mixed = Customer.objects.get(company=company, qbo_id="902")
    assert (mixed.display_name, mixed.company_name, mixed.sync_token) == ("42", "true", "3")
    assert (mixed.given_name, mixed.balance, mixed.active) == ("x" * 100, Decimal("12.50"), False)
    assert (mixed.bill_city, mixed.bill_line1, mixed.ship_city) == ("1.50", "", "")
    job = Customer.objects.get(company=company, qbo_id="903")
    assert (job.active, job.parent_qbo_id, job.phone) == (True, "58", "(555) 555-0100")
    assert job.qbo_created_at == datetime(2015, 7, 24, 17, 33, 39, tzinfo=UTC)
    assert job.ship_line1 == "Dock 4, 12, Pier"  # Line1..Line5 in one street line
    named = Customer.objects.get(company=company, qbo_id="904")
    assert (named.active, named.balance) == (False, Decimal("-3"))
    assert named.display_name == "Ünïcödé 名前 'quoted' \\ back"


def test_what_qbo_sent_is_kept_digit_for_digit(company):
    obj = json.loads(
        '{"Id": "7", "Balance": 1234567890.10, "Nested": {"List": [1, "two", null, 0.30]}}',
        parse_float=Decimal,
    )
    upsert_customers(company.pk, [obj])
    stored = Customer.objects.get(company=company, qbo_id="7")
    assert stored.balance == Decimal("1234567890.10")
    assert stored.raw["Nested"] == {"List": [1, "two", None, 0.3]}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT raw->>'Balance' FROM customers_customer WHERE id = %s", [stored.pk]
            )
            assert cursor.fetchone() == ("1234567890.10",)


def test_an_update_keeps_what_qbo_doesnt_own(company):
    """Columns qbsync sets (a default class) survive a re-import of the same customer."""
    upsert_customers(company.pk, [{"Id": "1", "DisplayName": "Old", "SyncToken": "0"}])
    Customer.objects.filter(company=company, qbo_id="1").update(default_class_id="5")
    upsert_customers(company.pk, [{"Id": "1", "DisplayName": "New", "SyncToken": "1"}])
    row = Customer.objects.get(company=company, qbo_id="1")
    assert (row.display_name, row.sync_token, row.default_class_id) == ("New", "1", "5")
    assert Customer.objects.filter(company=company).count() == 1
