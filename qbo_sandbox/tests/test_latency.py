"""Intuit-like answer times: on for the `qbo-sandbox` command, off in SandboxServer unless asked."""

from __future__ import annotations

import statistics
import time

from qbo_sandbox.__main__ import build, parse_args
from qbo_sandbox.api.latency import LatencyModel
from qbo_sandbox.testing import SandboxServer
from sandbox_support import Api, connect


def test_the_model_has_intuits_median_tail_and_costs():
    model = LatencyModel(scale=1.0)
    reads = sorted(model.draw("read") for _ in range(4000))
    median, p95 = statistics.median(reads), reads[int(0.95 * len(reads))]
    assert 0.15 < median < 0.21 and 0.3 < p95 < 0.8  # a median near 180 ms, a long tail
    assert reads[0] >= 0.0629 and reads[-1] > 1.0  # a floor, and the rare multi-second stall
    writes = statistics.median(model.draw("write") for _ in range(2000))
    assert writes > median * 1.4
    pages = statistics.median(model.draw("query", rows=1000) for _ in range(500))
    assert 1.1 < pages < 1.4  # 1 ms per row on top of the query's own time
    batches = statistics.median(model.draw("batch", items=30) for _ in range(500))
    assert 2.0 < batches < 2.4  # 60 ms per item
    model.set_scale(0.1)
    assert statistics.median(model.draw("read") for _ in range(500)) < 0.021
    model.set_scale(0)
    assert model.draw("batch", items=30) == 0


def test_the_command_turns_latency_on_and_its_flags_scale_or_stop_it():
    assert build(parse_args([]))[0].latency.scale == 1.0
    assert build(parse_args(["--latency-scale", "0.25"]))[0].latency.scale == 0.25
    assert build(parse_args(["--no-latency"]))[0].latency.scale == 0


def test_sandbox_server_answers_at_once_by_default(sandbox, api: Api):
    api.get("customer/1")
    [entry] = sandbox.control.request_log(path="/customer/1")
    assert entry["latency"] == 0


def test_latency_when_asked_and_set_at_run_time():
    with SandboxServer(latency=1.0) as server:
        realm = next(iter(server.state.companies))
        api = Api(server, realm, connect(server, realm_id=realm).access_token)
        started = time.monotonic()
        assert api.get("customer/1").status_code == 200
        assert time.monotonic() - started >= 0.06
        entry = server.control.request_log(path="/customer/1")[0]
        assert entry["latency"] >= 0.0629
        assert server.control.latency()["median_ms"]["read"] == 180
        server.control.set_latency(0)
        api.get("customer/2")
        assert server.control.request_log(path="/customer/2")[0]["latency"] == 0
        server.control.reset()
        assert server.control.latency()["scale"] == 1.0  # back to the start-up setting
