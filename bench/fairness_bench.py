"""Benchmark: fairness between companies. Company A has 5,000 orders queued; company B then
creates 20. How long do B's take to become invoices, compared with B alone?

Runs the real thing: the sandbox in its own process (Intuit's limits), two Celery workers
(two processes each) on Redis, PostgreSQL, the push service as deployed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qbsync_bench \\
    REDIS_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python bench/fairness_bench.py [--backlog 5000] [--orders 20]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import time
from datetime import date
from decimal import Decimal

from harness import ROOT, connect_company, control, sandbox_process, setup_django, table


def create_orders(company, count: int, label: str) -> list[int]:
    from invoicing import services

    ids = []
    for n in range(count):
        order = services.create_order(
            company=company,
            created_by=None,
            new_customer_name=f"{label} customer {n % 10}",
            order_date=date(2026, 3, 2),
            lines=[
                services.NewLine(None, f"{label} work {n}", Decimal("1"), Decimal("9.99"), True)
            ],
        )
        ids.append(order.pk)
    return ids


def wait_synced(ids: list[int], timeout: float) -> list[float]:
    """Seconds from creation to synced for each order (waits until all are settled)."""
    from invoicing.models import Order

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = list(
            Order.objects.filter(pk__in=ids).values("push_status", "created_at", "synced_at")
        )
        if all(r["push_status"] in ("synced", "failed") for r in rows):
            return [(r["synced_at"] - r["created_at"]).total_seconds() for r in rows]
        time.sleep(0.2)
    statuses = {r["push_status"] for r in rows}
    raise SystemExit(f"orders did not settle in time: {statuses}")


def start_workers(count: int = 2) -> list[subprocess.Popen]:
    celery = str(ROOT / ".venv" / "bin" / "celery")
    return [
        subprocess.Popen(
            [
                celery,
                "-A",
                "qbsync",
                "worker",
                "--concurrency",
                "2",
                "-n",
                f"fair{n}@%h",
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=dict(os.environ),
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(count)
    ]


def summary(seconds: list[float]) -> list[str]:
    ordered = sorted(seconds)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return [f"{statistics.median(ordered):.2f}", f"{p95:.2f}", f"{ordered[-1]:.2f}"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backlog", type=int, default=5000)
    parser.add_argument("--orders", type=int, default=20)
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("set REDIS_URL (the workers' broker)")
    with sandbox_process() as url:
        setup_django(url)
        from django.core.cache import cache

        from qbsync.celery import app

        app.control.purge()
        cache.clear()
        sandbox = control(url)
        company_a = connect_company(url, "Fairness A", sandbox.create_company(name="A"))
        company_b = connect_company(url, "Fairness B", sandbox.create_company(name="B"))
        workers = start_workers()
        try:
            # Warm up both companies (first token use, the "Services" item, customers).
            wait_synced(create_orders(company_a, 10, "A"), timeout=300)
            wait_synced(create_orders(company_b, 10, "B solo"), timeout=300)
            solo = wait_synced(create_orders(company_b, args.orders, "B solo"), timeout=300)
            started = time.perf_counter()
            backlog = create_orders(company_a, args.backlog, "A")
            print(f"queued {args.backlog} orders for A in {time.perf_counter() - started:.1f}s")
            contended = wait_synced(create_orders(company_b, args.orders, "B"), timeout=600)
            from invoicing.models import Order

            a_done = Order.objects.filter(pk__in=backlog, push_status="synced").count()
        except SystemExit:
            failed = [e for e in sandbox.request_log() if e["status"] != 200]
            print(
                "sandbox answers other than 200:", [(e["path"], e["status"]) for e in failed][:20]
            )
            raise
        finally:
            for worker in workers:
                os.killpg(worker.pid, signal.SIGTERM)
            for worker in workers:
                worker.wait(timeout=60)
    table(
        f"Company B's {args.orders} orders: seconds from creation to invoice",
        ["run", "median", "p95", "max"],
        [["B alone", *summary(solo)], [f"B behind A's {args.backlog:,}", *summary(contended)]],
    )
    ratio = max(contended) / max(solo)
    print(f"\nB's slowest order under load / alone: {ratio:.2f}x (target: at most 2x)")
    print(f"A's orders synced by then: {a_done:,} of {args.backlog:,}")


if __name__ == "__main__":
    main()
