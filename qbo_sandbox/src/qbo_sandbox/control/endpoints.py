"""The control API for tests, benchmarks and the demo, under /_control behind X-Sandbox-Key.

JSON in, JSON out. Control requests are neither logged nor subject to injected faults.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from qbo_sandbox.books import errors, features, seed, wire
from qbo_sandbox.books.clock import response_time
from qbo_sandbox.books.store import Company
from qbo_sandbox.config import TOKEN_MODES

if TYPE_CHECKING:
    from qbo_sandbox.app import SandboxApp

KEY_HEADER = "X-Sandbox-Key"
C = "/_control"

RULES = [
    Rule(f"{C}/reset", endpoint="control.reset", methods=["POST"]),
    Rule(f"{C}/companies", endpoint="control.companies", methods=["GET", "POST"]),
    Rule(f"{C}/companies/<realm>/customers", endpoint="control.customers", methods=["POST"]),
    Rule(f"{C}/companies/<realm>/items", endpoint="control.items", methods=["POST"]),
    Rule(f"{C}/companies/<realm>/payments", endpoint="control.payments", methods=["POST"]),
    Rule(f"{C}/companies/<realm>/bundles", endpoint="control.bundles", methods=["POST"]),
    Rule(f"{C}/companies/<realm>/features", endpoint="control.features", methods=["GET", "POST"]),
    Rule(f"{C}/companies/<realm>/changes", endpoint="control.changes", methods=["GET"]),
    Rule(f"{C}/companies/<realm>/tokens/<action>", endpoint="control.tokens", methods=["POST"]),
    Rule(f"{C}/companies/<realm>/in-flight", endpoint="control.in_flight", methods=["GET"]),
    Rule(f"{C}/clock", endpoint="control.clock", methods=["GET", "POST"]),
    Rule(f"{C}/token-mode", endpoint="control.token_mode", methods=["GET", "POST"]),
    Rule(f"{C}/limits", endpoint="control.limits", methods=["GET", "POST"]),
    Rule(f"{C}/latency", endpoint="control.latency", methods=["GET", "POST"]),
    Rule(f"{C}/faults", endpoint="control.faults", methods=["GET", "POST", "DELETE"]),
    Rule(f"{C}/faults/release", endpoint="control.release", methods=["POST"]),
    Rule(f"{C}/faults/<int:fault_id>", endpoint="control.fault", methods=["DELETE"]),
    Rule(f"{C}/requests", endpoint="control.requests", methods=["GET", "DELETE"]),
]


def _json(body: object, status: int = 200) -> Response:
    return Response(wire.dumps(body), status=status, mimetype="application/json")


def request_json(request: Request) -> dict:
    try:
        body = json.loads(request.get_data(as_text=True) or "{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def guarded(handler: Callable) -> Callable:
    """Check the key, turn ControlError/ValueError into JSON errors."""

    def wrapper(app: SandboxApp, request: Request, **values: object) -> Response:
        given = request.headers.get(KEY_HEADER, "")
        if not hmac.compare_digest(given.encode(), app.config.control_key.encode()):
            return _json({"error": f"missing or wrong {KEY_HEADER} header"}, 401)
        try:
            return _json(handler(app, request, **values))
        except ControlError as error:
            return _json({"error": str(error)}, error.status)
        except (ValueError, TypeError) as error:
            return _json({"error": str(error)}, 400)
        except errors.QBOError as error:  # a rule the change broke (e.g. a name in use)
            return _json({"error": error.detail, "code": error.code}, 400)

    return wrapper


def company_of(app: SandboxApp, realm: str) -> Company:
    company = app.state.company(realm)
    if company is None:
        raise ControlError(f"no company {realm}", 404)
    return company


def _describe(company: Company) -> dict:
    with company.lock:
        counts = {entity: len(rows) for entity, rows in company.tables.items()}
    return {"realm_id": company.realm_id, "name": company.name, "counts": counts}


def reset(app: SandboxApp, request: Request) -> dict:
    """Forget everything (companies, tokens, faults, log, clock, limits, token mode, webhook
    queues and settings), then start like a fresh run."""
    app.state.reset()
    app.state.clock.reset()
    app.faults.clear()
    app.log.clear()
    app.throttle.clear()
    app.webhooks.reset()
    app.state.oauth.mode = app.config.token_mode
    for key, value in vars(app.initial_limits).items():
        setattr(app.config.limits, key, value)
    app.latency.set_scale(app.config.latency_scale)
    if request_json(request).get("default_company", True):
        app.create_default_company()
    return {"companies": [_describe(c) for c in app.state.all_companies()]}


def companies(app: SandboxApp, request: Request) -> dict:
    if request.method == "GET":
        return {"companies": [_describe(c) for c in app.state.all_companies()]}
    body = request_json(request)
    company = seed.create_company(
        app.state,
        body.get("name"),
        country=body.get("country", "US"),
        custom_txn_numbers=bool(body.get("custom_txn_numbers", False)),
        seed=bool(body.get("seed", True)),
        features=_features_of(body.get("features")),
    )
    return {"realm_id": company.realm_id, "name": company.name}


def _features_of(value: object) -> dict | None:
    if value is not None and not isinstance(value, dict):
        raise ControlError("features must be an object")
    return value or None


def _created(ids: list[str]) -> dict:
    """What a seeding call answers: how many it made, and the first and last Ids."""
    return {
        "created": len(ids),
        "first_id": ids[0] if ids else None,
        "last_id": ids[-1] if ids else None,
    }


def items(app: SandboxApp, request: Request, realm: str) -> dict:
    """Add generated items (and their categories): {"count": N, "inactive_every": k}."""
    body = request_json(request)
    count, inactive_every = int(body.get("count", 0)), int(body.get("inactive_every", 0))
    if count < 0 or inactive_every < 0:
        raise ControlError("count and inactive_every must be >= 0")
    ids = seed.seed_items(app.state, company_of(app, realm), count, inactive_every=inactive_every)
    return _created(ids)


def company_features(app: SandboxApp, request: Request, realm: str) -> dict:
    """GET: the company's Preferences and currencies; POST: apply features (see README)."""
    company = company_of(app, realm)
    if request.method == "POST":
        features.apply_features(app.state, company, _features_of(request_json(request)) or {})
    currencies = [
        {"code": row["Code"], "active": row["Active"]} for row in company.rows("CompanyCurrency")
    ]
    return {"preferences": company.get("Preferences", "1"), "currencies": currencies}


