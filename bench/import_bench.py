"""Benchmark: the first import of 100,000 customers (or, with --payments, of payments) from the
sandbox, over HTTP, into PostgreSQL.

Ours (qbo.sync.full_import: pages of 1,000, one upsert a page mapped in SQL by qbo.rowmap) side by
side with a naive loop (python-quickbooks objects page by page, then `update_or_create` per
row) over the same sandbox company: wall time, rows/s end to end and with the HTTP wait taken
out (ingest), QBO calls, database statements per page, peak memory.
Each variant runs in its own process, so peak memory (max RSS) is its own.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qbsync_bench \\
        .venv/bin/python bench/import_bench.py [--customers 100000] [--naive-rows 5000]
        [--payments 100000]

With --payments N the sandbox holds N invoices each with its payment (and N/10 customers,
imported first and not timed); what is timed is the payments' import with their applications
to invoices (qbo.rowmap: one statement a page), beside the naive loop (update_or_create per
payment, then its applications deleted and created).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

from harness import connect_company, control, sandbox_process, setup_django, table

PAGE = 1000


class StatementCounter:
    """Counts the SQL statements Django sends (connection.execute_wrapper)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def ours(company, entity: str) -> int:
    from qbo.client import open_client
    from qbo.models import SyncCursor
    from qbo.sync import full_import

    cursor, _ = SyncCursor.objects.get_or_create(company=company, entity=entity)
    with open_client(company) as qb:
        return full_import(qb, cursor)


def naive(company, entity: str, cap: int) -> int:
    return naive_payments(company, cap) if entity == "Payment" else naive_customers(company, cap)


def _pages(company, qbo_class, cap: int):
    """python-quickbooks objects, a page at a time (at most `cap` rows, whole pages)."""
    from qbo.client import open_client

    rows, start = 0, 1
    with open_client(company) as qb:
        while True:
            where = " WHERE Active IN (true,false)" if qbo_class.__name__ == "Customer" else ""
            page = qbo_class.query(
                f"SELECT * FROM {qbo_class.__name__}{where} "  # noqa: S608
                f"STARTPOSITION {start} MAXRESULTS {PAGE}",
                qb=qb,
            )
            yield page
            rows += len(page)
            if len(page) < PAGE or (cap and rows >= cap):
                return
            start += PAGE


def naive_customers(company, cap: int) -> int:
    from quickbooks.objects.customer import Customer as QBOCustomer

    from customers.models import Customer
    from customers.sync import customer_fields
    from qbo.qbojson import plain

    rows = 0
    for page in _pages(company, QBOCustomer, cap):
        for obj in page:
            fields = customer_fields(obj.to_dict())
            fields["raw"] = plain(fields["raw"])  # (a JSONField can't hold Decimals)
            qbo_id = fields.pop("qbo_id")
            Customer.objects.update_or_create(company=company, qbo_id=qbo_id, defaults=fields)
        rows += len(page)
    return rows


def naive_payments(company, cap: int) -> int:
    """The loop a first integration writes: each payment saved, then its applications."""
    from quickbooks.objects.payment import Payment as QBOPayment

    from customers.models import Customer
    from invoicing.models import Order
    from payments.models import Payment, PaymentApplication
    from payments.sync import PAYMENT, applications
    from qbo.qbojson import plain

    rows = 0
    for page in _pages(company, QBOPayment, cap):
        for obj in page:
            data = obj.to_dict()
            fields = PAYMENT.row(data)
            fields["raw"] = plain(fields["raw"])
            fields["customer"] = Customer.objects.filter(
                company=company, qbo_id=fields["customer_qbo_id"]
            ).first()
            qbo_id = fields.pop("qbo_id")
            payment, _ = Payment.objects.update_or_create(
                company=company, qbo_id=qbo_id, defaults=fields
            )
            payment.applications.all().delete()
            for invoice, amount, credit in applications(data):
                order = Order.objects.filter(company=company, qbo_invoice_id=invoice).first()
                PaymentApplication.objects.create(
                    payment=payment,
                    invoice_qbo_id=invoice,
                    amount=amount,
                    credit=credit,
                    order=order,
                )
        rows += len(page)
    return rows


