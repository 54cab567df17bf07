"""Attempt limits for logging in, signing up and asking for a password reset.

Counted in Django's cache (Redis when REDIS_URL is set) in fixed windows, the current one and
the one before it together (so a burst can't straddle a window's turn), three ways:
per account and client address, per account from anywhere, per client address. The
account-and-address limit is the lowest, so one address can never spend an account's own
(higher) limit: an attacker at one address locks only themselves out, not the real user.
"""

import hashlib
import math
import time
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render


@dataclass(frozen=True)
class Limits:
    account_address: int
    account: int
    address: int


def _limits() -> Limits:
    return Limits(
        account_address=settings.THROTTLE_PER_ACCOUNT_AND_ADDRESS,
        account=settings.THROTTLE_PER_ACCOUNT,
        address=settings.THROTTLE_PER_ADDRESS,
    )


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or the proxies' X-Forwarded-For entry we trust."""
    proxies = settings.THROTTLE_TRUSTED_PROXIES
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if proxies and len(forwarded) >= proxies:
        # Each proxy appends the address it saw: the entry our nearest proxies added.
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _keys(action: str, request, account: str, *, back: int = 0) -> dict[str, str]:
    """The counters' keys in the current window (or `back` windows before it)."""
    window = int(time.time() // settings.THROTTLE_WINDOW) - back
    account = (account or "").strip().casefold()
    address = client_address(request)

    def key(*parts: str) -> str:
        digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]
        return f"throttle:{action}:{window}:{digest}"

    return {
        "account_address": key("aa", account, address),
        "account": key("a", account),
        "address": key("d", address),
    }


def _seconds_left() -> int:
    window = settings.THROTTLE_WINDOW
    return int(window - time.time() % window) + 1


def wait_for(action: str, request, account: str) -> int:
    """Seconds until `account` may try `action` again from this client; 0 if it may now."""
    limits = _limits()
    now, before = _keys(action, request, account), _keys(action, request, account, back=1)
    counts = cache.get_many([*now.values(), *before.values()])
    # The previous window's attempts count too, so the turn of a window never hands out a
    # fresh allowance in the middle of a burst: a limit holds over 1-2 windows.
    for scope, key in now.items():
        if counts.get(key, 0) + counts.get(before[scope], 0) >= getattr(limits, scope):
            return _seconds_left()
    return 0


def record(action: str, request, account: str) -> None:
    """Count one attempt (a failed login; any sign-up or reset request)."""
    for key in _keys(action, request, account).values():
        cache.add(key, 0, timeout=settings.THROTTLE_WINDOW * 2)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr: count afresh
            cache.set(key, 1, timeout=settings.THROTTLE_WINDOW * 2)
        # The file cache's incr rewrites the entry with the default timeout: restore ours.
        cache.touch(key, settings.THROTTLE_WINDOW * 2)


def forget(action: str, request, account: str) -> None:
    """A successful login clears that account's count from this client."""
    for back in (0, 1):
        cache.delete(_keys(action, request, account, back=back)["account_address"])


def too_many_attempts(request, seconds: int):
    """The answer to a throttled request: 429, saying when to try again."""
    minutes = max(1, math.ceil(seconds / 60))
    response = render(
        request, "registration/too_many_attempts.html", {"minutes": minutes}, status=429
    )
    response["Retry-After"] = str(seconds)
    return response


def limited(action: str, field: str):
    """Count every POST to the view against the account in `field` and the client."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                account = request.POST.get(field, "")
                if wait := wait_for(action, request, account):
                    return too_many_attempts(request, wait)
                record(action, request, account)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