def customers(app: SandboxApp, request: Request, realm: str) -> dict:
    count = int(request_json(request).get("count", 0))
    if count < 0:
        raise ControlError("count must be >= 0")
    ids = seed.seed_customers(app.state, company_of(app, realm), count)
    return _created(ids)


def payments(app: SandboxApp, request: Request, realm: str) -> dict:
    """Add generated invoices, each with its payment: {"count": N}."""
    count = int(request_json(request).get("count", 0))
    if count < 0:
        raise ControlError("count must be >= 0")
    ids = seed.seed_payments(app.state, company_of(app, realm), count)
    return _created(ids)


def bundles(app: SandboxApp, request: Request, realm: str) -> dict:
    """Add a bundle (a Group item, which QBO's API can't create):
    {"name", "components": [{"item": id, "qty": n}], "description", "sku"}."""
    body = request_json(request)
    components = body.get("components")
    if not isinstance(components, list) or not all(isinstance(c, dict) for c in components):
        raise ControlError("components must be a list of {item, qty}")
    item = seed.seed_bundle(
        app.state,
        company_of(app, realm),
        str(body.get("name", "")),
        components,
        description=str(body.get("description", "")),
        sku=str(body.get("sku", "")),
    )
    return {"Item": item}


def changes(app: SandboxApp, request: Request, realm: str) -> dict:
    company = company_of(app, realm)
    with company.lock:
        rows = list(company.changes)
    entity = request.args.get("entity")
    return {
        "changes": [
            {
                "entity": c.entity,
                "id": c.id,
                "operation": c.operation,
                "time": response_time(c.time),
                "merged_id": c.merged_id,
                "source": c.source,
            }
            for c in rows
            if entity is None or c.entity == entity
        ]
    }


