"""Logging in by email and password, with attempts limited (accounts.throttle)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from accounts import throttle


class ThrottledModelBackend(ModelBackend):
    """Django's ModelBackend, refusing without checking the password once too many failed.

    Every login form goes through authenticate() — the site's and the admin's — so the limit
    holds for both. A refusal marks the request; TooManyAttemptsMiddleware answers it.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return super().authenticate(request, username, password, **kwargs)
        account = username or kwargs.get(get_user_model().USERNAME_FIELD) or ""
        if wait := throttle.wait_for("login", request, account):
            request.throttle_wait = wait
            raise PermissionDenied  # authenticate() stops here: no other backend is asked
        user = super().authenticate(request, username, password, **kwargs)
        if user is None:
            throttle.record("login", request, account)
        else:
            throttle.forget("login", request, account)
        return user
