"""The scale run: N companies on real Celery workers, against Intuit's per-realm limits.

N companies (default 1,000), each connected to its own sandbox realm through the consent page
and the token endpoint, each seeded (most with the sandbox's sample books, a few with 1,000
or 10,000 more customers); the sandbox answering with Intuit-like latency; real Celery workers
(--workers processes, queues split as in Procfile.dev / docker-compose.yml), real beat with
the catch-up schedule compressed to --interval seconds, gunicorn receiving webhooks. During
--rounds intervals: one heavy tenant's 5,000 orders, a few orders for every other company,
webhooks at 20 deliveries/s. It prints a table, writes the figures as JSON, the series as
CSV and (with matplotlib, the `bench` extra) a PNG of queue depth and per-realm request rate.

    createdb -h 127.0.0.1 -U postgres qbsync_scale
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qbsync_scale \\
    REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/scale.py [--companies 1000] [--workers 2] [--pool threads]

It takes over the database and Redis db it is given (disconnects every connection in the
database, purges the queues): use scratch ones. tests/qbsync/test_scale.py runs a small one
as a test of invariants (no realm over Intuit's limits, none starved, exactly once).
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import hmac
import json
import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import requests
from harness import (
    ROOT,
    connect_company,
    control,
    free_port,
    gunicorn_command,
    sandbox_process,
    setup_django,
    table,
)

VERIFIER = "qbsync-scale-verifier"
# Intuit's per-realm limits (QBO-API.md): requests a minute, at once, batch requests a minute.
LIMITS = {"per_minute": 500, "concurrent": 10, "batch_per_minute": 40}
CELERY = str(ROOT / ".venv" / "bin" / "celery")
QUEUES = ("pushes", "pulls", "webhooks", "housekeeping")


@dataclass
class Config:
    companies: int = 1000
    workers: int = 2
    pool: str = "threads"
    concurrency: int = 8
    pulls_nice: int = 0  # OS priority of the workers that read no pushes (nice -n)
    interval: float = 120.0  # the catch-up schedule, compressed
    rounds: int = 3
    latency_scale: float = 1.0
    heavy_orders: int = 5000
    small_orders: int = 3
    webhook_rate: float = 20.0
    probes: int = 10  # small tenants measured alone first, then under load
    settle_timeout: float = 600.0
    out: str = "var/scale"
    seed: int = 19


@dataclass
class Series:
    """What the monitor samples once a second."""

    t: list[float] = field(default_factory=list)
    queues: dict[str, list[int]] = field(default_factory=lambda: {q: [] for q in QUEUES})
    db_connections: list[int] = field(default_factory=list)
    worker_rss_mb: list[float] = field(default_factory=list)
    stalest: list[float] = field(default_factory=list)
    # The moment of the least recent complete sync over all companies (None before every
    # company has had one): a round is over once it passes the round's start.
    oldest_sync: list[datetime | None] = field(default_factory=list)
    since: datetime = field(default_factory=lambda: datetime.now(UTC))
    # The sandbox's own count of requests in flight for the busiest realms (sampled).
    in_flight: list[int] = field(default_factory=list)


def layout(workers: int) -> list[str]:
    """Which queues each worker process reads: pushes never share a worker with pulls."""
    if workers <= 1:
        return [",".join(QUEUES)]
    # Webhook settling is a sync: it reads QuickBooks like a catch-up, so it sits with the
    # pulls; pushes (and beat's quick sweeps) keep a worker to themselves.
    if workers == 2:
        return ["pushes,housekeeping", "pulls,webhooks"]
    return ["pushes,housekeeping", "webhooks,pulls", *["pulls,webhooks"] * (workers - 2)]


# --- the tenants ------------------------------------------------------------------------------
def plan(n: int) -> list[int]:
    """Extra customers per company: most none (the sample books), 5 % a thousand more,
    0.5 % (at least one) ten thousand more. Company 0 is the heavy order tenant."""
    extra = [0] * n
    big = max(1, n // 200)
    medium = n // 20
    for i in range(1, 1 + big):
        extra[i % n] = 10_000
    for i in range(1 + big, 1 + big + medium):
        extra[i % n] = 1_000
    return extra


def connect_all(url: str, n: int, threads: int = 8) -> list[tuple[int, str]]:
    """(company pk, realm) for n new companies, each through the consent page and token
    endpoint, in parallel (a separate database connection per thread)."""
    from django.db import connection

    sandbox = control(url)
    extra = plan(n)

    def seed(i: int) -> str:
        realm = sandbox.create_company(name=f"Scale {i}", seed=True)
        if extra[i]:
            sandbox.seed_customers(realm, extra[i])
        return realm

    def one(i: int, realm: str) -> tuple[int, str]:
        try:
            company = connect_company(url, f"scale {i}", realm)
            return company.pk, realm
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        realms = list(pool.map(seed, range(n)))
    # Seeded books are minutes old; a real company's are older than the catch-up's 5-minute
    # overlap (else every catch-up re-reads a big tenant's whole seed): move QBO's clock on.
    sandbox.advance_clock(600)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(one, range(n), realms))


# --- processes --------------------------------------------------------------------------------
def child_env(config: Config, **extra: str) -> dict:
    return {
        **os.environ,
        "QBO_WEBHOOK_VERIFIER_TOKEN": VERIFIER,
        "QBO_CATCH_UP_SECONDS": str(config.interval),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    handle = log.open("wb")
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen, timeout: float = 60) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def start_web(config: Config, port: int, out: Path) -> subprocess.Popen:
    process = start(gunicorn_command(port), child_env(config), out / "web.log")
    deadline = time.monotonic() + 120
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
            return process
        except requests.RequestException:
            if time.monotonic() > deadline or process.poll() is not None:
                stop(process)
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.3)


def start_workers(config: Config, out: Path) -> list[subprocess.Popen]:
    workers = []
    for n, queues in enumerate(layout(config.workers)):
        command = [
            CELERY,
            "-A",
            "qbsync",
            "worker",
            "--queues",
            queues,
            "--pool",
            config.pool,
            "--concurrency",
            str(config.concurrency),
            "--hostname",
            f"scale{n}@%h",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ]
        if config.pulls_nice and "pushes" not in queues:
            # Pulls yield the CPU to pushes on a shared host (the urgent stay urgent).
            command = ["nice", "-n", str(config.pulls_nice), *command]
        workers.append(start(command, child_env(config), out / f"worker{n}.log"))
    return workers


def start_beat(config: Config, out: Path) -> subprocess.Popen:
    command = [
        CELERY,
        "-A",
        "qbsync",
        "beat",
        "--loglevel",
        "INFO",
        "--schedule",
        str(out / "celerybeat-schedule"),
    ]
    return start(command, child_env(config, LOG_LEVEL="INFO"), out / "beat.log")


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants (a worker and its pool)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(
                next(ln for ln in status.splitlines() if ln.startswith("VmRSS")).split()[1]
            )
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending.extend(int(c) for c in children)
        except (OSError, StopIteration, ValueError):
            continue
    return total / 1024


# --- load -------------------------------------------------------------------------------------
def create_orders(company_id: int, count: int, label: str) -> list[int]:
    from django.db import connection

    from accounts.models import Company
    from invoicing import services

    company = Company.objects.get(pk=company_id)
    ids = []
    try:
        for n in range(count):
            order = services.create_order(
                company=company,
                created_by=None,
                new_customer_name=f"{label} customer {n % 5}",
                order_date=date(2026, 3, 2),
                lines=[
                    services.NewLine(None, f"{label} work {n}", Decimal("1"), Decimal("9.99"), True)
                ],
            )
            ids.append(order.pk)
    finally:
        connection.close()
    return ids


def order_latencies(ids: list[int]) -> list[float] | None:
    """Seconds from creation to invoice for each order, or None while any is unsettled."""
    from invoicing.models import Order

    rows = list(Order.objects.filter(pk__in=ids).values("push_status", "created_at", "synced_at"))
    if any(r["push_status"] not in ("synced", "failed") for r in rows):
        return None
    return [(r["synced_at"] - r["created_at"]).total_seconds() for r in rows if r["synced_at"]]


def wait_orders(ids: list[int], timeout: float, *, required: bool = True) -> list[float]:
    """Latencies once every order settled; past the timeout, those that did (the exactly-once
    check counts the rest as lost) unless they are required."""
    from invoicing.models import Order

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = order_latencies(ids)
        if got is not None:
            return got
        time.sleep(0.5)
    if required:
        raise SystemExit(f"{len(ids)} orders did not settle in {timeout:.0f}s")
    rows = Order.objects.filter(pk__in=ids, push_status="synced").values("created_at", "synced_at")
    print(f"of {len(ids)} orders, {len(rows)} settled within {timeout:.0f}s")
    return [(r["synced_at"] - r["created_at"]).total_seconds() for r in rows]


def sign(body: bytes) -> str:
    return base64.b64encode(hmac.new(VERIFIER.encode(), body, hashlib.sha256).digest()).decode()


def delivery(realm: str, n: int) -> bytes:
    """One CloudEvents delivery about a customer, as Intuit sends them."""
    return json.dumps(
        [
            {
                "specversion": "1.0",
                "id": f"scale-{realm}-{n}",
                "source": "intuit.scale",
                "type": "qbo.customer.updated.v1",
                "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "intuitentityid": "1",
                "intuitaccountid": realm,
                "data": {},
            }
        ]
    ).encode()


def webhook_stream(url: str, realms: list[str], rate: float, stop_at: float, rng) -> list:
    """Deliveries on a fixed schedule (not waiting for answers): (seconds, status) each."""
    answers, lock = [], threading.Lock()
    session = requests.Session()
    session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=32))

    def one(body: bytes) -> None:
        started = time.perf_counter()
        try:
            status = session.post(
                url,
                data=body,
                headers={"intuit-signature": sign(body), "Content-Type": "application/json"},
                timeout=30,
            ).status_code
        except requests.RequestException:
            status = 0
        with lock:
            answers.append((time.perf_counter() - started, status))

    with ThreadPoolExecutor(max_workers=32) as pool:
        begun, n = time.monotonic(), 0
        while time.monotonic() < stop_at:
            time.sleep(max(0.0, begun + n / rate - time.monotonic()))
            pool.submit(one, delivery(rng.choice(realms), n))
            n += 1
    return answers


# --- the monitor ------------------------------------------------------------------------------
def queue_depth(redis, name: str) -> int:
    # kombu's Redis transport keeps a list per queue and priority step ("name", "name\x06\x163"...)
    return sum(redis.llen(key) for key in (name, *(f"{name}\x06\x16{p}" for p in (3, 6, 9))))


def monitor(series: Series, workers, company_ids, watched: list[str], sandbox, begun, stop) -> None:
    import redis as redis_lib
    from django.db import connection
    from django.db.models import Min

    from qbo.models import SyncCursor

    broker = redis_lib.Redis.from_url(os.environ["REDIS_URL"])
    started_at = datetime.now(UTC)
    try:
        while not stop.is_set():
            series.t.append(time.monotonic() - begun)
            for name in QUEUES:
                series.queues[name].append(queue_depth(broker, name))
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                )
                series.db_connections.append(cursor.fetchone()[0])
            series.worker_rss_mb.append(sum(rss_mb(w.pid) for w in workers))
            series.in_flight.append(max((sandbox.in_flight(r) for r in watched), default=0))
            # The company longest without a complete sync (before its first: since the start).
            last = dict(
                SyncCursor.objects.filter(company_id__in=company_ids)
                .values("company_id")
                .annotate(last=Min("last_success_at"))
                .values_list("company_id", "last")
            )
            moments = [last.get(c) for c in company_ids]
            now = datetime.now(UTC)
            oldest = None if None in moments else min(moments)
            series.oldest_sync.append(oldest)
            series.stalest.append((now - (oldest or started_at)).total_seconds())
            stop.wait(1.0)
    finally:
        connection.close()


def round_starts(beat_log: Path) -> list[datetime]:
    """When beat sent each catch-up round (its log)."""
    moments = []
    for line in beat_log.read_text(errors="replace").splitlines():
        if "Sending due task catch-up-sync" in line:
            stamp = line[:23]
            moments.append(datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=UTC))
    return moments


def round_times(series: Series, starts: list[datetime]) -> list[float | None]:
    """For each round: seconds from its start until every company had completed a sync
    (every entity) since (None: not by the end of the run); sampled once a second."""
    result = []
    for begun in starts:
        done = next(
            (
                moment
                for moment, oldest in zip(series.t, series.oldest_sync, strict=True)
                if oldest is not None and oldest >= begun
            ),
            None,
        )
        result.append(None if done is None else done - (begun - series.since).total_seconds())
    return result


# --- what Intuit saw ----------------------------------------------------------------------------
def realm_figures(company_ids: list[int], since: datetime, until: datetime) -> dict:
    """Per realm, from the call log: peak requests in any 60 s, peak in flight (an upper
    bound: a call's logged time includes waiting for our own throttle's slot), batch requests
    in any 60 s, and Intuit's 429s."""
    from qbo.models import QBOCall

    rows = (
        QBOCall.objects.filter(company_id__in=company_ids, created_at__range=(since, until))
        .exclude(operation__startswith="oauth")
        .exclude(status_code__isnull=True)  # refused by our own throttle: never sent
        .values_list("company_id", "created_at", "duration_ms", "status_code", "operation")
    )
    by_company = defaultdict(list)
    for company_id, created, duration_ms, status, operation in rows:
        end = created.timestamp()
        by_company[company_id].append((end - duration_ms / 1000, end, status, operation))
    peak_minute = peak_flight = peak_batch = throttled = 0
    per_second = Counter()
    for calls in by_company.values():
        starts = sorted(c[0] for c in calls)
        peak_minute = max(peak_minute, _peak_window(starts, 60.0))
        batches = sorted(c[0] for c in calls if c[3] == "batch")
        peak_batch = max(peak_batch, _peak_window(batches, 60.0))
        events = sorted([(c[0], 1) for c in calls] + [(c[1], -1) for c in calls])
        flight = 0
        for _, step in events:
            flight += step
            peak_flight = max(peak_flight, flight)
        throttled += sum(1 for c in calls if c[2] == 429)
        for c in calls:
            per_second[int(c[0] - since.timestamp())] += 1
    return {
        "calls": sum(len(c) for c in by_company.values()),
        "peak_per_minute": peak_minute,
        "peak_in_flight": peak_flight,
        "peak_batch_per_minute": peak_batch,
        "http_429": throttled,
        "total_per_second": dict(per_second),
        "max_realm_per_minute_series": _realm_rate_series(by_company, since),
    }


