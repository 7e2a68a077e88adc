"""One request to a deployment, whatever the mode: the turns, the sampling settings, and how to wait."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .conversation import USER, Turn

DEFAULT_MAX_TOKENS = 2048  # R1 thinks first; the Bedrock R1 card advises at most 8,192


@dataclass(frozen=True)
class Request:
    turns: tuple[Turn, ...]
    system: Optional[str] = None
    max_tokens: int = DEFAULT_MAX_TOKENS
    temperature: Optional[float] = None
    stream: bool = False
    warmup_s: float = 300.0  # how long to wait for a custom-import model that scaled to zero

    @property
    def prompt(self) -> str:
        """The newest user turn: what an input guardrail checks."""
        return next((turn.content for turn in reversed(self.turns) if turn.role == USER), "")
