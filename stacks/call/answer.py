"""What one call returns (`Answer`), and the `Recorder` that times a reply as its text arrives.

Every mode feeds text to a `Recorder` as it gets it (token by token when streaming, all at once
otherwise), so latency, time to first token and time to first *answer* token (after the reasoning)
are measured the same way for the four modes.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Optional

REASONING = "reasoning"
ANSWER = "answer"

# Guardrail outcomes (CLI.md `invoke --json`): BLOCKED exits 1; INTERVENED means the answer was masked.
NONE = "NONE"
INTERVENED = "INTERVENED"
BLOCKED = "BLOCKED"

OnDelta = Callable[[str, str], None]  # (REASONING | ANSWER, text)
Notify = Callable[[str], None]  # a progress line for the user (the CLI writes it to stderr)


@dataclass(frozen=True)
class GuardrailResult:
    """What the guardrail did: `stage` is "input" (the prompt) or "output" (the answer)."""

    action: str = NONE
    message: Optional[str] = None
    stage: Optional[str] = None

    @property
    def blocked(self) -> bool:
        return self.action == BLOCKED

    def as_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"action": self.action}
        if self.action != NONE:
            shown.update(message=self.message, stage=self.stage)
        return shown


@dataclass(frozen=True)
class Outcome:
    """What a mode's client learnt besides the text: token counts, stop reason, the call's guardrail."""

    input_tokens: Optional[int] = None
    output_tokens: Optional[int] = None
    stop_reason: Optional[str] = None
    guardrail: GuardrailResult = field(default_factory=GuardrailResult)
    replaced_answer: Optional[str] = None  # the guardrail's text, when it replaced the model's
    served_by: Optional[str] = None  # the tier a gateway says answered (`x-deepseek-tier`), if any


@dataclass(frozen=True)
class Answer:
    reasoning: str
    answer: str
    input_tokens: Optional[int]
    output_tokens: Optional[int]
    latency_ms: float
    ttft_ms: Optional[float]
    ttfa_ms: Optional[float]
    guardrail: GuardrailResult
    mode: str
    model: str
    stop_reason: Optional[str] = None
    served_by: Optional[str] = None  # the gateway tier that answered, when the endpoint says so

    @property
    def blocked(self) -> bool:
        return self.guardrail.blocked

    def as_json(self) -> dict[str, Any]:
        """`invoke --json` (CLI.md), plus ttfa_ms, mode and model."""
        return {
            "reasoning": self.reasoning,
            "answer": self.answer,
            "usage": {"input_tokens": self.input_tokens, "output_tokens": self.output_tokens},
            "latency_ms": self.latency_ms,
            "ttft_ms": self.ttft_ms,
            "ttfa_ms": self.ttfa_ms,
            "guardrail": self.guardrail.as_json(),
            "mode": self.mode,
            "model": self.model,
            "stop_reason": self.stop_reason,
        }


class Recorder:
    """Collects reasoning and answer text apart, with the time each kind first arrived.

    Leading whitespace of each kind is dropped (the template's `<think>\\n`, the blank line after
    `</think>`), so the first *visible* token is what the timings count.
    """

    def __init__(self, on_delta: Optional[OnDelta] = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.on_delta = on_delta
        self.start = clock()
        self.end: Optional[float] = None
        self.first_token: Optional[float] = None
        self.first_answer: Optional[float] = None
        self.parts: dict[str, list[str]] = {REASONING: [], ANSWER: []}

    def add(self, kind: str, text: str) -> None:
        if not self.parts[kind]:
            text = text.lstrip()
        if not text:
            return
        now = self.clock()
        if self.first_token is None:
            self.first_token = now
        if kind == ANSWER and self.first_answer is None:
            self.first_answer = now
        self.parts[kind].append(text)
        if self.on_delta is not None:
            self.on_delta(kind, text)

    @contextlib.contextmanager
    def at_once(self) -> Iterator[None]:
        """A whole (non-streamed) reply arrives at one moment: its reasoning, answer and end share that
        time, so `ttft_ms == ttfa_ms == latency_ms` instead of differing by the time spent parsing."""
        moment, clock = self.clock(), self.clock
        self.clock = lambda: moment
        try:
            yield
        finally:
            self.clock = clock

    def text(self, kind: str) -> str:
        return "".join(self.parts[kind]).strip()

    def finish(self) -> None:
        if self.end is None:
            self.end = self.clock()

    def _ms(self, moment: Optional[float]) -> Optional[float]:
        return None if moment is None else round((moment - self.start) * 1000, 1)

    def answer(self, outcome: Outcome, *, mode: str, model: str) -> Answer:
        """The finished `Answer`; a blocked one carries no model text, only the guardrail's message."""
        self.finish()
        blocked = outcome.guardrail.blocked
        answer = outcome.replaced_answer if outcome.replaced_answer is not None else self.text(ANSWER)
        return Answer(
            reasoning="" if blocked else self.text(REASONING),
            answer="" if blocked else answer,
            input_tokens=outcome.input_tokens,
            output_tokens=outcome.output_tokens,
            latency_ms=self._ms(self.end) or 0.0,
            ttft_ms=self._ms(self.first_token),
            ttfa_ms=self._ms(self.first_answer),
            guardrail=outcome.guardrail,
            mode=mode,
            model=model,
            stop_reason=outcome.stop_reason,
            served_by=outcome.served_by,
        )