def _peak_window(starts: list[float], width: float) -> int:
    best, low = 0, 0
    for high, moment in enumerate(starts):
        while starts[low] < moment - width:
            low += 1
        best = max(best, high - low + 1)
    return best


def _realm_rate_series(by_company: dict, since: datetime) -> dict[int, int]:
    """Second -> the busiest realm's requests over the 60 s before it."""
    base = since.timestamp()
    seconds = defaultdict(Counter)
    for company_id, calls in by_company.items():
        for c in calls:
            seconds[company_id][int(c[0] - base)] += 1
    horizon = max((max(s) for s in seconds.values() if s), default=0)
    series = {}
    for second in range(0, horizon + 1, 5):
        series[second] = max(
            (sum(s[x] for x in range(second - 59, second + 1)) for s in seconds.values()),
            default=0,
        )
    return series


def exactly_once(company_ids: list[int]) -> dict:
    """Every order's invoice in QuickBooks once: count our marker in each company's invoices."""
    from django.db import connection

    from invoicing.models import Order
    from invoicing.sync import MARKER
    from qbo.client import open_client

    with_orders = sorted(
        set(Order.objects.filter(company_id__in=company_ids).values_list("company_id", flat=True))
    )

    def markers(company_id: int) -> Counter:
        try:
            with open_client(company_id) as qb:
                invoices = qb.query_all("Invoice")
            return Counter(
                int(m.group(2))
                for inv in invoices
                for m in [MARKER.search(inv.get("PrivateNote") or "")]
                if m
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = sum(pool.map(markers, with_orders), Counter())
    orders = list(Order.objects.filter(company_id__in=company_ids).values("pk", "push_status"))
    return {
        "orders": len(orders),
        "synced": sum(1 for o in orders if o["push_status"] == "synced"),
        "duplicates": sum(n - 1 for n in counts.values() if n > 1),
        "failed": sum(1 for o in orders if o["push_status"] == "failed"),
        # Still in the outbox when the run stopped waiting (a slow run, not a lost order)...
        "queued": sum(1 for o in orders if o["push_status"] not in ("synced", "failed")),
        # ...and lost: marked synced with no invoice carrying its marker in QuickBooks.
        "lost": sum(
            1 for o in orders if o["push_status"] == "synced" and counts.get(o["pk"], 0) == 0
        ),
    }


# --- the run ----------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def prepare(url: str) -> None:
    from django.conf import settings
    from django.core.cache import cache

    from qbo.models import QuickBooksConnection
    from qbsync.celery import app

    name = settings.DATABASES["default"]["NAME"]
    if not any(word in name for word in ("scale", "bench", "test")):
        raise SystemExit(f"database {name!r}: use a scratch one (its name with scale/bench/test)")
    QuickBooksConnection.objects.update(status="disconnected")
    app.control.purge()
    cache.clear()


def run(config: Config) -> dict:
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("set REDIS_URL (the workers' broker and the shared throttle)")
    out = (ROOT / config.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(config.seed)
    flags = ["--latency-scale", str(config.latency_scale), "--verifier-token", VERIFIER]
    web_port = free_port()
    webhook_url = f"http://127.0.0.1:{web_port}/quickbooks/webhooks/"
    results: dict = {"config": asdict(config)}
    with sandbox_process(*flags, "--webhook-url", webhook_url) as url:
        setup_django(url, QBO_WEBHOOK_VERIFIER_TOKEN=VERIFIER)
        prepare(url)
        started = time.perf_counter()
        tenants = connect_all(url, config.companies)
        results["connect_seconds"] = time.perf_counter() - started
        print(
            f"{config.companies} companies seeded and connected in",
            f"{results['connect_seconds']:.0f}s",
        )
        company_ids = [pk for pk, _ in tenants]
        realms = [realm for _, realm in tenants]
        heavy = company_ids[0]
        extra = plan(config.companies)
        smalls = [pk for pk, e in zip(company_ids, extra, strict=True) if not e and pk != heavy]
        probes = smalls[: config.probes]
        # The busiest realms: the heavy order tenant and the big imports.
        watched = [realms[0], *[r for r, e in zip(realms, extra, strict=True) if e >= 10_000]]
        web = start_web(config, web_port, out)
        workers = start_workers(config, out)
        beat = None
        series, halt = Series(), threading.Event()
        try:
            # Warm up (first token use, the "Services" item), then alone: each probe
            # tenant's orders with nothing else running.
            wait_orders([i for pk in probes for i in create_orders(pk, 1, "warm")], timeout=300)
            alone = wait_orders(
                [i for pk in probes for i in create_orders(pk, config.small_orders, "alone")],
                timeout=300,
            )
            begun = time.monotonic()
            since = series.since = datetime.now(UTC)
            watcher = threading.Thread(
                target=monitor,
                args=(series, workers, company_ids, watched, control(url), begun, halt),
                daemon=True,
            )
            watcher.start()
            from qbsync.celery import app

            # Everyone has just connected: the first round (full imports) now, then beat's.
            app.send_task("qbo.tasks.catch_up_all_companies")
            first_round = datetime.now(UTC)
            beat = start_beat(config, out)
            load_ends = begun + config.rounds * config.interval
            with ThreadPoolExecutor(max_workers=4) as pool:
                hooks = pool.submit(
                    webhook_stream, webhook_url, realms, config.webhook_rate, load_ends, rng
                )
                backlog = pool.submit(create_orders, heavy, config.heavy_orders, "heavy")
                # The others' few orders each, spread over the first two thirds of the run.
                others = list(company_ids[1:])
                rng.shuffle(others)
                loaded_ids: list[int] = []
                probe_ids: list[int] = []
                spread = max(1.0, 0.66 * (load_ends - time.monotonic()))
                step = spread / max(1, len(others))
                for k, pk in enumerate(others):
                    time.sleep(max(0.0, begun + k * step - time.monotonic()))
                    ids = create_orders(pk, config.small_orders, "small")
                    (probe_ids if pk in probes else loaded_ids).extend(ids)
                backlog_ids = backlog.result()
                answers = hooks.result()
            loaded_ids.extend(probe_ids)
            load_stopped = datetime.now(UTC)
            loaded = wait_orders(loaded_ids, config.settle_timeout, required=False)
            probed = order_latencies(probe_ids) or []
            wait_orders(backlog_ids, config.settle_timeout, required=False)
            settled_at = time.monotonic() - begun
            # Let the round in progress finish before stopping.
            time.sleep(min(config.interval, 30))
        finally:
            halt.set()
            for process in [beat, *workers, web]:
                if process is not None:
                    stop(process)
        until = datetime.now(UTC)
        starts = [first_round, *[s for s in round_starts(out / "beat.log") if s < load_stopped]]
        rounds = round_times(series, starts)
        intuit = realm_figures(company_ids, since, until)
        once = exactly_once(company_ids)
    webhook_times = [a for a, status in answers if status == 200]
    results.update(
        {
            "rounds": rounds,
            "interval": config.interval,
            "stalest_after_first_round": max(
                (
                    s
                    for t, s in zip(series.t, series.stalest, strict=True)
                    if rounds[0] and t > rounds[0]
                ),
                default=None,
            ),
            "realms": {k: v for k, v in intuit.items() if not isinstance(v, dict)},
            "alone_p50": percentile(alone, 50),
            "alone_p99": percentile(alone, 99),
            "probe_p50": percentile(probed, 50),
            "probe_p99": percentile(probed, 99),
            "small_p50": percentile(loaded, 50),
            "small_p99": percentile(loaded, 99),
            "heavy_orders_settled_s": settled_at,
            "webhooks_sent": len(answers),
            "webhooks_failed": sum(1 for _, status in answers if status != 200),
            "webhook_p50_ms": percentile(webhook_times, 50) * 1000,
            "webhook_p99_ms": percentile(webhook_times, 99) * 1000,
            "peak_in_flight_sampled": max(series.in_flight, default=0),
            "peak_db_connections": max(series.db_connections, default=0),
            "peak_worker_rss_mb": max(series.worker_rss_mb, default=0),
            "peak_queue": {q: max(v, default=0) for q, v in series.queues.items()},
            "exactly_once": once,
        }
    )
    write_outputs(out, results, series, intuit)
    return results


def write_outputs(out: Path, results: dict, series: Series, intuit: dict) -> None:
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str))
    with (out / "series.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["t", *QUEUES, "db_connections", "worker_rss_mb", "stalest_s"])
        for i, t in enumerate(series.t):
            writer.writerow(
                [
                    f"{t:.1f}",
                    *(series.queues[q][i] for q in QUEUES),
                    series.db_connections[i],
                    f"{series.worker_rss_mb[i]:.0f}",
                    f"{series.stalest[i]:.0f}",
                ]
            )
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"(no matplotlib: install the bench extra for the PNG; series in {out}/series.csv)")
        return
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(10, 7), sharex=True)
    for name in QUEUES:
        top.plot(series.t, series.queues[name], label=name)
    top.set_ylabel("messages queued")
    top.legend()
    top.set_title(
        f"{results['config']['companies']} companies, {results['config']['workers']} workers"
    )
    rate = intuit["max_realm_per_minute_series"]
    bottom.plot(list(rate), list(rate.values()), label="busiest realm, requests/60 s")
    bottom.axhline(LIMITS["per_minute"], color="red", linestyle="--", label="Intuit's 500/min")
    bottom.set_ylabel("requests per minute")
    bottom.set_xlabel("seconds into the run")
    bottom.legend()
    figure.tight_layout()
    figure.savefig(out / "scale.png", dpi=100)
    print(f"plot: {out / 'scale.png'}")


