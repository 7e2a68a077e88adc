"""A local bedrock-runtime stand-in that streams in AWS's event-stream encoding, for tests (stdlib only).

botocore's Stubber cannot fake a response stream; a real boto3 client pointed at this server can:

    from tests.fakes.bedrock_stream_server import FakeBedrockServer

    with FakeBedrockServer(ttft_s=0.1, itl_s=0.01, output_tokens=10) as fake:
        client = fake.client()   # boto3 "bedrock-runtime", endpoint_url=fake.url, region us-east-1, keys "x"
        events = client.converse_stream(modelId="m", messages=[...])["stream"]
        sent = fake.received("/converse-stream")   # [Received(method, path, headers, body, time)]
        sent[0].model_id                            # no: use fake.model_ids() -> ["m"] (URL-decoded)

Routes (modelId is URL-decoded, so ARNs work):
- `POST /model/{id}/converse-stream`: events messageStart, contentBlockDelta (reasoning first, as
  `delta.reasoningContent.text` in block 0, then the answer as `delta.text` in the next block),
  contentBlockStop, messageStop (`stopReason`), metadata (usage, metrics.latencyMs).
- `POST /model/{id}/converse`: the same as one JSON reply (`output.message.content`, with a
  `reasoningContent.reasoningText` block when there is reasoning).
- `POST /model/{id}/invoke-with-response-stream`: `chunk` events whose `bytes` (base64 on the wire,
  raw after botocore) hold JSON like a Llama-style custom-import model: `{"generation": "...",
  "generation_token_count", "prompt_token_count", "stop_reason"}`; the last chunk adds
  `amazon-bedrock-invocationMetrics`. With `invoke_style="choices"` the JSON is OpenAI-completions
  shaped instead: `{"choices": [{"text", "finish_reason"}]}` (plus `usage` on the last one); with
  `invoke_style="tgi"` (a Marketplace container) each chunk holds a server-sent event
  `data:{"token": {"text", "special"}}`, the last one the special end token with `generated_text` and
  `details.generated_tokens`.
- `POST /model/{id}/invoke`: one JSON body in the chosen style (TGI: `[{"generated_text", "details"}]`).

Settings (constructor keywords, also attributes): `ttft_s`, `itl_s`, `output_tokens` or `answer`,
`reasoning_tokens` (Converse only), `max_tokens` from inferenceConfig.maxTokens / the body's
`max_tokens`/`max_gen_len` caps the total; `guardrail=True` answers a guardrail intervention
(stopReason `guardrail_intervened` with `guardrail_message` as the text; InvokeModel bodies carry
`"amazon-bedrock-guardrailAction": "INTERVENED"`); `fail_status` 429/500/424 (+ `fail_count`) answers
ThrottlingException / InternalServerException / ModelNotReadyException before any stream starts.
The request is not authenticated (SigV4 is accepted as sent).
"""

from __future__ import annotations

import base64
import contextlib
import json
import struct
import time
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from ._server import GONE, FakeServer, Handler

EVENT_STREAM = "application/vnd.amazon.eventstream"
ERRORS = {
    429: "ThrottlingException",
    500: "InternalServerException",
    424: "ModelNotReadyException",
    400: "ValidationException",
}


def encode_event(headers: dict[str, str], payload: bytes) -> bytes:
    """One event-stream message: prelude (total length, headers length, CRC), headers, payload, CRC.

    Every header here is a string (value type 7): 1-byte name length, name, type, 2-byte value length, value.
    """
    head = b"".join(
        struct.pack("B", len(name.encode()))
        + name.encode()
        + b"\x07"
        + struct.pack(">H", len(value.encode()))
        + value.encode()
        for name, value in headers.items()
    )
    total = 4 + 4 + 4 + len(head) + len(payload) + 4
    prelude = struct.pack(">II", total, len(head))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    message = prelude + head + payload
    return message + struct.pack(">I", zlib.crc32(message))


def event(event_type: str, document: dict[str, Any]) -> bytes:
    headers = {":event-type": event_type, ":content-type": "application/json", ":message-type": "event"}
    return encode_event(headers, json.dumps(document).encode())


def _sleep_until(deadline: float) -> None:
    left = deadline - time.monotonic()
    if left > 0:
        time.sleep(left)


