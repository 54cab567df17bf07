"""The chaos run: real Celery workers on a private Redis, SIGKILLed at random, the broker
stopped mid-run, faults in the sandbox — and still 0 duplicate invoices and 0 lost orders.

Two worker processes (two pool processes each) race for the same company's orders. A small
process plays beat, running the sweeper every second. The broker outage lasts
QBSYNC_CHAOS_OUTAGE seconds (60 by default, as the issue asks).
"""

import contextlib
import multiprocessing
import os
import random
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis

from tests.invoicing.faultrun import check_exactly_once, make_orders, unsettled
from tests.processes import ROOT, child_environment, sweeper_loop

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(900),
]
ORDERS = 200
KILLS = 20
OUTAGE = float(os.environ.get("QBSYNC_CHAOS_OUTAGE", "60"))
CELERY = str(Path(ROOT) / ".venv" / "bin" / "celery")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of our own, so the test may stop it without harming anything else."""

    def __init__(self, workdir: Path):
        self.port = _free_port()
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        subprocess.run(
            [
                "redis-server",
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                "--pidfile",
                str(self.workdir / "redis.pid"),
            ],
            check=True,
        )
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("private redis did not start")

    def stop(self) -> None:
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "shutdown", "nosave"],
            check=False,
            capture_output=True,
        )


class Workers:
    def __init__(self, env: dict, logdir: Path, count: int = 2):
        self.env, self.logdir, self.count = env, logdir, count
        self.procs: dict[int, subprocess.Popen] = {}
        self.kills = 0

    def start(self, slot: int) -> None:
        log = open(self.logdir / f"worker{slot}.log", "ab")  # noqa: SIM115 - closed with proc
        self.procs[slot] = subprocess.Popen(
            [
                CELERY,
                "-A",
                "qbsync",
                "worker",
                "--concurrency",
                "2",
                "-n",
                f"w{slot}@%h",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_all(self) -> None:
        for slot in range(self.count):
            self.start(slot)

    def kill_random(self, rng: random.Random) -> None:
        slot = rng.randrange(self.count)
        main = self.procs[slot]
        children = subprocess.run(
            ["pgrep", "-P", str(main.pid)], capture_output=True, text=True
        ).stdout.split()
        if children and rng.random() < 0.6:
            os.kill(int(rng.choice(children)), signal.SIGKILL)  # a pool process, mid-task
        else:
            os.killpg(main.pid, signal.SIGKILL)  # the whole worker
            main.wait()
            self.start(slot)
        self.kills += 1

    def stop_all(self) -> None:
        for proc in self.procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_chaos_run_loses_and_duplicates_nothing(connected, qbo, settings, tmp_path):
    rng = random.Random(20261126)
    broker = PrivateRedis(tmp_path)
    broker.start()
    env = child_environment(
        settings,
        REDIS_URL=broker.url,
        QBO_CONNECT_TIMEOUT="1",
        QBO_READ_TIMEOUT="2",
        QBO_PUSH_BACKOFF_BASE="0.2",
        QBO_PUSH_BACKOFF_CAP="5",
        QBO_AMBIGUOUS_SETTLE="3",  # above the injected latency (0.3 s)
        CELERY_TASK_TIME_LIMIT="60",
    )
    workers = Workers(env, tmp_path)
    beat = multiprocessing.get_context("spawn").Process(target=sweeper_loop, args=(env,))
    api = r"/v3/company/.*/(invoice|batch|customer|query)$"
    qbo.control.add_fault(api, "latency", percent=40, seconds=0.3)
    qbo.control.add_fault(api, "status", percent=10, status=500)
    qbo.control.add_fault(api, "drop_after_commit", percent=10)
    try:
        make_orders(connected.company, ORDERS)
        workers.start_all()
        beat.start()
        record = _chaos(rng, workers, broker, connected.company_id)
        qbo.control.clear_faults()
        deadline = time.monotonic() + 300
        while unsettled(connected.company_id) and time.monotonic() < deadline:
            time.sleep(1)
    finally:
        workers.stop_all()
        beat.kill()
        broker.stop()
    outcome = check_exactly_once(qbo, connected.realm_id, connected.company_id)
    assert outcome["synced"] == ORDERS, outcome
    print(f"chaos: {workers.kills} kills, {record}")
    # The kills and the outage hit a run in progress, not an idle system.
    assert record["kills_mid_run"] >= 5
    assert record["unsettled_at_outage"] > 0


def _chaos(rng, workers, broker, company_id) -> dict:
    """Kill a worker (a pool process or a whole worker) every 1-3 s, KILLS times; a few
    seconds in, stop the broker for OUTAGE seconds. Returns what happened, for the record."""
    started = time.monotonic()
    record = {"kills_mid_run": 0, "unsettled_at_outage": None}
    while (unsettled(company_id) and workers.kills < KILLS) or record[
        "unsettled_at_outage"
    ] is None:
        time.sleep(rng.uniform(1, 3))
        record["kills_mid_run"] += bool(unsettled(company_id))
        workers.kill_random(rng)
        if record["unsettled_at_outage"] is None and time.monotonic() - started > 5:
            record["unsettled_at_outage"] = unsettled(company_id)
            broker.stop()
            time.sleep(OUTAGE)
            broker.start()
    return record