def report(results: dict) -> None:
    config = results["config"]
    interval = results["interval"]
    rounds = results["rounds"]
    realm = results["realms"]
    once = results["exactly_once"]

    def seconds(value):
        return "did not finish" if value is None else f"{value:.0f} s"

    rows = [
        [
            "first round (every company's first import)",
            seconds(rounds[0]),
            f"{interval:.0f} s interval",
        ],
        *[
            [f"catch-up round {k + 1}", seconds(r), f"{interval:.0f} s interval"]
            for k, r in enumerate(rounds[1:], start=1)
        ],
        [
            "stalest company after the first round",
            seconds(results["stalest_after_first_round"]),
            f"<= {2 * interval:.0f} s (two intervals)",
        ],
        [
            "busiest realm: requests in any 60 s",
            realm["peak_per_minute"],
            f"<= {LIMITS['per_minute']}",
        ],
        [
            "busiest realm: in flight at once (upper bound)",
            realm["peak_in_flight"],
            f"<= {LIMITS['concurrent']}",
        ],
        [
            "busiest realm: batch requests in any 60 s",
            realm["peak_batch_per_minute"],
            f"<= {LIMITS['batch_per_minute']}",
        ],
        [
            "busiest realms: in flight, as the sandbox counts it (sampled 1/s)",
            results["peak_in_flight_sampled"],
            f"<= {LIMITS['concurrent']}",
        ],
        ["HTTP 429 from QuickBooks", realm["http_429"], "0"],
        ["QBO calls in the run", realm["calls"], ""],
        [
            "small tenant alone: order to invoice p50 / p99",
            f"{results['alone_p50']:.2f} / {results['alone_p99']:.2f} s",
            "",
        ],
        [
            "same tenants under load: p50 / p99",
            f"{results['probe_p50']:.2f} / {results['probe_p99']:.2f} s",
            "<= 2x alone",
        ],
        [
            "all small tenants under load: p50 / p99",
            f"{results['small_p50']:.2f} / {results['small_p99']:.2f} s",
            "<= 2x alone",
        ],
        [
            f"heavy tenant's {config['heavy_orders']:,} orders all invoiced",
            f"{results['heavy_orders_settled_s']:.0f} s",
            "",
        ],
        [
            f"webhooks at {config['webhook_rate']:g}/s: answer p50 / p99",
            f"{results['webhook_p50_ms']:.0f} / {results['webhook_p99_ms']:.0f} ms "
            f"({results['webhooks_sent']} sent, {results['webhooks_failed']} not 200)",
            "",
        ],
        ["peak database connections", results["peak_db_connections"], ""],
        [
            "peak worker memory (all worker processes)",
            f"{results['peak_worker_rss_mb']:.0f} MB",
            "",
        ],
        ["peak queue depth", ", ".join(f"{q} {n}" for q, n in results["peak_queue"].items()), ""],
        [
            "invoices: orders / synced / failed / still queued / duplicates / lost",
            " / ".join(
                str(once.get(k, 0))
                for k in ("orders", "synced", "failed", "queued", "duplicates", "lost")
            ),
            "0 duplicates, 0 lost",
        ],
    ]
    table(
        f"Scale run: {config['companies']:,} companies, {config['workers']} worker processes "
        f"({config['pool']} x {config['concurrency']}), latency x{config['latency_scale']:g}",
        ["figure", "measured", "against"],
        rows,
    )


