"""Signed webhook deliveries, as Intuit sends them, for the receiver's tests."""

import base64
import hashlib
import hmac
import json

URL = "/quickbooks/webhooks/"
VERIFIER = "qbsync-local-verifier"


def sign(body: bytes, token: str = VERIFIER) -> str:
    return base64.b64encode(hmac.new(token.encode(), body, hashlib.sha256).digest()).decode()


def cloud_events(realm: str, *events: tuple[str, str, str], data=None) -> bytes:
    return json.dumps(
        [
            {
                "specversion": "1.0",
                "id": f"evt-{realm}-{entity}-{entity_id}-{op}",
                "source": "intuit.test",
                "type": f"qbo.{entity}.{op}.v1",
                "datacontenttype": "application/json",
                "time": "2026-11-20T10:00:00.123456789Z",
                "intuitentityid": entity_id,
                "intuitaccountid": realm,
                "data": data or {},
            }
            for entity, entity_id, op in events
        ]
    ).encode()


def post(client, body: bytes, signature: str | None):
    headers = {} if signature is None else {"HTTP_INTUIT_SIGNATURE": signature}
    return client.post(URL, body, content_type="application/json", **headers)
