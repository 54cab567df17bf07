"""Helpers for tests that run parts of the app in other processes (spawned, not forked).

A spawned child gets the test database and the sandbox through environment variables, so it
runs the same code path a worker process would.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child_environment(settings, **extra: str) -> dict[str, str]:
    """Environment for a child process: the test database and the app's QBO settings."""
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        "DJANGO_SETTINGS_MODULE": "qbsync.settings",
        "DATABASE_URL": url,
        "QBO_ENVIRONMENT": settings.QBO_ENVIRONMENT,
        "QBO_LOCAL_SANDBOX_URL": settings.QBO_LOCAL_SANDBOX_URL,
        "QBO_LOCAL_SANDBOX_PUBLIC_URL": settings.QBO_LOCAL_SANDBOX_PUBLIC_URL,
        "QBO_CLIENT_ID": settings.QBO_CLIENT_ID,
        "QBO_CLIENT_SECRET": settings.QBO_CLIENT_SECRET,
        "QBO_REDIRECT_URI": settings.QBO_REDIRECT_URI,
        "QBO_WEBHOOK_VERIFIER_TOKEN": settings.QBO_WEBHOOK_VERIFIER_TOKEN,
        "QBO_TOKEN_KEYS": settings.QBO_TOKEN_KEYS,
        "SECRET_KEY": settings.SECRET_KEY,
        "REDIS_URL": settings.REDIS_URL,
        "PYTHONPATH": str(ROOT),
        **extra,
    }
    return {**os.environ, **{k: str(v) for k, v in env.items()}}


def setup_django(env: dict[str, str]) -> None:
    """Inside a spawned child: adopt the parent's environment and start Django."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def refresh_worker(env, connection_id, rounds, threads, start_barrier, barrier, results):
    """A process of `threads` threads; each round they all meet an expired token at once."""
    import threading

    setup_django(env)
    from django.db import connection
    from quickbooks.objects.company_info import CompanyInfo

    from qbo import tokens
    from qbo.client import open_client

    def one_caller(round_no: int) -> None:
        try:
            barrier.wait()
            token = tokens.current_access_token(connection_id)
            with open_client(token_company(connection_id)) as qb:
                CompanyInfo.get(qb.company_id, qb=qb)
            results.put((round_no, "ok", token.version))
        except Exception as exc:  # reported to the parent, which fails the test
            results.put((round_no, "error", repr(exc)))
        finally:
            connection.close()

    def token_company(pk):
        from qbo.models import QuickBooksConnection

        return QuickBooksConnection.objects.values_list("company_id", flat=True).get(pk=pk)

    for round_no in range(rounds):
        start_barrier.wait()  # the parent has expired the token for this round
        workers = [threading.Thread(target=one_caller, args=(round_no,)) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        start_barrier.wait()  # round done


def sweeper_loop(env, interval: float = 1.0) -> None:
    """Stands in for celery beat in the chaos run: the sweeper, every `interval` seconds."""
    import time

    setup_django(env)
    from django.db import connection

    from invoicing import drains

    while True:
        try:
            drains.sweep()
        except Exception as exc:  # the broker or database may be down on purpose
            print(f"sweeper: {exc!r}", flush=True)
            connection.close()
        time.sleep(interval)
