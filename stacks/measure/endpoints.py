"""llmeter endpoints for each mode, wrapped only to time every streamed chunk.

llmeter's streaming endpoints record the first and the last token of a reply, not the chunks in
between, and its OpenAI endpoint starts the clock at the first *answer* token, skipping the reasoning.
Inter-token latency needs the time of every chunk, so each class below hands llmeter's own parser the
stream through `_timed`, which notes when each chunk carrying text arrived; llmeter still does all the
parsing, counting and error handling. The custom-import / marketplace class also passes the call's
guardrail (llmeter's InvokeModel call has no parameter for it) and unwraps the server-sent-event
lines a Marketplace (TGI) container puts inside a chunk.

This module imports llmeter at the top: load it lazily (bench.py does).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from llmeter.endpoints.base import InvocationResponse
from llmeter.endpoints.bedrock import BedrockConverseStream
from llmeter.endpoints.bedrock_invoke import BedrockInvokeStream
from llmeter.endpoints.openai import OpenAICompletionStreamEndpoint

CHUNK_TIMES = "chunk_times"  # InvocationResponse.annotations key: seconds from the start per text chunk
GUARDRAIL = "guardrail"  # annotations key: True when a guardrail replaced the answer
# The streamed text of one InvokeModel chunk, whichever body the model answers in: a Marketplace TGI
# token, the Bedrock completion form of an import (`generation`), or an OpenAI completion.
INVOKE_TEXT = "token.text || generation || choices[0].text || choices[0].delta.content"
INVOKE_OUTPUT_TOKENS = (
    '"amazon-bedrock-invocationMetrics".outputTokenCount || details.generated_tokens || '
    "usage.completion_tokens || generation_token_count"
)
INVOKE_INPUT_TOKENS = '"amazon-bedrock-invocationMetrics".inputTokenCount || usage.prompt_tokens || prompt_token_count'


def _timed(
    chunks: Iterable[Any], start_t: float, response: InvocationResponse, carries_text: Callable[[Any], bool]
) -> Iterator[Any]:
    """Pass the chunks through, noting (perf_counter, as llmeter does) when each one with text arrived."""
    times: list[float] = response.annotations.setdefault(CHUNK_TIMES, [])
    for chunk in chunks:
        if carries_text(chunk):
            times.append(time.perf_counter() - start_t)
        yield chunk


def _first_token(response: InvocationResponse) -> None:
    """TTFT is the first token of any kind: a reasoning model's first tokens are its reasoning."""
    times = response.annotations.get(CHUNK_TIMES)
    if times:
        response.time_to_first_token = times[0]


class TimedOpenAIStream(OpenAICompletionStreamEndpoint):
    """An OpenAI-compatible server (vLLM): chat completions, streamed."""

    def process_raw_response(self, raw_response: Any, start_t: float, response: InvocationResponse) -> None:
        super().process_raw_response(_timed(raw_response, start_t, response, _openai_text), start_t, response)
        _first_token(response)


def _openai_text(chunk: Any) -> bool:
    if not chunk.choices:
        return False
    delta = chunk.choices[0].delta
    # vLLM's reasoning parser: `reasoning_content`, or `reasoning` in newer versions (extra fields).
    return bool(delta.content or getattr(delta, "reasoning_content", None) or getattr(delta, "reasoning", None))


class TimedConverseStream(BedrockConverseStream):
    """Bedrock ConverseStream (serverless)."""

    def process_raw_response(self, raw_response: Any, start_t: float, response: InvocationResponse) -> None:
        def carries_text(event: dict[str, Any]) -> bool:
            if event.get("messageStop", {}).get("stopReason") == "guardrail_intervened":
                response.annotations[GUARDRAIL] = True
            delta = event.get("contentBlockDelta", {}).get("delta", {})
            return bool(delta.get("text") or delta.get("reasoningContent", {}).get("text"))

        timed = {**raw_response, "stream": _timed(raw_response["stream"], start_t, response, carries_text)}
        super().process_raw_response(timed, start_t, response)
        _first_token(response)


class TimedInvokeStream(BedrockInvokeStream):
    """Bedrock InvokeModelWithResponseStream (custom-import, marketplace), with the call's extra parameters."""

    def __init__(self, *args: Any, call_params: dict[str, Any] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("generated_text_jmespath", INVOKE_TEXT)
        kwargs.setdefault("generated_token_count_jmespath", INVOKE_OUTPUT_TOKENS)
        kwargs.setdefault("input_token_count_jmespath", INVOKE_INPUT_TOKENS)
        kwargs.setdefault("input_text_jmespath", "prompt || inputs")
        super().__init__(*args, **kwargs)
        self._call_params = dict(call_params or {})

    @BedrockInvokeStream.llmeter_invoke
    def invoke(self, payload: dict[str, Any]) -> Any:
        return self._bedrock_client.invoke_model_with_response_stream(
            accept="application/json",
            body=json.dumps(payload).encode("utf-8"),
            contentType="application/json",
            modelId=self.model_id,
            **self._call_params,
        )

    def process_raw_response(self, raw_response: Any, start_t: float, response: InvocationResponse) -> None:
        def carries_text(event: dict[str, Any]) -> bool:
            record = json.loads(event.get("chunk", {}).get("bytes") or b"{}")
            if record.get("amazon-bedrock-guardrailAction") == "INTERVENED":
                response.annotations[GUARDRAIL] = True
            return bool(_invoke_text(record))

        events = _one_record_per_chunk(raw_response["body"])
        timed = {**raw_response, "body": _timed(events, start_t, response, carries_text)}
        super().process_raw_response(timed, start_t, response)
        _first_token(response)


def _invoke_text(record: dict[str, Any]) -> str:
    token = record.get("token") or {}
    if token:
        return "" if token.get("special") else str(token.get("text") or "")
    choices = record.get("choices") or [{}]
    return str(record.get("generation") or choices[0].get("text") or "")


def _one_record_per_chunk(events: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """A TGI container streams `data:{...}` lines inside a chunk; llmeter expects one JSON object per chunk."""
    for event in events:
        data = event.get("chunk", {}).get("bytes")
        if not data or not data.lstrip().startswith(b"data:"):
            yield event
            continue
        for line in data.decode("utf-8", errors="replace").splitlines():
            if line.startswith("data:") and line[5:].strip():
                record = json.loads(line[5:])
                if (record.get("token") or {}).get("special"):  # end-of-sequence and the like: not text
                    record["token"]["text"] = ""
                yield {"chunk": {"bytes": json.dumps(record).encode()}}
