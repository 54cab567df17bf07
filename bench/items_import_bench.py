"""Benchmark: the first import of QuickBooks items beside that of customers, over HTTP from
the sandbox into PostgreSQL, through the same path (qbo.sync.full_import: pages of 1,000, one
bulk upsert per page): wall time, rows/s, QBO calls, database statements per page.

The sandbox runs in its own process (its own GIL), holding one company with --items generated
items and --customers generated customers (items made with the sandbox's own rules, as its
control API seeds customers). Each import runs in its own process, into a freshly connected
company, so neither warms the other.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qbsync_bench \\
        .venv/bin/python bench/items_import_bench.py [--items 10000] [--customers 10000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from harness import (
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    connect_company,
    setup_django,
    table,
)

PAGE = 1000


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def serve(items: int, customers: int, latency: float) -> None:
    """In a child process: the sandbox with one seeded company; prints its URL and realm,
    serves until its stdin closes."""
    from qbo_sandbox.books import mutations, seed
    from qbo_sandbox.testing import SandboxServer

    server = SandboxServer(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=[REDIRECT_URI],
        webhook_url=None,
        default_company=False,
        latency=latency,
        requests_per_minute=100_000,
    ).start()
    realm = server.control.create_company(name="Items Import Bench", seed=False)
    company = server.state.companies[realm]
    account = mutations.create(
        server.state,
        company,
        "Account",
        {"Name": "Sales", "AccountType": "Income", "AccountSubType": "SalesOfProductIncome"},
        source="control",
    )
    income = {"value": account["Id"], "name": account["Name"]}
    payloads = [
        {
            "Name": f"Bench Item {n:06d}",
            "Sku": f"BENCH-{n:06d}",
            "Type": "NonInventory" if n % 2 else "Service",
            "UnitPrice": f"{n % 500}.{n % 100:02d}",
            "Description": f"Generated item number {n} for the import benchmark",
            "IncomeAccountRef": income,
            "Taxable": bool(n % 3),
        }
        for n in range(1, items + 1)
    ]
    for start in range(0, len(payloads), 5000):
        mutations.create_many(
            server.state, company, "Item", payloads[start : start + 5000], source="control"
        )
    seed.seed_customers(server.state, company, customers)
    print(json.dumps({"url": server.url, "realm": realm}), flush=True)
    sys.stdin.read()
    server.stop()


def run_import(entity: str, url: str, realm: str) -> dict:
    """In a child process: connect a fresh company, import one entity, report figures."""
    setup_django(url, QBO_RATE_PER_MINUTE="100000")
    from django.db import connection

    from qbo.client import open_client
    from qbo.models import QBOCall, QuickBooksConnection, SyncCursor
    from qbo.sync import full_import

    company = connect_company(url, f"items bench {entity}", realm)
    cursor, _ = SyncCursor.objects.get_or_create(company=company, entity=entity)
    counter = StatementCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter), open_client(company) as qb:
        rows = full_import(qb, cursor)
    elapsed = time.perf_counter() - started
    calls = QBOCall.objects.filter(company=company).exclude(operation__startswith="oauth").count()
    QuickBooksConnection.objects.filter(company=company).update(status="disconnected")
    return {
        "rows": rows,
        "seconds": elapsed,
        "rows/s": rows / elapsed,
        "QBO calls": calls,
        "DB statements per page": counter.count / max(1, -(-rows // PAGE)),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument(
        "--latency", type=float, default=1.0, help="sandbox answer times (1: Intuit-like)"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--entity", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--realm", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.items, args.customers, args.latency)
        return
    if args.entity:
        print(json.dumps(run_import(args.entity, args.url, args.realm)))
        return
    started = time.perf_counter()
    serve_command = [
        *(sys.executable, __file__, "--serve", "--items", str(args.items)),
        *("--customers", str(args.customers), "--latency", str(args.latency)),
    ]
    sandbox = subprocess.Popen(
        serve_command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        ready = json.loads(sandbox.stdout.readline())
        print(f"sandbox seeded in {time.perf_counter() - started:.1f}s", flush=True)
        results = {}
        for entity in ("Customer", "Item"):
            command = [sys.executable, __file__, "--entity", entity]
            child = subprocess.run(
                [*command, "--url", ready["url"], "--realm", ready["realm"]],
                capture_output=True,
                text=True,
            )
            if child.returncode:
                raise SystemExit(f"{entity} import failed:\n{child.stderr[-3000:]}")
            results[entity] = json.loads(child.stdout.strip().splitlines()[-1])
    finally:
        sandbox.stdin.close()
        sandbox.wait(timeout=30)
    names = list(results)
    rows = [
        [metric]
        + [
            f"{results[n][metric]:,.1f}"
            if isinstance(results[n][metric], float)
            else f"{results[n][metric]:,}"
            for n in names
        ]
        for metric in results[names[0]]
    ]
    table(
        f"First import, {args.items:,} items beside {args.customers:,} customers "
        f"(sandbox over HTTP, latency scale {args.latency:g} -> PostgreSQL)",
        ["metric", *names],
        rows,
    )


if __name__ == "__main__":
    main()
