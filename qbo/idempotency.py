"""Requestids that make a write to QuickBooks happen once.

QBO stores the answer to each requestid and replays it to a repeated request (for about a
day): a retry that sends the same requestid can't create a second object. Ids are derived
from what is being written, so every retry, in any process, sends the same one.

Reference: https://developer.intuit.com/app/developer/qbo/docs/develop/rest-api-features#idempotency
"""

import uuid

# Fixed forever: changing it would give every in-flight write a new id.
NAMESPACE = uuid.UUID("6f1d9a64-7c0e-4f9b-9a57-0b5b2f4a1c11")


def derived_request_id(*parts: object) -> str:
    """A requestid (36 characters, under Intuit's 50) derived from the parts."""
    return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts)))
