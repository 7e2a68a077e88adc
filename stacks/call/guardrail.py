"""Bedrock Guardrails: ApplyGuardrail for endpoints that cannot take a guardrail on the call, and reading
what a guardrail did from any of the places Bedrock reports it.

Marketplace endpoints take guardrails only through ApplyGuardrail, on the prompt before the call
(source INPUT) and on the answer after it (source OUTPUT); a vLLM server is not Bedrock at all, so it
is treated the same way. Request and response:
https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ApplyGuardrail.html
(`action` GUARDRAIL_INTERVENED | NONE, `outputs[].text`, `assessments[]`).

An assessment names an `action` per policy hit: BLOCKED for content the guardrail refused, or
ANONYMIZED (and NONE) for what it only masked or noted. A refusal is BLOCKED here; a masked answer is
INTERVENED; an intervention whose details are not reported is taken as BLOCKED, so nothing a
guardrail stopped is ever passed on silently.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .answer import BLOCKED, INTERVENED, NONE, GuardrailResult
from .target import Guardrail


def apply(client: Any, guardrail: Guardrail, source: str, text: str) -> GuardrailResult:
    """ApplyGuardrail on one text; `source` is INPUT (a prompt) or OUTPUT (an answer)."""
    response = client.apply_guardrail(
        guardrailIdentifier=guardrail.identifier,
        guardrailVersion=guardrail.version,
        source=source,
        content=[{"text": {"text": text}}],
    )
    if response.get("action") != "GUARDRAIL_INTERVENED":
        return GuardrailResult()
    message = " ".join(str(out.get("text", "")) for out in response.get("outputs") or []).strip()
    stage = "input" if source == "INPUT" else "output"
    return GuardrailResult(classify(response.get("assessments")), message or None, stage)


def classify(assessments: Any) -> str:
    """BLOCKED when any policy blocked, INTERVENED when it only masked, BLOCKED when nothing is said."""
    actions = set(_actions(assessments))
    if BLOCKED in actions:
        return BLOCKED
    return INTERVENED if actions - {NONE} else BLOCKED


def from_trace(intervened: bool, trace: Any, message: str) -> GuardrailResult:
    """A guardrail passed on the model call (Converse `trace.guardrail`, InvokeModel
    `amazon-bedrock-trace.guardrail`): which stage it stopped and how."""
    if not intervened:
        return GuardrailResult()
    trace = trace or {}
    inputs = trace.get("inputAssessment") or trace.get("input")
    stage = ("input" if set(_actions(inputs)) - {NONE} else "output") if trace else None  # None: not reported
    return GuardrailResult(classify(trace), message.strip() or None, stage)


def _actions(node: Any) -> Iterator[str]:
    """Every policy `action` anywhere in an assessment (they nest per policy and per guardrail)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "action" and isinstance(value, str):
                yield value.upper()
            else:
                yield from _actions(value)
    elif isinstance(node, list):
        for item in node:
            yield from _actions(item)
