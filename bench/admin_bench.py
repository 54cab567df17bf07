"""Benchmark: the customer admin's changelist and search at 100,000 customers on PostgreSQL.

Loads a company with --customers customers (and a second company with --others, so that a
staff member's scoping has something to leave out), then times the admin pages through
Django's test Client, in-process, so the figures are server time: middleware, queries and
template rendering, no network. Each page is fetched --runs times, as a superuser and as a
staff member of the company ("Company staff" group), for two admins side by side:

- ours: customers.admin.CustomerAdmin at /admin/ with the indexes of customers migration 0002;
- baseline: the same columns, search fields and filters in a stock ModelAdmin (Django's
  paginator, full counts, RelatedOnlyFieldListFilter), with migration 0002's indexes dropped
  inside a transaction that is rolled back afterwards.

    createdb -h 127.0.0.1 -U postgres qbsync_admin_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qbsync_admin_bench \\
        .venv/bin/python bench/admin_bench.py [--customers 100000] [--others 10000] [--runs 30]

The database is migrated first. The bench companies are deleted at the end (--keep keeps them).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qbsync.settings")

import django  # noqa: E402

django.setup()

from django.contrib import admin  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Company, Membership, User  # noqa: E402
from customers.admin import CustomerAdmin  # noqa: E402
from customers.models import Customer  # noqa: E402
from qbo.admin_base import CompanyScopedAdminMixin  # noqa: E402

BENCH_PREFIX = "Admin bench"
FIRST = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Lopez"]
TRADES = ["Plumbing", "Bakery", "Consulting", "Landscaping", "Motors", "Dental", "Florist"]
TARGET = {
    "qbo_id": "4242424",
    "display_name": "Zanzibar Shipping",
    "company_name": "Quokka Logistics",
    "email": "ar@wombat-freight.test",
    "phone": "(907) 313-8888",
}
# One search per searchable field finding the one target row, and a broad one (~1 in 9):
# (label, search text, text the page must show).
SEARCHES = [
    ("display name", "zanzibar", "Zanzibar"),
    ("company name", "quokka", "Zanzibar"),
    ("email", "wombat", "Zanzibar"),
    ("phone", "313-8888", "Zanzibar"),
    ("QuickBooks id", TARGET["qbo_id"], "Zanzibar"),
    ("broad, many rows", "smith", "Smith"),
]


class BaselineCustomerAdmin(CompanyScopedAdminMixin, admin.ModelAdmin):
    """What a first version would be: same columns and search, Django's defaults otherwise."""

    list_display = CustomerAdmin.list_display
    search_fields = ["display_name", "company_name", "email", "phone", "qbo_id"]
    list_filter = [("company", admin.RelatedOnlyFieldListFilter), "active", "deleted_in_qbo"]
    list_select_related = ["company"]


baseline_site = admin.AdminSite(name="baseline")
baseline_site.register(Customer, BaselineCustomerAdmin)


class BenchUrls:
    urlpatterns = [path("baseline/", baseline_site.urls), path("", include("qbsync.urls"))]


def fake_customer(company: Company, number: int, rng: random.Random) -> Customer:
    first, last, trade = rng.choice(FIRST), rng.choice(LAST), rng.choice(TRADES)
    name = f"{first} {last} {trade} {number}"
    email = f"{first}.{last}{number}@{trade.lower()}-{number % 997}.example".lower()
    phone = f"({rng.randint(201, 989)}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04}"
    balance = Decimal(rng.randint(0, 500_000)) / 100
    fields = {
        "qbo_id": str(number),
        "display_name": name,
        "company_name": f"{last} {trade}",
        "given_name": first,
        "family_name": last,
        "email": email,
        "phone": phone,
        "bill_line1": f"{rng.randint(1, 9999)} Main Street",
        "bill_city": "Springfield",
        "bill_region": "OR",
        "bill_postal_code": f"{rng.randint(10000, 99999)}",
        "bill_country": "USA",
        "balance": balance,
        "currency": "USD",
        "active": number % 20 != 0,
    }
    # Real rows carry their QuickBooks JSON (about a kilobyte): scans read it too.
    raw = {
        "Id": fields["qbo_id"],
        "SyncToken": "0",
        "DisplayName": name,
        "CompanyName": fields["company_name"],
        "GivenName": first,
        "FamilyName": last,
        "PrimaryEmailAddr": {"Address": email},
        "PrimaryPhone": {"FreeFormNumber": phone},
        "BillAddr": {"Line1": fields["bill_line1"], "City": "Springfield", "Country": "USA"},
        "Balance": float(balance),
        "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
        "Active": fields["active"],
        "PreferredDeliveryMethod": "Email",
        "MetaData": {
            "CreateTime": "2024-01-02T10:00:00-08:00",
            "LastUpdatedTime": "2025-06-01T09:30:00-07:00",
        },
    }
    now = timezone.now()
    return Customer(company=company, raw=raw, qbo_updated_at=now, synced_at=now, **fields)


