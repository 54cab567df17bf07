"""Encryption of OAuth tokens at rest: AES-256-GCM, keys from the environment, bound to a company.

A stored value reads ``v1:<key id>:<base64url(nonce + ciphertext)>``. The associated data is
``qbsync:<company id>:<field>``, so a ciphertext copied to another company's row, or to the
other token field, fails to decrypt. Keys come from QBO_TOKEN_KEYS (``id:base64key,...``,
newest first): new values use the first key, any listed key decrypts, and
``manage.py rotate_token_keys`` re-encrypts old values under the first. Every failure raises
TokenDecryptError; the ciphertext is never handed on as if it were a token.
"""

import base64
import binascii
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ImproperlyConfigured

from qbo.conf import qbo_settings
from qbo.errors import ReconnectNeeded

VERSION = "v1"
NONCE_BYTES = 12


class TokenDecryptError(ReconnectNeeded):
    """A stored token could not be decrypted (wrong key, wrong row, or tampered).

    A ReconnectNeeded: nothing but a new grant makes the connection work again."""

    def __init__(self, message: str):
        super().__init__(f"The stored QuickBooks tokens can't be read ({message}); reconnect")


@dataclass(frozen=True)
class Keyring:
    primary_id: str
    keys: dict[str, bytes]


def _decode_key(key_id: str, encoded: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"QBO_TOKEN_KEYS: key {key_id!r} is not base64") from exc
    if len(key) != 32:
        raise ImproperlyConfigured(f"QBO_TOKEN_KEYS: key {key_id!r} must be 32 bytes")
    return key


@lru_cache(maxsize=4)
def _parse_keyring(spec: str) -> Keyring:
    keys: dict[str, bytes] = {}
    for entry in (part.strip() for part in spec.split(",")):
        key_id, sep, encoded = entry.partition(":")
        if not entry or not sep or not key_id or ":" in encoded:
            raise ImproperlyConfigured("QBO_TOKEN_KEYS entries look like id:base64key")
        if key_id in keys:
            raise ImproperlyConfigured(f"QBO_TOKEN_KEYS: key id {key_id!r} is listed twice")
        keys[key_id] = _decode_key(key_id, encoded)
    if not keys:
        raise ImproperlyConfigured("QBO_TOKEN_KEYS is empty")
    return Keyring(primary_id=next(iter(keys)), keys=keys)


def keyring() -> Keyring:
    return _parse_keyring(qbo_settings.TOKEN_KEYS)


def _associated_data(company_id: int, field: str) -> bytes:
    return f"qbsync:{company_id}:{field}".encode()


def encrypt(plaintext: str, *, company_id: int, field: str) -> str:
    """Encrypt a token for one company's row and field under the primary key."""
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring.keys[ring.primary_id]).encrypt(
        nonce, plaintext.encode(), _associated_data(company_id, field)
    )
    payload = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
    return f"{VERSION}:{ring.primary_id}:{payload}"


def decrypt(stored: str, *, company_id: int, field: str) -> str:
    """Decrypt a stored value; raises TokenDecryptError on any mismatch or damage."""
    version, _, rest = stored.partition(":")
    key_id, _, payload = rest.partition(":")
    key = keyring().keys.get(key_id)
    if version != VERSION or key is None or not payload:
        raise TokenDecryptError(f"unreadable token for company {company_id} (key {key_id!r})")
    try:
        blob = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        plain = AESGCM(key).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], _associated_data(company_id, field)
        )
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise TokenDecryptError(f"token for company {company_id} failed to decrypt") from exc
    return plain.decode()


def key_id_of(stored: str) -> str:
    return stored.split(":", 2)[1] if stored.count(":") >= 2 else ""


def needs_rotation(stored: str) -> bool:
    return bool(stored) and key_id_of(stored) != keyring().primary_id
