"""The token service: the only code that reads, refreshes and stores a company's tokens.

One refresh at a time per company (DESIGN.md invariant 3): refresh takes the connection's
row lock, re-checks after the lock (another worker may have refreshed meanwhile), calls
Intuit, and commits both tokens and every expiry before anyone uses them. invalid_grant marks
the connection needs_reauth — committed, announced, never retried in a loop; so do stored
tokens that can't be decrypted (vault.TokenDecryptError, a ReconnectNeeded: every caller
meets the same exception). A timeout or 5xx keeps the old refresh token, which Intuit honours
for 24 h after a rotation.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection as db_connection
from django.db import transaction
from django.db.utils import OperationalError
from django.utils import timezone

from qbo import oauth, vault
from qbo.errors import QuickBooksError, ReconnectNeeded, Unavailable
from qbo.models import QuickBooksConnection
from qbo.signals import connection_needs_reconnect

logger = logging.getLogger(__name__)

# Refresh a little before expiry, so a token never lapses mid-request.
LEEWAY = timedelta(minutes=2)
LOCK_TIMEOUT = "15s"
Status = QuickBooksConnection.Status


@dataclass(frozen=True)
class AccessToken:
    value: str = field(repr=False)
    version: int


def _read(conn: QuickBooksConnection, name: str) -> str:
    stored = getattr(conn, f"{name}_encrypted")
    if not stored:
        raise ReconnectNeeded("No QuickBooks tokens are stored for this company")
    return vault.decrypt(stored, company_id=conn.company_id, field=name)


def _access(conn: QuickBooksConnection) -> AccessToken:
    return AccessToken(_read(conn, "access_token"), conn.token_version)


def _is_fresh(conn: QuickBooksConnection) -> bool:
    return bool(conn.access_expires_at and conn.access_expires_at > timezone.now() + LEEWAY)


def _require_connected(conn: QuickBooksConnection) -> None:
    if conn.status != Status.CONNECTED:
        raise ReconnectNeeded(
            f"QuickBooks is {conn.get_status_display().lower()} for this company",
            code=conn.status,
        )


def store_tokens(conn: QuickBooksConnection, tokens: oauth.TokenSet) -> None:
    """Encrypt and save a token response with absolute expiries (the caller holds the lock)."""
    now = timezone.now()
    conn.access_token_encrypted = vault.encrypt(
        tokens.access_token, company_id=conn.company_id, field="access_token"
    )
    conn.refresh_token_encrypted = vault.encrypt(
        tokens.refresh_token, company_id=conn.company_id, field="refresh_token"
    )
    conn.access_expires_at = now + timedelta(seconds=tokens.expires_in)
    if tokens.refresh_expires_in is not None:
        conn.refresh_expires_at = now + timedelta(seconds=tokens.refresh_expires_in)
    if tokens.hard_expires_in is not None:
        conn.refresh_hard_expires_at = now + timedelta(seconds=tokens.hard_expires_in)
    conn.token_version += 1
    conn.last_refreshed_at = now
    conn.last_error = ""
    conn.last_error_tid = ""
    conn.save()


def current_access_token(connection_id: int) -> AccessToken:
    """A usable access token, refreshing first only if it is about to expire."""
    conn = QuickBooksConnection.objects.get(pk=connection_id)
    _require_connected(conn)
    if not _is_fresh(conn):
        return refresh_tokens(connection_id, seen_version=conn.token_version)
    try:
        return _access(conn)
    except vault.TokenDecryptError as exc:
        mark_needs_reauth(connection_id, exc.text)
        raise


def refresh_after_unauthorized(connection_id: int, *, seen_version: int) -> AccessToken:
    """The API said 401 to the token of seen_version: refresh, unless someone already did."""
    return refresh_tokens(connection_id, seen_version=seen_version, force=True)


def _lock(connection_id: int) -> QuickBooksConnection:
    if db_connection.vendor == "postgresql":
        with db_connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    return QuickBooksConnection.objects.select_for_update().get(pk=connection_id)


def refresh_tokens(
    connection_id: int, *, seen_version: int | None = None, force: bool = False
) -> AccessToken:
    """Refresh under the connection's row lock; exactly one caller talks to Intuit."""
    failure: QuickBooksError | None = None
    try:
        with transaction.atomic():
            conn = _lock(connection_id)
            _require_connected(conn)
            try:
                if seen_version is not None and conn.token_version != seen_version:
                    return _access(conn)  # another worker refreshed while we waited
                if not force and _is_fresh(conn):
                    return _access(conn)
                tokens = oauth.refresh(
                    _read(conn, "refresh_token"),
                    company_id=conn.company_id,
                    environment=conn.environment,
                )
            except ReconnectNeeded as exc:
                # invalid_grant, or tokens we can't decrypt: marked here, inside the block,
                # so the mark commits with it.
                _set_needs_reauth(conn, exc.text, exc.intuit_tid)
                failure = exc
            except QuickBooksError as exc:
                # Keep the stored refresh token: if Intuit did rotate, the old one stays
                # valid for 24 h, so the next attempt recovers.
                conn.last_error, conn.last_error_tid = exc.text, exc.intuit_tid
                conn.save(update_fields=["last_error", "last_error_tid", "updated_at"])
                failure = exc
            else:
                store_tokens(conn, tokens)
                logger.info(
                    "refreshed QuickBooks tokens for company %s (version %s)",
                    conn.company_id,
                    conn.token_version,
                )
                return _access(conn)
    except OperationalError as exc:
        raise Unavailable("Timed out waiting for another token refresh") from exc
    raise failure  # every path out of the block that didn't return set it


def _set_needs_reauth(conn: QuickBooksConnection, reason: str, intuit_tid: str = "") -> None:
    first_time = conn.status == Status.CONNECTED
    conn.status = Status.NEEDS_REAUTH
    conn.last_error, conn.last_error_tid = reason, intuit_tid
    conn.save(update_fields=["status", "last_error", "last_error_tid", "updated_at"])
    logger.warning("QuickBooks connection of company %s needs reconnecting", conn.company_id)
    if first_time:
        transaction.on_commit(
            lambda: connection_needs_reconnect.send_robust(
                QuickBooksConnection, company_id=conn.company_id, connection=conn, reason=reason
            )
        )


def mark_needs_reauth(connection_id: int, reason: str, *, intuit_tid: str = "") -> None:
    """Record that a person must reconnect (committed before the caller goes on)."""
    with transaction.atomic():
        conn = _lock(connection_id)
        if conn.status == Status.CONNECTED:
            _set_needs_reauth(conn, reason, intuit_tid)
