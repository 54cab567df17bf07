"""The Accounting API's JSON envelopes: an answer with `time`, a service Fault, replays."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from werkzeug.wrappers import Response

from qbo_sandbox.books import errors, wire
from qbo_sandbox.books.clock import response_time
from qbo_sandbox.books.store import Company, Reply

if TYPE_CHECKING:
    from qbo_sandbox.app import SandboxApp


# What QBO's API answers carry (minimul/qbo_api VCR cassettes, 2020-2022: every 200 answer);
# its Faults are plain `application/json` without them (spec/vcr/error/400_json.yml).
ANSWER_HEADERS = {
    "Cache-Control": "max-age=0, no-cache, no-store, must-revalidate, private",
    "Expires": "0",
}
ANSWER_TYPE = "application/json;charset=utf-8"


def json_body(app: SandboxApp, body: dict, status: int = 200) -> Response:
    body = {**body, "time": response_time(app.state.clock.now())}
    return Response(
        wire.dumps(body), status=status, headers=ANSWER_HEADERS, content_type=ANSWER_TYPE
    )


def fault_response(app: SandboxApp, error: errors.QBOError) -> Response:
    body = error.body(response_time(app.state.clock.now()))
    return Response(wire.dumps(body), status=error.status, mimetype="application/json")


def entity_response(app: SandboxApp, name: str, obj: dict) -> Response:
    return json_body(app, {name: obj})


def once(app: SandboxApp, company: Company, key: str, run: Callable[[], Response]) -> Response:
    """Same requestid for the same realm: the first successful response again, no new write."""
    with company.lock:
        reply = company.replies.get(key)
        if reply is not None:
            return Response(
                reply.body, reply.status, headers=ANSWER_HEADERS, content_type=reply.content_type
            )
        response = run()
        if response.status_code == 200:
            stored = Reply(
                200, response.get_data(), response.content_type, app.state.clock.timestamp()
            )
            company.remember_reply(key, stored)
        return response
