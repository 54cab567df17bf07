"""Benchmark: 1,000-row customer query pages from a sandbox holding 100,000 customers.

Starts `python -m qbo_sandbox` on a free port (or uses --url), connects through the consent
page, seeds customers through the control API, then times N
`SELECT * FROM Customer STARTPOSITION s MAXRESULTS 1000` requests over HTTP.

    .venv/bin/python bench/sandbox_query_bench.py [--customers 100000] [--pages 200]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from urllib.parse import parse_qs, urlencode, urlparse

import requests
from harness import sandbox_process
from qbo_sandbox.config import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_CONTROL_KEY,
    DEFAULT_REDIRECT_URIS,
)
from qbo_sandbox.control import ControlClient
from qbo_sandbox.testing import authorize


def access_token(url: str, realm: str) -> str:
    """The OAuth dance over HTTP: consent page, then the token endpoint."""
    params = {
        "client_id": DEFAULT_CLIENT_ID,
        "response_type": "code",
        "scope": "com.intuit.quickbooks.accounting",
        "redirect_uri": DEFAULT_REDIRECT_URIS[0],
        "state": "bench",
    }
    location = authorize(requests.Session(), f"{url}/connect/oauth2?{urlencode(params)}", realm)
    code = parse_qs(urlparse(location).query)["code"][0]
    response = requests.post(
        f"{url}/oauth2/v1/tokens/bearer",
        auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": DEFAULT_REDIRECT_URIS[0],
        },
        timeout=30,
    )
    response.raise_for_status()
    return response.json()["access_token"]


def run(url: str, customers: int, pages: int) -> None:
    control = ControlClient(url, DEFAULT_CONTROL_KEY, timeout=600)
    realm = control.create_company("Benchmark Co", seed=False)
    control.set_limits(
        requests_per_minute=1_000_000, max_concurrent=100, requests_per_second=1_000_000
    )
    started = time.perf_counter()
    control.seed_customers(realm, customers)
    print(f"seeded {customers:,} customers in {time.perf_counter() - started:.2f} s")

    session = requests.Session()
    session.headers.update(
        {
            "Authorization": f"Bearer {access_token(url, realm)}",
            "Accept": "application/json",
            "Content-Type": "application/text",
        }
    )
    query_url = f"{url}/v3/company/{realm}/query"
    starts = [1 + 1000 * n for n in random.Random(7).choices(range(customers // 1000), k=pages)]
    timings = []
    for start in starts:
        text = f"SELECT * FROM Customer STARTPOSITION {start} MAXRESULTS 1000"  # noqa: S608
        began = time.perf_counter()
        response = session.post(query_url, data=text, params={"minorversion": 75}, timeout=60)
        body = response.content
        timings.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.text[:300]
        assert response.json()["QueryResponse"]["maxResults"] == 1000
    timings.sort()
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print(
        f"{pages} pages of 1,000 rows ({len(body) / 1e6:.1f} MB each): "
        f"median {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, "
        f"max {timings[-1]:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running sandbox (default: start one)")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()
    if args.url:
        run(args.url.rstrip("/"), args.customers, args.pages)
        return
    # The sandbox's default app credentials, so --url also works with `make run`'s sandbox.
    defaults = ("--client-id", DEFAULT_CLIENT_ID, "--client-secret", DEFAULT_CLIENT_SECRET)
    with sandbox_process(*defaults, "--redirect-uri", DEFAULT_REDIRECT_URIS[0]) as url:
        run(url, args.customers, args.pages)


if __name__ == "__main__":
    main()