def _words(body: Any) -> int:
    """Prompt tokens, counted as whitespace-separated words of every text in the request."""
    if isinstance(body, dict):
        return sum(_words(v) for k, v in body.items() if k not in ("modelId", "inferenceConfig", "role"))
    if isinstance(body, list):
        return sum(_words(v) for v in body)
    return len(body.split()) if isinstance(body, str) else 0


class _BedrockHandler(Handler):
    fake: FakeBedrockServer  # type: ignore[assignment]

    def do_POST(self) -> None:
        arrived = time.monotonic()
        body = self.read_body()
        self.record(body)
        parts = self.path.split("?")[0].split("/")
        if len(parts) != 4 or parts[1] != "model":
            self._error(404, "UnknownOperationException", f"no route {self.path}")
            return
        operation = parts[3]
        status = self.fake.take_failure()
        if status is not None:
            self._error(status, ERRORS.get(status, "InternalServerException"), f"fake failure {status}")
            return
        routes = {
            "converse-stream": self._converse_stream,
            "converse": self._converse,
            "invoke-with-response-stream": self._invoke_stream,
            "invoke": self._invoke,
        }
        if operation not in routes:
            self._error(404, "UnknownOperationException", f"no route {self.path}")
            return
        with contextlib.suppress(GONE):
            routes[operation](body if isinstance(body, dict) else {}, arrived)

    def _error(self, status: int, kind: str, message: str) -> None:
        self.send_json(status, {"message": message}, {"x-amzn-ErrorType": f"{kind}:http://internal.amazon.com/"})

    def _plan(self, body: dict[str, Any], reasoning_ok: bool) -> tuple[list[str], list[str], str]:
        fake = self.fake
        if fake.guardrail:
            return [], [fake.guardrail_message], "guardrail_intervened"
        reasoning = [f"r{i} " for i in range(fake.reasoning_tokens)] if reasoning_ok else []
        if fake.answer is not None:
            words = fake.answer.split(" ")
            answer = [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]
        else:
            answer = [f"t{i} " for i in range(fake.output_tokens)]
        cap = (body.get("inferenceConfig") or {}).get("maxTokens") or body.get("max_tokens") or body.get("max_gen_len")
        if cap is not None and len(reasoning) + len(answer) > int(cap):
            reasoning = reasoning[: int(cap)]
            return reasoning, answer[: max(0, int(cap) - len(reasoning))], "max_tokens"
        return reasoning, answer, "end_turn"

    def _usage(self, body: dict[str, Any], output: int) -> dict[str, int]:
        prompt = _words(body)
        return {"inputTokens": prompt, "outputTokens": output, "totalTokens": prompt + output}

    def _converse_stream(self, body: dict[str, Any], arrived: float) -> None:
        reasoning, answer, stop = self._plan(body, reasoning_ok=True)
        self.start_chunked(EVENT_STREAM)
        _sleep_until(arrived + self.fake.ttft_s)
        self.write_chunk(event("messageStart", {"role": "assistant"}))
        sent = 0
        blocks = [(kind, texts) for kind, texts in (("reasoning", reasoning), ("text", answer)) if texts]
        for index, (kind, texts) in enumerate(blocks):
            for text in texts:
                # Absolute deadlines: token k is due at ttft + k * itl, whatever writing cost.
                _sleep_until(arrived + self.fake.ttft_s + sent * self.fake.itl_s)
                delta = {"reasoningContent": {"text": text}} if kind == "reasoning" else {"text": text}
                self.write_chunk(event("contentBlockDelta", {"contentBlockIndex": index, "delta": delta}))
                sent += 1
            self.write_chunk(event("contentBlockStop", {"contentBlockIndex": index}))
        self.write_chunk(event("messageStop", {"stopReason": stop}))
        latency = int((time.monotonic() - arrived) * 1000)
        usage = self._usage(body, sent)
        self.write_chunk(event("metadata", {"usage": usage, "metrics": {"latencyMs": latency}}))
        self.end_chunked()

    def _converse(self, body: dict[str, Any], arrived: float) -> None:
        reasoning, answer, stop = self._plan(body, reasoning_ok=True)
        tokens = len(reasoning) + len(answer)
        _sleep_until(arrived + self.fake.ttft_s + max(0, tokens - 1) * self.fake.itl_s)
        content: list[dict[str, Any]] = []
        if reasoning:
            content.append({"reasoningContent": {"reasoningText": {"text": "".join(reasoning)}}})
        content.append({"text": "".join(answer)})
        reply = {
            "output": {"message": {"role": "assistant", "content": content}},
            "stopReason": stop,
            "usage": self._usage(body, tokens),
            "metrics": {"latencyMs": int((time.monotonic() - arrived) * 1000)},
        }
        self.send_json(200, reply)

    def _invoke_piece(self, text: str, last: bool, body: dict[str, Any], count: int) -> dict[str, Any]:
        stop = ("stop" if not self.fake.guardrail else "guardrail_intervened") if last else None
        if self.fake.invoke_style == "choices":
            piece: dict[str, Any] = {"choices": [{"index": 0, "text": text, "finish_reason": stop}]}
            if last:
                piece["usage"] = {"prompt_tokens": _words(body), "completion_tokens": count}
        else:
            piece = {"generation": text, "prompt_token_count": _words(body), "generation_token_count": count}
            piece["stop_reason"] = stop
        if last and self.fake.guardrail:
            piece["amazon-bedrock-guardrailAction"] = "INTERVENED"
        return piece

    def _invoke_stream(self, body: dict[str, Any], arrived: float) -> None:
        _, answer, _ = self._plan(body, reasoning_ok=False)
        self.start_chunked(EVENT_STREAM)
        for i, text in enumerate(answer):
            _sleep_until(arrived + self.fake.ttft_s + i * self.fake.itl_s)
            last = i == len(answer) - 1
            if self.fake.invoke_style == "tgi":
                self._send_piece(_tgi_token(text, i, special=False))
                if last:  # TGI ends with the end-of-sequence token, the whole text and the details
                    self._send_piece({**_tgi_token(TGI_EOS, i + 1, special=True), **_tgi_done(answer)})
                continue
            piece = self._invoke_piece(text, last, body, i + 1)
            if last:
                piece["amazon-bedrock-invocationMetrics"] = {
                    "inputTokenCount": _words(body),
                    "outputTokenCount": len(answer),
                    "invocationLatency": int((time.monotonic() - arrived) * 1000),
                    "firstByteLatency": int(self.fake.ttft_s * 1000),
                }
            self._send_piece(piece)
        self.end_chunked()

    def _send_piece(self, piece: dict[str, Any]) -> None:
        data = json.dumps(piece).encode()
        if self.fake.invoke_style == "tgi":  # TGI streams server-sent events, and they arrive inside the chunk
            data = b"data:" + data + b"\n\n"
        self.write_chunk(event("chunk", {"bytes": base64.b64encode(data).decode()}))

    def _invoke(self, body: dict[str, Any], arrived: float) -> None:
        _, answer, _ = self._plan(body, reasoning_ok=False)
        _sleep_until(arrived + self.fake.ttft_s + max(0, len(answer) - 1) * self.fake.itl_s)
        if self.fake.invoke_style == "tgi":
            self.send_json(200, [_tgi_done(answer)])
            return
        self.send_json(200, self._invoke_piece("".join(answer), True, body, len(answer)))


