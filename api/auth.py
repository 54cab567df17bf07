"""DRF authentication by API key (Authorization: Bearer qbs_...), scoped to its company.

Refused keys are counted per client address (api.throttle): past the allowance the address
gets 429 for every key, a valid one too, until the window passes.
"""

import math

from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions, permissions

from accounts.models import Membership
from api import keys, throttle
from api.models import ApiKey

# The order actions the pages keep for owners and admins (invoicing.views.manager_required):
# a key acting as a member may not do them either.
MANAGER_ACTIONS = frozenset({"cancel", "credits", "refunds"})
# Refusals that say nothing of guessing: a real key, revoked or orphaned, isn't counted.
COUNTED = frozenset({"invalid_key"})


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        if wait := throttle.failures_wait(request):
            minutes = max(1, math.ceil(wait / 60))
            raise exceptions.Throttled(
                wait,
                f"Too many refused API keys from your address: try again in {minutes} "
                f"minute{'s' if minutes != 1 else ''}.",
            )
        scheme, _, key = header.partition(" ")
        if scheme != self.keyword or not key.strip():
            throttle.record_failure(request)
            raise exceptions.AuthenticationFailed(
                "Send the key as “Authorization: Bearer <API key>”.", code="invalid_key"
            )
        try:
            api_key = keys.check_key(key.strip())
        except keys.KeyRefused as refused:
            if refused.code in COUNTED:
                throttle.record_failure(request)
            raise exceptions.AuthenticationFailed(refused.message, code=refused.code) from None
        # request.user stays anonymous: the key acts for its company, not for a person.
        return (AnonymousUser(), api_key)

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


class HasApiKey(permissions.BasePermission):
    message = "Send an API key: “Authorization: Bearer <API key>”."

    def has_permission(self, request, view) -> bool:
        if not isinstance(request.auth, ApiKey):
            return False
        if getattr(view, "action", None) in MANAGER_ACTIONS and not _manages(request.auth):
            raise exceptions.PermissionDenied(
                "This API key acts as a member (its creator's role): only keys made by "
                "owners or admins may cancel, credit or refund.",
                code="managers_only",
            )
        return True


def _manages(api_key: ApiKey) -> bool:
    return getattr(api_key, "role", keys.KEY_ROLE) in (
        Membership.Role.OWNER,
        Membership.Role.ADMIN,
    )
