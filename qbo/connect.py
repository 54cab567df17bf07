"""Connecting and disconnecting a company's QuickBooks (Intuit OAuth 2.0)."""

import hashlib
import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from qbo import oauth, tokens, vault
from qbo.client import open_client
from qbo.conf import qbo_settings
from qbo.errors import QuickBooksError
from qbo.models import OAuthState, QuickBooksConnection
from qbo.signals import connection_connected, connection_disconnected
from qbo.tasks import sync_company_task
from qbo.tenancy import can_manage

logger = logging.getLogger(__name__)

STATE_TTL = timedelta(minutes=10)
Status = QuickBooksConnection.Status


class ConnectError(Exception):
    """The callback can't be accepted; status is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


class ConnectCancelled(Exception):
    """The user pressed Cancel on Intuit's consent page."""


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def start_connect(*, user, company, session_key: str) -> str:
    """Record a single-use state bound to this session, user and company; return Intuit's URL."""
    state = oauth.new_state()
    OAuthState.objects.filter(created_at__lt=timezone.now() - STATE_TTL).delete()
    OAuthState.objects.create(
        state_hash=_digest(state),
        session_key_hash=_digest(session_key),
        user=user,
        company=company,
    )
    return oauth.authorization_url(state)


def _consume_state(*, user, session_key: str, state: str) -> OAuthState:
    if not state:
        raise ConnectError("The QuickBooks callback has no state parameter.")
    row = OAuthState.objects.select_related("company").filter(state_hash=_digest(state)).first()
    if row is None:
        raise ConnectError("This QuickBooks callback was not started here.")
    if row.user_id != user.pk or row.session_key_hash != _digest(session_key or ""):
        raise ConnectError("This QuickBooks callback belongs to another session.", status=403)
    if row.created_at < timezone.now() - STATE_TTL:
        raise ConnectError("This QuickBooks connection attempt expired. Please try again.")
    # The conditional UPDATE is the single-use guarantee: of two identical callbacks, one wins.
    if not OAuthState.objects.filter(pk=row.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    ):
        raise ConnectError("This QuickBooks callback was already used.")
    if not can_manage(user, row.company):
        raise ConnectError("Only owners and admins can connect QuickBooks.", status=403)
    return row


def _check_realm(company, realm_id: str, environment: str) -> None:
    taken = (
        QuickBooksConnection.objects.filter(environment=environment, realm_id=realm_id)
        .exclude(company=company)
        .exclude(status=Status.DISCONNECTED)
    )
    if taken.exists():
        raise ConnectError(
            "That QuickBooks company is already connected to another company in qbsync.",
            status=409,
        )
    existing = QuickBooksConnection.objects.filter(company=company).first()
    if existing and existing.connected_at and existing.realm_id != realm_id:
        raise ConnectError(
            f"{company} was connected to a different QuickBooks company "
            f"({existing.qbo_company_name or existing.realm_id}). Its orders and customers "
            "belong to that one, so qbsync won't switch it to another.",
            status=409,
        )


def finish_connect(*, user, session_key: str, params) -> QuickBooksConnection:
    """Validate the callback, exchange the code once, store the tokens, read CompanyInfo."""
    row = _consume_state(user=user, session_key=session_key, state=params.get("state", ""))
    company = row.company
    if params.get("error"):
        raise ConnectCancelled(params.get("error"))
    code, realm_id = params.get("code", ""), params.get("realmId", "")
    if not code or not realm_id:
        raise ConnectError("The QuickBooks callback is missing the code or the realmId.")
    environment = qbo_settings.ENVIRONMENT
    _check_realm(company, realm_id, environment)
    token_set = oauth.exchange_code(code, realm_id, company_id=company.pk)
    try:
        conn = _store_connection(company, user, realm_id, environment, token_set)
    except IntegrityError:
        raise ConnectError(
            "That QuickBooks company was just connected to another company in qbsync.",
            status=409,
        ) from None
    _read_company_info(conn)
    transaction.on_commit(lambda: _connected(conn))
    return conn


def _connected(conn: QuickBooksConnection) -> None:
    """A company (re)connected: tell whoever listens (waiting pushes resume) and pull its data."""
    connection_connected.send_robust(
        QuickBooksConnection, company_id=conn.company_id, connection=conn
    )
    try:
        sync_company_task.delay(conn.company_id)
    except Exception:  # the broker is down; the scheduled catch-up will run it
        logger.warning("could not queue the first sync for company %s", conn.company_id)


@transaction.atomic
def _store_connection(
    company, user, realm_id: str, environment: str, token_set: oauth.TokenSet
) -> QuickBooksConnection:
    conn, _ = QuickBooksConnection.objects.select_for_update().get_or_create(
        company=company, defaults={"realm_id": realm_id, "environment": environment}
    )
    conn.realm_id, conn.environment = realm_id, environment
    conn.status = Status.CONNECTED
    conn.connected_by, conn.connected_at = user, timezone.now()
    conn.hard_expiry_warned_at = None
    tokens.store_tokens(conn, token_set)
    logger.info("company %s connected QuickBooks realm %s", company.pk, realm_id)
    return conn


def _read_company_info(conn: QuickBooksConnection) -> None:
    """The QBO company's name and country (tax rules depend on it). Best effort."""
    try:
        with open_client(conn.company_id) as qb:
            info = qb.company_info()
    except QuickBooksError as exc:
        logger.warning("could not read CompanyInfo for company %s: %s", conn.company_id, exc)
        return
    conn.qbo_company_name = str(info.get("CompanyName") or "")[:255]
    conn.country = str(info.get("Country") or "")[:8]
    conn.save(update_fields=["qbo_company_name", "country", "updated_at"])


def disconnect_company(company) -> bool:
    """Revoke at Intuit, wipe the tokens, stop syncing. False if Intuit couldn't be told."""
    with transaction.atomic():
        conn = QuickBooksConnection.objects.select_for_update().get(company=company)
        revoked = True
        if conn.refresh_token_encrypted:
            try:
                token = vault.decrypt(
                    conn.refresh_token_encrypted, company_id=company.pk, field="refresh_token"
                )
                oauth.revoke(token, company_id=company.pk, environment=conn.environment)
            except QuickBooksError as exc:  # TokenDecryptError included
                logger.warning("revoke failed for company %s: %s", company.pk, exc)
                revoked = False
        conn.status = Status.DISCONNECTED
        conn.access_token_encrypted = conn.refresh_token_encrypted = ""
        conn.access_expires_at = conn.refresh_expires_at = conn.refresh_hard_expires_at = None
        conn.token_version += 1
        conn.save()
    logger.info("company %s disconnected QuickBooks (revoked=%s)", company.pk, revoked)
    connection_disconnected.send_robust(
        QuickBooksConnection, company_id=company.pk, connection=conn, revoked=revoked
    )
    return revoked
