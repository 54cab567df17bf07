"""Benchmark: the order form's item search (/items/search) at 10,000 items on PostgreSQL.

Loads a company with --items QuickBooks items (through catalog.sync, as an import writes them)
and another company with --others, then times the search through Django's test Client,
in-process: server time (middleware, the query, rendering), no network. Each search is run
--runs times, as JSON and as the htmx fragment, with catalog migration 0002's trigram indexes
and without them (dropped inside a transaction that is rolled back).

    createdb -h 127.0.0.1 -U postgres qbsync_item_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qbsync_item_bench \\
        .venv/bin/python bench/item_search_bench.py [--items 10000] [--others 10000] [--runs 50]

The database is migrated first. The bench companies are deleted at the end (--keep keeps them).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from importlib import import_module
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qbsync.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from accounts.models import Company, Membership, User  # noqa: E402
from catalog.sync import upsert_items  # noqa: E402

BENCH_PREFIX = "Item search bench"
CATEGORIES = ["Hardware", "Garden", "Plumbing", "Electrical", "Paint", "Tools", "Lumber"]
MATERIALS = ["Stainless", "Brass", "Copper", "Galvanized", "Oak", "Pine", "Vinyl", "Nylon"]
NOUNS = ["Bolt", "Screw", "Hinge", "Bracket", "Pipe", "Valve", "Hose", "Brush", "Cable", "Plank"]
SIZES = ["1/4 in", "3/8 in", "1/2 in", "1 in", "2 ft", "4 ft", "8 ft", "10 m"]
# (label, text) — from one item to nearly all of them.
SEARCHES = [
    ("one item by a rare word", "zanzibar"),
    ("SKU, a few items", "SKU-00042"),
    ("word, ~1 in 10", "valve"),
    ("word, ~1 in 8 + category", "garden"),
    ("two words' start, many", "stainless b"),
    ("two letters, most items", "in"),
    ("one letter, nearly all", "e"),
]


def item_json(number: int, rng: random.Random) -> dict:
    category = rng.choice(CATEGORIES)
    name = f"{rng.choice(MATERIALS)} {rng.choice(NOUNS)} {rng.choice(SIZES)} #{number}"
    kind = rng.choice(["Service", "NonInventory", "Inventory"])
    item = {
        "Id": str(number),
        "SyncToken": "0",
        "Name": name,
        "FullyQualifiedName": f"{category}:{name}",
        "Sku": f"SKU-{number:06d}",
        "Type": kind,
        "SubItem": True,
        "ParentRef": {"value": str(CATEGORIES.index(category) + 1)},
        "Active": number % 25 != 0,
        "UnitPrice": round(rng.uniform(0.5, 500), 2),
        "Description": f"{name} for {category.lower()} work",
        "Taxable": True,
        "TrackQtyOnHand": kind == "Inventory",
        "IncomeAccountRef": {"value": "79", "name": "Sales of Product Income"},
        "MetaData": {
            "CreateTime": "2024-01-02T10:00:00-08:00",
            "LastUpdatedTime": "2025-06-01T09:30:00-07:00",
        },
    }
    if kind == "Inventory":
        item["QtyOnHand"] = rng.randint(0, 400)
    return item


def load(items: int, others: int) -> Company:
    Company.objects.filter(name__startswith=BENCH_PREFIX).delete()
    company = Company.objects.create(name=f"{BENCH_PREFIX} Co")
    other = Company.objects.create(name=f"{BENCH_PREFIX} Other Co")
    rng = random.Random(42)
    for owner, count in ((company, items), (other, others)):
        objects = [item_json(n, rng) for n in range(1, count + 1)]
        for start in range(0, len(objects), 1000):  # pages of 1,000, as the import does
            upsert_items(owner.pk, objects[start : start + 1000])
    rare = {"Name": "Zanzibar Spice Rack", "FullyQualifiedName": "Hardware:Zanzibar Spice Rack"}
    upsert_items(company.pk, [{**item_json(424242, rng), **rare, "Active": True}])
    with connection.cursor() as cursor:  # what autovacuum does after a big load
        cursor.execute("VACUUM ANALYZE catalog_item")
    return company


def measure(client: Client, params: dict, runs: int) -> tuple[float, float, int]:
    for _ in range(3):  # warm caches: templates, plans, the connection
        client.get("/items/search", params)
    samples, found = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get("/items/search", params)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{params}: HTTP {response.status_code}")
        if params.get("format") == "json":
            found = len(response.json()["items"])
    p95 = statistics.quantiles(samples, n=20, method="inclusive")[-1]
    return statistics.median(samples), p95, found


def run_all(client: Client, runs: int) -> dict:
    results = {}
    for label, text in SEARCHES:
        for shape in ("json", "html"):
            params = {"q": text, "format": "json"} if shape == "json" else {"q": text}
            results[label, shape] = measure(client, params, runs)
    return results


def without_indexes(client: Client, runs: int) -> dict:
    indexes = import_module("catalog.migrations.0002_item_search_and_staff").INDEXES

    class Rollback(Exception):
        pass

    results = {}
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                for name in indexes:
                    cursor.execute(f"DROP INDEX {name}")
            results = run_all(client, runs)
            raise Rollback
    except Rollback:
        pass
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--others", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the bench companies")
    args = parser.parse_args()
    if args.runs < 2:
        raise SystemExit("--runs must be at least 2 (for a p95).")
    if connection.vendor != "postgresql":
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database (a scratch one).")
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    print(f"Loading {args.items:,} + {args.others:,} items...", flush=True)
    company = load(args.items, args.others)
    User.objects.filter(email="member@item-bench.test").delete()
    member = User.objects.create_user(email="member@item-bench.test")
    Membership.objects.create(user=member, company=company, role=Membership.Role.MEMBER)
    client = Client(HTTP_HOST="localhost")
    client.force_login(member)
    with override_settings(DEBUG=False):
        ours = run_all(client, args.runs)
        bare = without_indexes(client, args.runs)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(
        f"\nItem search, {args.items:,} items (+{args.others:,} in another company), "
        f"PostgreSQL {version}, {args.runs} runs each; server time in ms, median / p95"
    )
    print(
        f"{'search':32}{'found':>6}{'JSON, trigram':>18}{'HTML, trigram':>18}{'JSON, no index':>18}"
    )
    all_json = []
    for label, _ in SEARCHES:
        med, p95, found = ours[label, "json"]
        hmed, hp95, _ = ours[label, "html"]
        bmed, bp95, _ = bare[label, "json"]
        all_json.append(med)
        print(
            f"{label:32}{found:>6}{med:>9.1f} /{p95:>6.1f}{hmed:>11.1f} /{hp95:>5.1f}"
            f"{bmed:>11.1f} /{bp95:>5.1f}"
        )
    print(f"\nworst median (JSON, trigram): {max(all_json):.1f} ms (target < 50 ms)")
    print(f"(total bench time {time.monotonic() - started:.0f} s)")
    if not args.keep:
        Company.objects.filter(name__startswith=BENCH_PREFIX).delete()
        member.delete()


if __name__ == "__main__":
    main()
