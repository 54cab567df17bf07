import pytest

from events import delivery
from events.models import EVENT_TYPES, WebhookEndpoint
from tests.events.receiver import EventReceiver

SECRET = "whsec_test-secret-for-the-receiver"


@pytest.fixture
def receiver():
    with EventReceiver() as server:
        yield server


@pytest.fixture
def endpoint(company, receiver):
    """Acme's endpoint at the receiver, for every event type."""
    return WebhookEndpoint.objects.create(
        company=company,
        url=receiver.url,
        event_types=[name for name, _ in EVENT_TYPES],
        secret_encrypted=delivery.seal_secret(company.pk, SECRET),
    )


@pytest.fixture
def owner_client(client, user, company):
    client.force_login(user)
    return client