def load(customers: int, others: int) -> tuple[Company, Company]:
    Company.objects.filter(name__startswith=BENCH_PREFIX).delete()
    company = Company.objects.create(name=f"{BENCH_PREFIX} Co")
    other = Company.objects.create(name=f"{BENCH_PREFIX} Other Co")
    rng = random.Random(42)
    for owner, count, offset in ((company, customers, 0), (other, others, 10_000_000)):
        batch = []
        for number in range(offset + 1, offset + count + 1):
            batch.append(fake_customer(owner, number, rng))
            if len(batch) == 5000:
                Customer.objects.bulk_create(batch)
                batch = []
        Customer.objects.bulk_create(batch)
    Customer.objects.filter(company=company, qbo_id="777").update(**TARGET)
    # What autovacuum does after a big load: statistics, and the GIN pending lists merged.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE customers_customer")
    return company, other


def bench_users(company: Company) -> dict[str, User]:
    User.objects.filter(email__endswith="@admin-bench.test").delete()
    root = User.objects.create_superuser(email="root@admin-bench.test", password=None)
    staff = User.objects.create_user(email="staff@admin-bench.test", is_staff=True)
    staff.groups.add(Group.objects.get(name="Company staff"))
    Membership.objects.create(user=staff, company=company, role=Membership.Role.MEMBER)
    return {"superuser": root, "staff": staff}


@dataclass
class Timing:
    median: float
    p95: float

    def __str__(self) -> str:
        return f"{self.median:7.1f} /{self.p95:7.1f}"


def measure(client: Client, url: str, params: dict, runs: int, expect: str) -> Timing:
    for _ in range(3):  # warm caches: templates, plans, the connection
        client.get(url, params)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, params)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200 or expect not in response.text:
            raise SystemExit(f"{url} {params}: {response.status_code}, {expect!r} not shown")
    p95 = statistics.quantiles(samples, n=20, method="inclusive")[-1]
    return Timing(statistics.median(samples), p95)


def pages() -> list[tuple[str, dict, str]]:
    searches = [(f"search {field}: {term}", {"q": term}, shown) for field, term, shown in SEARCHES]
    return [("changelist", {}, "result_list"), *searches]


def run_all(clients: dict[str, Client], prefix: str, runs: int) -> dict:
    url = f"{prefix}customers/customer/"
    results = {}
    for who, client in clients.items():
        for label, params, expect in pages():
            results[who, label] = measure(client, url, params, runs, expect)
    return results


def measure_baseline(clients: dict[str, Client], runs: int) -> dict:
    """The stock admin with customers migration 0002's indexes dropped, then put back."""
    from importlib import import_module

    indexes = import_module("customers.migrations.0002_customer_search_indexes").INDEXES

    class Rollback(Exception):
        pass

    results = {}
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                for name in indexes:
                    cursor.execute(f"DROP INDEX {name}")
            results = run_all(clients, "/baseline/", runs)
            raise Rollback
    except Rollback:
        pass
    return results


def print_table(ours: dict, baseline: dict, args, started: float) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print()
    print(
        f"Customer admin, {args.customers:,} customers (+{args.others:,} in another company), "
        f"PostgreSQL {version}, {args.runs} runs per page; server time in ms, median / p95"
    )
    print(f"{'':34}{'superuser':^36}{'staff of the company':^36}")
    print(f"{'page':34}" + f"{'baseline':>17}{'ours':>17}  " * 2)
    for label, _, _ in pages():
        cells = [f"{baseline['superuser', label]!s:>17}{ours['superuser', label]!s:>17}  "]
        cells.append(f"{baseline['staff', label]!s:>17}{ours['staff', label]!s:>17}")
        print(f"{label:34}" + "".join(cells))
    print(f"\n(total bench time {time.monotonic() - started:.0f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--others", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the bench companies")
    args = parser.parse_args()
    if args.runs < 2:
        raise SystemExit("--runs must be at least 2 (for a p95).")
    if connection.vendor != "postgresql":
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database (a scratch one).")
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    print(f"Loading {args.customers:,} + {args.others:,} customers...", flush=True)
    company, _ = load(args.customers, args.others)
    print(f"Loaded in {time.monotonic() - started:.0f} s; measuring...", flush=True)
    users = bench_users(company)
    clients = {}
    for who, user in users.items():
        clients[who] = Client(HTTP_HOST="localhost")
        clients[who].force_login(user)
    with override_settings(ROOT_URLCONF=BenchUrls, DEBUG=False):
        ours = run_all(clients, "/admin/", args.runs)
        baseline = measure_baseline(clients, args.runs)
    print_table(ours, baseline, args, started)
    if not args.keep:
        Company.objects.filter(name__startswith=BENCH_PREFIX).delete()
        User.objects.filter(email__endswith="@admin-bench.test").delete()


if __name__ == "__main__":
    main()
