"""Requests per API key per minute, counted in Django's cache (Redis when REDIS_URL is set).

As accounts.throttle does: fixed one-minute windows, the current one and the one before it
together, so a burst can't straddle a window's turn and get twice the allowance.
"""

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

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
