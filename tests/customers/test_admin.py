"""The customer admin: search, tenant scoping, read-only fields, JSON, QuickBooks links, count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Company, Membership
from customers.models import Customer
from qbo.paginators import CappedPaginator
from tests.support import make_customer, store_connection

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/customers/customer/"


def shown(response) -> list[str]:
    assert response.status_code == 200
    return [customer.display_name for customer in response.context["cl"].result_list]


@pytest.mark.parametrize(
    "term",
    ["globex corp", "GLOBEX HOLD", "ap@globex", "555-0142", "58"],
    ids=["display name", "company name", "email", "phone", "QuickBooks id"],
)
def test_search_finds_a_customer_by_each_field(staff_client, globex, company, term):
    make_customer(company, "Umbrella Corp", qbo_id="158", email="x@umbrella.test")
    response = staff_client.get(CHANGELIST, {"q": term})
    assert shown(response) == ["Globex Corporation"]


def test_quickbooks_id_matches_whole_not_part(staff_client, globex):
    assert shown(staff_client.get(CHANGELIST, {"q": "8"})) == []


def test_staff_see_only_their_companies_customers(staff_client, globex, initech):
    response = staff_client.get(CHANGELIST)
    assert shown(response) == ["Globex Corporation"]
    assert "Initech" not in response.text
    assert "Bravo Traders" not in response.text


def test_staff_search_never_reaches_another_company(staff_client, globex, initech):
    for term in ["Initech", "billing@initech", "555-0199", "77"]:
        response = staff_client.get(CHANGELIST, {"q": term})
        assert shown(response) == []
        assert "Initech LLC" not in response.text


def test_staff_cannot_open_another_companys_customer(staff_client, initech):
    response = staff_client.get(f"{CHANGELIST}{initech.pk}/change/")
    assert response.status_code in (302, 404)
    assert "Initech" not in response.text


def test_staff_cannot_filter_their_way_into_another_company(
    staff_client, globex, initech, other_company
):
    # With one company the filter isn't offered, and Django ignores the parameter.
    response = staff_client.get(CHANGELIST, {"company__id__exact": other_company.pk})
    assert "Initech LLC" not in shown(response)
    assert "Initech" not in response.text


def company_choices(response) -> list[str]:
    specs = [f for f in response.context["cl"].filter_specs if f.field_path == "company"]
    return [name for _, name in specs[0].lookup_choices] if specs else []


def test_company_filter_lists_only_the_staff_members_companies(
    staff_client, staff_user, superuser_client, globex, initech
):
    cyberdyne = Company.objects.create(name="Cyberdyne")
    Membership.objects.create(user=staff_user, company=cyberdyne)
    make_customer(cyberdyne, "Skynet")
    staff_page = staff_client.get(CHANGELIST)
    assert company_choices(staff_page) == ["Acme Supplies", "Cyberdyne"]
    assert "Bravo Traders" not in staff_page.text
    superuser_page = superuser_client.get(CHANGELIST)
    assert company_choices(superuser_page) == ["Acme Supplies", "Bravo Traders", "Cyberdyne"]
    # Bravo's id in the filter's parameter finds nothing: the rows are scoped first.
    other = staff_client.get(CHANGELIST, {"company__id__exact": initech.company_id})
    assert shown(other) == []


def test_company_filter_leaves_out_companies_without_customers(superuser_client, globex, initech):
    Company.objects.create(name="Empty Co")
    response = superuser_client.get(CHANGELIST)
    assert company_choices(response) == ["Acme Supplies", "Bravo Traders"]
    assert "Empty Co" not in response.text


def test_superusers_see_every_companys_customers(superuser_client, globex, initech):
    assert shown(superuser_client.get(CHANGELIST)) == ["Globex Corporation", "Initech LLC"]
    assert shown(superuser_client.get(CHANGELIST, {"q": "initech"})) == ["Initech LLC"]
    page = superuser_client.get(f"{CHANGELIST}{initech.pk}/change/")
    assert page.status_code == 200 and "Initech LLC" in page.text


def test_active_and_deleted_filters(staff_client, company, globex):
    make_customer(company, "Gone Ltd", active=False, deleted_in_qbo=True)
    make_customer(company, "Sleepy Inc", active=False)
    assert shown(staff_client.get(CHANGELIST, {"active__exact": "0"})) == [
        "Gone Ltd",
        "Sleepy Inc",
    ]
    assert shown(staff_client.get(CHANGELIST, {"deleted_in_qbo__exact": "1"})) == ["Gone Ltd"]


def test_changelist_shows_the_columns_people_expect(staff_client, globex):
    response = staff_client.get(CHANGELIST)
    for text in ["Globex Corporation", "Acme Supplies", "ap@globex.test", "(415) 555-0142"]:
        assert text in response.text
    assert "1250.50" in response.text or "1,250.50" in response.text


def test_changelist_queries_do_not_grow_with_rows(staff_client, company):
    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(CHANGELIST).status_code == 200
        return len(queries.captured_queries)

    make_customer(company, "First")
    few = queries_for_page()
    for number in range(30):
        make_customer(company, f"Customer {number}")
    assert queries_for_page() == few


def test_no_adding_deleting_or_editing(staff_client, superuser_client, globex):
    for client in (staff_client, superuser_client):
        assert client.get(f"{CHANGELIST}add/").status_code == 403
        assert client.post(f"{CHANGELIST}{globex.pk}/delete/").status_code == 403
        response = client.post(
            f"{CHANGELIST}{globex.pk}/change/", {"display_name": "Renamed", "email": "x@y.z"}
        )
        assert response.status_code == 403
    globex.refresh_from_db()
    assert globex.display_name == "Globex Corporation"


def test_every_synced_field_is_read_only(superuser_client, globex):
    response = superuser_client.get(f"{CHANGELIST}{globex.pk}/change/")
    assert response.status_code == 200
    assert list(response.context["adminform"].form.fields) == []
    for value in ["Globex Holdings", "1 Globex Way", "Springfield", "97477"]:
        assert value in response.text
    assert 'name="display_name"' not in response.text


def test_raw_quickbooks_json_is_pretty_printed_and_escaped(superuser_client, company):
    customer = make_customer(
        company,
        "Script Kiddie",
        raw={"Id": "9", "DisplayName": "<script>alert(1)</script>", "Balance": 12.5},
    )
    response = superuser_client.get(f"{CHANGELIST}{customer.pk}/change/")
    assert "<pre>{\n  &quot;Balance&quot;: 12.5,\n  &quot;DisplayName&quot;" in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "<script>alert(1)</script>" not in response.text


@pytest.mark.parametrize(
    ("environment", "url"),
    [
        ("production", "https://qbo.intuit.com/app/customerdetail?nameId=58"),
        ("sandbox", "https://app.sandbox.qbo.intuit.com/app/customerdetail?nameId=58"),
        ("local", "http://sandbox.example.test:8001/ui/companies/4620816365/customers/58"),
    ],
)
def test_open_in_quickbooks_link_follows_the_connection(
    superuser_client, settings, company, globex, environment, url
):
    settings.QBO_LOCAL_SANDBOX_PUBLIC_URL = "http://sandbox.example.test:8001/"
    store_connection(company, realm_id="4620816365", environment=environment)
    response = superuser_client.get(f"{CHANGELIST}{globex.pk}/change/")
    assert f'href="{url}"' in response.text.replace("&amp;", "&")
    assert "Open in QuickBooks" in response.text


def test_no_quickbooks_link_without_a_connection(superuser_client, globex):
    response = superuser_client.get(f"{CHANGELIST}{globex.pk}/change/")
    assert "Not connected to QuickBooks" in response.text
    assert "Open in QuickBooks" not in response.text


def test_changelist_count_is_capped(staff_client, company, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 5)
    for number in range(8):
        make_customer(company, f"Customer {number:02}")
    response = staff_client.get(CHANGELIST)
    cl = response.context["cl"]
    assert cl.result_count == 6 and str(cl.result_count) == "5+"
    assert cl.full_result_count is None
    assert "5+ customers" in response.text
    # The rows themselves aren't capped: all eight are on the page.
    assert len(shown(response)) == 8


def test_searches_count_less_far(staff_client, company, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 5)
    monkeypatch.setattr("customers.admin.CustomerAdmin.search_count_cap", 3)
    for number in range(8):
        make_customer(company, f"Customer {number:02}")
    response = staff_client.get(CHANGELIST, {"q": "customer"})
    assert str(response.context["cl"].result_count) == "3+"
    assert "3+ results" in response.text and "3+ customers" in response.text
    assert len(shown(response)) == 8


def test_changelist_pages_past_the_cap(staff_client, company, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 5)
    monkeypatch.setattr("customers.admin.CustomerAdmin.list_per_page", 2)
    for number in range(9):
        make_customer(company, f"Customer {number}")
    assert shown(staff_client.get(CHANGELIST, {"p": "2"})) == ["Customer 2", "Customer 3"]
    # Page 5 is past the three pages counted (cap 5 + 1 = 6 rows), and it exists.
    assert shown(staff_client.get(CHANGELIST, {"p": "5"})) == ["Customer 8"]
    past_the_end = staff_client.get(CHANGELIST, {"p": "6"})
    assert past_the_end.status_code == 302 and "e=1" in past_the_end["Location"]


def test_below_the_cap_counts_are_exact(staff_client, company):
    for number in range(3):
        make_customer(company, f"Customer {number}")
    response = staff_client.get(CHANGELIST, {"q": "customer"})
    assert response.context["cl"].result_count == 3
    assert "3 results" in response.text


def test_staff_without_the_group_cannot_see_the_admin_page(client, user, company, globex):
    user.is_staff = True
    user.save()
    client.force_login(user)
    assert client.get(CHANGELIST).status_code == 403
    assert Customer.objects.count() == 1
