"""Guessing passwords: attempts are limited per account and address, per account, per address,
on the site login, the admin login, sign-up and the password reset form."""

from types import SimpleNamespace

import pytest
from django.core import mail

from accounts.models import User

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.9"
ALICE_AT_HOME = "198.51.100.7"


def log_in(client, password, *, email="alice@example.com", address=ATTACKER, path=None):
    path = path or "/accounts/login/"
    data = {"username": email, "password": password}
    return client.post(path, data, REMOTE_ADDR=address)


def test_forty_wrong_passwords_then_the_right_one_does_not_log_in(client, user):
    answers = [log_in(client, f"guess-{n}").status_code for n in range(40)]

    response = log_in(client, "pw-alice-1")

    assert answers[:5] == [200] * 5  # the form says "wrong password" five times
    assert set(answers[5:]) == {429}
    assert response.status_code == 429
    assert "Too many attempts, try again in" in response.text
    assert int(response["Retry-After"]) <= 900
    assert "_auth_user_id" not in client.session


def test_the_admin_login_is_limited_too(client, user):
    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    for n in range(40):
        log_in(client, f"guess-{n}", path="/admin/login/")

    response = log_in(client, "pw-alice-1", path="/admin/login/")

    assert response.status_code == 429
    assert "Too many attempts, try again in" in response.text
    assert "_auth_user_id" not in client.session


def test_an_attacker_at_one_address_cannot_lock_the_real_user_out(client, user):
    for n in range(100):
        log_in(client, f"guess-{n}")

    response = log_in(client, "pw-alice-1", address=ALICE_AT_HOME)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_guesses_from_many_addresses_lock_the_account_for_the_window(client, user):
    for n in range(20):
        log_in(client, "guess", address=f"192.0.2.{n}")

    response = log_in(client, "pw-alice-1", address=ALICE_AT_HOME)

    assert response.status_code == 429
    assert "try again in" in response.text


def test_one_address_guessing_many_accounts_is_limited(client, user):
    for n in range(50):
        assert log_in(client, "guess", email=f"user{n}@example.com").status_code == 200

    assert log_in(client, "guess", email="someone@example.com").status_code == 429


def test_a_successful_login_forgets_the_earlier_failures(client, user):
    for _ in range(2):
        for n in range(4):
            log_in(client, f"guess-{n}")
        assert log_in(client, "pw-alice-1").status_code == 302
        client.logout()


def test_password_reset_requests_are_limited(client, user):
    answers = [
        client.post(
            "/accounts/password/reset/", {"email": "alice@example.com"}, REMOTE_ADDR=ATTACKER
        ).status_code
        for _ in range(8)
    ]

    assert answers == [302] * 5 + [429] * 3
    assert len(mail.outbox) == 5


def test_sign_up_is_limited_like_login(client):
    data = {"full_name": "Mallory", "email": "m@example.com", "company_name": "M"}
    answers = [
        client.post("/accounts/signup/", {**data, "password1": "x"}, REMOTE_ADDR=ATTACKER)
        for _ in range(7)
    ]

    assert [a.status_code for a in answers] == [200] * 5 + [429] * 2
    assert "Too many attempts, try again in" in answers[-1].text


def test_the_turn_of_a_window_gives_no_fresh_allowance(client, user, settings, monkeypatch):
    now = [1_000_000 * settings.THROTTLE_WINDOW - 1.0]  # a second before a window turns
    monkeypatch.setattr("accounts.throttle.time", SimpleNamespace(time=lambda: now[0]))
    for n in range(4):
        assert log_in(client, f"guess-{n}").status_code == 200
    now[0] += 2.0  # the next window
    assert log_in(client, "guess-4").status_code == 200
    assert log_in(client, "pw-alice-1").status_code == 429  # 5 in the last two windows
