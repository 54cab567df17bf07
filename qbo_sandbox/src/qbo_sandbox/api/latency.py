"""How long Intuit takes to answer: a per-request draw from a long-tailed distribution.

Figures (README "Latency model" has the sources):
- QBO's own `Service-Time` header in recorded answers (minimul/qbo_api VCR cassettes,
  2020-2022): reads total=32-85 ms, writes 64-228 ms (invoice create 161, void 228), a
  ~30-customer query 82 ms; its gateway's `X-Envoy-Upstream-Service-Time` 265-432 ms for the
  same calls — so what a client sees is the service time plus a gateway/TLS/network share.
- Reports of much slower sandbox answers ("up to 30 seconds", consolibyte/quickbooks-php#113,
  #220) give the tail.

Model: lognormal around a median per kind (read 180 ms, write 320 ms, query 220 ms, batch
300 ms), sigma 0.5 (p95 ~ 2.3 x median), never below 35 % of the median; plus 1 ms per row a
query or CDC returns and 60 ms per batch item (each is a write inside QBO); 1 % of requests
add a stall of 1-5 s. Everything is multiplied by `scale` (0: off). The RNG is seeded, so a
run is reproducible.
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass, field

MEDIAN_MS = {"read": 180.0, "write": 320.0, "query": 220.0, "batch": 300.0}
SIGMA = 0.5
FLOOR = 0.35
PER_ROW_MS = 1.0
PER_ITEM_MS = 60.0
TAIL_PROBABILITY = 0.01
TAIL_MS = (1000.0, 5000.0)
MAX_SECONDS = 60.0  # the gateway's own 504 comes at 120 s; a draw never gets near it


@dataclass
class LatencyModel:
    scale: float = 0.0
    seed: int = 4321
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)  # noqa: S311 - not for security

    def set_scale(self, scale: float) -> None:
        if scale < 0:
            raise ValueError("latency scale must be >= 0")
        with self._lock:
            self.scale = float(scale)
            self._rng = random.Random(self.seed)  # noqa: S311

    def draw(self, kind: str, rows: int = 0, items: int = 0) -> float:
        """Seconds to answer one request of `kind` returning `rows` rows / `items` items."""
        if self.scale <= 0:
            return 0.0
        median = MEDIAN_MS.get(kind, MEDIAN_MS["read"])
        with self._lock:
            base = median * math.exp(self._rng.gauss(0.0, SIGMA))
            stall = self._rng.uniform(*TAIL_MS) if self._rng.random() < TAIL_PROBABILITY else 0
        ms = max(base, FLOOR * median) + PER_ROW_MS * rows + PER_ITEM_MS * items + stall
        return min(ms * self.scale / 1000.0, MAX_SECONDS)

    def describe(self) -> dict:
        return {
            "scale": self.scale,
            "median_ms": dict(MEDIAN_MS),
            "sigma": SIGMA,
            "floor": FLOOR,
            "per_row_ms": PER_ROW_MS,
            "per_item_ms": PER_ITEM_MS,
            "tail_probability": TAIL_PROBABILITY,
            "tail_ms": list(TAIL_MS),
        }


def kind_of(method: str, endpoint: str) -> str:
    if endpoint == "api.batch":
        return "batch"
    if endpoint in ("api.query", "api.cdc"):
        return "query"
    return "read" if method == "GET" else "write"


def note(environ: dict, *, rows: int = 0, items: int = 0) -> None:
    """Handlers tell the latency model how much they returned."""
    environ["sandbox.rows"] = rows
    environ["sandbox.items"] = items
