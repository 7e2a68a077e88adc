"""How much load a bench may make: the concurrency levels, the request count or duration, and the caps.

A bench is a bounded measurement, not a stress test: it stops by itself, and against a paid endpoint
its size is what its estimated cost is computed from, so every dimension has a hard ceiling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

from ..errors import BAD_INPUT, DeployError

MAX_CONCURRENCY = 64
MAX_LEVELS = 8
MAX_REQUESTS = 2000  # across all levels
MAX_DURATION_S = 600.0  # per level
MAX_OUTPUT_TOKENS = 8192  # the Bedrock R1 card's advice for one answer
DEFAULT_CONCURRENCY = "1,4,16"
DEFAULT_REQUESTS = 32  # per level
DEFAULT_MAX_TOKENS = 256  # short answers: a bench measures serving speed, not reasoning depth


@dataclass(frozen=True)
class Load:
    """What one bench sends: per concurrency level, `requests` requests or `duration_s` seconds."""

    levels: tuple[int, ...]
    requests: Optional[int]
    duration_s: Optional[float]
    max_tokens: int

    def per_client(self, concurrency: int) -> Optional[int]:
        """llmeter counts requests per client: N over c clients, at least one each."""
        if self.requests is None:
            return None
        return max(1, math.ceil(self.requests / concurrency))

    def planned(self, concurrency: int) -> Optional[int]:
        """Requests a level sends (None for a timed level)."""
        each = self.per_client(concurrency)
        return None if each is None else each * concurrency

    @property
    def total_requests(self) -> Optional[int]:
        counts = [self.planned(c) for c in self.levels]
        return None if None in counts else sum(c for c in counts if c is not None)


def parse_concurrency(text: str) -> tuple[int, ...]:
    """`1,4,16` -> (1, 4, 16): distinct, ascending, each 1..MAX_CONCURRENCY."""
    levels: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or int(part) < 1:
            raise DeployError(
                f"--concurrency {text!r}: expected positive whole numbers separated by commas, like 1,4,16", BAD_INPUT
            )
        levels.add(int(part))
    if max(levels) > MAX_CONCURRENCY:
        raise DeployError(
            f"--concurrency {max(levels)}: at most {MAX_CONCURRENCY} requests in flight (bench is a bounded "
            "measurement; for more load, run a load generator inside the cluster)",
            BAD_INPUT,
        )
    if len(levels) > MAX_LEVELS:
        raise DeployError(f"--concurrency {text!r}: at most {MAX_LEVELS} levels", BAD_INPUT)
    return tuple(sorted(levels))


def plan_load(
    concurrency: str, requests: Optional[int], duration_s: Optional[float], max_tokens: int = DEFAULT_MAX_TOKENS
) -> Load:
    """Check the options against the caps; exit 2 (BAD_INPUT) with the cap that was crossed."""
    if requests is not None and duration_s is not None:
        raise DeployError("give --requests N or --duration S, not both", BAD_INPUT)
    if not 1 <= max_tokens <= MAX_OUTPUT_TOKENS:
        raise DeployError(f"--max-tokens {max_tokens}: expected 1 to {MAX_OUTPUT_TOKENS}", BAD_INPUT)
    if duration_s is not None and not 0 < duration_s <= MAX_DURATION_S:
        raise DeployError(
            f"--duration {duration_s:g}: expected more than 0 and at most {MAX_DURATION_S:g} seconds per level",
            BAD_INPUT,
        )
    if requests is not None and requests < 1:
        raise DeployError(f"--requests {requests}: expected at least 1", BAD_INPUT)
    if requests is None and duration_s is None:
        requests = DEFAULT_REQUESTS
    load = Load(parse_concurrency(concurrency), requests, duration_s, max_tokens)
    total = load.total_requests
    if total is not None and total > MAX_REQUESTS:
        raise DeployError(
            f"--requests {requests} at concurrency {','.join(map(str, load.levels))} sends {total} requests; "
            f"the cap is {MAX_REQUESTS} per bench (each level sends at least one request per client)",
            BAD_INPUT,
        )
    return load
