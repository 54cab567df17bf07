"""Shared set-up for the app's benchmarks: a sandbox process, Django, a connected company.

Benchmarks are scripts that print figures (not tests). They need PostgreSQL:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qbsync_bench .venv/bin/python bench/<name>.py
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qbo_sandbox.config import DEFAULT_CONTROL_KEY  # noqa: E402

CLIENT_ID = "qbsync-bench-client"
CLIENT_SECRET = "qbsync-bench-secret"  # noqa: S105 - a local benchmark's throwaway value
REDIRECT_URI = "http://localhost:8000/settings/quickbooks/callback/"
CONTROL_KEY = DEFAULT_CONTROL_KEY


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def sandbox_process(*flags: str):
    """`python -m qbo_sandbox` on a free port, in its own process (its own GIL)."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "qbo_sandbox",
        "--port",
        str(port),
        "--client-id",
        CLIENT_ID,
        "--client-secret",
        CLIENT_SECRET,
        "--redirect-uri",
        REDIRECT_URI,
        # No webhooks unless asked for: seeded customers would otherwise go to the app's URL.
        "--webhook-url",
        "",
        *flags,
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{url}/.well-known/openid_configuration/", timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit("the sandbox did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def setup_django(sandbox_url: str, **env: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qbsync.settings")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL=postgres://... (benchmarks run on PostgreSQL)")
    os.environ.update(
        QBO_ENVIRONMENT="local",
        QBO_LOCAL_SANDBOX_URL=sandbox_url,
        QBO_CLIENT_ID=CLIENT_ID,
        QBO_CLIENT_SECRET=CLIENT_SECRET,
        QBO_REDIRECT_URI=REDIRECT_URI,
        LOG_LEVEL="WARNING",
        **env,
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def connect_company(sandbox_url: str, name: str, realm_id: str):
    """A new Company connected to a sandbox realm through the consent page and our OAuth code."""
    from qbo_sandbox.testing import authorize

    from accounts.models import Company
    from qbo import oauth, tokens
    from qbo.models import QuickBooksConnection

    # A fresh sandbox reuses realm ids; earlier runs' connections in this database let go.
    QuickBooksConnection.objects.filter(realm_id=realm_id).update(status="disconnected")
    company = Company.objects.create(name=name)
    location = authorize(requests.Session(), oauth.authorization_url("bench-state"), realm_id)
    code = parse_qs(urlsplit(location).query)["code"][0]
    token_set = oauth.exchange_code(code, realm_id, company_id=company.pk)
    connection = QuickBooksConnection.objects.create(
        company=company, realm_id=realm_id, environment="local", country="US"
    )
    tokens.store_tokens(connection, token_set)
    return company


def gunicorn_command(port: int) -> list[str]:
    """The app as production serves it: gunicorn with our config and two sync workers."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--access-logfile",
        "/dev/null",
        "qbsync.wsgi",
    ]


def wait_for_web(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    """Until /healthz answers; a server that exits or never answers ends the bench."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
            return
        except requests.RequestException:
            if time.monotonic() > deadline or process.poll() is not None:
                process.terminate()
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.2)


def serve_app(port: int, **env: str) -> subprocess.Popen:
    """gunicorn on the given port with the bench's environment on top of ours."""
    environment = {**os.environ, "ALLOWED_HOSTS": "127.0.0.1", "LOG_LEVEL": "WARNING", **env}
    process = subprocess.Popen(
        gunicorn_command(port),
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_web(port, process)
    return process


def control(sandbox_url: str):
    from qbo_sandbox.control import ControlClient

    return ControlClient(sandbox_url, CONTROL_KEY)


def table(title: str, header: list[str], rows: list[list]) -> None:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
    print(f"\n{title}")
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
