"""Signed-in clients, and the live-webhook fixture the QuickBooks core's tests use."""

import pytest

from tests.qbo.test_webhooks_live import live_connected  # noqa: F401 - a fixture


@pytest.fixture
def owner_client(client, user, company):
    """Alice, owner of Acme Supplies, signed in."""
    client.force_login(user)
    return client


@pytest.fixture
def bob_client(client, other_company):
    """Bob, member of Bravo Traders (tests/admin_fixtures.py), signed in."""
    client.force_login(other_company.members.get())
    return client
