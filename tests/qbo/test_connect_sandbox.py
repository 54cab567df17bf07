"""Connecting QuickBooks as a user does it, against the local sandbox over real HTTP."""

import threading
import time

import pytest
import requests
from django.test import Client
from quickbooks.objects.company_info import CompanyInfo
from quickbooks.objects.customer import Customer

from qbo import tokens
from qbo.client import open_client
from qbo.errors import ReconnectNeeded, Unavailable
from qbo.models import QuickBooksConnection
from tests.support import connect_through_consent

pytestmark = pytest.mark.django_db
TOKEN_PATH = "/oauth2/v1/tokens/bearer"


def _token_calls(server) -> int:
    return len(server.control.request_log(path=TOKEN_PATH))


def _expire_access(conn):
    QuickBooksConnection.objects.filter(pk=conn.pk).update(access_expires_at="2000-01-01T00:00:00Z")


def test_connect_refresh_call_disconnect_cycle(client, connected, qbo, sandbox_realm):
    company_name = qbo.state.companies[sandbox_realm].name
    page = client.get("/settings/quickbooks/")
    assert company_name.encode() in page.content
    assert b"Connect to QuickBooks" not in page.content
    assert connected.country == "US"

    # The sandbox's own clock moves past the hour: the stored token has expired there too.
    qbo.control.advance_clock(3700)
    _expire_access(connected)
    with open_client(connected.company) as qb:
        info = CompanyInfo.get(sandbox_realm, qb=qb)
    assert info.CompanyName == company_name
    connected.refresh_from_db()
    assert connected.token_version == 2

    response = client.post("/settings/quickbooks/disconnect/", follow=True)
    assert b"access was revoked" in response.content
    assert b"Connect to QuickBooks" in response.content
    assert qbo.control.request_log(path="/v2/oauth2/tokens/revoke")[-1]["status"] == 200
    with pytest.raises(ReconnectNeeded), open_client(connected.company):
        pass


def test_cancel_on_the_consent_page(client, user, company, qbo):
    client.force_login(user)
    response = connect_through_consent(client, qbo, approve=False)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert b"you cancelled" in page.content
    assert not QuickBooksConnection.objects.exists()
    assert _token_calls(qbo) == 0


def test_api_401_refreshes_once_then_proceeds(connected, qbo, sandbox_realm):
    qbo.control.expire_access_tokens(sandbox_realm)  # expired at Intuit, not in our records
    with open_client(connected.company) as qb:
        customers = Customer.all(qb=qb, max_results=5)
    assert customers
    assert _token_calls(qbo) == 2  # the code exchange, then one refresh
    connected.refresh_from_db()
    assert connected.status == "connected" and connected.token_version == 2


def test_revoked_grant_means_reconnect_exactly_once(
    connected, qbo, sandbox_realm, mailoutbox, django_capture_on_commit_callbacks
):
    qbo.control.revoke_tokens(sandbox_realm)
    _expire_access(connected)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ReconnectNeeded):
        tokens.current_access_token(connected.pk)
    for _ in range(3):
        with pytest.raises(ReconnectNeeded):
            tokens.current_access_token(connected.pk)
    connected.refresh_from_db()
    assert connected.status == "needs_reauth"
    assert _token_calls(qbo) == 2
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("mode", ["intuit", "strict"])
def test_refresh_response_lost_after_rotation(
    connected, qbo, sandbox_realm, mode, django_capture_on_commit_callbacks
):
    """Intuit rotated the refresh token, but its answer never reached us ("commit then drop")."""
    qbo.control.set_token_mode(mode)
    qbo.control.advance_clock(25 * 3600)  # old enough that Intuit mode rotates on refresh
    _expire_access(connected)
    qbo.control.add_fault(TOKEN_PATH, "drop_after_commit", count=1)
    with pytest.raises(Unavailable):
        tokens.current_access_token(connected.pk)
    connected.refresh_from_db()
    assert connected.status == "connected"  # we kept the old refresh token

    with django_capture_on_commit_callbacks(execute=True):
        if mode == "intuit":
            # The old refresh token stays valid for 24 h after a rotation: we recover.
            token = tokens.current_access_token(connected.pk)
            assert token.version == 2
        else:
            # Strict: reusing the rotated-out token revokes the grant; one reauth, no loop.
            with pytest.raises(ReconnectNeeded):
                tokens.current_access_token(connected.pk)
            for _ in range(3):
                with pytest.raises(ReconnectNeeded):
                    tokens.current_access_token(connected.pk)
    connected.refresh_from_db()
    assert connected.status == ("connected" if mode == "intuit" else "needs_reauth")
    assert _token_calls(qbo) == 3  # exchange, the dropped refresh, one more refresh


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_double_submitted_callback_exchanges_the_code_once(user, company, qbo, sandbox_realm):
    client = Client()
    client.force_login(user)
    start = client.post("/settings/quickbooks/connect/")
    from qbo_sandbox.testing import authorize

    location = authorize(requests.Session(), start["Location"], realm_id=sandbox_realm)
    path = location.split("testserver", 1)[1]
    barrier = threading.Barrier(2)
    statuses = []

    def submit():
        barrier.wait()
        statuses.append(client.get(path).status_code)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302, 400]
    assert _token_calls(qbo) == 1
    assert QuickBooksConnection.objects.get(company=company).status == "connected"


def test_hanging_sandbox_fails_within_the_timeout(connected, qbo, settings):
    settings.QBO_READ_TIMEOUT = 1.0
    qbo.control.add_fault(r"/v3/company/.*/query", "hang")
    started = time.monotonic()
    with open_client(connected.company) as qb, pytest.raises(Unavailable) as caught:
        Customer.all(qb=qb)
    assert time.monotonic() - started < 3.0
    assert caught.value.maybe_committed
    qbo.control.release_hung()


def test_hanging_token_endpoint_fails_within_the_timeout(connected, qbo, settings):
    settings.QBO_READ_TIMEOUT = 1.0
    _expire_access(connected)
    qbo.control.add_fault(TOKEN_PATH, "hang")
    started = time.monotonic()
    with pytest.raises(Unavailable):
        tokens.current_access_token(connected.pk)
    assert time.monotonic() - started < 3.0
    qbo.control.release_hung()
