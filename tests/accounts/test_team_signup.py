"""Signing up (a user and their company), password reset by email, password change."""

import re

import pytest
from django.conf import settings
from django.core import mail

from accounts.models import Company, Membership, User

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "correct-horse-battery-9"


def signup_data(**overrides) -> dict:
    data = {
        "full_name": "Carol Danvers",
        "email": "Carol@Example.com",
        "company_name": "  Carol's Cakes ",
    }
    return {**data, **overrides}


def emailed_signup_link() -> str:
    [message] = mail.outbox
    return re.search(re.escape(settings.SITE_URL) + r"(/accounts/signup/\S+/)", message.body).group(
        1
    )


def choose_password(client, link, password=GOOD_PASSWORD, again=None):
    return client.post(link, {"password1": password, "password2": again or password})


def test_sign_up_emails_a_link_that_creates_the_user_and_their_company(client):
    response = client.post("/accounts/signup/", signup_data())

    assert response.status_code == 200
    assert "We sent an email to carol@example.com." in response.text
    assert User.objects.count() == 0  # nothing is made before the link is opened
    assert mail.outbox[0].to == ["carol@example.com"]
    link = emailed_signup_link()
    assert "Choose your password" in client.get(link).text

    response = choose_password(client, link)

    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(email="carol@example.com")
    assert user.full_name == "Carol Danvers"
    assert user.check_password(GOOD_PASSWORD)
    membership = Membership.objects.get(user=user)
    assert (membership.company.name, membership.role) == ("Carol's Cakes", "owner")
    dashboard = client.get("/")
    assert "Carol&#x27;s Cakes" in dashboard.text
    assert "Connect QuickBooks" in dashboard.text
    client.logout()
    assert client.get(link).status_code == 410  # used: the account exists
    assert User.objects.count() == 1


def test_sign_up_answers_the_same_for_an_address_that_has_an_account(client, user):
    unknown = client.post("/accounts/signup/", signup_data(email="carol@example.com"))
    mail.outbox.clear()

    known = client.post("/accounts/signup/", signup_data(email="ALICE@example.com"))

    assert known.status_code == unknown.status_code == 200
    assert known.text.replace("alice@", "carol@") == unknown.text
    assert User.objects.count() == 1 and Company.objects.count() == 0
    [message] = mail.outbox
    assert message.to == ["alice@example.com"]
    assert message.subject == "Someone tried to sign up to qbsync with your address"
    assert settings.SITE_URL + "/accounts/password/reset/" in message.body
    assert "/accounts/signup/" not in message.body  # no link that would make an account


def test_a_forged_or_expired_sign_up_link_is_refused(client, settings):
    client.post("/accounts/signup/", signup_data())
    link = emailed_signup_link()
    forged = link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]
    assert client.get(forged).status_code == 410
    settings.SECRET_KEY = "another-key-entirely-" + "x" * 40
    assert choose_password(client, link).status_code == 410
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"company_name": "   "}, "This field is required."),
        ({"email": "not-an-address"}, "Enter a valid email address."),
        ({"full_name": ""}, "This field is required."),
    ],
)
def test_sign_up_shows_what_to_fix(client, overrides, message):
    response = client.post("/accounts/signup/", signup_data(**overrides))

    assert response.status_code == 200
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("password", "again", "message"),
    [
        (GOOD_PASSWORD, "something-else-1", "The two password fields didn\u2019t match."),
        ("12345678", None, "This password is too common."),
        ("carol@example.com", None, "The password is too similar to the"),
    ],
)
def test_choosing_the_password_shows_what_to_fix(client, password, again, message):
    client.post("/accounts/signup/", signup_data())
    response = choose_password(client, emailed_signup_link(), password, again)

    assert response.status_code == 200
    assert message in response.text
    assert User.objects.count() == 0


def test_the_sign_up_page_labels_every_field(client):
    page = client.get("/accounts/signup/").text
    for field_id, label in [
        ("id_full_name", "Your name"),
        ("id_email", "Email address"),
        ("id_company_name", "Company name"),
    ]:
        assert f'<label for="{field_id}">{label}</label>' in page


def test_signed_in_users_skip_the_sign_up_page(client, user):
    client.force_login(user)
    assert client.get("/accounts/signup/")["Location"] == "/"


def test_login_page_links_to_sign_up_and_password_reset(client):
    page = client.get("/accounts/login/").text
    assert 'href="/accounts/signup/"' in page
    assert 'href="/accounts/password/reset/"' in page


def reset_link() -> str:
    [message] = mail.outbox
    return re.search(
        re.escape(settings.SITE_URL) + r"(/accounts/password/reset/\S+/)", message.body
    ).group(1)


def test_password_reset_by_email_sets_a_new_password(client, user):
    response = client.post("/accounts/password/reset/", {"email": "Alice@Example.com"})
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert mail.outbox[0].to == ["alice@example.com"]
    assert mail.outbox[0].subject == "Reset your qbsync password"

    form = client.get(reset_link(), follow=True)
    assert "Choose a new password" in form.text
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD},
    )
    assert done["Location"] == "/accounts/password/reset/done/"
    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)
    # The link works once.
    again = client.get(reset_link(), follow=True)
    assert "This link doesn't work any more" in again.text


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, user):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert mail.outbox == []


def test_password_change_keeps_the_user_signed_in(client, user):
    client.force_login(user)
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": "pw-alice-1",
            "new_password1": GOOD_PASSWORD,
            "new_password2": GOOD_PASSWORD,
        },
    )
    assert response["Location"] == "/accounts/password/change/done/"
    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)
    assert client.get("/").status_code == 200  # still signed in
    assert client.get("/accounts/password/change/done/").status_code == 200


def test_someone_without_a_company_can_start_one(client, user):
    client.force_login(user)
    page = client.get("/").text
    assert "No company yet" in page and 'href="/companies/new/"' in page
    assert 'aria-label="Main"' not in page  # no links to pages that need a company

    response = client.post("/companies/new/", {"name": "  Alice Ventures "})

    assert response["Location"] == "/"
    membership = Membership.objects.get(user=user)
    assert (membership.company.name, membership.role) == ("Alice Ventures", "owner")
    assert client.session["current_company_id"] == membership.company_id
    assert "Alice Ventures is ready." in client.get("/").text


def test_a_company_needs_a_name(client, user):
    client.force_login(user)
    response = client.post("/companies/new/", {"name": "   "})
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert Company.objects.count() == 0
