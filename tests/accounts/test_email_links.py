"""Links in emails point at SITE_URL, never at whatever Host header the request carried."""

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def any_host(settings):
    """A deployment that answers every Host (ALLOWED_HOSTS=['*'] behind a proxy)."""
    settings.ALLOWED_HOSTS = ["*"]
    settings.SITE_URL = "https://qbsync.example.com"


def test_password_reset_link_uses_site_url_not_a_forged_host(client, user, any_host):
    response = client.post(
        "/accounts/password/reset/", {"email": user.email}, headers={"host": "evil.example"}
    )

    assert response.status_code == 302
    [message] = mail.outbox
    assert "https://qbsync.example.com/accounts/password/reset/" in message.body
    assert "evil.example" not in message.body + message.subject


def test_invitation_link_uses_site_url_not_a_forged_host(client, user, company, any_host):
    client.force_login(user)

    client.post(
        "/team/invite/",
        {"email": "dan@example.com", "role": "member"},
        headers={"host": "evil.example"},
    )

    [message] = mail.outbox
    assert "https://qbsync.example.com/invitations/" in message.body
    assert "evil.example" not in message.body
