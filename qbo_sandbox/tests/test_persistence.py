"""State survives a restart: atomic saves to --data, loading on start, the CLI."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import requests

from qbo_sandbox.books import persist
from qbo_sandbox.books.store import SandboxState
from qbo_sandbox.control import ControlClient
from sandbox_support import SOURCE, connect


def test_save_and_load_round_trip_everything(sandbox, realm, api, tmp_path):
    client = connect(sandbox, realm_id=realm)
    api.post("customer", {"DisplayName": "Persisted"}, requestid="p-1")
    sandbox.control.advance_clock(120)
    path = tmp_path / "state.json"
    persist.save(sandbox.state, path)
    loaded = SandboxState()
    assert persist.load(loaded, path)
    before, after = sandbox.state.companies[realm], loaded.companies[realm]
    assert after.tables["Customer"] == before.tables["Customer"]
    assert list(after.tables["Customer"]) == list(before.tables["Customer"])  # Id order kept
    assert after.changes == before.changes
    assert after.replies["p-1"].body == before.replies["p-1"].body
    assert after.names == before.names
    assert loaded.oauth.authenticate(client.access_token).realm_id == realm
    assert abs(loaded.clock.offset - sandbox.state.clock.offset) < 1
    assert not list(tmp_path.glob(".state.json.*"))  # no temporary file left behind


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(port: int, data) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(SOURCE)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "qbo_sandbox",
            "--port",
            str(port),
            "--data",
            str(data),
            "--seed",
            "10",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/.well-known/openid_configuration/", timeout=1)
            return process
        except requests.ConnectionError:
            assert process.poll() is None, "the sandbox exited"
            assert time.monotonic() < deadline, "the sandbox did not start"
            time.sleep(0.1)


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0


def test_cli_serves_persists_on_shutdown_and_loads_on_start(tmp_path):
    data, port = tmp_path / "var" / "qbo_sandbox.json", _free_port()
    process = _start(port, data)
    try:
        control = ControlClient(f"http://127.0.0.1:{port}", "sandbox-control")
        [first] = control.companies()
        assert first["counts"]["Customer"] == 29 + 10
        realm = control.create_company("Survives Restart")
    finally:
        _stop(process)
    saved = json.loads(data.read_text())
    assert {c["name"] for c in saved["companies"]} == {"Sandbox Company_US_1", "Survives Restart"}
    process = _start(port, data)
    try:
        companies = {c["realm_id"]: c for c in control.companies()}
        assert companies[realm]["name"] == "Survives Restart"
        assert companies[first["realm_id"]]["counts"]["Customer"] == 39  # not seeded twice
    finally:
        _stop(process)
