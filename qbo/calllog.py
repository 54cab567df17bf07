"""Writes the QuickBooks call log (qbo.models.QBOCall)."""

import logging

from django.db import transaction

from qbo.logredact import redact
from qbo.models import QBOCall

logger = logging.getLogger(__name__)


def record_call(
    *,
    company_id: int | None,
    operation: str,
    method: str,
    status_code: int | None,
    duration: float,
    request_id: str = "",
    intuit_tid: str = "",
    error: str = "",
) -> None:
    """One row per call to Intuit. A failure to log never fails the call itself."""
    try:
        # A savepoint, so a failed insert can't poison the caller's transaction.
        with transaction.atomic():
            QBOCall.objects.create(
                company_id=company_id,
                operation=operation[:100],
                method=method,
                status_code=status_code,
                duration_ms=max(0, round(duration * 1000)),
                request_id=request_id[:50],
                intuit_tid=intuit_tid[:100],
                error=redact(error)[:2000],
            )
    except Exception:
        logger.exception("could not record QuickBooks call %s %s", method, operation)
    log = logger.debug if status_code and status_code < 400 else logger.warning
    log(
        "qbo %s %s -> %s in %dms requestid=%s intuit_tid=%s",
        method,
        operation,
        status_code,
        duration * 1000,
        request_id,
        intuit_tid,
    )
