"""Scoring one answer against its reference, the judge's prompt and its strict reading, and the bootstrap CI.

Reasoning never counts: the call layer keeps it apart already (`Answer.reasoning`), and whatever
`<think>...</think>` is left in the answer text is cut here before matching.

- `exact`: equal after trimming, case folding, collapsing whitespace and dropping surrounding quotes,
  `**` and a final full stop; a `\\boxed{...}` answer is compared by its content.
- `numeric`: the boxed content, else the last number in the answer, within a relative tolerance
  (`1,234` reads as 1234).
- `regex`: `re.search` of the reference pattern in the answer (case-sensitive unless it says `(?i)`).
- `judge`: a judge deployment grades with the published rubric (datasets/judge-rubric.md); its reply
  must be one line `SCORE: 1..5` (or `VERDICT: PASS|FAIL`), anything else is an error, not a guess.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Optional

from .dataset import Prompt
from .eval_data import parse_number
from .stats import percentile

THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
BOXED = re.compile(r"\\boxed\{([^{}]*)\}")
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+")
VERDICT = re.compile(r"^\s*(?:score:\s*([1-5])|verdict:\s*(pass|fail))\s*$", re.IGNORECASE)
RELATIVE_TOLERANCE = 1e-6
ABSOLUTE_TOLERANCE = 1e-9
RESAMPLES = 1000


def strip_reasoning(text: str) -> str:
    """The answer without reasoning: closed `<think>` blocks, a reply that opens one and never closes it,
    and everything before a lone `</think>` (a template that opened the block in the prompt)."""
    text = THINK.sub("", text)
    lower = text.lower()
    if "</think>" in lower:
        text = text[lower.rindex("</think>") + len("</think>") :]
    elif "<think>" in lower:
        text = text[: lower.index("<think>")]
    return text.strip()


def _boxed(text: str) -> Optional[str]:
    found = BOXED.findall(text)
    return found[-1] if found else None


def normalize(text: str) -> str:
    text = " ".join(text.replace("**", "").split()).strip().casefold()
    text = text.strip("\"'`")
    return text[:-1].rstrip() if text.endswith(".") else text


def exact(answer: str, reference: str) -> bool:
    boxed = _boxed(answer)
    return normalize(boxed if boxed is not None else answer) == normalize(reference)


def numeric(answer: str, reference: str, tolerance: float = RELATIVE_TOLERANCE) -> bool:
    expected = parse_number(reference)
    if expected is None:
        return False
    boxed = _boxed(answer)
    candidates = NUMBER.findall(boxed if boxed is not None else answer)
    if not candidates:
        return False
    got = parse_number(candidates[-1])
    return got is not None and abs(got - expected) <= max(ABSOLUTE_TOLERANCE, tolerance * abs(expected))


def regex(answer: str, pattern: str) -> bool:
    return re.search(pattern, answer) is not None


def score(prompt: Prompt, answer: str) -> Optional[float]:
    """1.0 or 0.0 for a row with a reference; None for a `judge` row (the judge scores it) or no reference."""
    if prompt.answer is None or prompt.match == "judge":
        return None
    text = strip_reasoning(answer)
    if prompt.match == "numeric":
        return float(numeric(text, prompt.answer))
    if prompt.match == "regex":
        return float(regex(text, prompt.answer))
    return float(exact(text, prompt.answer))


def judge_prompt(rubric: str, prompt: Prompt, answer: str) -> str:
    """What the judge is asked: the rubric, the question, the reference if any, the answer (reasoning cut)."""
    parts = [rubric.strip(), "", "## Question", prompt.text.strip()]
    if prompt.answer:
        parts += ["", "## Reference answer", prompt.answer.strip()]
    parts += ["", "## Answer to grade", strip_reasoning(answer) or "(empty)"]
    return "\n".join(parts)


def parse_verdict(reply: str) -> float:
    """The judge's reply as a score in [0, 1]: SCORE n -> (n - 1) / 4, PASS -> 1, FAIL -> 0.

    Strict: the reply (reasoning cut) must be exactly one such line; anything else raises ValueError.
    """
    text = strip_reasoning(reply)
    lines = [line for line in text.splitlines() if line.strip()]
    found = VERDICT.match(lines[0]) if len(lines) == 1 else None
    if found is None:
        raise ValueError(f"the judge did not answer `SCORE: 1..5` or `VERDICT: PASS|FAIL` alone: {text[:120]!r}")
    if found.group(1):
        return (int(found.group(1)) - 1) / 4
    return 1.0 if found.group(2).lower() == "pass" else 0.0


def mean(values: Sequence[float]) -> Optional[float]:
    return sum(values) / len(values) if values else None


def bootstrap_ci(values: Sequence[float], seed: int, resamples: int = RESAMPLES) -> Optional[tuple[float, float]]:
    """95% percentile bootstrap interval of the mean; the same seed gives the same interval."""
    if not values:
        return None
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(rng.choices(values, k=n)) / n for _ in range(resamples))
    low, high = percentile(means, 2.5), percentile(means, 97.5)
    assert low is not None and high is not None
    return low, high
