"""The endpoint admin holds a URL to the same public-address rule as the settings page."""

import pytest
from django.contrib.auth.models import Permission

from events.models import WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, user):
    user.is_staff = True
    user.save()
    codenames = ["view_webhookendpoint", "change_webhookendpoint"]
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return client


def _change(staff_client, endpoint, url):
    return staff_client.post(
        f"/admin/events/webhookendpoint/{endpoint.pk}/change/",
        {"url": url, "description": "", "event_types": '["order.synced"]', "active": "on"},
    )


@pytest.mark.parametrize(
    "url",
    ["https://169.254.169.254/latest/meta-data", "https://10.0.0.5/hook", "http://example.com/h"],
)
def test_admin_cannot_point_an_endpoint_at_a_private_address(staff_client, endpoint, settings, url):
    settings.PRODUCTION = True
    before = endpoint.url
    page = _change(staff_client, endpoint, url)
    assert page.status_code == 200 and page.context["adminform"].form.errors["url"]
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).url == before


def test_admin_can_still_change_an_endpoint_outside_production(staff_client, endpoint):
    page = _change(staff_client, endpoint, "http://127.0.0.1:9/elsewhere")
    assert page.status_code == 302, page.context["adminform"].form.errors
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).url == "http://127.0.0.1:9/elsewhere"
