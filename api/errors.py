"""Every API error as JSON: a stable code, a message and the field it is about.

    {"code": "invalid", "field": "lines[1].quantity", "message": "...", "errors": [...]}

The top level is the first error; "errors" lists them all, each with the same three keys.
"""

from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

# DRF's codes for a field that is missing or empty, spelled as the API documents them.
CODES = {"required": "required", "null": "required", "blank": "required"}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The request conflicts with the current state."

    def __init__(self, detail: str, code: str, **extra):
        super().__init__(detail, code)
        self.extra = extra


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "body_too_large"
    default_detail = "The request body is too large."


def flatten(detail, field: str = "") -> list[dict]:
    """DRF's nested error detail as a flat list of {code, field, message}."""
    if isinstance(detail, dict):
        found = []
        for name, inner in detail.items():
            if name in ("non_field_errors", "__all__"):
                found += flatten(inner, field)
            elif isinstance(name, int):  # a ListField's errors, by index
                found += flatten(inner, f"{field}[{name}]")
            else:
                found += flatten(inner, f"{field}.{name}" if field else str(name))
        return found
    if isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail | str) for item in detail):
            return [e for item in detail for e in flatten(item, field)]
        return [e for n, item in enumerate(detail) for e in flatten(item, f"{field}[{n}]")]
    code = getattr(detail, "code", None) or "invalid"
    return [{"code": CODES.get(code, code), "field": field or None, "message": str(detail)}]


def error_body(exc: exceptions.APIException) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten(exc.detail)
    else:
        errors = [{"code": exc.get_codes(), "field": None, "message": str(exc.detail)}]
        if isinstance(exc, exceptions.Throttled):
            errors[0]["code"] = "rate_limited"
    if not errors:
        errors = [{"code": "invalid", "field": None, "message": "The request is not valid."}]
    errors[0].update(getattr(exc, "extra", {}))
    return {**errors[0], "errors": errors}


def exception_handler(exc, context):
    """DRF's handler (404s, 403s, headers such as Retry-After), with our body."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not an API error: a real 500, reported as usual
    api_exc = exc if isinstance(exc, exceptions.APIException) else _as_api_exception(exc)
    response.data = error_body(api_exc)
    return response


def _as_api_exception(exc) -> exceptions.APIException:
    # DRF answers Django's Http404 and PermissionDenied as these.
    if isinstance(exc, Http404):
        return exceptions.NotFound("Not found.")
    return exceptions.PermissionDenied()


def error_response(exc: exceptions.APIException) -> Response:
    """The answer for `exc` outside DRF's handler (the idempotency layer stores it)."""
    headers = {}
    if isinstance(exc, exceptions.Throttled) and exc.wait:
        headers["Retry-After"] = str(int(exc.wait))
    return Response(error_body(exc), status=exc.status_code, headers=headers)
