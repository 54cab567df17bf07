"""Orders through the API with a class, a location, custom fields, a currency and an exchange
rate (issue 15), against a sandbox company that tracks them, over real HTTP: the form's own
rules, clear 400s for what the company's QuickBooks doesn't take, and all of it on the invoice."""

from decimal import Decimal

import pytest

from invoicing import drains
from invoicing.models import Order
from qbo.client import open_client
from tests.api.conftest import order_body
from tests.support import connect_through_consent, make_customer

pytestmark = pytest.mark.django_db

FEATURES = {
    "class_tracking": "txn",
    "track_departments": True,
    "custom_fields": ["Crew #", "PO"],
    "multicurrency": True,
    "currencies": ["EUR"],
}


def _connect(client, user, qbo, **features) -> str:
    realm = qbo.control.create_company(name="Tracked Goods", features=features)
    client.force_login(user)
    assert connect_through_consent(client, qbo, realm_id=realm).status_code == 302
    return realm


def _make(company, entity: str, body: dict) -> str:
    with open_client(company) as qb:
        name = body.get("Name") or body["DisplayName"]
        made = qb.create(entity, body, request_id=f"t-{entity}-{name}")
    return str(made["Id"])


@pytest.fixture
def tracked(client, user, company, qbo):
    realm = _connect(client, user, qbo, **FEATURES)
    ids = {
        "retail": _make(company, "Class", {"Name": "Retail"}),
        "downtown": _make(company, "Department", {"Name": "Downtown"}),
    }
    name = "Euro GmbH"
    euro_id = _make(company, "Customer", {"DisplayName": name, "CurrencyRef": {"value": "EUR"}})
    ids["euro"] = make_customer(company, name, qbo_id=euro_id, currency="EUR").pk
    return realm, ids


def _invoice(qbo, realm, order) -> dict:
    return qbo.state.companies[realm].get("Invoice", order.qbo_invoice_id)


def test_class_location_custom_fields_and_rate_reach_the_invoice(api, company, qbo, tracked):
    realm, ids = tracked
    body = order_body(
        customer={"id": ids["euro"]},
        currency="EUR",
        exchange_rate="1.1234567",
        qbo_class_id=ids["retail"],
        qbo_department_id=ids["downtown"],
        custom_fields=[
            {"name": "crew #", "value": "Crew 7"},
            {"definition_id": "2", "value": "PO-9"},
        ],
    )
    response = api.post("/api/v1/orders/", body)
    assert response.status_code == 201, response.json()
    made = response.json()
    assert (made["currency"], made["exchange_rate"]) == ("EUR", "1.1234567")
    assert made["home_total"] == "89.88"  # 80.00 EUR x 1.1234567
    assert (made["qbo_class_id"], made["qbo_class_name"]) == (ids["retail"], "Retail")
    assert (made["qbo_department_id"], made["qbo_department_name"]) == (ids["downtown"], "Downtown")
    assert made["custom_fields"] == [
        {"definition_id": "1", "value": "Crew 7"},
        {"definition_id": "2", "value": "PO-9"},
    ]

    order = Order.objects.get(pk=made["id"])
    drains.drain(company.pk)
    order.refresh_from_db()
    assert order.push_status == "synced", order.last_error
    invoice = _invoice(qbo, realm, order)
    assert invoice["ClassRef"]["value"] == ids["retail"]
    assert invoice["DepartmentRef"]["value"] == ids["downtown"]
    assert invoice["CurrencyRef"]["value"] == "EUR"
    assert Decimal(str(invoice["ExchangeRate"])) == Decimal("1.1234567")
    fields = {f["DefinitionId"]: (f["Name"], f.get("StringValue")) for f in invoice["CustomField"]}
    assert fields == {"1": ("Crew #", "Crew 7"), "2": ("PO", "PO-9")}
    read = api.get(f"/api/v1/orders/{order.pk}/").json()
    assert read["qbo_class_name"] == "Retail" and read["exchange_rate"] == "1.1234567"


@pytest.mark.parametrize(
    "fields,path,words",
    [
        ({"qbo_class_id": "999999"}, "qbo_class_id", "active classes"),
        ({"qbo_department_id": "999999"}, "qbo_department_id", "active locations"),
        (
            {"custom_fields": [{"name": "Colour", "value": "red"}]},
            "custom_fields[0].name",
            "“Crew #”, “PO”",
        ),
        (
            {"custom_fields": [{"definition_id": "3", "value": "x"}]},
            "custom_fields[0].definition_id",
            "custom fields",
        ),
        (
            {"custom_fields": [{"name": "PO", "value": "x"}, {"definition_id": "2", "value": "y"}]},
            "custom_fields[1].definition_id",
            "given twice",
        ),
        ({"custom_fields": [{"name": "PO", "value": "x" * 32}]}, "custom_fields[0].value", "31"),
        ({"custom_fields": [{"value": "x"}]}, "custom_fields[0]", "name or its definition_id"),
        ({"currency": "JPY"}, "currency", "isn't one of this company's active currencies"),
        ({"exchange_rate": "0"}, "exchange_rate", "more than zero"),
        ({"exchange_rate": "1.5"}, "exchange_rate", "the home currency"),
        ({"exchange_rate": "2000000"}, "exchange_rate", "can't be right"),
        ({"exchange_rate": "abc"}, "exchange_rate", "valid number"),
        ({"lines": [{"description": "x", "qbo_class_id": "1"}]}, "lines", "per line"),
    ],
)
def test_bad_tracking_or_currency_is_a_clear_400(api, company, tracked, fields, path, words):
    response = api.post("/api/v1/orders/", order_body(**fields))
    assert response.status_code == 400, response.json()
    problems = {e["field"] or "": e["message"] for e in response.json()["errors"]}
    assert path in problems, problems
    assert words in problems[path]
    assert not Order.objects.exists()


