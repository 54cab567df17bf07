"""DRF authentication by API key (Authorization: Bearer qbs_...), scoped to its company."""

from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions, permissions

from api import keys
from api.models import ApiKey


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, key = header.partition(" ")
        if scheme != self.keyword or not key.strip():
            raise exceptions.AuthenticationFailed(
                "Send the key as “Authorization: Bearer <API key>”.", code="invalid_key"
            )
        try:
            api_key = keys.check_key(key.strip())
        except keys.KeyRefused as refused:
            raise exceptions.AuthenticationFailed(refused.message, code=refused.code) from None
        # request.user stays anonymous: the key acts for its company, not for a person.
        return (AnonymousUser(), api_key)

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


class HasApiKey(permissions.BasePermission):
    message = "Send an API key: “Authorization: Bearer <API key>”."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiKey)