def _interrupted(signum, frame) -> None:
    raise KeyboardInterrupt  # so the run's finally blocks stop the workers, beat and gunicorn


def main() -> None:
    signal.signal(signal.SIGTERM, _interrupted)
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    defaults = Config()
    parser.add_argument("--companies", type=int, default=defaults.companies)
    parser.add_argument("--workers", type=int, default=defaults.workers)
    parser.add_argument("--pool", choices=["threads", "prefork", "solo"], default=defaults.pool)
    parser.add_argument("--concurrency", type=int, default=defaults.concurrency)
    parser.add_argument(
        "--interval", type=float, default=defaults.interval, help="catch-up schedule, seconds"
    )
    parser.add_argument(
        "--pulls-nice", type=int, default=defaults.pulls_nice, help="nice -n of pulls workers"
    )
    parser.add_argument("--rounds", type=int, default=defaults.rounds)
    parser.add_argument("--latency-scale", type=float, default=defaults.latency_scale)
    parser.add_argument("--no-latency", action="store_true")
    parser.add_argument("--heavy-orders", type=int, default=defaults.heavy_orders)
    parser.add_argument("--small-orders", type=int, default=defaults.small_orders)
    parser.add_argument("--webhook-rate", type=float, default=defaults.webhook_rate)
    parser.add_argument("--out", default=defaults.out)
    args = parser.parse_args()
    config = Config(
        companies=args.companies,
        workers=args.workers,
        pool=args.pool,
        concurrency=args.concurrency,
        pulls_nice=args.pulls_nice,
        interval=args.interval,
        rounds=args.rounds,
        latency_scale=0.0 if args.no_latency else args.latency_scale,
        heavy_orders=args.heavy_orders,
        small_orders=args.small_orders,
        webhook_rate=args.webhook_rate,
        out=args.out,
    )
    report(run(config))


if __name__ == "__main__":
    main()
