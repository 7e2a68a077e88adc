"""Prompts to send: a JSONL dataset (CLI.md: `prompt` required, `answer` and `match` optional) or a
small built-in mix when none is given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from ..errors import BAD_INPUT, DeployError
from ..spec.diagnostics import Diagnostic

MATCHES = ("exact", "numeric", "regex", "judge")
KEYS = ("prompt", "answer", "match")
MAX_PROMPTS = 100_000


@dataclass(frozen=True)
class Prompt:
    text: str
    answer: Optional[str] = None
    match: str = "exact"


# Short and varied, so prefill stays small and the numbers are mostly decode speed.
BUILTIN = (
    Prompt("Explain in two sentences why the sky is blue."),
    Prompt("Write a haiku about load balancers."),
    Prompt("What is 17 * 23? Answer with the number.", "391", "numeric"),
    Prompt("List three uses of a hash map."),
    Prompt("Summarise the plot of Hamlet in one paragraph."),
    Prompt("Translate 'good morning, how are you?' into French."),
    Prompt("Give one advantage and one drawback of microservices."),
    Prompt("Name the largest planet of the solar system.", "Jupiter"),
)


class DatasetError(DeployError):
    """A bad dataset line: `FILE:LINE:COL: what is wrong`, exit 2; `--json` gets the position too."""

    def __init__(self, file: str, line: int, column: int, message: str) -> None:
        self.diagnostics = (Diagnostic(file, line, column, message),)
        super().__init__(str(self.diagnostics[0]), BAD_INPUT)


def load(path: str) -> list[Prompt]:
    """Every prompt of a JSONL file; the first bad line stops with its position."""
    return [prompt for _, prompt in numbered(path)]


def numbered(path: str) -> list[tuple[int, Prompt]]:
    """Every prompt of a JSONL file with its line number, for checks that point at the line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DeployError(f"--dataset {path}: cannot read it ({error})", BAD_INPUT) from None
    prompts = [
        (number, _prompt(path, number, line)) for number, line in enumerate(text.splitlines(), 1) if line.strip()
    ]
    if not prompts:
        raise DatasetError(path, 1, 1, "no prompts: expected one JSON object per line, with a `prompt`")
    if len(prompts) > MAX_PROMPTS:
        raise DatasetError(path, MAX_PROMPTS + 1, 1, f"more than {MAX_PROMPTS} prompts")
    return prompts


def _prompt(path: str, number: int, line: str) -> Prompt:
    try:
        item: Any = json.loads(line)
    except json.JSONDecodeError as error:
        raise DatasetError(path, number, error.colno, f"not valid JSON: {error.msg}") from None
    if not isinstance(item, dict):
        raise DatasetError(path, number, 1, f"expected a JSON object, got {type(item).__name__}")
    unknown = sorted(set(item) - set(KEYS))
    if unknown:
        raise DatasetError(path, number, 1, f"unknown key {unknown[0]!r}: expected {', '.join(KEYS)}")
    prompt = item.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise DatasetError(path, number, 1, "`prompt` is required and must be a non-empty string")
    answer = item.get("answer")
    if answer is not None and not isinstance(answer, (str, int, float)):
        raise DatasetError(path, number, 1, "`answer` must be a string or a number")
    match = item.get("match", "exact")
    if match not in MATCHES:
        raise DatasetError(path, number, 1, f"`match` {match!r}: expected one of {', '.join(MATCHES)}")
    return Prompt(prompt, None if answer is None else str(answer), match)