def test_what_the_company_does_not_track_is_refused_not_dropped(client, user, api, company, qbo):
    _connect(client, user, qbo)  # no classes, locations, custom fields or currencies
    for fields, path in [
        ({"qbo_class_id": "1"}, "qbo_class_id"),
        ({"qbo_department_id": "1"}, "qbo_department_id"),
        ({"custom_fields": [{"name": "PO", "value": "x"}]}, "custom_fields[0].name"),
        ({"currency": "EUR"}, ""),
        ({"exchange_rate": "1.2"}, ""),
    ]:
        response = api.post("/api/v1/orders/", order_body(**fields))
        assert response.status_code == 400, (fields, response.json())
        assert path in {e["field"] or "" for e in response.json()["errors"]}, response.json()
    assert not Order.objects.exists()


def test_a_new_customer_can_be_a_job_of_an_existing_one(api, company, bravo_rows):
    parent = make_customer(company, "Kitchen Owner")
    made = api.post(
        "/api/v1/orders/",
        order_body(customer={"name": "Remodel", "parent": parent.pk, "bill_with_parent": True}),
    )
    assert made.status_code == 201, made.json()
    assert made.json()["customer"]["full_name"] == "Kitchen Owner:Remodel"
    assert made.json()["customer"]["parent"] == parent.pk
    order = Order.objects.get()
    assert order.new_customer_parent == parent and order.new_customer_bill_with_parent
    # Another company's customer is no parent: the same 400 as an unknown one.
    foreign = api.post(
        "/api/v1/orders/", order_body(customer={"name": "Snoop", "parent": bravo_rows[0].pk})
    )
    assert foreign.status_code == 400
    assert foreign.json()["field"] == "customer.parent"
    assert Order.objects.count() == 1


def test_a_class_per_line_where_quickbooks_classes_each_line(client, user, api, company, qbo):
    realm = _connect(client, user, qbo, class_tracking="line")
    design = _make(company, "Class", {"Name": "Design"})
    lines = [
        {"description": "Sketch", "unit_price": "10.00", "qbo_class_id": design},
        {"description": "Other", "unit_price": "5.00"},
    ]
    per_invoice = api.post("/api/v1/orders/", order_body(lines=lines, qbo_class_id=design))
    assert per_invoice.status_code == 400
    assert "class per line" in per_invoice.json()["message"]
    unknown = api.post(
        "/api/v1/orders/", order_body(lines=[{**lines[0], "qbo_class_id": "999999"}])
    )
    assert unknown.status_code == 400 and unknown.json()["field"] == "lines[0].qbo_class_id"
    made = api.post("/api/v1/orders/", order_body(lines=lines))
    assert made.status_code == 201, made.json()
    assert [line["qbo_class_name"] for line in made.json()["lines"]] == ["Design", ""]
    drains.drain(company.pk)
    order = Order.objects.get()
    order.refresh_from_db()
    assert order.push_status == "synced", order.last_error
    invoice = _invoice(qbo, realm, order)
    sales = [line for line in invoice["Line"] if line["DetailType"] == "SalesItemLineDetail"]
    assert sales[0]["SalesItemLineDetail"]["ClassRef"]["value"] == design
    assert "ClassRef" not in sales[1]["SalesItemLineDetail"]


@pytest.mark.django_db
def test_an_api_edit_keeps_each_lines_own_class_and_tax_code(company):
    """A line's class or tax code left out of an edit: a line still on its product keeps the
    saved line's, not its product's defaults (which would change QuickBooks' Line); one given
    is the line's."""
    from decimal import Decimal as D

    from api.actions import _kept
    from invoicing.models import Product
    from invoicing.services import NewLine
    from tests.invoicing.support import make_order

    widget = Product.objects.create(
        company=company, name="Widget", unit_price=D("10.00"), qbo_class_id="7"
    )
    order = make_order(company)
    order.lines.update(product=widget, qbo_class_id="3", qbo_class_name="East", qbo_tax_code_id="5")
    edited = NewLine(widget, "Widget", D("3"), D("10.00"), True, class_id="7", tax_code_id="")
    other = NewLine(None, "Delivery", D("1"), D("5.00"), False, class_id="7")
    kept = _kept(order, [edited, other], [{}, {}])
    assert (kept[0].class_id, kept[0].class_name, kept[0].tax_code_id) == ("3", "East", "5")
    assert kept[0].quantity == D("3")
    assert kept[1].class_id == "7"  # a new line takes its defaults
    # Given (even empty: the product's default), the line's own choice stands.
    [given] = _kept(order, [edited], [{"qbo_class_id": "7", "qbo_tax_code_id": ""}])
    assert (given.class_id, given.tax_code_id) == ("7", "")
    [half] = _kept(order, [edited], [{"qbo_tax_code_id": ""}])
    assert (half.class_id, half.class_name, half.tax_code_id) == ("3", "East", "")
