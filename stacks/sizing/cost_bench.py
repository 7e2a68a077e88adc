"""A `deploy bench --json` result (CLI.md) read for `deploy cost --from-bench FILE`.

The measured throughput of one replica (instance, model copy) is the highest `output_tokens_per_s`
among the concurrency levels that had no errors; a level with errors still counts when every level
had some. A file that cannot be read or does not have the bench shape is bad input (exit 2) with the
file, and the line and column where JSON says so.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from ..errors import BAD_INPUT, DeployError

FIX = "pass the file `deploy bench SPEC --json` wrote (CLI.md: bench --json)"


@dataclass(frozen=True)
class BenchResult:
    file: str
    output_tokens_per_s: float
    concurrency: Any
    mode: str | None
    had_errors: bool


def _fail(file: str, what: str) -> DeployError:
    return DeployError(f"{file}: {what}; {FIX}", BAD_INPUT)


def _level_rate(file: str, index: int, level: Any) -> tuple[float, bool]:
    """(output tokens/s, had errors) of one level, or bad input naming the level."""
    where = f"levels[{index}]"
    if not isinstance(level, dict):
        raise _fail(file, f"{where} is not an object")
    rate = level.get("output_tokens_per_s")
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not math.isfinite(rate) or rate < 0:
        raise _fail(file, f"{where}.output_tokens_per_s must be a number of 0 or more, got {rate!r}")
    errors = level.get("errors", 0)
    if isinstance(errors, bool) or not isinstance(errors, (int, float)) or errors < 0:
        raise _fail(file, f"{where}.errors must be a count, got {errors!r}")
    return float(rate), errors > 0


def parse_bench(document: Any, file: str = "<bench>") -> BenchResult:
    """The best measured level of a bench document."""
    if not isinstance(document, dict):
        raise _fail(file, "expected a JSON object with `levels`")
    levels = document.get("levels")
    if not isinstance(levels, list) or not levels:
        raise _fail(file, "`levels` must be a non-empty list")
    rated = [(*_level_rate(file, i, level), level) for i, level in enumerate(levels)]
    clean = [entry for entry in rated if not entry[1]]
    rate, had_errors, best = max(clean or rated, key=lambda entry: entry[0])
    if rate <= 0:
        raise _fail(file, "no level measured any output tokens (output_tokens_per_s is 0)")
    mode = document.get("mode")
    return BenchResult(file, rate, best.get("concurrency"), mode if isinstance(mode, str) else None, had_errors)


def load_bench(path: str) -> BenchResult:
    """Read and parse a bench file; every failure is a DeployError(BAD_INPUT) naming the file."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as error:
        raise _fail(path, f"cannot read it ({getattr(error, 'strerror', None) or error})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise DeployError(f"{path}:{error.lineno}:{error.colno}: not JSON ({error.msg}); {FIX}", BAD_INPUT) from None
    return parse_bench(document, path)
