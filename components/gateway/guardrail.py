"""The gateway's guardrail: Amazon Bedrock ApplyGuardrail on a prompt (INPUT) or an answer (OUTPUT).

Used for tiers that do not apply the guardrail themselves (self-hosted, SageMaker, imported models), so
one policy covers every tier. The boto3 client is made on first use (boto3 is in the LiteLLM image);
`AWS_ENDPOINT_URL_BEDROCK_RUNTIME` points it elsewhere (boto3 honours it; tests use a local fake), and
`set_client` replaces it outright.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

INTERVENED = "GUARDRAIL_INTERVENED"

_client: Any = None


def set_client(client: Any) -> None:
    """Use this bedrock-runtime client (or None to make one again on next use)."""
    global _client
    _client = client


def client(region: str | None = None) -> Any:
    global _client
    if _client is None:
        import boto3

        endpoint = os.environ.get("AWS_ENDPOINT_URL_BEDROCK_RUNTIME") or None
        _client = boto3.client("bedrock-runtime", region_name=region or None, endpoint_url=endpoint)
    return _client


@dataclass(frozen=True)
class Verdict:
    blocked: bool
    message: str  # the guardrail's replacement text when blocked (its configured blocked message)


def apply(settings: Mapping[str, Any], source: str, text: str) -> Verdict:
    """ApplyGuardrail with `source` INPUT or OUTPUT on `text` (blocking call: run it in a thread)."""
    answer = client(settings.get("region")).apply_guardrail(
        guardrailIdentifier=settings["identifier"],
        guardrailVersion=str(settings["version"]),
        source=source,
        content=[{"text": {"text": text}}],
    )
    if answer.get("action") != INTERVENED:
        return Verdict(False, "")
    outputs = [o.get("text", "") for o in answer.get("outputs") or []]
    return Verdict(True, " ".join(t for t in outputs if t) or "The guardrail blocked this request.")


def prompt_text(messages: Any) -> str:
    """The text of a chat request's messages (content parts joined) that the guardrail checks."""
    texts = []
    for message in messages or []:
        content = message.get("content") if isinstance(message, Mapping) else None
        if isinstance(content, list):
            content = " ".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping))
        if content:
            texts.append(str(content))
    return "\n".join(texts)
