"""Benchmark: push 1,000 orders for one company to a sandbox enforcing Intuit's limits.

Three ways over the same data (a fresh sandbox company each, seeded alike):
- qbsync with batch: the push service as it runs (drains of up to 30 invoices per request);
- qbsync one-by-one: the same service with batching turned off;
- naive: a python-quickbooks loop, one `Invoice.save()` per order, no throttle, no retry.
Reports wall time, QBO calls per invoice, 429s, failures and duplicates.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qbsync_bench \\
        .venv/bin/python bench/push_bench.py [--orders 1000]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from datetime import date
from decimal import Decimal

from harness import connect_company, control, sandbox_process, setup_django, table


def make_orders(company, count: int) -> None:
    from customers.models import Customer
    from invoicing import services

    customers = list(Customer.objects.filter(company=company, active=True)[:20])
    for n in range(count):
        services.create_order(
            company=company,
            created_by=None,
            customer=customers[n % len(customers)],
            order_date=date(2026, 3, 2),
            lines=[
                services.NewLine(None, f"Service {n}", Decimal("2"), Decimal("12.50"), True),
                services.NewLine(None, "Delivery", Decimal("1"), Decimal("5.00"), False),
            ],
        )


SEEDED_INVOICES = 12  # a new sandbox company comes with Intuit's sample invoices


def sandbox_figures(sandbox, realm: str, count: int) -> dict:
    """Calls, 429s and invoices as the sandbox saw them."""
    log = [e for e in sandbox.request_log(realm=realm) if "/v3/company/" in e["path"]]
    invoices = len(sandbox_invoices(sandbox, realm)) - SEEDED_INVOICES
    return {
        "QBO calls": len(log),
        "calls per invoice": len(log) / count,
        "429s": sum(1 for e in log if e["status"] == 429),
        "invoices in QBO": invoices,
    }


def sandbox_invoices(sandbox, realm: str) -> list[dict]:
    return [c for c in sandbox.changes(realm, "Invoice") if c.get("operation") == "Create"]


def qbsync_run(url: str, realm: str, count: int, batch: bool) -> dict:
    from invoicing import drains, push
    from invoicing.models import Order
    from qbo import sync

    company = connect_company(url, f"push {'batch' if batch else 'single'}", realm)
    sync.sync_company(company.pk)
    make_orders(company, count)
    control(url).clear_request_log()
    push.BATCH_MIN = 3 if batch else 10**9  # the benchmark's switch for one-by-one pushes
    started = time.perf_counter()
    while Order.objects.filter(company=company, push_status__in=["pending", "in_flight"]).exists():
        drains.drain(company.pk)
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    statuses = Counter(Order.objects.filter(company=company).values_list("push_status", flat=True))
    return {"seconds": elapsed, "synced": statuses["synced"], "failed": statuses["failed"]}


def naive_run(url: str, realm: str, count: int) -> dict:
    """What a plain integration does: stock python-quickbooks, one save per order, no retry."""
    import os

    from intuitlib.client import AuthClient
    from quickbooks import QuickBooks
    from quickbooks.exceptions import QuickbooksException
    from quickbooks.objects.customer import Customer
    from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
    from quickbooks.objects.invoice import Invoice
    from quickbooks.objects.item import Item

    from qbo import tokens

    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"  # the stock session refuses plain http
    company = connect_company(url, "push naive", realm)
    token = tokens.current_access_token(company.quickbooks_connection.pk)
    auth = AuthClient(
        "qbsync-bench-client",
        "qbsync-bench-secret",
        "http://localhost:8000/",
        f"{url}/.well-known/openid_sandbox_configuration/",
        access_token=token.value,
        refresh_token="unused",  # noqa: S106 - never used: no refresh here
    )
    qb = QuickBooks(auth_client=auth, company_id=realm, minorversion=75)
    qb.api_url_v3 = qb.sandbox_api_url_v3 = f"{url}/v3"
    customers = Customer.filter(Active=True, qb=qb)[:20]
    item = Item.filter(Name="Services", qb=qb)[0]
    control(url).clear_request_log()
    started = time.perf_counter()
    synced = failed = 0
    for n in range(count):
        invoice = Invoice()
        invoice.CustomerRef = customers[n % len(customers)].to_ref()
        for description, qty, price in ((f"Service {n}", 2, 12.5), ("Delivery", 1, 5.0)):
            line = SalesItemLine()
            line.Amount = qty * price
            line.Description = description
            line.SalesItemLineDetail = SalesItemLineDetail()
            line.SalesItemLineDetail.ItemRef = item.to_ref()
            line.SalesItemLineDetail.Qty = qty
            line.SalesItemLineDetail.UnitPrice = price
            invoice.Line.append(line)
        try:
            invoice.save(qb=qb)
            synced += 1
        except QuickbooksException:
            failed += 1  # throttled (429) or otherwise: the order is simply not there
    return {"seconds": time.perf_counter() - started, "synced": synced, "failed": failed}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1000)
    args = parser.parse_args()
    with sandbox_process() as url:  # Intuit's limits: 500/min, 10/s, 10 concurrent, 40 batches/min
        setup_django(url)
        sandbox = control(url)
        results = {}
        for label, run in (
            ("qbsync batch", lambda realm: qbsync_run(url, realm, args.orders, batch=True)),
            ("qbsync one-by-one", lambda realm: qbsync_run(url, realm, args.orders, batch=False)),
            ("naive loop", lambda realm: naive_run(url, realm, args.orders)),
        ):
            realm = sandbox.create_company(name=label)
            results[label] = run(realm)
            results[label].update(sandbox_figures(sandbox, realm, args.orders))
    metrics = [
        "seconds",
        "QBO calls",
        "calls per invoice",
        "429s",
        "synced",
        "failed",
        "invoices in QBO",
    ]
    rows = [
        [m]
        + [
            f"{results[n][m]:,.2f}" if isinstance(results[n][m], float) else f"{results[n][m]:,}"
            for n in results
        ]
        for m in metrics
    ]
    table(
        f"Pushing {args.orders:,} orders (sandbox at Intuit's limits)", ["metric", *results], rows
    )


if __name__ == "__main__":
    main()
