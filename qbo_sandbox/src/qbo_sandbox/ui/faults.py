"""The demo UI's fault switches page: add/clear faults, release hangs, token controls, and
the webhooks card (ui_webhooks)."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from qbo_sandbox.config import TOKEN_MODES
from qbo_sandbox.ui import pages
from qbo_sandbox.ui import webhooks as ui_webhooks

if TYPE_CHECKING:
    from qbo_sandbox.app import SandboxApp


def _number(text: str, kind: type = int) -> int | float | None:
    text = (text or "").strip()
    return kind(text) if text else None


def faults(app: SandboxApp, request: Request) -> Response:
    if request.method == "POST":
        try:
            message = _act(app, request.form)
        except ValueError as error:
            message = f"Not changed: {error}"
        return redirect(f"/ui/faults?{urlencode({'msg': message})}", code=303)
    return _page(app, request.args.get("msg", ""))


def _act(app: SandboxApp, form: dict) -> str:
    action = form.get("action", "")
    if action.startswith("webhooks_"):
        return ui_webhooks.act(app, action, form)
    if action == "add":
        rule = app.faults.add(
            form.get("path_regex", ""),
            form.get("kind", ""),
            count=_number(form.get("count", "")),
            percent=_number(form.get("percent", ""), float),
            status=_number(form.get("status", "")),
            seconds=_number(form.get("seconds", ""), float),
            method=form.get("method", "").strip() or None,
        )
        return f"Added fault {rule.id}"
    if action == "clear":
        app.faults.clear()
        return "Cleared all faults"
    if action.startswith("remove:"):
        app.faults.remove(int(action.split(":", 1)[1]))
        return "Removed the fault"
    if action == "release":
        app.faults.release()
        return "Released hung requests"
    if action == "token_mode":
        if form.get("mode") not in TOKEN_MODES:
            raise ValueError("unknown mode")
        app.state.oauth.mode = form["mode"]
        return f"Token mode is now {form['mode']}"
    return _token_action(app, action)


def _token_action(app: SandboxApp, action: str) -> str:
    verb, _, realm = action.partition(":")
    oauth = app.state.oauth
    handlers = {
        "expire_access": oauth.expire_access_tokens,
        "revoke": oauth.revoke_realm,
        "expire_refresh": oauth.expire_refresh_tokens,
    }
    if verb not in handlers:
        raise ValueError(f"unknown action {action}")
    count = handlers[verb](realm)
    app.state.touch()
    return f"{verb.replace('_', ' ').capitalize()}: {count} grant(s) of {realm}"


def _page(app: SandboxApp, message: str) -> Response:
    rows = "\n".join(
        "<tr>"
        + "".join(
            f"<td>{escape(str(rule[key] if rule[key] is not None else ''))}</td>"
            for key in (
                "id",
                "method",
                "path_regex",
                "kind",
                "status",
                "seconds",
                "count",
                "percent",
                "hits",
            )
        )
        + f'<td><form method="post" class="inline"><button type="submit" name="action" '
        f'value="remove:{rule["id"]}">Remove</button></form></td></tr>'
        for rule in app.faults.rules()
    )
    current = app.state.oauth.mode
    mode_options = "".join(
        f'<option value="{mode}"{" selected" if mode == current else ""}>{mode}</option>'
        for mode in TOKEN_MODES
    )
    token_rows = "\n".join(
        f"<tr><td>{escape(c.name)}</td><td>{escape(c.realm_id)}</td><td>"
        + "".join(
            f'<form method="post" class="inline"><button type="submit" name="action" '
            f'value="{verb}:{escape(c.realm_id)}">{label}</button></form> '
            for verb, label in (
                ("expire_access", "Expire access tokens"),
                ("expire_refresh", "Expire refresh tokens"),
                ("revoke", "Revoke tokens"),
            )
        )
        + "</td></tr>"
        for c in app.state.all_companies()
    )
    content = pages.fill(
        "faults.html",
        rows=rows,
        mode_options=mode_options,
        token_rows=token_rows,
        webhooks=ui_webhooks.card(app),
    )
    return pages.page("Fault switches", content, message=message)
