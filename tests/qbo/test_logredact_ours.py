"""Our own secret shapes (API keys, webhook signing secrets, URL userinfo) never reach a log."""

import logging
import secrets

import pytest

from api.keys import KEY_PATTERN
from events.signing import new_secret
from qbo.logredact import RedactSecretsFilter


def _filtered(message: str, *args) -> str:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, message, args, None)
    assert RedactSecretsFilter().filter(record)
    return record.getMessage()


def test_an_api_key_is_masked_but_its_public_prefix_stays_readable():
    prefix = "AbC123dEf456"
    key = f"qbs_{prefix}_{secrets.token_urlsafe(32)}"  # the shape api.keys.create_key makes
    assert KEY_PATTERN.fullmatch(key)
    secret = key[len("qbs_") + len(prefix) + 1 :]
    out = _filtered("auth failed for %s (header X-Key %s)", key, key)
    assert secret not in out
    assert f"qbs_{prefix}_[REDACTED]" in out


def test_a_webhook_signing_secret_is_masked():
    secret = new_secret()
    out = _filtered("endpoint 3 signs with %s", secret)
    assert secret.removeprefix("whsec_") not in out
    assert "whsec_[REDACTED]" in out


@pytest.mark.parametrize(
    "url",
    [
        "https://alice:s3cr3t-pa55@hooks.example.com/in",
        "http://bob:hunter2xyz@10.0.0.1:8080/x",
        "redis://:redispassword99@cache:6379/0",
    ],
)
def test_url_userinfo_is_masked(url):
    out = _filtered("POST %s failed", url)
    for part in ("s3cr3t-pa55", "hunter2xyz", "redispassword99", "alice", "bob"):
        assert part not in out
    assert "://[REDACTED]@" in out
