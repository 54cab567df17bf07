"""Requests per API key per minute, and failed key checks per client address, counted in
Django's cache (Redis when REDIS_URL is set).

As accounts.throttle does: fixed windows (a minute for requests, THROTTLE_WINDOW for
failures), the current one and the one before it together, so a burst can't straddle a
window's turn and get twice the allowance.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from accounts.throttle import client_address
from api.models import ApiKey

WINDOW = 60


def _key(api_key_id: int, window: int) -> str:
    return f"throttle:api:{api_key_id}:{window}"


def seconds_left() -> int:
    return int(WINDOW - time.time() % WINDOW) + 1


def take(api_key_id: int, limit: int) -> bool:
    """Count one request; False (not counted) if the key has used its allowance."""
    window = int(time.time() // WINDOW)
    now, before = _key(api_key_id, window), _key(api_key_id, window - 1)
    counts = cache.get_many([now, before])
    if counts.get(now, 0) + counts.get(before, 0) >= limit:
        return False
    cache.add(now, 0, timeout=WINDOW * 2)
    try:
        cache.incr(now)
    except ValueError:  # expired between add and incr
        cache.set(now, 1, timeout=WINDOW * 2)
    return True


class ApiKeyRateThrottle(BaseThrottle):
    """Refuses with 429 and Retry-After once a key has made API_RATE_PER_MINUTE requests."""

    def allow_request(self, request, view) -> bool:
        if not isinstance(request.auth, ApiKey):
            return True  # refused by authentication anyway
        return take(request.auth.pk, settings.API_RATE_PER_MINUTE)

    def wait(self) -> int:
        return seconds_left()


# Failed key checks per client address: a guesser is held to the login pages' per-address
# allowance (THROTTLE_PER_ADDRESS in THROTTLE_WINDOW), so the API is no side door to
# brute-force from. Successful requests are never counted.
def _failure_key(address: str, window: int) -> str:
    digest = hashlib.sha256(address.encode()).hexdigest()[:32]
    return f"throttle:api-auth:{window}:{digest}"


def _failure_keys(request) -> tuple[str, str]:
    window = int(time.time() // settings.THROTTLE_WINDOW)
    address = client_address(request)
    return _failure_key(address, window), _failure_key(address, window - 1)


def failures_wait(request) -> int:
    """Seconds until this client address may present keys again; 0 if it may now."""
    now, before = _failure_keys(request)
    counts = cache.get_many([now, before])
    current, limit = counts.get(now, 0), settings.THROTTLE_PER_ADDRESS
    # The previous window counts too, as for logins: a burst can't straddle the turn.
    if current + counts.get(before, 0) < limit:
        return 0
    window = settings.THROTTLE_WINDOW
    left = int(window - time.time() % window) + 1
    # This window's failures alone still count through the next one: say so, not less.
    return left + window if current >= limit else left


def record_failure(request) -> None:
    """Count one refused key (malformed, unknown or wrong secret) from this address."""
    now, _ = _failure_keys(request)
    timeout = settings.THROTTLE_WINDOW * 2
    cache.add(now, 0, timeout=timeout)
    try:
        cache.incr(now)
    except ValueError:  # expired between add and incr
        cache.set(now, 1, timeout=timeout)
    # The file cache's incr rewrites the entry with the default timeout: restore ours.
    cache.touch(now, timeout)
