"""Bedrock Marketplace endpoints: InvokeModel with the endpoint ARN as modelId and the container's body.

Converse is not supported for the DeepSeek models on Bedrock Marketplace ("At the time of writing
this post, you can use the InvokeModel API to invoke the model. It doesn't support Converse APIs"),
and guardrails apply only through ApplyGuardrail. The body is the Hugging Face TGI/LMI form the
JumpStart containers take, with DeepSeek's chat template applied to the prompt:
  {"inputs": PROMPT, "parameters": {"max_new_tokens", "temperature", ...}} -> {"generated_text": ...}
Source: https://aws.amazon.com/blogs/machine-learning/deepseek-r1-model-now-available-in-amazon-bedrock-marketplace-and-amazon-sagemaker-jumpstart/
`details: true` asks TGI for the generated token count
(https://huggingface.github.io/text-generation-inference/ `GenerateParameters.details`); streaming
sets `stream: true` and reads TGI's server-sent events (`data:{"token": {"text": ...}}`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from .answer import Outcome, Recorder
from .request import Request
from .target import Target
from .template import ThinkSplitter, drain, pour, r1_prompt


def body(request: Request) -> dict[str, Any]:
    parameters: dict[str, Any] = {"max_new_tokens": request.max_tokens, "details": True}
    if request.temperature is not None:
        parameters["temperature"] = request.temperature
    document: dict[str, Any] = {"inputs": r1_prompt(request.turns, request.system), "parameters": parameters}
    if request.stream:
        document["stream"] = True
    return document


def invoke_params(target: Target, request: Request) -> dict[str, Any]:
    return {
        "modelId": target.model_id,
        "body": json.dumps(body(request)),
        "contentType": "application/json",
        "accept": "application/json",
    }


def call(client: Any, target: Target, request: Request, recorder: Recorder) -> Outcome:
    params = invoke_params(target, request)
    splitter = ThinkSplitter(in_think=True)  # the template's generation prompt opened <think>
    if request.stream:
        events = client.invoke_model_with_response_stream(**params)["body"]
        return _read_stream(events, splitter, recorder)
    document = json.loads(client.invoke_model(**params)["body"].read())
    reply = document[0] if isinstance(document, list) and document else document
    with recorder.at_once():
        pour(splitter, recorder, str(reply.get("generated_text") or ""))
        drain(splitter, recorder)
    details = reply.get("details") or {}
    return Outcome(output_tokens=details.get("generated_tokens"), stop_reason=details.get("finish_reason"))


def _read_stream(events: Iterable[dict[str, Any]], splitter: ThinkSplitter, recorder: Recorder) -> Outcome:
    details: dict[str, Any] = {}
    streamed = False
    for event in events:
        for part in _records(event.get("chunk", {}).get("bytes", b"")):
            token = part.get("token") or {}
            if token.get("text") and not token.get("special"):
                streamed = True
                pour(splitter, recorder, str(token["text"]))
            elif part.get("generated_text") and not streamed:  # a container that sends the text at once
                pour(splitter, recorder, str(part["generated_text"]))
            details = part.get("details") or details
    drain(splitter, recorder)
    return Outcome(output_tokens=details.get("generated_tokens"), stop_reason=details.get("finish_reason"))


def _records(data: bytes) -> Iterator[dict[str, Any]]:
    """The JSON records in one chunk: bare JSON, or server-sent-event lines (`data:{...}`)."""
    text = data.decode("utf-8", errors="replace").strip()
    if not text:
        return
    lines = [line[5:].strip() for line in text.splitlines() if line.startswith("data:")] or [text]
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, list):
            yield from (item for item in record if isinstance(item, dict))
        elif isinstance(record, dict):
            yield record
