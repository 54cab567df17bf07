"""Benchmark: sustained order creation through the JSON API, served as in production
(gunicorn, two sync workers, PostgreSQL), and that every 201 is exactly one order.

--clients threads each POST /api/v1/orders/ back to back (a new Idempotency-Key and
external_id each time, two lines, an existing customer) for --seconds: requests/s and the
answer time's p50 / p95 / p99 / max. Orders stay pending (no worker runs here): this measures
the API and the order's transaction, not QuickBooks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qbsync_api_bench \\
    REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python bench/api_bench.py [--clients 8] [--seconds 30]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid

import requests
from harness import ROOT, free_port, serve_app, table


def serve(port: int) -> subprocess.Popen:
    # The API's rate limit is not what is measured.
    return serve_app(port, API_RATE_PER_MINUTE="1000000")


def order_body(customer_id: int, n: int) -> bytes:
    return json.dumps(
        {
            "external_id": f"bench-{uuid.uuid4().hex}",
            "customer": {"id": customer_id},
            "order_date": "2026-03-02",
            "lines": [
                {"description": f"Item {n}", "quantity": "2", "unit_price": "19.99"},
                {"description": "Shipping", "quantity": "1", "unit_price": "4.50"},
            ],
        }
    ).encode()


def run(url: str, key: str, customer_id: int, clients: int, seconds: float):
    timings: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        session, n = requests.Session(), 0
        while time.monotonic() < stop_at:
            n += 1
            headers = {
                "Authorization": f"Bearer {key}",
                "Idempotency-Key": str(uuid.uuid4()),
                "Content-Type": "application/json",
            }
            started = time.perf_counter()
            response = session.post(url, data=order_body(customer_id, n), headers=headers)
            elapsed = time.perf_counter() - started
            with lock:
                timings.append(elapsed)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, statuses, time.monotonic() - began


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL=postgres://... (benchmarks run on PostgreSQL)")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qbsync.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import Company
    from api.keys import create_key
    from customers.models import Customer
    from invoicing.models import Order

    call_command("migrate", verbosity=0)
    company = Company.objects.create(name=f"API bench {uuid.uuid4().hex[:6]}")
    customer = Customer.objects.create(company=company, qbo_id="1", display_name="Bench Buyer")
    _, key = create_key(company=company, name="bench", created_by=None)

    port = free_port()
    server = serve(port)
    try:
        url = f"http://127.0.0.1:{port}/api/v1/orders/"
        run(url, key, customer.pk, args.clients, 3.0)  # warm up: connections, caches
        warm = Order.objects.filter(company=company).count()
        timings, statuses, elapsed = run(url, key, customer.pk, args.clients, args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    created = statuses.get(201, 0)
    ms = [t * 1000 for t in timings]
    table(
        f"Order creation through the API (gunicorn, 2 workers, PostgreSQL), "
        f"{args.clients} clients for {args.seconds:.0f} s",
        ["requests/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "statuses"],
        [
            [
                f"{created / elapsed:.1f}",
                f"{percentile(ms, 50):.1f}",
                f"{percentile(ms, 95):.1f}",
                f"{percentile(ms, 99):.1f}",
                f"{max(ms):.1f}",
                " ".join(f"{k}: {v}" for k, v in sorted(statuses.items())),
            ]
        ],
    )
    made = Order.objects.filter(company=company).count() - warm
    print(f"\norders made in the timed run: {made}; 201 answers: {created}")
    if made != created:
        raise SystemExit("the orders made and the 201 answers differ")


if __name__ == "__main__":
    main()
