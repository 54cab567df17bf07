"""python-quickbooks' own README example (connect, then create a customer), against a
qbo-sandbox started from this environment's `qbo-sandbox` command.

    pip install ./qbo_sandbox python-quickbooks==0.9.12
    python qbo_sandbox/examples/python_quickbooks_quickstart.py

Nothing here is the sandbox's code but the consent-page helper; the rest is what any
python-quickbooks user writes, with the sandbox's discovery URL as the environment.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlsplit

import requests
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from quickbooks import QuickBooks
from quickbooks.objects.customer import Customer

from qbo_sandbox.testing import authorize

CLIENT_ID, CLIENT_SECRET = "quickstart-client", "quickstart-secret"
REDIRECT_URI = "http://localhost:8000/callback"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_sandbox(port: int) -> subprocess.Popen:
    # The console script installed beside this Python (a venv's bin/), else on PATH.
    beside = os.path.join(os.path.dirname(sys.executable), "qbo-sandbox")
    command = beside if os.path.exists(beside) else shutil.which("qbo-sandbox")
    assert command, "the qbo-sandbox command is not installed"
    flags = ["--port", str(port), "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET]
    process = subprocess.Popen([command, *flags, "--redirect-uri", REDIRECT_URI])
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/.well-known/openid_configuration/", timeout=1)
            return process
        except requests.ConnectionError:
            assert process.poll() is None and time.monotonic() < deadline, "no sandbox"
            time.sleep(0.2)


def main() -> int:
    port = free_port()
    sandbox = start_sandbox(port)
    try:
        base = f"http://127.0.0.1:{port}"
        auth_client = AuthClient(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            redirect_uri=REDIRECT_URI,
            environment=f"{base}/.well-known/openid_sandbox_configuration/",
        )
        url = auth_client.get_authorization_url([Scopes.ACCOUNTING])
        callback = parse_qs(urlsplit(authorize(requests.Session(), url)).query)
        auth_client.get_bearer_token(callback["code"][0], realm_id=callback["realmId"][0])

        # python-quickbooks' README, as written there (plus the sandbox's base URL).
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"  # plain http to 127.0.0.1
        client = QuickBooks(
            auth_client=auth_client,
            refresh_token=auth_client.refresh_token,
            company_id=callback["realmId"][0],
            minorversion=75,
        )
        client.sandbox_api_url_v3 = client.api_url_v3 = f"{base}/v3"
        customer = Customer()
        customer.CompanyName = "Quickstart Customer Inc."
        customer.DisplayName = "Quickstart Customer"
        customer.save(qb=client)
        found = Customer.filter(DisplayName="Quickstart Customer", qb=client)
        assert customer.Id and found and found[0].Id == customer.Id, "not created"
        print(f"created customer {customer.Id} ({customer.DisplayName}), realm {client.company_id}")
        return 0
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
