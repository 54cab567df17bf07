"""OAuth grants and tokens, with Intuit's lifetimes and refresh-token rotation rules.

Two rotation modes:
- "intuit": a refresh returns the same refresh token until it is 24 h old, then a new one;
  the previous one keeps working for 24 h after that (Intuit's documented grace period).
- "strict": every refresh rotates; the old token dies at once, and presenting it again
  revokes the whole grant (refresh-token reuse detection), so persistence bugs surface.
"""

from __future__ import annotations

import base64
import secrets
import string
import threading
import uuid
from dataclasses import asdict, dataclass, field

from qbo_sandbox.books.clock import Clock

ACCESS_TTL = 3600
REFRESH_TTL = 8_726_400  # 101 days, rolling
HARD_TTL = 5 * 365 * 86_400  # the 2025 five-year cap
ROTATION_INTERVAL = 86_400
ROTATION_GRACE = 86_400
CODE_TTL = 300  # unverified: Intuit does not document it; codes are short-lived and single-use
ACCOUNTING = "com.intuit.quickbooks.accounting"
PAYMENT = "com.intuit.quickbooks.payment"
KNOWN_SCOPES = frozenset(
    {
        ACCOUNTING,
        PAYMENT,
        "openid",
        "profile",
        "email",
        "phone",
        "address",
        "intuit_name",
        "com.intuit.quickbooks.payroll",
        "com.intuit.quickbooks.payroll.timetracking",
        "com.intuit.quickbooks.payroll.benefits",
        "com.intuit.quickbooks.payroll.payslip.read",
        "project-management.project",
        "app-foundations.custom-field-definitions",
        "app-foundations.custom-field-definitions.read",
        "payroll.compensation.read",
        "indirect-tax.tax-calculation.quickbooks",
    }
)
_ALNUM = string.ascii_lowercase + string.digits


