"""Benchmark: how fast the webhook receiver answers, served as in production (gunicorn, two
workers, PostgreSQL), and that nothing valid is lost.

- a steady stream of normal deliveries (1 to 3 CloudEvents each) at --rate per second for
  --seconds: answer time p50 / p95 / p99 / max;
- one legacy delivery of --entities entities (Intuit's burst when a company imports): its
  answer time, with the receiver as it is (kept as one row, read by a worker) and, for
  comparison, parsed and stored in the request (QBO_WEBHOOK_INLINE_BYTES raised above it);
- then every stored event counted against what was sent.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qbsync_bench \\
        .venv/bin/python bench/webhook_bench.py [--rate 20] [--seconds 30] [--entities 40000]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from harness import free_port, serve_app, table

VERIFIER = "bench-webhook-verifier"
REALM = "4620816365000000001"


def sign(body: bytes) -> str:
    return base64.b64encode(hmac.new(VERIFIER.encode(), body, hashlib.sha256).digest()).decode()


def cloud_events(n: int) -> bytes:
    return json.dumps(
        [
            {
                "specversion": "1.0",
                "id": f"bench-{n}-{k}",
                "source": "intuit.bench",
                "type": "qbo.customer.updated.v1",
                "time": "2026-12-01T10:00:00.000Z",
                "intuitentityid": str(1000 + n),
                "intuitaccountid": REALM,
                "data": {},
            }
            for k in range(1 + n % 3)
        ]
    ).encode()


def legacy(entities: int, tag: str) -> bytes:
    rows = [
        {"name": "Customer", "id": str(n), "operation": "Update", "lastUpdated": tag}
        for n in range(entities)
    ]
    body = {"eventNotifications": [{"realmId": REALM, "dataChangeEvent": {"entities": rows}}]}
    return json.dumps(body).encode()


def serve(port: int, **env: str) -> subprocess.Popen:
    return serve_app(port, QBO_WEBHOOK_VERIFIER_TOKEN=VERIFIER, **env)


def post(url: str, body: bytes) -> tuple[float, int]:
    started = time.perf_counter()
    response = requests.post(
        url,
        data=body,
        headers={"intuit-signature": sign(body), "Content-Type": "application/json"},
        timeout=30,
    )
    return time.perf_counter() - started, response.status_code


def steady(url: str, rate: float, seconds: float) -> tuple[list[float], list[int], int]:
    """Deliveries sent on a fixed schedule (not waiting for answers), as Intuit would."""
    timings, statuses, sent = [], [], 0
    lock = threading.Lock()

    def one(n: int) -> None:
        elapsed, status = post(url, cloud_events(n))
        with lock:
            timings.append(elapsed)
            statuses.append(status)

    with ThreadPoolExecutor(max_workers=32) as pool:
        start = time.monotonic()
        for n in range(int(rate * seconds)):
            time.sleep(max(0.0, start + n / rate - time.monotonic()))
            pool.submit(one, n)
            sent += sum(1 for _ in range(1 + n % 3))
    return timings, statuses, sent


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else 0


def single(label: str, elapsed: float, status: int) -> list[str]:
    """A table row for one delivery (no percentiles)."""
    return [label, "", "", "", f"{elapsed * 1000:.1f}", str(status)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--entities", type=int, default=40_000)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL=postgres://... (benchmarks run on PostgreSQL)")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qbsync.settings")
    os.environ["QBO_WEBHOOK_VERIFIER_TOKEN"] = VERIFIER
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import Company
    from qbo.models import QuickBooksConnection, WebhookDelivery, WebhookEvent
    from qbo.tasks import process_webhook_delivery

    call_command("migrate", verbosity=0)
    WebhookEvent.objects.all().delete()
    WebhookDelivery.objects.all().delete()
    QuickBooksConnection.objects.filter(realm_id=REALM).update(status="disconnected")
    company = Company.objects.create(name="Webhook bench")
    QuickBooksConnection.objects.create(company=company, realm_id=REALM, environment="local")

    rows = []
    port = free_port()
    server = serve(port)
    url = f"http://127.0.0.1:{port}/quickbooks/webhooks/"
    try:
        timings, statuses, sent = steady(url, args.rate, args.seconds)
        rows.append(
            [
                f"{len(timings)} normal deliveries at {args.rate:g}/s",
                f"{percentile(timings, 50) * 1000:.1f}",
                f"{percentile(timings, 95) * 1000:.1f}",
                f"{percentile(timings, 99) * 1000:.1f}",
                f"{max(timings) * 1000:.1f}",
                ",".join(sorted({str(s) for s in statuses})),
            ]
        )
        big = legacy(args.entities, "2026-12-01T10:00:00.000Z")
        elapsed, status = post(url, big)
        rows.append(
            single(f"{args.entities:,} entities, kept ({len(big) / 1e6:.1f} MB)", elapsed, status)
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    started = time.perf_counter()
    for delivery_id in WebhookDelivery.objects.values_list("pk", flat=True):
        process_webhook_delivery(delivery_id)
    read_later = time.perf_counter() - started

    # The same burst parsed and stored in the request, as the receiver used to.
    port = free_port()
    server = serve(port, QBO_WEBHOOK_INLINE_BYTES=str(100 * 1024 * 1024))
    try:
        elapsed, status = post(
            f"http://127.0.0.1:{port}/quickbooks/webhooks/",
            legacy(args.entities, "2026-12-01T11:00:00.000Z"),
        )
        rows.append(single(f"{args.entities:,} entities, in the request (before)", elapsed, status))
    finally:
        server.terminate()
        server.wait(timeout=30)

    table(
        "Webhook receiver (gunicorn, 2 workers, PostgreSQL), answer time in ms",
        ["deliveries", "p50", "p95", "p99", "max", "status"],
        rows,
    )
    stored = WebhookEvent.objects.filter(company=company).count()
    expected = sent + 2 * args.entities
    print(f"\nread off the request by a worker: {args.entities:,} events in {read_later:.2f} s")
    print(f"events stored {stored:,} of {expected:,} sent (lost: {expected - stored})")


if __name__ == "__main__":
    main()
