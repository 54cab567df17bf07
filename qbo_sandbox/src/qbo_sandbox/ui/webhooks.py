"""The webhooks card of the fault switches page: settings, pause/resume, chaos, the log."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from qbo_sandbox.config import WEBHOOK_FORMATS
from qbo_sandbox.feed.delivery import Chaos
from qbo_sandbox.ui import pages

if TYPE_CHECKING:
    from qbo_sandbox.app import SandboxApp

LOG_ROWS = 50


def act(app: SandboxApp, action: str, form: dict) -> str:
    """Apply one of the card's buttons; returns the notice to show."""
    dispatcher = app.webhooks
    if action in ("webhooks_pause", "webhooks_resume"):
        dispatcher.pause(action == "webhooks_pause")
        return "Webhook delivery paused" if dispatcher.paused else "Webhook delivery resumed"
    if action == "webhooks_flush":
        done = dispatcher.flush(timeout=10.0)
        return "Delivered what was waiting" if done else "Still delivering"
    if action == "webhooks_clear_log":
        dispatcher.log.clear()
        return "Cleared the delivery log"
    if action == "webhooks_settings":
        dispatcher.configure(
            url=form.get("webhook_url", "").strip(),
            format=form.get("webhook_format") or None,
            window=form.get("webhook_window", "").strip() or None,
        )
        return "Saved webhook settings"
    if action == "webhooks_chaos":
        percent = {kind: float(form.get(kind) or 0) for kind in Chaos.KINDS}
        dispatcher.set_chaos(**percent)
        return "Set delivery chaos"
    raise ValueError(f"unknown action {action}")


def card(app: SandboxApp) -> str:
    status = app.webhooks.status()
    queued = sum(q["pending_events"] for q in status["queued"].values())
    waiting = sum(q["deliveries"] for q in status["queued"].values())
    current = status["format"]
    return pages.fill(
        "webhooks.html",
        state="paused" if status["paused"] else "running",
        queued=f"{queued} event(s) gathering, {waiting} delivery(ies) waiting.",
        toggle_action="webhooks_resume" if status["paused"] else "webhooks_pause",
        toggle_label="Resume delivery" if status["paused"] else "Pause delivery",
        url=escape(status["url"] or ""),
        format_options="".join(
            f'<option value="{fmt}"{" selected" if fmt == current else ""}>{fmt}</option>'
            for fmt in WEBHOOK_FORMATS
        ),
        window=escape(str(status["window"])),
        drop=_percent(status["chaos"]["drop"]),
        duplicate=_percent(status["chaos"]["duplicate"]),
        reorder=_percent(status["chaos"]["reorder"]),
        log_rows=_rows(app),
    )


def _rows(app: SandboxApp) -> str:
    entries = app.webhooks.log.entries(limit=LOG_ROWS)
    return "\n".join(_row(entry) for entry in reversed(entries))


def _row(entry: dict) -> str:
    result = str(entry["status"]) if entry["status"] is not None else (entry["error"] or "")
    events = ", ".join(entry["entities"])
    return (
        f"<tr><td>{escape(entry['time'])}</td><td>{escape(entry['realm'])}</td>"
        f"<td>{entry['delivery']}</td><td>{entry['attempt']}</td><td>{escape(events)}</td>"
        f"<td>{escape(result)}</td><td>{escape(entry['chaos'] or '')}</td></tr>"
    )


def _percent(value: float) -> str:
    return f"{value:g}"