class TokenError(Exception):
    """An OAuth error for the token endpoint: {"error": ..., "error_description": ...}."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status


class AuthFailure(Exception):
    """A bearer token the API gateway rejects; the message is the 401 `detail`."""


@dataclass
class AuthCode:
    code: str
    client_id: str
    redirect_uri: str
    realm_id: str | None
    scopes: list[str]
    expires_at: float
    grant_id: str | None = None


@dataclass
class Grant:
    id: str
    client_id: str
    realm_id: str | None
    scopes: list[str]
    sub: str
    created_at: float
    hard_expires_at: float
    refresh_token: str
    refresh_issued_at: float
    refresh_expires_at: float
    retired: dict[str, float] = field(default_factory=dict)
    revoked: bool = False


@dataclass
class AccessToken:
    token: str
    grant_id: str
    expires_at: float


def _random_alnum(length: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(length))


def _b64(size: int) -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(size)).rstrip(b"=").decode()


def _new_access_token() -> str:
    # Intuit's access tokens are ~900-character JWEs; keeping the size catches short DB columns.
    header = "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0"
    return f"{header}..{_b64(16)}.{_b64(600)}.{_b64(16)}"


def _new_refresh_token(now: float) -> str:
    return f"RT1-{secrets.randbelow(90) + 10}-H0-{int(now) + REFRESH_TTL}{_random_alnum(20)}"


class TokenStore:
    """Every grant, code and token; one lock, because refreshes must be atomic."""

    def __init__(self, clock: Clock, mode: str = "intuit") -> None:
        self.clock = clock
        self.mode = mode
        self.lock = threading.RLock()
        self.codes: dict[str, AuthCode] = {}
        self.grants: dict[str, Grant] = {}
        self.access: dict[str, AccessToken] = {}
        self.refresh_index: dict[str, str] = {}

    # --- authorization codes -------------------------------------------------------------
    def issue_code(
        self, client_id: str, redirect_uri: str, realm_id: str | None, scopes: list[str]
    ) -> str:
        now = self.clock.timestamp()
        code = f"AB11{int(now)}{secrets.token_urlsafe(30).replace('-', 'x').replace('_', 'y')}"
        with self.lock:
            self.codes[code] = AuthCode(
                code, client_id, redirect_uri, realm_id, scopes, now + CODE_TTL
            )
        return code

    def exchange_code(
        self, client_id: str, code: str, redirect_uri: str
    ) -> tuple[Grant, AccessToken]:
        now = self.clock.timestamp()
        with self.lock:
            found = self.codes.get(code)
            if found is None or found.client_id != client_id:
                raise TokenError("invalid_grant", "Token invalid")
            if found.grant_id is not None:
                # A reused code: RFC 6749 §4.1.2 lets the server revoke what it issued; strict does.
                if self.mode == "strict":
                    self._revoke_grant(found.grant_id)
                raise TokenError("invalid_grant", "Token invalid")
            if now >= found.expires_at or found.redirect_uri != redirect_uri:
                raise TokenError("invalid_grant", "Token invalid")
            grant = self._new_grant(found, now)
            found.grant_id = grant.id
            return grant, self._new_access(grant, now)

    def _new_grant(self, code: AuthCode, now: float) -> Grant:
        refresh = _new_refresh_token(now)
        sub = str(uuid.uuid5(uuid.NAMESPACE_URL, f"qbo-sandbox-user:{code.client_id}"))
        grant = Grant(
            id=uuid.uuid4().hex,
            client_id=code.client_id,
            realm_id=code.realm_id,
            scopes=list(code.scopes),
            sub=sub,
            created_at=now,
            hard_expires_at=now + HARD_TTL,
            refresh_token=refresh,
            refresh_issued_at=now,
            refresh_expires_at=now + REFRESH_TTL,
        )
        self.grants[grant.id] = grant
        self.refresh_index[refresh] = grant.id
        return grant

    def _new_access(self, grant: Grant, now: float) -> AccessToken:
        token = AccessToken(_new_access_token(), grant.id, now + ACCESS_TTL)
        self.access[token.token] = token
        return token

    # --- refresh -------------------------------------------------------------------------
    def refresh(self, client_id: str, refresh_token: str) -> tuple[Grant, AccessToken]:
        now = self.clock.timestamp()
        with self.lock:
            grant = self.grants.get(self.refresh_index.get(refresh_token, ""))
            if grant is None or grant.client_id != client_id or grant.revoked:
                raise TokenError("invalid_grant", "Incorrect or invalid refresh token")
            if now >= min(grant.refresh_expires_at, grant.hard_expires_at):
                raise TokenError("invalid_grant", "Incorrect or invalid refresh token")
            if refresh_token != grant.refresh_token:
                self._check_retired(grant, refresh_token, now)
            if self.mode == "strict" or now - grant.refresh_issued_at >= ROTATION_INTERVAL:
                self._rotate(grant, now)
            grant.refresh_expires_at = min(now + REFRESH_TTL, grant.hard_expires_at)
            return grant, self._new_access(grant, now)

    def _check_retired(self, grant: Grant, token: str, now: float) -> None:
        valid_until = grant.retired.get(token, 0.0)
        if self.mode == "strict":
            self._revoke_grant(grant.id)  # reuse of a rotated-out token: assume it leaked
            raise TokenError("invalid_grant", "Incorrect or invalid refresh token")
        if now >= valid_until:
            raise TokenError("invalid_grant", "Incorrect or invalid refresh token")

    def _rotate(self, grant: Grant, now: float) -> None:
        grace = ROTATION_GRACE if self.mode == "intuit" else 0
        grant.retired[grant.refresh_token] = now + grace
        grant.refresh_token = _new_refresh_token(now)
        grant.refresh_issued_at = now
        self.refresh_index[grant.refresh_token] = grant.id

    # --- revoke and expire ---------------------------------------------------------------
    def revoke(self, client_id: str, token: str) -> None:
        """Revoking either token disconnects the app: the whole grant dies."""
        with self.lock:
            grant_id = self.refresh_index.get(token)
            if grant_id is None and token in self.access:
                grant_id = self.access[token].grant_id
            grant = self.grants.get(grant_id or "")
            if grant is not None and grant.client_id == client_id:
                self._revoke_grant(grant.id)

    def _revoke_grant(self, grant_id: str) -> None:
        grant = self.grants.get(grant_id)
        if grant is not None:
            grant.revoked = True

    def connected(self, realm_id: str, client_id: str) -> bool:
        """Whether the app holds a live accounting grant for the realm (Intuit notifies only
        connected realms): not revoked, refresh token not expired."""
        now = self.clock.timestamp()
        with self.lock:
            return any(
                grant.realm_id == realm_id
                and grant.client_id == client_id
                and not grant.revoked
                and ACCOUNTING in grant.scopes
                and now < min(grant.refresh_expires_at, grant.hard_expires_at)
                for grant in self.grants.values()
            )

    def grants_for(self, realm_id: str) -> list[Grant]:
        with self.lock:
            return [grant for grant in self.grants.values() if grant.realm_id == realm_id]

    def expire_access_tokens(self, realm_id: str) -> int:
        now = self.clock.timestamp()
        with self.lock:
            ids = {grant.id for grant in self.grants_for(realm_id)}
            tokens = [token for token in self.access.values() if token.grant_id in ids]
            for token in tokens:
                token.expires_at = min(token.expires_at, now)
            return len(tokens)

    def expire_refresh_tokens(self, realm_id: str) -> int:
        now = self.clock.timestamp()
        with self.lock:
            grants = self.grants_for(realm_id)
            for grant in grants:
                grant.refresh_expires_at = min(grant.refresh_expires_at, now)
            return len(grants)

    def revoke_realm(self, realm_id: str) -> int:
        with self.lock:
            grants = self.grants_for(realm_id)
            for grant in grants:
                self._revoke_grant(grant.id)
            return len(grants)

    # --- the API gateway's check ---------------------------------------------------------
    def authenticate(self, token: str) -> Grant:
        if len(token) < 20 or len(token) > 4096:
            raise AuthFailure("Malformed bearer token: too short or too long")
        with self.lock:
            access = self.access.get(token)
            grant = self.grants.get(access.grant_id) if access else None
            if access is None or grant is None:
                raise AuthFailure("Token invalid")
            if grant.revoked:
                raise AuthFailure("Token revoked")
            if self.clock.timestamp() >= access.expires_at:
                raise AuthFailure(f"Token expired: {token[:20]}")
            return grant

    # --- persistence ---------------------------------------------------------------------
    def snapshot(self) -> dict:
        now = self.clock.timestamp()
        with self.lock:
            return {
                "mode": self.mode,
                "grants": [asdict(grant) for grant in self.grants.values()],
                "access": [asdict(t) for t in self.access.values() if t.expires_at > now],
            }

    def restore(self, data: dict) -> None:
        with self.lock:
            self.mode = data.get("mode", self.mode)
            self.grants = {g["id"]: Grant(**g) for g in data.get("grants", [])}
            self.access = {t["token"]: AccessToken(**t) for t in data.get("access", [])}
            self.refresh_index = {}
            for grant in self.grants.values():
                self.refresh_index[grant.refresh_token] = grant.id
                for old in grant.retired:
                    self.refresh_index[old] = grant.id

    def clear(self) -> None:
        with self.lock:
            self.codes.clear()
            self.grants.clear()
            self.access.clear()
            self.refresh_index.clear()
