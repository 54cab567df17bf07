"""The sandbox's own clock, which the control API can move, and QBO time formats."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

try:
    # Sandbox companies are US companies; QBO stamps times in the company's zone.
    COMPANY_TZ = ZoneInfo("America/Los_Angeles")
except ZoneInfoNotFoundError:  # pragma: no cover - only on hosts without tzdata
    COMPANY_TZ = timezone(timedelta(hours=-8))


class Clock:
    """Wall-clock time plus an offset; tokens, throttling and timestamps all use it."""

    def __init__(self, offset_seconds: float = 0.0) -> None:
        self._offset = offset_seconds
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        return self._offset

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self._offset)

    def timestamp(self) -> float:
        return self.now().timestamp()

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._offset += seconds
        return self.now()

    def set(self, when: datetime) -> datetime:
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        with self._lock:
            self._offset = (when - datetime.now(UTC)).total_seconds()
        return self.now()

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0


def meta_time(moment: datetime) -> str:
    """MetaData times: seconds precision in the company's zone, e.g. 2015-07-24T10:35:08-07:00."""
    return moment.astimezone(COMPANY_TZ).replace(microsecond=0).isoformat()


def response_time(moment: datetime) -> str:
    """The envelope's `time`: milliseconds, e.g. 2015-07-23T11:04:15.496-07:00."""
    return moment.astimezone(COMPANY_TZ).isoformat(timespec="milliseconds")


def company_date(moment: datetime) -> date:
    return moment.astimezone(COMPANY_TZ).date()


def parse_moment(text: str) -> datetime | None:
    """Parse a QBO date or date-time; dates mean midnight in the company's zone."""
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=COMPANY_TZ)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=COMPANY_TZ)
