"""A local OpenAI-compatible server with known, configurable timing, for tests (stdlib only).

    from tests.fakes.openai_server import FakeOpenAIServer

    with FakeOpenAIServer(ttft_s=0.2, itl_s=0.02, output_tokens=20, api_key="K") as fake:
        base_url = fake.base_url            # "http://127.0.0.1:<port>/v1" (the OpenAI client's base_url)
        ...                                 # call it
        sent = fake.received("/chat/completions")   # [Received(method, path, headers, body, time)]
        assert sent[0].body["model"] == ...

Routes: `POST /v1/chat/completions` (streamed when the body has `"stream": true`, else one JSON reply),
`GET /v1/models`, `GET /health` (no key needed). Every `/v1/...` route wants
`Authorization: Bearer <api_key>` and answers 401 otherwise (`api_key=None` turns the check off).

Settings (constructor keywords, also plain attributes you may change between requests):
- `ttft_s`: seconds from the request to the first token (reasoning or answer).
- `itl_s`: seconds between two streamed token chunks (so e2e = ttft_s + (n - 1) * itl_s).
- `output_tokens`: answer tokens per reply ("t0 t1 ..."), or `answer="text"` to send that text, one
  whitespace-separated word per token; `max_tokens` / `max_completion_tokens` in the request caps the
  total (reasoning first, then answer).
- `reasoning_tokens`: tokens sent first as `delta.reasoning_content` ("r0 r1 ..."; in a non-stream
  reply `message.reasoning_content`); they count in `usage.completion_tokens`.
- `fail_status` (e.g. 500 or 429) with `fail_count` (None = every request, N = the next N requests):
  an OpenAI-style error body; 429 carries `Retry-After: 0`.
- `model`: the id `/v1/models` lists and replies carry.

A stream is: a role chunk and the first token at `ttft_s`, one chunk per token every `itl_s`, a chunk
with `finish_reason` ("stop", or "length" when capped by max_tokens), a usage chunk (`choices: []`) when
the request has `stream_options.include_usage`, then `data: [DONE]`. Usage counts prompt tokens as
whitespace-separated words of the message contents.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass
from typing import Any

from ._server import GONE, FakeServer, Handler


def _prompt_tokens(body: dict[str, Any]) -> int:
    words = 0
    for message in body.get("messages") or []:
        content = message.get("content")
        if isinstance(content, list):  # content parts
            content = " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
        words += len(str(content or "").split())
    return words


class _OpenAIHandler(Handler):
    fake: FakeOpenAIServer  # type: ignore[assignment]

    def do_GET(self) -> None:
        self.record(None)
        if self.path.rstrip("/") == "/health":
            self.send_json(200, {"status": "ok"})
        elif not self._authorized():
            return
        elif self.path.rstrip("/") == "/v1/models":
            self.send_json(200, {"object": "list", "data": [{"id": self.fake.model, "object": "model"}]})
        else:
            self.send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

    def do_POST(self) -> None:
        arrived = time.monotonic()
        body = self.read_body()
        self.record(body)
        if not self._authorized():
            return
        if self.path.rstrip("/") != "/v1/chat/completions":
            self.send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
            return
        status = self.fake.take_failure()
        if status is not None:
            kind = "rate_limit_exceeded" if status == 429 else "server_error"
            extra = {"Retry-After": "0"} if status == 429 else {}
            self.send_json(status, {"error": {"message": f"fake {kind}", "type": kind, "code": status}}, extra)
            return
        body = body if isinstance(body, dict) else {}
        with contextlib.suppress(GONE):
            if body.get("stream"):
                self._stream(body, arrived)
            else:
                self._reply(body, arrived)

    def _authorized(self) -> bool:
        key = self.fake.api_key
        if key is None or self.headers.get("Authorization") == f"Bearer {key}":
            return True
        self.send_json(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}})
        return False

    def _plan(self, body: dict[str, Any]) -> tuple[list[str], list[str], str]:
        """The reasoning tokens and answer tokens this reply sends, and its finish reason."""
        reasoning = [f"r{i} " for i in range(self.fake.reasoning_tokens)]
        if self.fake.answer is not None:
            words = self.fake.answer.split(" ")
            answer = [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]
        else:
            answer = [f"t{i} " for i in range(self.fake.output_tokens)]
        cap = body.get("max_completion_tokens") or body.get("max_tokens")
        if cap is not None and len(reasoning) + len(answer) > int(cap):
            reasoning = reasoning[: int(cap)]
            answer = answer[: max(0, int(cap) - len(reasoning))]
            return reasoning, answer, "length"
        return reasoning, answer, "stop"

    def _usage(self, body: dict[str, Any], completion: int) -> dict[str, int]:
        prompt = _prompt_tokens(body)
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}

    def _reply(self, body: dict[str, Any], arrived: float) -> None:
        reasoning, answer, finish = self._plan(body)
        tokens = len(reasoning) + len(answer)
        _sleep_until(arrived + self.fake.ttft_s + max(0, tokens - 1) * self.fake.itl_s)
        message: dict[str, Any] = {"role": "assistant", "content": "".join(answer)}
        if reasoning:
            message["reasoning_content"] = "".join(reasoning)
        self.send_json(
            200,
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": self.fake.model,
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": self._usage(body, tokens),
            },
        )

    def _stream(self, body: dict[str, Any], arrived: float) -> None:
        reasoning, answer, finish = self._plan(body)
        deltas = [{"reasoning_content": t} for t in reasoning] + [{"content": t} for t in answer]
        self.start_chunked("text/event-stream")
        base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time())}
        base["model"] = self.fake.model

        def send(choices: list[dict[str, Any]], **extra: Any) -> None:
            self.write_chunk(b"data: " + json.dumps({**base, "choices": choices, **extra}).encode() + b"\n\n")

        _sleep_until(arrived + self.fake.ttft_s)
        send([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])
        for i, delta in enumerate(deltas):
            _sleep_until(arrived + self.fake.ttft_s + i * self.fake.itl_s)
            send([{"index": 0, "delta": delta, "finish_reason": None}])
        send([{"index": 0, "delta": {}, "finish_reason": finish}])
        if (body.get("stream_options") or {}).get("include_usage"):
            send([], usage=self._usage(body, len(deltas)))
        self.write_chunk(b"data: [DONE]\n\n")
        self.end_chunked()


def _sleep_until(deadline: float) -> None:
    # Sleeping to absolute deadlines keeps the set timing exact: the time spent writing does not add up.
    left = deadline - time.monotonic()
    if left > 0:
        time.sleep(left)


@dataclass
class FakeOpenAIServer(FakeServer):
    """See the module docstring."""

    ttft_s: float = 0.0
    itl_s: float = 0.0
    output_tokens: int = 8
    reasoning_tokens: int = 0
    answer: str | None = None
    api_key: str | None = "test-key"
    fail_status: int | None = None
    fail_count: int | None = None
    model: str = "fake-model"

    handler = _OpenAIHandler

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"
