"""The query language: operators, nested fields, ordering, paging, errors, both transports."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from quickbooks.exceptions import ValidationException
from quickbooks.objects import Customer

from qbo_sandbox.query.parser import parse
from sandbox_support import Api, unpaced


def _ids(api: Api, text: str) -> list[str]:
    return [row["Id"] for row in api.rows(text).get("Customer", [])]


def test_select_star_answers_the_query_response_envelope(api):
    response = api.query("SELECT * FROM Customer")
    body = response.json()
    assert response.status_code == 200
    assert body["time"]
    page = body["QueryResponse"]
    assert page["startPosition"] == 1
    assert page["maxResults"] == len(page["Customer"]) == 29


def test_get_with_query_parameter_is_served_too(api):
    response = api.get("query", query="select * from customer where Id = '1'")
    assert [row["DisplayName"] for row in response.json()["QueryResponse"]["Customer"]] == [
        "Amy's Bird Sanctuary"
    ]


def test_no_rows_is_an_empty_query_response(api):
    assert api.rows("SELECT * FROM Customer WHERE DisplayName = 'Nobody'") == {}


def test_count_answers_total_count(api):
    assert api.rows("SELECT COUNT(*) FROM Customer") == {"totalCount": 29}
    assert api.rows("select count(*) from Invoice where TotalAmt > '100'")["totalCount"] > 0


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Id = '3'", ["3"]),
        ("Id IN ('1', '3', '5')", ["1", "3", "5"]),
        ("Id < '3'", ["1", "2"]),
        ("Id <= '2'", ["1", "2"]),
        ("Id > '28'", ["29"]),
        ("Id >= '28'", ["28", "29"]),
        ("DisplayName LIKE 'Amy%'", ["1"]),
        ("DisplayName LIKE '%jalop%'", ["12"]),
        ("DisplayName = 'amy\\'s bird sanctuary'", ["1"]),
        ("GivenName = 'Kathy' AND CompanyName LIKE 'Kookies%'", ["15"]),
        ("PrimaryEmailAddr = 'Birds@Intuit.com'", ["1"]),
        ("Balance > '0' AND Balance < '215' AND Id <= '2'", ["1"]),
        ("Active = true AND Id = '1'", ["1"]),
    ],
)
def test_where_operators(api, where, expected):
    assert _ids(api, f"SELECT * FROM Customer WHERE {where}") == expected


def test_nested_fields_and_references(api):
    rows = api.rows("SELECT * FROM Invoice WHERE CustomerRef = '1'")["Invoice"]
    assert rows and all(row["CustomerRef"]["value"] == "1" for row in rows)
    stamp = rows[0]["MetaData"]["LastUpdatedTime"]
    later = api.rows(f"SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '{stamp}'")
    assert later["Invoice"]
    assert api.rows("SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime > '2999-01-01'") == {}
    assert api.rows("SELECT * FROM Invoice WHERE metadata.createtime < '2000-01-01'") == {}


def test_order_by_asc_and_desc(api):
    names = [
        r["DisplayName"] for r in api.rows("SELECT * FROM Customer ORDERBY DisplayName")["Customer"]
    ]
    assert names == sorted(names, key=str.casefold)
    desc = api.rows("SELECT * FROM Customer ORDER BY DisplayName DESC")["Customer"]
    assert [r["DisplayName"] for r in desc] == names[::-1]
    by_id = _ids(api, "SELECT * FROM Customer ORDERBY Id DESC MAXRESULTS 3")
    assert by_id == ["29", "28", "27"]


def test_startposition_and_maxresults_page_through(api):
    page = api.rows("SELECT * FROM Customer STARTPOSITION 11 MAXRESULTS 5")
    assert [row["Id"] for row in page["Customer"]] == ["11", "12", "13", "14", "15"]
    assert (page["startPosition"], page["maxResults"]) == (11, 5)
    assert api.rows("SELECT * FROM Customer STARTPOSITION 100") == {}


def test_default_page_is_100_and_maxresults_is_capped_at_1000(sandbox, realm, api):
    sandbox.control.seed_customers(realm, 1100)
    assert api.rows("SELECT * FROM Customer")["maxResults"] == 100
    assert api.rows("SELECT * FROM Customer MAXRESULTS 5000")["maxResults"] == 1000


def test_startposition_zero_is_4001(api):
    response = api.query("SELECT * FROM Customer STARTPOSITION 0")
    error = response.json()["Fault"]["Error"][0]
    assert response.status_code == 400
    assert error["code"] == "4001"
    assert error["Detail"] == "QueryValidationError: value 0 is too small. Min allowed value is 1"


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * FROM",
        "SELECT * FROM Customer WHERE",
        "SELECT * FROM Customer WHERE DisplayName = 'a' OR Id = '1'",
        "SELECT * FROM Customer WHERE DisplayName != 'a'",
        "SELECT * FROM Customer WHERE DisplayName = 'back\\slash'",
        "SELECT * FORM Customer",
        "",
    ],
)
def test_parse_errors_are_4000_validation_faults(api, text):
    response = api.query(text)
    body = response.json()
    assert response.status_code == 400
    assert body["Fault"]["type"] == "ValidationFault"
    error = body["Fault"]["Error"][0]
    assert error["code"] == "4000"
    assert error["Message"] == "Error parsing query"
    assert error["Detail"].startswith(
        ("QueryParserError: Encountered", "QueryParserError: Lexical")
    )


def test_unknown_property_and_entity_are_4001(api):
    response = api.query("SELECT * FROM Customer WHERE NoSuchField = 'x'")
    assert response.json()["Fault"]["Error"][0]["Detail"] == (
        "QueryValidationError: Property NoSuchField not found for Entity Customer"
    )
    assert api.query("SELECT * FROM Nothing").json()["Fault"]["Error"][0]["code"] == "4001"


def test_keywords_and_names_are_case_insensitive(api):
    assert _ids(api, "select * from CUSTOMER where displayname = 'COOL CARS'") == ["3"]


def test_projection_returns_the_selected_fields(api):
    rows = api.rows("SELECT Id, DisplayName FROM Customer MAXRESULTS 2")["Customer"]
    assert rows == [
        {"Id": "1", "DisplayName": "Amy's Bird Sanctuary"},
        {"Id": "2", "DisplayName": "Bill's Windsurf Shop"},
    ]


def test_python_quickbooks_query_helpers(qb):
    assert Customer.count(qb=qb) == 29
    assert len(Customer.all(max_results=10, qb=qb)) == 10
    page = Customer.where("", order_by="Id", start_position=21, max_results=5, qb=qb)
    assert [c.Id for c in page] == ["21", "22", "23", "24", "25"]
    assert [c.DisplayName for c in Customer.filter(DisplayName="Pye's Cakes", qb=qb)] == [
        "Pye's Cakes"
    ]
    assert [c.Id for c in Customer.choose(["2", "4"], qb=qb)] == ["2", "4"]
    assert Customer.query("SELECT * FROM Customer WHERE Id = '7'", qb=qb)[0].Id == "7"


def test_python_quickbooks_surfaces_query_errors(qb):
    with pytest.raises(ValidationException) as caught:
        Customer.where("DisplayName = 'a\\b'", qb=qb)
    assert caught.value.error_code == 4000


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(start=st.integers(1, 35), size=st.integers(1, 12))
def test_pages_are_slices_of_the_full_ordered_list(sandbox, api, start, size):
    unpaced(sandbox)
    everything = _ids(api, "SELECT * FROM Customer MAXRESULTS 1000")
    page = _ids(api, f"SELECT * FROM Customer STARTPOSITION {start} MAXRESULTS {size}")
    assert page == everything[start - 1 : start - 1 + size]


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30))
def test_string_literals_round_trip_through_escaping(value):
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    query = parse(f"SELECT * FROM Customer WHERE DisplayName = '{escaped}'")
    assert query.where[0].values == [value]
