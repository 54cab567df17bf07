"""`qbo-sandbox` / `python -m qbo_sandbox`: serve the sandbox on a port."""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from qbo_sandbox.app import SandboxApp
from qbo_sandbox.books import persist, seed
from qbo_sandbox.books.store import SandboxState
from qbo_sandbox.config import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_CONTROL_KEY,
    DEFAULT_REDIRECT_URIS,
    DEFAULT_VERIFIER_TOKEN,
    TOKEN_MODES,
    WEBHOOK_FORMATS,
    Limits,
    SandboxConfig,
)
from qbo_sandbox.server import build_server

logger = logging.getLogger("qbo_sandbox")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="qbo-sandbox", description=__doc__)
    add = parser.add_argument
    add("--host", default="127.0.0.1")
    add("--port", type=int, default=8001)
    add("--client-id", default=DEFAULT_CLIENT_ID)
    add("--client-secret", default=DEFAULT_CLIENT_SECRET)
    add(
        "--redirect-uri",
        action="append",
        dest="redirect_uris",
        help=f"registered redirect URI (repeatable); default {DEFAULT_REDIRECT_URIS[0]}",
    )
    add("--verifier-token", default=DEFAULT_VERIFIER_TOKEN)
    add("--webhook-url", default="", help="where webhooks go (none by default)")
    add(
        "--webhook-window",
        type=float,
        default=5.0,
        help="seconds to gather events into one webhook delivery",
    )
    add("--webhook-format", choices=WEBHOOK_FORMATS, default="cloudevents")
    add(
        "--webhook-retry-scale",
        type=float,
        default=1.0,
        help="multiply Intuit's retry delays (10 s, 20 s, 30 s, 5 min, ...) by this",
    )
    add("--control-key", default=DEFAULT_CONTROL_KEY)
    add("--token-mode", choices=TOKEN_MODES, default="intuit")
    add("--requests-per-minute", type=int, default=500)
    add("--max-concurrent", type=int, default=10)
    add("--batch-requests-per-minute", type=int, default=40)
    add("--requests-per-second", type=int, default=10)
    add(
        "--latency-scale",
        type=float,
        default=1.0,
        help="multiply Intuit-like answer times (1: as Intuit, 0.1: ten times faster)",
    )
    add("--no-latency", action="store_true", help="answer at once (same as --latency-scale 0)")
    add("--data", default=None, help="JSON file to load state from and save it to")
    add("--seed", type=int, default=0, help="generated customers to add to a new first company")
    add("--seed-items", type=int, default=0, help="generated items to add to a new first company")
    return parser.parse_args(argv)


def build(args: argparse.Namespace) -> tuple[SandboxApp, bool]:
    config = SandboxConfig(
        client_id=args.client_id,
        client_secret=args.client_secret,
        redirect_uris=args.redirect_uris or list(DEFAULT_REDIRECT_URIS),
        verifier_token=args.verifier_token,
        control_key=args.control_key,
        token_mode=args.token_mode,
        limits=Limits(
            args.requests_per_minute,
            args.max_concurrent,
            args.batch_requests_per_minute,
            args.requests_per_second,
        ),
        webhook_url=args.webhook_url or None,
        webhook_window=args.webhook_window,
        webhook_format=args.webhook_format,
        webhook_retry_scale=args.webhook_retry_scale,
        data_path=args.data,
        seed_customers=args.seed,
        seed_items=args.seed_items,
        default_company=False,
        latency_scale=0.0 if args.no_latency else args.latency_scale,
    )
    state = SandboxState(token_mode=config.token_mode)
    loaded = bool(config.data_path) and persist.load(state, config.data_path)
    app = SandboxApp(config, state)
    if not state.companies:
        app.create_default_company()
    elif not loaded:
        first = next(iter(state.companies.values()))
        if args.seed:
            seed.seed_customers(state, first, args.seed)
        if args.seed_items:
            seed.seed_items(state, first, args.seed_items, source="seed")
    return app, loaded


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    args = parse_args(argv)
    app, loaded = build(args)
    saver = persist.Saver(app.state, args.data, saved=loaded) if args.data else None
    server = build_server(app, args.host, args.port)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    if saver is not None:
        saver.start()
    logger.info(
        "QBO sandbox on http://%s:%s (%s, data: %s)",
        args.host,
        server.port,
        "loaded" if loaded else "new state",
        args.data or "memory only",
    )
    logger.info(
        "discovery: http://%s:%s/.well-known/openid_sandbox_configuration/", args.host, server.port
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        app.close()
        server.server_close()
        if saver is not None:
            saver.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
