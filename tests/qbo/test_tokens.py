"""The token service: refresh only when needed, persist before use, invalid_grant is final."""

from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import responses
from django.utils import timezone

from qbo import connect as services
from qbo import environments, tokens, vault
from qbo.errors import ReconnectNeeded, Unavailable
from qbo.models import QuickBooksConnection
from qbo.tasks import keep_connections_alive

pytestmark = pytest.mark.django_db
TOKEN_URL = environments.OAUTH_ENDPOINTS["sandbox"]["token_endpoint"]
REVOKE_URL = environments.OAUTH_ENDPOINTS["sandbox"]["revocation_endpoint"]
NEW_TOKENS = {
    "access_token": "access-new",
    "refresh_token": "refresh-new",
    "expires_in": 3600,
    "x_refresh_token_expires_in": 8726400,
    "x_refresh_token_hard_expires_in": 150000000,
}


def _expire(conn, seconds_left=30):
    QuickBooksConnection.objects.filter(pk=conn.pk).update(
        access_expires_at=timezone.now() + timedelta(seconds=seconds_left)
    )


def _refresh_token_of(conn) -> str:
    conn.refresh_from_db()
    return vault.decrypt(
        conn.refresh_token_encrypted, company_id=conn.company_id, field="refresh_token"
    )


@responses.activate(assert_all_requests_are_fired=False)
def test_fresh_token_is_used_without_calling_intuit(connection):
    token = tokens.current_access_token(connection.pk)
    assert token.value == f"access-{connection.company_id}-initial"
    assert len(responses.calls) == 0


@responses.activate
def test_refreshes_within_two_minutes_of_expiry_and_persists_everything(connection):
    responses.post(TOKEN_URL, json=NEW_TOKENS)
    _expire(connection, seconds_left=90)
    token = tokens.current_access_token(connection.pk)
    assert token.value == "access-new"
    assert parse_qs(responses.calls[0].request.body)["refresh_token"] == [
        f"refresh-{connection.company_id}-initial"
    ]
    conn = QuickBooksConnection.objects.get(pk=connection.pk)
    assert _refresh_token_of(conn) == "refresh-new"
    assert conn.token_version == token.version == 2
    assert conn.access_expires_at > timezone.now() + timedelta(minutes=59)
    assert conn.refresh_expires_at > timezone.now() + timedelta(days=100)
    assert conn.refresh_hard_expires_at > timezone.now() + timedelta(days=1700)


@responses.activate
def test_invalid_grant_marks_needs_reauth_once_and_never_loops(
    connection, mailoutbox, client, django_capture_on_commit_callbacks
):
    responses.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})
    _expire(connection)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ReconnectNeeded):
        tokens.current_access_token(connection.pk)
    connection.refresh_from_db()
    assert connection.status == "needs_reauth"
    assert "invalid_grant" in connection.last_error
    assert [m.to for m in mailoutbox] == [["alice@example.com"]]
    assert "Reconnect QuickBooks" in mailoutbox[0].subject
    # No retry loop: later callers are refused without another token call.
    for _ in range(3):
        with pytest.raises(ReconnectNeeded):
            tokens.current_access_token(connection.pk)
    assert len(responses.calls) == 1
    client.force_login(connection.company.memberships.get().user)
    page = client.get("/")
    assert b"QuickBooks needs reconnecting" in page.content


@responses.activate
def test_server_error_keeps_the_old_refresh_token(connection):
    responses.post(TOKEN_URL, status=503, body="busy")
    _expire(connection)
    with pytest.raises(Unavailable):
        tokens.current_access_token(connection.pk)
    connection.refresh_from_db()
    assert connection.status == "connected"
    assert _refresh_token_of(connection) == f"refresh-{connection.company_id}-initial"
    assert "503" in connection.last_error


@responses.activate
def test_keep_alive_refreshes_idle_connections_and_warns_before_hard_expiry(connection, mailoutbox):
    responses.post(TOKEN_URL, json=dict(NEW_TOKENS, x_refresh_token_hard_expires_in=86400 * 10))
    QuickBooksConnection.objects.filter(pk=connection.pk).update(
        last_refreshed_at=timezone.now() - timedelta(days=45)
    )
    keep_connections_alive()
    keep_connections_alive()  # the warning is not repeated
    connection.refresh_from_db()
    assert connection.token_version == 2
    assert len(responses.calls) == 1
    assert [m.subject for m in mailoutbox] == [
        f"QuickBooks connection for Acme Supplies expires on "
        f"{connection.refresh_hard_expires_at.date().isoformat()}"
    ]


@responses.activate
def test_disconnect_revokes_and_wipes_tokens(connection):
    responses.post(REVOKE_URL, body="")
    assert services.disconnect_company(connection.company) is True
    assert responses.calls[0].request.body == (
        f'{{"token": "refresh-{connection.company_id}-initial"}}'
    )
    connection.refresh_from_db()
    assert connection.status == "disconnected"
    assert connection.access_token_encrypted == connection.refresh_token_encrypted == ""
    with pytest.raises(ReconnectNeeded):
        tokens.current_access_token(connection.pk)


@responses.activate
def test_disconnect_still_wipes_when_intuit_is_down(connection):
    responses.post(REVOKE_URL, status=503)
    assert services.disconnect_company(connection.company) is False
    connection.refresh_from_db()
    assert connection.status == "disconnected"
    assert connection.refresh_token_encrypted == ""


def test_disconnected_url_changes_nothing_by_itself(client, connection):
    response = client.get("/quickbooks/disconnected/", {"realmId": connection.realm_id})
    assert response.status_code == 200
    connection.refresh_from_db()
    assert connection.status == "connected"
    assert connection.token_version == 1
