"""Project-wide response policies."""

from django.utils.cache import add_never_cache_headers


class NoStoreForAuthenticatedMiddleware:
    """Pages for a signed-in user carry company data: no shared or browser cache may keep them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
