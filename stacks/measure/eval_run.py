"""Sending a dataset's prompts to one target, bounded, and scoring each answer as it comes back.

Each prompt is one `invoke` (stacks/call), streamed so the time to first *answer* token is measured,
with the same request shape as `deploy invoke`. At most `concurrency` requests are in flight, at most
`requests` prompts are sent, and no new request starts after `duration_s`; a prompt that was not sent
is not counted. A failed request is an error, not a wrong answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Optional

from ..call.answer import Answer
from ..call.conversation import ask
from ..call.invoke import invoke
from ..call.request import Request
from ..call.target import Target
from ..errors import BAD_INPUT, DeployError
from . import eval_score
from .dataset import Prompt

MAX_CONCURRENCY = 32
MAX_REQUESTS = 2000  # per deployment
MAX_DURATION_S = 3600.0  # per deployment
MAX_OUTPUT_TOKENS = 8192
Notify = Callable[[str], None]


@dataclass(frozen=True)
class Caps:
    concurrency: int = 4
    requests: int = 200
    duration_s: float = 1800.0
    max_tokens: int = 1024


def plan_caps(concurrency: int, requests: int, duration_s: float, max_tokens: int) -> Caps:
    """Check the options against the hard ceilings (exit 2 with the one crossed)."""
    checks = (
        (1 <= concurrency <= MAX_CONCURRENCY, f"--concurrency {concurrency}: expected 1 to {MAX_CONCURRENCY}"),
        (1 <= requests <= MAX_REQUESTS, f"--requests {requests}: expected 1 to {MAX_REQUESTS} per deployment"),
        (0 < duration_s <= MAX_DURATION_S, f"--duration {duration_s:g}: expected more than 0 and at most 3600 s"),
        (1 <= max_tokens <= MAX_OUTPUT_TOKENS, f"--max-tokens {max_tokens}: expected 1 to {MAX_OUTPUT_TOKENS}"),
    )
    for ok, message in checks:
        if not ok:
            raise DeployError(message, BAD_INPUT)
    return Caps(concurrency, requests, duration_s, max_tokens)


@dataclass(frozen=True)
class Row:
    """One prompt's outcome: the answer (or the error), its score (None: unscored) and the judge's error."""

    index: int
    answer: Optional[Answer] = None
    error: Optional[str] = None
    score: Optional[float] = None
    judge_error: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.answer is not None


@dataclass(frozen=True)
class Judge:
    """The judge deployment and the rubric it grades `match: judge` rows with."""

    target: Target
    rubric: str
    max_tokens: int = 1024


def grade(prompt: Prompt, answer: Answer, judge: Optional[Judge]) -> tuple[Optional[float], Optional[str]]:
    """The score of one answer, and the judge's error when it could not grade; a blocked answer scores 0."""
    if answer.blocked:
        return (0.0 if prompt.answer is not None or prompt.match == "judge" else None), None
    if prompt.match != "judge":
        return eval_score.score(prompt, answer.answer), None
    if judge is None:
        return None, "no --judge given"
    question = eval_score.judge_prompt(judge.rubric, prompt, answer.answer)
    try:
        reply = invoke(judge.target, Request(ask(question), max_tokens=judge.max_tokens, temperature=0.0))
        return eval_score.parse_verdict(reply.answer), None
    except (DeployError, ValueError) as error:
        return None, str(error)


def run_target(
    target: Target,
    prompts: Sequence[Prompt],
    caps: Caps,
    *,
    judge: Optional[Judge] = None,
    notify: Optional[Notify] = None,
    clock: Callable[[], float] = time.monotonic,
) -> list[Row]:
    """Every prompt (up to the caps) once; rows in dataset order, skipped prompts left out."""
    deadline = clock() + caps.duration_s
    chosen = list(prompts)[: caps.requests]

    def one(index: int) -> Optional[Row]:
        if clock() > deadline:
            return None
        request = Request(ask(chosen[index].text), max_tokens=caps.max_tokens, temperature=0.0, stream=True)
        try:
            answer = invoke(target, request)
        except DeployError as error:
            return Row(index, error=error.message)
        value, judge_error = grade(chosen[index], answer, judge)
        return Row(index, answer=answer, score=value, judge_error=judge_error)

    rows: list[Row] = []
    with ThreadPoolExecutor(max_workers=caps.concurrency) as pool:
        for row in pool.map(one, range(len(chosen))):
            if row is not None:
                rows.append(row)
                if notify and len(rows) % 25 == 0:
                    notify(f"{target.endpoint}: {len(rows)}/{len(chosen)} answered")
    if notify and len(rows) < len(chosen):
        notify(f"{target.endpoint}: stopped at the --duration cap; {len(chosen) - len(rows)} prompts not sent")
    return rows
