"""OpenAI-compatible servers (the self-hosted vLLM, or any `--endpoint URL`): POST {base}/chat/completions.

Wire format: https://platform.openai.com/docs/api-reference/chat/create (Bearer key; `stream: true`
answers server-sent events `data: {chunk}` ending with `data: [DONE]`; `stream_options.include_usage`
adds a last chunk with `usage`). vLLM's reasoning parser puts the reasoning in `reasoning_content`
(newer versions: `reasoning`), apart from `content`:
https://docs.vllm.ai/en/latest/features/reasoning_outputs.html. A server without the parser leaves
`<think>...</think>` in the content, which is split here.

The standard library's http.client keeps this dependency-free; it reads a chunked stream line by line
as it arrives.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from http.client import HTTPConnection, HTTPException, HTTPResponse, HTTPSConnection
from typing import Any, Optional
from urllib.parse import urlsplit

from .answer import REASONING, Outcome, Recorder
from .failures import from_http, unreachable
from .request import Request
from .target import Target
from .template import ThinkSplitter, drain, pour

TIMEOUT_S = 300.0  # a long reasoning reply, not streamed, arrives at the end
TIER_HEADER = "x-deepseek-tier"  # a gateway names the tier that answered (components/gateway)


def body(target: Target, request: Request) -> dict[str, Any]:
    messages = [{"role": "system", "content": request.system}] if request.system else []
    messages += [{"role": turn.role, "content": turn.content} for turn in request.turns]
    document: dict[str, Any] = {
        "model": target.served_model or target.model,
        "messages": messages,
        "max_tokens": request.max_tokens,
        "stream": request.stream,
    }
    if request.temperature is not None:
        document["temperature"] = request.temperature
    if request.stream:
        document["stream_options"] = {"include_usage": True}
    return document


def call(target: Target, request: Request, recorder: Recorder, timeout_s: float = TIMEOUT_S) -> Outcome:
    url = f"{target.base_url}/chat/completions"
    with http(url, "POST", body(target, request), target.api_key, timeout_s) as response:
        try:
            outcome = (
                _read_stream(response, recorder)
                if request.stream
                else _read_reply(json.loads(response.read()), recorder)
            )
            tier = response.getheader(TIER_HEADER)
            return replace(outcome, served_by=tier.strip()) if tier and tier.strip() else outcome
        except (OSError, HTTPException) as error:
            raise unreachable(target.endpoint, error) from error


@contextmanager
def http(
    url: str, method: str, document: Optional[dict[str, Any]], api_key: Optional[str], timeout_s: float
) -> Iterator[HTTPResponse]:
    """One request; an error status becomes a `DeployError` with the server's message."""
    parts = urlsplit(url)
    connection_type = HTTPSConnection if parts.scheme == "https" else HTTPConnection
    connection = connection_type(parts.hostname or "", parts.port, timeout=timeout_s)
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    endpoint = url.rsplit("/chat/completions", 1)[0]
    try:
        try:
            connection.request(method, path or "/", json.dumps(document) if document is not None else None, headers)
            response = connection.getresponse()
        except (OSError, HTTPException) as error:
            raise unreachable(endpoint, error) from error
        if response.status >= 400:
            raise from_http(response.status, response.read().decode("utf-8", errors="replace"), endpoint)
        yield response
    finally:
        connection.close()


def _read_reply(document: dict[str, Any], recorder: Recorder) -> Outcome:
    choice = (document.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    with recorder.at_once():
        recorder.add(REASONING, str(message.get("reasoning_content") or message.get("reasoning") or ""))
        splitter = ThinkSplitter(in_think=False)
        pour(splitter, recorder, str(message.get("content") or ""))
        drain(splitter, recorder)
    return _outcome(document.get("usage"), choice.get("finish_reason"))


def _read_stream(response: HTTPResponse, recorder: Recorder) -> Outcome:
    splitter = ThinkSplitter(in_think=False)
    usage: Optional[dict[str, Any]] = None
    finish: Optional[str] = None
    for raw in response:
        line = raw.decode("utf-8", errors="replace").strip()
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            break
        chunk = json.loads(data)
        usage = chunk.get("usage") or usage
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            recorder.add(REASONING, str(delta.get("reasoning_content") or delta.get("reasoning") or ""))
            pour(splitter, recorder, str(delta.get("content") or ""))
            finish = choice.get("finish_reason") or finish
    drain(splitter, recorder)
    return _outcome(usage, finish)


def _outcome(usage: Optional[dict[str, Any]], finish: Optional[str]) -> Outcome:
    usage = usage or {}
    return Outcome(
        input_tokens=usage.get("prompt_tokens"), output_tokens=usage.get("completion_tokens"), stop_reason=finish
    )
