"""`deploy eval --calibrate`: the classifier threshold of a gateway from both tiers' answers, and its write-back.

A gateway routing by difficulty sends a prompt to the strong tier when its difficulty score is over
the threshold, else to the fast one. Given, per prompt, the score and whether each tier answered it
correctly (and what each answer cost), every candidate threshold has a quality (the share right when
routed so) and a cost. The pick keeps at least `target` of the strong tier's quality at the least
cost; ties go to the higher quality, then to the lower threshold. It is fitted on one split of the
prompts and its quality and cost are reported on the other (held out), so the number is not judged
on the data that chose it.

Everything here is a pure function of plain inputs: the gateway spec's own model is not needed. The
write-back is a text edit at the line and column of the `auto` value, so the file's comments and
layout survive, with a comment line above naming the dataset and the date.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

from ..errors import BAD_INPUT, DeployError

EPSILON = 1e-12
AUTO = re.compile(r"""(["']?)auto\1""")
AUTO_LINE = re.compile(r"""^(\s*(?:-\s+)?threshold:\s*)(["']?)auto\2\s*(?:#.*)?$""")


@dataclass(frozen=True)
class Sample:
    """One prompt: its difficulty score, each tier's correctness (0..1) and each tier's cost of answering."""

    difficulty: float
    fast_ok: float
    strong_ok: float
    fast_cost: float = 0.0
    strong_cost: float = 1.0


@dataclass(frozen=True)
class Point:
    """Routing by one threshold: mean quality, mean cost per request and the share sent to the strong tier."""

    threshold: float
    quality: float
    cost: float
    strong_share: float


@dataclass(frozen=True)
class Calibration:
    threshold: float
    met: bool  # False: no threshold kept the target share; the best quality was taken instead
    fit: Point
    held_out: Optional[Point]
    strong_quality_fit: float
    strong_quality_held_out: Optional[float]
    curve: tuple[Point, ...]  # the fit split's cost/quality curve the pick was made from


def route(samples: Sequence[Sample], threshold: float) -> Point:
    strong = [s.difficulty > threshold for s in samples]
    n = len(samples)
    quality = sum(s.strong_ok if up else s.fast_ok for s, up in zip(samples, strong, strict=True)) / n
    cost = sum(s.strong_cost if up else s.fast_cost for s, up in zip(samples, strong, strict=True)) / n
    return Point(threshold, quality, cost, sum(strong) / n)


def candidates(samples: Sequence[Sample]) -> list[float]:
    """0 and every difficulty seen: between two seen scores every threshold routes the same way."""
    return sorted({0.0, *(s.difficulty for s in samples)})


def curve(samples: Sequence[Sample]) -> list[Point]:
    return [route(samples, t) for t in candidates(samples)]


def strong_quality(samples: Sequence[Sample]) -> float:
    return sum(s.strong_ok for s in samples) / len(samples)


def choose(points: Sequence[Point], strong: float, target: float) -> tuple[Point, bool]:
    """The cheapest point keeping `target` x `strong` quality (ties: higher quality, lower threshold);
    when none does, the best quality (ties: cheaper, lower threshold) and False."""
    kept = [p for p in points if p.quality >= target * strong - EPSILON]
    if kept:
        return min(kept, key=lambda p: (round(p.cost, 12), -p.quality, p.threshold)), True
    return min(points, key=lambda p: (-p.quality, round(p.cost, 12), p.threshold)), False


def split(n: int, seed: int, fit_share: float = 0.5) -> tuple[list[int], list[int]]:
    """A seeded shuffle of 0..n-1 cut in two: the indices to fit on and the held-out ones (both sorted)."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    cut = max(1, round(n * fit_share)) if n > 1 else n
    return sorted(order[:cut]), sorted(order[cut:])


def calibrate(samples: Sequence[Sample], target: float = 0.95, seed: int = 0) -> Calibration:
    """Fit the threshold on one seeded half of the prompts, report it on the other."""
    if not samples:
        raise DeployError("--calibrate: no prompts were answered by both tiers", BAD_INPUT)
    fit_idx, held_idx = split(len(samples), seed)
    return calibrate_split([samples[i] for i in fit_idx], [samples[i] for i in held_idx], target)


def calibrate_split(fit: Sequence[Sample], held: Sequence[Sample], target: float = 0.95) -> Calibration:
    """The threshold fitted on `fit`, with its quality and cost on `held` (None when nothing is held out)."""
    if not fit:
        raise DeployError("--calibrate: no prompts to fit the threshold on", BAD_INPUT)
    if not 0 < target <= 1:
        raise DeployError(f"--target-quality {target:g}: expected more than 0 and at most 1", BAD_INPUT)
    points = curve(fit)
    strong_fit = strong_quality(fit)
    chosen, met = choose(points, strong_fit, target)
    return Calibration(
        threshold=chosen.threshold,
        met=met,
        fit=chosen,
        held_out=route(held, chosen.threshold) if held else None,
        strong_quality_fit=strong_fit,
        strong_quality_held_out=strong_quality(held) if held else None,
        curve=tuple(points),
    )


def find_auto(text: str) -> tuple[int, int]:
    """The 1-based line and column of the one `threshold: auto` value in a spec's text (a fallback for
    callers without the spec loader's positions)."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        match = AUTO_LINE.match(line)
        if match:
            found.append((number, len(match.group(1)) + 1))
    if len(found) != 1:
        raise DeployError(f"--calibrate: expected one `threshold: auto` in the spec, found {len(found)}", BAD_INPUT)
    return found[0]


def write_threshold(text: str, line: int, column: int, value: float, dataset: str, date: str) -> str:
    """`text` with the `auto` at LINE:COL (1-based) replaced by `value`, and a comment line above it, at the
    same indentation, naming the dataset and the date. Every other byte is kept."""
    lines = text.splitlines(keepends=True)
    if not 1 <= line <= len(lines):
        raise DeployError(f"line {line}: the spec has {len(lines)} lines", BAD_INPUT)
    current = lines[line - 1]
    start = column - 1
    match = AUTO.match(current, start)
    if start < 0 or match is None:
        raise DeployError(
            f"{line}:{column}: expected the value `auto` there, found {current[start:].strip()!r}", BAD_INPUT
        )
    number = format(round(value, 4), "g")
    indent = current[: len(current) - len(current.lstrip())]
    newline = "\r\n" if current.endswith("\r\n") else "\n"
    comment = f"{indent}# threshold calibrated by `deploy eval --calibrate` on {dataset}, {date}{newline}"
    lines[line - 1] = current[:start] + number + current[match.end() :]
    lines.insert(line - 1, comment)
    return "".join(lines)
