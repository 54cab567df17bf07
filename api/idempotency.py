"""Idempotency-Key on every POST: the same key and request get the first answer again.

Two steps. First the key's row is inserted (or found) and committed, so every request with
that key meets the same row. Then, in one transaction, the row is locked, the work is done
and its answer stored: a second request with the key waits on the lock while the first is
still running, then replays its answer. A request that dies half-way rolls back its work
with it, leaving the row unanswered for the next attempt to do afresh.
"""

import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.response import Response

from api.errors import Conflict, error_response
from api.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255

# Refusals that say "try again in a moment": a retry with the same key must run again, not
# replay them for a day.
TRANSIENT = {"push_in_progress", "retry"}


def _key(request) -> str:
    key = request.headers.get(HEADER, "")
    if not key:
        raise exceptions.ValidationError(
            {HEADER: [exceptions.ErrorDetail(f"Send an {HEADER} header.", "required")]}
        )
    if len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise exceptions.ValidationError(
            {HEADER: [f"Use up to {MAX_KEY_LENGTH} printable ASCII characters."]}
        )
    return key


def fingerprint(request) -> str:
    """SHA-256 over the method, path and raw body."""
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.body):
        digest.update(part + b"\x00")
    return digest.hexdigest()


def key_of(request) -> str:
    return request.headers.get(HEADER, "")


def run_once(request, work: Callable[[], Response]) -> Response:
    """`work`'s answer, or the stored one for this Idempotency-Key."""
    key, company = _key(request), request.auth.company
    request_print = fingerprint(request)
    now = timezone.now()
    IdempotencyRecord.objects.bulk_create(
        [IdempotencyRecord(company=company, key=key, fingerprint=request_print, created_at=now)],
        ignore_conflicts=True,
    )
    try:
        with transaction.atomic():
            record = _lock(company, key)
            return _answer(record, request_print, now, work)
    except StillRunning:
        response = error_response(
            Conflict("A request with this Idempotency-Key is still running.", "in_progress")
        )
        response["Retry-After"] = "1"
        return response


class StillRunning(Exception):
    """The first request with this key held its row for longer than API_IDEMPOTENCY_WAIT."""


def _lock(company, key: str) -> IdempotencyRecord:
    """The key's row, locked for this transaction (waiting for a request that holds it)."""
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            wait_ms = int(settings.API_IDEMPOTENCY_WAIT * 1000)
            cursor.execute(f"SET LOCAL lock_timeout = {wait_ms}")
    try:
        record = IdempotencyRecord.objects.select_for_update().get(company=company, key=key)
    except OperationalError as exc:  # lock_timeout: only this wait, not the work after it
        raise StillRunning from exc
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = DEFAULT")
    return record


def _answer(record: IdempotencyRecord, request_print: str, now, work) -> Response:
    kept = timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
    if record.created_at < now - kept:
        # An expired key is a new key (the purge task deletes them hourly).
        record.fingerprint, record.state, record.created_at = (
            request_print,
            record.State.STARTED,
            now,
        )
    if record.fingerprint != request_print:
        raise Conflict(
            "This Idempotency-Key was used with a different request.",
            "idempotency_key_reused",
            field=HEADER,
        )
    if record.state == record.State.DONE:
        return Response(
            record.response_body, status=record.response_status, headers={REPLAYED: "true"}
        )
    try:
        response = work()
    except exceptions.APIException as exc:
        response = error_response(exc)
    code = response.data.get("code") if isinstance(response.data, dict) else None
    if response.status_code >= 500 or code in TRANSIENT:
        transaction.set_rollback(True)  # nothing kept: the next attempt runs afresh
        return response
    record.state = record.State.DONE
    record.response_status, record.response_body = response.status_code, response.data
    record.save()
    return response


def purge_expired() -> int:
    """Forget keys older than API_IDEMPOTENCY_HOURS."""
    cutoff = timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
