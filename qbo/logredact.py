"""Masks OAuth tokens and other secrets in every log record before any handler writes it.

requests_oauthlib, oauthlib and urllib3 log token requests and responses at DEBUG
("Obtained token {...}", "Prepared refresh token request body grant_type=...&refresh_token=...",
"Response ... content {...}"), and a traceback can carry an Authorization header. The filter
renders each record (message, arguments, exception text, stack) and masks:
- ``Bearer <x>`` and ``Basic <x>`` credentials;
- values of secret keys in JSON, Python reprs, form bodies and query strings;
- our own shapes: API keys (``qbs_<prefix>_<secret>``, the public prefix kept to trace the key),
  webhook signing secrets (``whsec_…``) and URL userinfo (``https://user:pass@host``);
- the configured client secret, webhook verifier token and key material, wherever they appear.
"""

import logging
import re
from functools import lru_cache

from django.utils.log import AdminEmailHandler

MASK = "[REDACTED]"

_CREDENTIAL = re.compile(r"(?i)\b(Bearer|Basic)(\s+|%20|\+)[A-Za-z0-9\-._~+/=%]{6,}")
# api/keys.py and events/signing.py shapes; the key's 12-character prefix is only a lookup.
_API_KEY = re.compile(r"\b(qbs_[A-Za-z0-9]{12}_)[A-Za-z0-9_-]{8,}")
_SIGNING_SECRET = re.compile(r"\b(whsec_)[A-Za-z0-9_-]{8,}")
# scheme://user:pass@host (endpoint URLs, broker/database URLs): the whole userinfo goes.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@'\"<>]+@")
# Keys whose value is always secret, in `"key": "v"`, `'key': 'v'`, `key=v` and `key: v` forms.
_SECRET_KEYS = (
    r"access_token|refresh_token|id_token|client_secret|verifier_token|password|"  # noqa: S105
    r"x_refresh_token|token|authorization|secret|api_key"
)
_SECRET_PAIR = re.compile(
    rf"""(?ix)
    (["']?)\b({_SECRET_KEYS})\1        # the key, optionally quoted
    (\s*[:=]\s*)                       # separator
    (["']?)([^"'&\s,;}}\]]+)           # the value
    """
)
# OAuth authorization codes and state: masked when long enough to be credentials, so that
# QBO's numeric Fault codes ("code": "6240") stay readable.
_LONG_PAIR = re.compile(r"""(?i)(["']?)\b(code|state)\1(\s*[:=]\s*)(["']?)([^"'&\s,;}\]]{16,})""")


def _mask_pair(match: re.Match) -> str:
    quote, key, sep, vquote, _value = match.groups()
    return f"{quote}{key}{quote}{sep}{vquote}{MASK}"


@lru_cache(maxsize=8)
def _secrets_from(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({v for v in values if len(v) >= 8}, key=len, reverse=True))


def _configured_secrets() -> tuple[str, ...]:
    """Secret values from settings, masked verbatim wherever they appear."""
    from django.conf import settings

    if not settings.configured:
        return ()
    values = [
        getattr(settings, "QBO_CLIENT_SECRET", ""),
        getattr(settings, "QBO_WEBHOOK_VERIFIER_TOKEN", ""),
        getattr(settings, "SECRET_KEY", ""),
    ]
    values += [
        entry.partition(":")[2] for entry in getattr(settings, "QBO_TOKEN_KEYS", "").split(",")
    ]
    return _secrets_from(tuple(values))


def redact(text: str) -> str:
    """Return text with every secret this module knows how to recognise masked."""
    if not text:
        return text
    text = _API_KEY.sub(rf"\1{MASK}", text)
    text = _SIGNING_SECRET.sub(rf"\1{MASK}", text)
    text = _USERINFO.sub(rf"\1{MASK}@", text)
    text = _CREDENTIAL.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    text = _SECRET_PAIR.sub(_mask_pair, text)
    text = _LONG_PAIR.sub(_mask_pair, text)
    for secret in _configured_secrets():
        text = text.replace(secret, MASK)
    return text


class RedactSecretsFilter(logging.Filter):
    """Attached to every handler: rewrites the record so no formatter sees a secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad %-format must not take logging down; show it masked
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            # Handlers that re-render exc_info (error emails list frame locals) must not
            # see the live objects; the masked text above is what they get.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class RedactingAdminEmailHandler(AdminEmailHandler):
    """Error emails, masked: the request's parameters (an OAuth code) and the traceback.

    The redaction filter has already turned the exception into masked text (exc_text) and
    dropped the live exception, so Django's report has no traceback of its own: add ours.
    """

    def emit(self, record: logging.LogRecord) -> None:
        self._traceback = record.exc_text or ""
        super().emit(record)

    def send_mail(self, subject, message, *args, **kwargs):
        if getattr(self, "_traceback", ""):
            message = f"{message}\n\nTraceback (masked):\n{self._traceback}"
        if kwargs.get("html_message"):
            kwargs["html_message"] = redact(kwargs["html_message"])
        super().send_mail(redact(subject), redact(message), *args, **kwargs)
