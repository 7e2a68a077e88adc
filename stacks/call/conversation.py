"""A chat's history: user prompts and the model's answers, never its reasoning.

Bedrock rejects reasoning blocks sent back in later turns ("User messages cannot contain reasoning
content": https://github.com/langchain-ai/langchain-aws/issues/401), and DeepSeek's own template drops
them too, so the history keeps only what each answer said after the reasoning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .answer import Answer

USER = "user"
ASSISTANT = "assistant"


@dataclass(frozen=True)
class Turn:
    role: str  # USER | ASSISTANT
    content: str


def ask(prompt: str) -> tuple[Turn, ...]:
    """A one-turn conversation: what `invoke` sends."""
    return (Turn(USER, prompt),)


class Conversation:
    def __init__(self) -> None:
        self.turns: list[Turn] = []

    def ask(self, prompt: str) -> tuple[Turn, ...]:
        """The turns to send for the next prompt (the history is not changed until `record`)."""
        return (*self.turns, Turn(USER, prompt))

    def record(self, prompt: str, answer: Answer) -> None:
        """Keep a finished exchange; a blocked one is left out, so the next turn does not resend it."""
        if answer.blocked:
            return
        self.turns += [Turn(USER, prompt), Turn(ASSISTANT, answer.answer)]

    def reset(self) -> None:
        self.turns.clear()

    def __len__(self) -> int:
        return len(self.turns) // 2
