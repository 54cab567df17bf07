import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_login_page_is_served(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"Email address" in response.content


def test_home_redirects_anonymous_users_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_logs_in_by_email_case_insensitively(client, company):
    response = client.post(
        "/accounts/login/", {"username": "Alice@Example.com", "password": "pw-alice-1"}
    )
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert b"Acme Supplies" in home.content
    assert "no-store" in home["Cache-Control"]


def test_wrong_password_shows_a_form_error(client, company):
    response = client.post("/accounts/login/", {"username": "alice@example.com", "password": "x"})
    assert response.status_code == 200
    assert b"Please enter a correct email address and password" in response.content


def test_bootstrap_demo_creates_the_demo_owner(django_user_model, capsys):
    call_command("bootstrap_demo")
    call_command("bootstrap_demo")  # idempotent
    user = django_user_model.objects.get(email="demo@example.com")
    assert user.check_password("demo")
    membership = user.memberships.get()
    assert membership.company.name == "Demo Company"
    assert membership.role == "owner"
    assert "demo@example.com / demo" in capsys.readouterr().out
