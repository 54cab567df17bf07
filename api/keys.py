"""Making, checking and revoking API keys (the secret is shown once, only its digest kept)."""

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from django.utils import timezone

from accounts.models import Company, Membership, User
from api.models import ApiKey

KEY_PATTERN = re.compile(r"qbs_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})")
# last_used_at is written at most this often per key, not on every request.
TOUCH_EVERY = timedelta(seconds=60)


# A key acts as an admin at most (deleting invoices is for owners, in person), and never
# above its creator's current role in the company: the rights go when the person's do.
KEY_ROLE = Membership.Role.ADMIN


class KeyRefused(Exception):
    """The key is malformed, unknown, revoked or its creator left; `code` says which."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _digest(key: str) -> str:
    # Keys carry 256 random bits: a plain SHA-256 is enough (no password stretching needed).
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(*, company: Company, name: str, created_by: User | None) -> tuple[ApiKey, str]:
    """A new key for the company; returns the row and the key itself (never stored)."""
    prefix = "".join(secrets.choice("abcdefghijkmnpqrstuvwxyz23456789") for _ in range(12))
    key = f"qbs_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey.objects.create(
        company=company,
        name=name,
        prefix=prefix,
        digest=_digest(key),
        created_by=created_by,
        by_person=created_by is not None,
    )
    return row, key


def revoke_key(key: ApiKey) -> bool:
    """Revoke a key for good; False if it already was."""
    return bool(ApiKey.objects.filter(pk=key.pk, revoked_at=None).update(revoked_at=timezone.now()))


def check_key(key: str) -> ApiKey:
    """The active key `key` is, with `role` set to the role it acts with, or KeyRefused."""
    match = KEY_PATTERN.fullmatch(key)
    if not match:
        raise KeyRefused("invalid_key", "The API key is malformed.")
    row = ApiKey.objects.select_related("company", "created_by").filter(prefix=match[1]).first()
    # Compared in constant time; an unknown prefix costs the same digest as a known one.
    expected = row.digest if row else _digest("")
    if not hmac.compare_digest(expected, _digest(key)) or row is None:
        raise KeyRefused("invalid_key", "The API key is not valid.")
    if row.revoked_at is not None:
        raise KeyRefused("revoked_key", "The API key has been revoked.")
    row.role = _role(row)
    _touch(row)
    return row


def _role(row: ApiKey) -> str:
    """The role the key acts with: KEY_ROLE, lowered to its creator's current one."""
    creator = row.created_by
    if creator is None and not row.by_person:
        # Made by an operator (manage.py create_api_key), not by a member of the company.
        return KEY_ROLE
    role = (
        Membership.objects.filter(user=creator, company_id=row.company_id)
        .values_list("role", flat=True)
        .first()
        if creator is not None
        else None
    )
    if role is None or not creator.is_active:
        raise KeyRefused(
            "creator_left",
            "The API key's creator is no longer a member of the company: "
            "ask an owner or admin to make a new key.",
        )
    return KEY_ROLE if role == Membership.Role.OWNER else role


def _touch(row: ApiKey) -> None:
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
        ApiKey.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
