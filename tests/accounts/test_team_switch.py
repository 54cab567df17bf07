"""The company switcher: only the user's own companies; back to a page that still makes sense."""

import pytest

from accounts.models import Company, Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def bravo(user):
    bravo = Company.objects.create(name="Bravo Traders")
    Membership.objects.create(user=user, company=bravo, role="member")
    return bravo


def test_the_switcher_lists_the_users_companies(client, user, company, bravo):
    Company.objects.create(name="Not Mine Ltd")
    client.force_login(user)

    page = client.get("/").text

    assert 'id="company-switch"' in page
    assert f'<option value="{company.pk}" selected>Acme Supplies</option>' in page
    assert f'<option value="{bravo.pk}">Bravo Traders</option>' in page
    assert "Not Mine Ltd" not in page


def test_one_company_shows_its_name_without_a_switcher(client, user, company):
    client.force_login(user)
    page = client.get("/").text
    assert 'id="company-switch"' not in page
    assert '<span class="company-name" title="Your company">Acme Supplies</span>' in page


def test_switching_changes_the_current_company(client, user, company, bravo):
    client.force_login(user)

    response = client.post("/companies/switch/", {"company": bravo.pk, "next": "/orders/?page=2"})

    assert response["Location"] == "/orders/"
    assert client.session["current_company_id"] == bravo.pk
    page = client.get("/").text
    assert "You are now working in Bravo Traders." in page
    assert "Bravo Traders · Member" in page


def test_switching_from_a_page_of_the_old_company_goes_to_the_dashboard(
    client, user, company, bravo
):
    client.force_login(user)
    response = client.post("/companies/switch/", {"company": bravo.pk, "next": "/orders/12/"})
    assert response["Location"] == "/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/no/such/page/"])
def test_switching_never_redirects_off_site(client, user, company, bravo, target):
    client.force_login(user)
    response = client.post("/companies/switch/", {"company": bravo.pk, "next": target})
    assert response["Location"] == "/"


@pytest.mark.parametrize("value", ["other", "", "1 OR 1=1"])
def test_switching_to_a_company_one_is_not_in_is_refused(client, user, company, value):
    other = Company.objects.create(name="Not Mine Ltd")
    client.force_login(user)

    response = client.post("/companies/switch/", {"company": value.replace("other", str(other.pk))})

    assert response["Location"] == "/"
    assert client.session.get("current_company_id") != other.pk
    page = client.get("/").text
    assert "You are not a member of that company." in page
    assert "Acme Supplies · Owner" in page


def test_switching_needs_a_post(client, user, company, bravo):
    client.force_login(user)
    assert client.get(f"/companies/switch/?company={bravo.pk}").status_code == 405


@pytest.mark.parametrize("typed", ["²", "١٢", "99999999999999999999", "0", " 1", "1.0", ""])
def test_switching_to_a_malformed_company_id_is_refused_not_a_500(client, user, company, typed):
    client.force_login(user)
    client.raise_request_exception = False

    response = client.post("/companies/switch/", {"company": typed})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session.get("current_company_id") is None
    assert "You are not a member of that company." in client.get("/").text