TGI_EOS = "<｜end▁of▁sentence｜>"


def _tgi_token(text: str, index: int, special: bool) -> dict[str, Any]:
    return {"index": index, "token": {"id": index, "text": text, "logprob": 0.0, "special": special}}


def _tgi_done(answer: list[str]) -> dict[str, Any]:
    details = {"finish_reason": "eos_token", "generated_tokens": len(answer)}
    return {"generated_text": "".join(answer), "details": details}


@dataclass
class FakeBedrockServer(FakeServer):
    """See the module docstring."""

    ttft_s: float = 0.0
    itl_s: float = 0.0
    output_tokens: int = 8
    reasoning_tokens: int = 0
    answer: str | None = None
    guardrail: bool = False
    guardrail_message: str = "Sorry, the model cannot answer this question."
    invoke_style: str = "generation"
    fail_status: int | None = None
    fail_count: int | None = None

    handler = _BedrockHandler

    def client(self) -> Any:
        """A boto3 bedrock-runtime client aimed at this server (no retries, so failures show at once)."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "bedrock-runtime",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="x",
            aws_secret_access_key="x",
            config=Config(retries={"max_attempts": 1, "mode": "standard"}),
        )

    def model_ids(self) -> list[str]:
        """The modelId of every request so far, URL-decoded."""
        return [unquote(r.path.split("?")[0].split("/")[2]) for r in self.received("/model/")]