def run_variant(variant: str, url: str, realm: str, cap: int = 0, entity: str = "Customer") -> dict:
    """In a child process: connect a fresh company, import, report figures as JSON."""
    setup_django(url, QBO_RATE_PER_MINUTE="100000")
    from django.db import connection

    from qbo.models import QBOCall, QuickBooksConnection

    company = connect_company(url, f"bench {variant}", realm)
    if entity != "Customer":  # their customers first (not timed), as a first sync does
        ours(company, "Customer")
        QBOCall.objects.filter(company=company).delete()
    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    counter = StatementCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        rows = ours(company, entity) if variant == "ours" else naive(company, entity, cap)
    elapsed = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    api_calls = QBOCall.objects.filter(company=company).exclude(operation__startswith="oauth")
    calls = api_calls.count()
    # Time spent waiting on QuickBooks (each call's own logged duration: request sent to the
    # whole answer read), taken out to leave local ingest (parsing, mapping, the database).
    http = sum(api_calls.values_list("duration_ms", flat=True)) / 1000
    QuickBooksConnection.objects.filter(company=company).update(status="disconnected")
    pages = -(-rows // PAGE)
    return {
        "rows": rows,
        "seconds": elapsed,
        "rows/s": rows / elapsed,
        "HTTP wait (s)": http,
        "ingest rows/s (HTTP wait out)": rows / max(elapsed - http, 1e-9),
        "QBO calls": calls,
        "DB statements": counter.count,
        "DB statements per page": counter.count / pages,
        "peak RSS growth (MB)": (peak_kb - baseline_kb) / 1024,
        "load average (1 min) after": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument(
        "--payments",
        type=int,
        default=0,
        help="import this many payments (with their invoices' applications) instead",
    )
    parser.add_argument("--no-latency", action="store_true", help="the sandbox answers at once")
    parser.add_argument(
        "--naive-rows",
        type=int,
        default=0,
        help="stop the naive loop after this many rows (whole pages); its rates are per row",
    )
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--realm", help=argparse.SUPPRESS)
    parser.add_argument("--entity", default="Customer", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        figures = run_variant(args.variant, args.url, args.realm, args.naive_rows, args.entity)
        print(json.dumps(figures))
        return
    entity = "Payment" if args.payments else "Customer"
    customers = max(args.payments // 10, 1) if args.payments else args.customers
    flags = ("--no-latency",) if args.no_latency else ()
    with sandbox_process("--requests-per-minute", "100000", *flags) as url:
        sandbox = control(url)
        realm = sandbox.create_company(name="Import Bench", seed=False)
        started = time.perf_counter()
        sandbox.seed_customers(realm, customers)
        if args.payments:
            sandbox.seed_payments(realm, args.payments)
        seeded = f"{customers:,} customers" + (
            f", {args.payments:,} payments" if args.payments else ""
        )
        print(f"seeded {seeded} in {time.perf_counter() - started:.1f}s")
        results = {}
        for variant, label in (("ours", "qbsync full_import"), ("naive", "naive per-row loop")):
            command = [sys.executable, __file__, "--variant", variant, "--url", url]
            command += ["--realm", realm, "--naive-rows", str(args.naive_rows), "--entity", entity]
            child = subprocess.run(
                command,
                capture_output=True,
                text=True,
            )
            if child.returncode:
                raise SystemExit(f"{label} failed:\n{child.stderr[-3000:]}")
            output = child.stdout
            results[label] = json.loads(output.strip().splitlines()[-1])
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
        f"Initial import of {args.payments or args.customers:,} {entity.lower()}s "
        "(sandbox over HTTP -> PostgreSQL)",
        ["metric", *names],
        rows,
    )


if __name__ == "__main__":
    main()
