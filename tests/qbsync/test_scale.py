"""A small scale run (bench/scale.py) as a test of invariants, not timings: 30 companies on
two real Celery workers (Redis, PostgreSQL), real beat on a compressed schedule, the sandbox
with (scaled) latency, orders and webhooks arriving. No realm is ever over Intuit's limits,
every company is caught up within two intervals (none starved), and every order becomes
exactly one invoice."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
INTERVAL = 20

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def _database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.timeout(420)
def test_thirty_companies_stay_inside_intuits_limits_and_nothing_is_lost(
    transactional_db, tmp_path
):
    out = tmp_path / "scale"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),  # the test database: flushed after the test
        "REDIS_URL": settings.REDIS_URL,
    }
    command = [
        sys.executable,
        str(ROOT / "bench" / "scale.py"),
        "--companies", "30",
        "--interval", str(INTERVAL),
        "--rounds", "3",
        "--heavy-orders", "300",
        "--small-orders", "2",
        "--webhook-rate", "5",
        "--latency-scale", "0.3",
        "--out", str(out),
    ]  # fmt: skip
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=400)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    results = json.loads((out / "results.json").read_text())

    realms = results["realms"]
    assert realms["calls"] > 0
    assert realms["http_429"] == 0
    assert realms["peak_per_minute"] <= 500
    assert realms["peak_batch_per_minute"] <= 40
    assert results["peak_in_flight_sampled"] <= 10

    # Every round finished, none took more than two intervals, and no company went longer
    # than two intervals without a complete sync once the first round was over.
    rounds = results["rounds"]
    assert len(rounds) >= 2 and None not in rounds, rounds
    assert max(rounds) <= 2 * INTERVAL, rounds
    assert results["stalest_after_first_round"] <= 2 * INTERVAL

    once = results["exactly_once"]
    # The heavy tenant's, the others' 2 each, then the 10 probes' 2 alone and 1 to warm up.
    assert once["orders"] == 300 + 29 * 2 + 10 * 2 + 10
    assert once["duplicates"] == 0 and once["lost"] == 0 and once["failed"] == 0
    assert once["synced"] == once["orders"]
    assert results["webhooks_sent"] > 0 and results["webhooks_failed"] == 0
