"""Serverless Bedrock models: Converse / ConverseStream with the inference profile (or model) id.

Wire format: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html and
API_runtime_ConverseStream.html. R1 returns its reasoning as `reasoningContent` blocks (streamed as
`delta.reasoningContent.text`), kept apart from the answer; the turns sent are text only, so no
reasoning block ever goes back to Bedrock. A guardrail on the call is `guardrailConfig` with trace on,
so the response says which policy stopped what (stopReason `guardrail_intervened`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Optional

from .answer import ANSWER, REASONING, Outcome, Recorder
from .guardrail import from_trace
from .request import Request
from .target import Target


def converse_params(target: Target, request: Request) -> dict[str, Any]:
    """The Converse (and ConverseStream) request."""
    inference: dict[str, Any] = {"maxTokens": request.max_tokens}
    if request.temperature is not None:
        inference["temperature"] = request.temperature
    params: dict[str, Any] = {
        "modelId": target.model_id,
        "messages": [{"role": turn.role, "content": [{"text": turn.content}]} for turn in request.turns],
        "inferenceConfig": inference,
    }
    if request.system:
        params["system"] = [{"text": request.system}]
    if target.guardrail is not None and target.guardrail.applied_by_call:
        params["guardrailConfig"] = {
            "guardrailIdentifier": target.guardrail.identifier,
            "guardrailVersion": target.guardrail.version,
            "trace": "enabled",
        }
    return params


def call(client: Any, target: Target, request: Request, recorder: Recorder) -> Outcome:
    params = converse_params(target, request)
    if request.stream:
        return read_stream(client.converse_stream(**params)["stream"], recorder)
    return read_response(client.converse(**params), recorder)


def read_response(response: dict[str, Any], recorder: Recorder) -> Outcome:
    with recorder.at_once():
        for block in response.get("output", {}).get("message", {}).get("content", []):
            if "reasoningContent" in block:
                recorder.add(REASONING, block["reasoningContent"].get("reasoningText", {}).get("text", ""))
            elif "text" in block:
                recorder.add(ANSWER, block["text"])
        recorder.finish()
    return _outcome(response.get("stopReason"), response.get("usage"), response.get("trace"), recorder)


def read_stream(events: Iterable[dict[str, Any]], recorder: Recorder) -> Outcome:
    """ConverseStream events: contentBlockDelta (text or reasoningContent), messageStop, metadata."""
    stop: Optional[str] = None
    usage: Optional[dict[str, Any]] = None
    trace: Optional[dict[str, Any]] = None
    for event in events:
        if "contentBlockDelta" in event:
            delta = event["contentBlockDelta"].get("delta", {})
            if "reasoningContent" in delta:
                recorder.add(REASONING, delta["reasoningContent"].get("text", ""))
            elif "text" in delta:
                recorder.add(ANSWER, delta["text"])
        elif "messageStop" in event:
            stop = event["messageStop"].get("stopReason")
        elif "metadata" in event:
            usage = event["metadata"].get("usage")
            trace = event["metadata"].get("trace")
    return _outcome(stop, usage, trace, recorder)


def _outcome(
    stop: Optional[str], usage: Optional[dict[str, Any]], trace: Optional[dict[str, Any]], recorder: Recorder
) -> Outcome:
    recorder.finish()
    usage = usage or {}
    # When the guardrail intervenes, the text Bedrock returns is the guardrail's message, not the model's.
    guardrail = from_trace(stop == "guardrail_intervened", (trace or {}).get("guardrail"), recorder.text(ANSWER))
    return Outcome(
        input_tokens=usage.get("inputTokens"),
        output_tokens=usage.get("outputTokens"),
        stop_reason=stop,
        guardrail=guardrail,
    )
