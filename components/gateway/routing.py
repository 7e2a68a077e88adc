"""Which tier answers a request: the pure decisions the routing hook makes (stdlib only).

- `fixed`: the default tier; a request header pins another tier when `header_override` is on.
- `classifier`: `escalate_to` when the prompt's difficulty score is over the threshold, else `default`.
- `cascade`: the default (fast) tier first; `cascade_failure` says whether its answer must be escalated.
A pinned tier wins over every strategy; fallbacks on errors are LiteLLM's (router_settings.fallbacks).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_REFUSAL = re.compile(
    r"^\s*(I'?m sorry|I am sorry|I can(?:no|')t|I cannot|I'?m (?:not able|unable)|I am (?:not able|unable)|"
    r"As an AI)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Decision:
    tier: str
    reason: str  # "header", "default", "score", "cascade"
    score: float | None = None


def pinned_tier(settings: Mapping[str, Any], headers: Mapping[str, str]) -> str | None:
    routing = settings["routing"]
    if not routing.get("header_override"):
        return None
    wanted = {k.lower(): v for k, v in headers.items()}.get(str(settings.get("tier_header", "x-deepseek-tier")))
    if wanted and wanted.strip() in settings["tiers"]:
        return wanted.strip()
    return None


def choose(
    settings: Mapping[str, Any], prompt: str, headers: Mapping[str, str], score: Callable[[str], float]
) -> Decision:
    pinned = pinned_tier(settings, headers)
    if pinned:
        return Decision(pinned, "header")
    routing = settings["routing"]
    if routing["strategy"] == "classifier":
        value = score(prompt)
        if value > float(routing["threshold"]):
            return Decision(str(routing["escalate_to"]), "score", value)
        return Decision(str(routing["default"]), "score", value)
    if routing["strategy"] == "cascade":
        return Decision(str(routing["default"]), "cascade")
    return Decision(str(routing["default"]), "default")


def cascade_failure(
    text: str | None, finish_reason: str | None, *, pattern: str | None = None, response_format: Any = None
) -> str | None:
    """Why the fast tier's answer must be escalated, or None when it passes."""
    answer = (text or "").strip()
    if not answer:
        return "empty"
    if finish_reason == "length":
        return "truncated"
    if _REFUSAL.search(answer):
        return "refused"
    if pattern and not re.search(pattern, answer):
        return "pattern"
    kind = response_format.get("type") if isinstance(response_format, Mapping) else None
    if kind in ("json_object", "json_schema"):
        try:
            json.loads(answer)
        except ValueError:
            return "not json"
    return None
