"""Per-level figures from per-request records: percentiles, inter-token latency, throughput, goodput.

llmeter reports averages and a few percentiles per run but not p95, and nothing per streamed chunk;
everything here is computed from the per-request records, so one schema serves every mode.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

PERCENTILES = {"p50": 50.0, "p95": 95.0, "p99": 99.0}
# What a throttled request says, whichever client raised it: OpenAI's 429 / RateLimitError,
# botocore's ThrottlingException, a ConverseStream `throttlingException` event.
_THROTTLE = re.compile(r"\b429\b|throttl|too many requests|rate.?limit", re.IGNORECASE)


@dataclass(frozen=True)
class Record:
    """One request of a bench. Times are seconds from the request's start."""

    ok: bool
    ttft_s: Optional[float] = None  # first streamed token, reasoning included
    e2e_s: Optional[float] = None
    output_tokens: Optional[int] = None
    input_tokens: Optional[int] = None
    chunk_times: tuple[float, ...] = ()  # each streamed chunk that carried text
    error: Optional[str] = None
    guardrail: bool = False  # the answer was replaced by a guardrail

    @property
    def throttled(self) -> bool:
        return not self.ok and bool(self.error and _THROTTLE.search(self.error))

    @property
    def itl_s(self) -> list[float]:
        """Inter-token latency: the gaps between streamed chunks (not time per output token)."""
        return [later - earlier for earlier, later in itertools.pairwise(self.chunk_times)]

    @property
    def tpot_s(self) -> Optional[float]:
        """Time per output token after the first: (e2e - ttft) / (tokens - 1)."""
        if self.ttft_s is None or self.e2e_s is None or not self.output_tokens or self.output_tokens < 2:
            return None
        return (self.e2e_s - self.ttft_s) / (self.output_tokens - 1)


@dataclass(frozen=True)
class Slo:
    """Service-level objective for goodput: a request counts when it meets every bound given."""

    ttft_ms: Optional[float] = None
    tpot_ms: Optional[float] = None

    def met_by(self, record: Record) -> bool:
        if not record.ok:
            return False
        if self.ttft_ms is not None and (record.ttft_s is None or record.ttft_s * 1000 > self.ttft_ms):
            return False
        tpot = record.tpot_s
        return self.tpot_ms is None or tpot is None or tpot * 1000 <= self.tpot_ms

    def as_json(self) -> dict[str, Optional[float]]:
        return {"ttft_ms": self.ttft_ms, "tpot_ms": self.tpot_ms}


def percentile(values: Sequence[float], q: float) -> Optional[float]:
    """Linear interpolation between closest ranks (numpy's default), None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def distribution_ms(values_s: Sequence[float]) -> dict[str, Optional[float]]:
    """{"p50", "p95", "p99"} in milliseconds, to 0.1 ms."""
    shown: dict[str, Optional[float]] = {}
    for name, q in PERCENTILES.items():
        value = percentile(values_s, q)
        shown[name] = None if value is None else round(value * 1000, 1)
    return shown


@dataclass
class Level:
    """One concurrency level's records and the wall time llmeter measured for it."""

    concurrency: int
    records: list[Record]
    wall_s: float
    slo: Slo = field(default_factory=Slo)

    def summary(self) -> dict[str, Any]:
        """The level as CLI.md's `bench --json` shows it, plus `throttles`, `tpot_ms` and `guardrail_interventions`."""
        done = [r for r in self.records if r.ok]
        wall = self.wall_s if self.wall_s > 0 else float("nan")
        tokens = sum(r.output_tokens or 0 for r in done)
        return {
            "concurrency": self.concurrency,
            "requests": len(self.records),
            "errors": sum(not r.ok for r in self.records),
            "throttles": sum(r.throttled for r in self.records),
            "guardrail_interventions": sum(r.guardrail for r in done),
            "ttft_ms": distribution_ms([r.ttft_s for r in done if r.ttft_s is not None]),
            "itl_ms": distribution_ms([gap for r in done for gap in r.itl_s]),
            "tpot_ms": distribution_ms([t for r in done if (t := r.tpot_s) is not None]),
            "e2e_ms": distribution_ms([r.e2e_s for r in done if r.e2e_s is not None]),
            "output_tokens_per_s": _rate(tokens, wall),
            "requests_per_s": _rate(len(done), wall),
            "goodput_per_s": _rate(sum(self.slo.met_by(r) for r in done), wall),
            "duration_s": round(self.wall_s, 3),
            "first_error": next((r.error for r in self.records if r.error), None),
        }


def _rate(count: float, seconds: float) -> float:
    value = count / seconds
    return 0.0 if math.isnan(value) else round(value, 2)
