"""OpenID id_tokens: RS256-signed with a key generated at start-up, published as a JWKS.

intuit-oauth verifies an id_token against the discovery `jwks_uri`, `issuer` and client_id
(and PyJWT checks iat/exp against the real wall clock), so the sandbox either signs
properly or sends none.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ID_TOKEN_TTL = 3600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int_b64(number: int) -> str:
    return _b64(number.to_bytes((number.bit_length() + 7) // 8, "big"))


class SigningKey:
    """An RSA key made on first use (generation takes ~0.1 s, so not at import)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: rsa.RSAPrivateKey | None = None
        self.kid = uuid.uuid4().hex[:20]

    def _private(self) -> rsa.RSAPrivateKey:
        with self._lock:
            if self._key is None:
                self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            return self._key

    def jwks(self) -> dict:
        numbers = self._private().public_key().public_numbers()
        jwk = {
            "kty": "RSA",
            "e": _int_b64(numbers.e),
            "use": "sig",
            "kid": self.kid,
            "alg": "RS256",
            "n": _int_b64(numbers.n),
        }
        return {"keys": [jwk]}

    def sign(self, claims: dict) -> str:
        header = {"kid": self.kid, "alg": "RS256"}
        signing_input = ".".join(
            _b64(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
        )
        signature = self._private().sign(
            signing_input.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        return f"{signing_input}.{_b64(signature)}"

    def id_token(self, *, issuer: str, client_id: str, sub: str, realm_id: str | None) -> str:
        # Real time, not the sandbox clock: verifiers compare iat/exp with their own clock.
        now = int(time.time())
        claims = {
            "sub": sub,
            "aud": [client_id],
            "realmid": realm_id,
            "auth_time": now,
            "iss": issuer,
            "exp": now + ID_TOKEN_TTL,
            "iat": now,
        }
        return self.sign(claims)
