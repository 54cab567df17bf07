"""Saving state to --data and loading it back: atomic (temp file + rename), periodic, on exit."""

from __future__ import annotations

import base64
import json
import logging
import os
import tempfile
import threading
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from qbo_sandbox.books.store import Change, Company, Reply, SandboxState

logger = logging.getLogger(__name__)
FORMAT = 1


def _encode(value: object) -> object:
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _decode(obj: dict) -> object:
    if len(obj) == 1 and "$decimal" in obj:
        return Decimal(obj["$decimal"])
    return obj


def snapshot(state: SandboxState) -> dict:
    companies = state.all_companies()
    return {
        "format": FORMAT,
        "clock_offset": state.clock.offset,
        "realm_counter": state.realm_counter,
        "companies": [_company(company) for company in companies],
        "oauth": state.oauth.snapshot(),
    }


def _company(company: Company) -> dict:
    with company.lock:
        return {
            "realm_id": company.realm_id,
            "name": company.name,
            "created": company.created.isoformat(),
            "tables": {entity: list(rows.values()) for entity, rows in company.tables.items()},
            "counters": dict(company.counters),
            "changes": [
                [c.entity, c.id, c.operation, c.time.isoformat(), c.merged_id, c.source]
                for c in company.changes
            ],
            "replies": [
                [key, r.status, base64.b64encode(r.body).decode(), r.content_type, r.stored_at]
                for key, r in company.replies.items()
            ],
        }


def restore(state: SandboxState, data: dict) -> None:
    if data.get("format") != FORMAT:
        raise ValueError(f"unknown data format {data.get('format')}")
    state.clock.reset()
    state.clock.advance(float(data.get("clock_offset", 0.0)))
    state.realm_counter = int(data.get("realm_counter", 0))
    for saved in data.get("companies", []):
        company = Company(
            saved["realm_id"], saved["name"], datetime.fromisoformat(saved["created"])
        )
        for entity, rows in saved["tables"].items():
            for row in rows:
                company.tables[entity][row["Id"]] = row
                company.reindex(entity, None, row)
        company.counters.update(saved["counters"])
        company.changes = [
            Change(e, i, op, datetime.fromisoformat(t), merged, source)
            for e, i, op, t, merged, source in saved["changes"]
        ]
        company.replies = {
            key: Reply(status, base64.b64decode(body), ctype, stored)
            for key, status, body, ctype, stored in saved["replies"]
        }
        state.companies[company.realm_id] = company
    state.oauth.restore(data.get("oauth", {}))


def save(state: SandboxState, path: str | Path) -> None:
    """Write to a temporary file next to the target, fsync, then rename over it."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(snapshot(state), default=_encode, separators=(",", ":"))
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def load(state: SandboxState, path: str | Path) -> bool:
    target = Path(path)
    if not target.exists():
        return False
    restore(state, json.loads(target.read_text(encoding="utf-8"), object_hook=_decode))
    return True


class Saver:
    """Saves every `interval` seconds when something changed, and once more on stop."""

    def __init__(
        self, state: SandboxState, path: str | Path, *, saved: bool, interval: float = 2.0
    ) -> None:
        """`saved`: the file already holds this state (it was just loaded from it)."""
        self.state = state
        self.path = path
        self.interval = interval
        self._saved_version = state.version if saved else -1
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="qbo-sandbox-saver", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def save_if_changed(self) -> None:
        version = self.state.version
        if version != self._saved_version:
            save(self.state, self.path)
            self._saved_version = version

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.save_if_changed()
            except Exception:
                logger.exception("could not save sandbox state to %s", self.path)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.save_if_changed()