def tokens(app: SandboxApp, request: Request, realm: str, action: str) -> dict:
    oauth = app.state.oauth
    actions = {
        "expire-access": oauth.expire_access_tokens,
        "expire-refresh": oauth.expire_refresh_tokens,
        "revoke": oauth.revoke_realm,
    }
    if action not in actions:
        raise ControlError(f"unknown token action {action}", 404)
    affected = actions[action](realm)
    app.state.touch()
    return {"affected": affected}


def in_flight(app: SandboxApp, request: Request, realm: str) -> dict:
    return {"in_flight": app.throttle.in_flight(realm)}


def clock(app: SandboxApp, request: Request) -> dict:
    body = request_json(request) if request.method == "POST" else {}
    if "advance" in body:
        app.state.clock.advance(float(body["advance"]))
    elif "set" in body:
        app.state.clock.set(datetime.fromisoformat(str(body["set"]).replace("Z", "+00:00")))
    now = app.state.clock.now()
    return {"now": now.isoformat(), "offset": app.state.clock.offset}


def token_mode(app: SandboxApp, request: Request) -> dict:
    if request.method == "POST":
        mode = request_json(request).get("mode")
        if mode not in TOKEN_MODES:
            raise ControlError(f"mode must be one of {TOKEN_MODES}")
        app.state.oauth.mode = mode
    return {"mode": app.state.oauth.mode}


LIMIT_NAMES = (
    "requests_per_minute",
    "max_concurrent",
    "batch_requests_per_minute",
    "requests_per_second",
)


def limits(app: SandboxApp, request: Request) -> dict:
    current = app.config.limits
    if request.method == "POST":
        body = request_json(request)
        for key in LIMIT_NAMES:
            if body.get(key) is not None:
                value = int(body[key])
                if value < 1:
                    raise ControlError(f"{key} must be >= 1")
                setattr(current, key, value)
    return {key: getattr(current, key) for key in LIMIT_NAMES}


def latency(app: SandboxApp, request: Request) -> dict:
    """The latency model: GET describes it, POST {"scale": s} sets it (0 turns it off)."""
    if request.method == "POST":
        scale = request_json(request).get("scale")
        try:
            app.latency.set_scale(float(scale))
        except (TypeError, ValueError):
            raise ControlError("scale must be a number >= 0") from None
    return app.latency.describe()


def faults(app: SandboxApp, request: Request) -> dict:
    if request.method == "DELETE":
        app.faults.clear()
    elif request.method == "POST":
        body = request_json(request)
        rule = app.faults.add(
            str(body.get("path_regex", "")),
            str(body.get("kind", "")),
            count=body.get("count"),
            percent=body.get("percent"),
            status=body.get("status"),
            seconds=body.get("seconds"),
            method=body.get("method"),
        )
        return rule.describe()
    return {"faults": app.faults.rules()}


def fault(app: SandboxApp, request: Request, fault_id: int) -> dict:
    if not app.faults.remove(fault_id):
        raise ControlError(f"no fault {fault_id}", 404)
    return {"removed": fault_id}


def release(app: SandboxApp, request: Request) -> dict:
    app.faults.release()
    return {"released": True}


def requests_log(app: SandboxApp, request: Request) -> dict:
    if request.method == "DELETE":
        app.log.clear()
        return {"requests": []}
    args = request.args
    limit = int(args["limit"]) if args.get("limit") else None
    return {
        "requests": app.log.entries(
            realm=args.get("realm"),
            path=args.get("path"),
            method=args.get("method"),
            requestid=args.get("requestid"),
            limit=limit,
        )
    }


HANDLERS = {
    f"control.{name}": guarded(func)
    for name, func in {
        "reset": reset,
        "companies": companies,
        "customers": customers,
        "items": items,
        "payments": payments,
        "bundles": bundles,
        "features": company_features,
        "changes": changes,
        "tokens": tokens,
        "in_flight": in_flight,
        "clock": clock,
        "token_mode": token_mode,
        "limits": limits,
        "latency": latency,
        "faults": faults,
        "fault": fault,
        "release": release,
        "requests": requests_log,
    }.items()
}
