"""The local fakes do what their docstrings say: timing, auth, usage, failures, and AWS's event-stream encoding."""

from __future__ import annotations

import http.client
import itertools
import json
import time

import pytest

from tests.fakes.bedrock_stream_server import FakeBedrockServer, encode_event
from tests.fakes.openai_server import FakeOpenAIServer


def _post(fake: FakeOpenAIServer, body: dict, key: str | None = "K") -> tuple[http.client.HTTPResponse, list]:
    """POST /v1/chat/completions; returns the response and, for streams, (arrival time, data) per SSE event."""
    conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    start = time.monotonic()
    conn.request("POST", "/v1/chat/completions", json.dumps(body), headers)
    response = conn.getresponse()
    events = []
    if response.getheader("Content-Type") == "text/event-stream":
        while line := response.readline():
            if line.startswith(b"data: "):
                data = line[6:].strip()
                events.append((time.monotonic() - start, data if data == b"[DONE]" else json.loads(data)))
    return response, events


CHAT = {"model": "m", "messages": [{"role": "user", "content": "three little words"}]}


def test_openai_fake_streams_with_the_set_timing_reasoning_and_usage():
    with FakeOpenAIServer(ttft_s=0.15, itl_s=0.03, output_tokens=5, reasoning_tokens=2, api_key="K") as fake:
        response, events = _post(fake, {**CHAT, "stream": True, "stream_options": {"include_usage": True}})
    assert response.status == 200
    assert events[-1][1] == b"[DONE]"
    tokens = [(t, e["choices"][0]["delta"]) for t, e in events[:-1] if e["choices"] and e["choices"][0]["delta"]]
    deltas = [d for _, d in tokens if "reasoning_content" in d or d.get("content")]
    assert [d.get("reasoning_content") for d in deltas[:2]] == ["r0 ", "r1 "]
    assert "".join(d.get("content", "") for d in deltas) == "t0 t1 t2 t3 t4 "
    first = next(t for t, d in tokens if d.get("reasoning_content"))
    assert 0.15 <= first < 0.25
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(tokens[1:])]
    assert all(0.02 < gap < 0.06 for gap in gaps), gaps
    assert events[-2][1]["usage"] == {"prompt_tokens": 3, "completion_tokens": 7, "total_tokens": 10}
    assert fake.received("/chat/completions")[0].body["stream"] is True


def test_openai_fake_non_stream_caps_at_max_tokens_and_records_the_request():
    with FakeOpenAIServer(output_tokens=10, reasoning_tokens=1, api_key="K") as fake:
        response, _ = _post(fake, {**CHAT, "max_tokens": 4})
        reply = json.loads(response.read())
        sent = fake.received()
    assert reply["choices"][0]["message"] == {"role": "assistant", "content": "t0 t1 t2 ", "reasoning_content": "r0 "}
    assert reply["choices"][0]["finish_reason"] == "length"
    assert reply["usage"]["completion_tokens"] == 4
    assert sent[0].headers["authorization"] == "Bearer K"
    assert sent[0].body["max_tokens"] == 4


def test_openai_fake_wants_the_key_and_fails_when_told():
    with FakeOpenAIServer(api_key="K", fail_status=429, fail_count=1) as fake:
        assert _post(fake, CHAT, key="wrong")[0].status == 401
        throttled, _ = _post(fake, CHAT)
        assert throttled.status == 429
        assert json.loads(throttled.read())["error"]["type"] == "rate_limit_exceeded"
        assert _post(fake, CHAT)[0].status == 200  # fail_count ran out
        conn = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=5)
        conn.request("GET", "/health")
        assert conn.getresponse().status == 200


def test_event_stream_encoding_round_trips_through_botocore():
    from botocore.eventstream import EventStreamBuffer

    buffer = EventStreamBuffer()
    buffer.add_data(encode_event({":event-type": "chunk", ":message-type": "event"}, b'{"a": 1}'))
    message = next(iter(buffer))
    assert message.headers == {":event-type": "chunk", ":message-type": "event"}
    assert message.payload == b'{"a": 1}'


def test_bedrock_fake_converse_stream_parsed_by_boto3():
    with FakeBedrockServer(ttft_s=0.1, itl_s=0.02, output_tokens=4, reasoning_tokens=2) as fake:
        client = fake.client()
        start = time.monotonic()
        reply = client.converse_stream(
            modelId="arn:aws:bedrock:us-east-1:1:inference-profile/us.deepseek.r1-v1:0",
            messages=[{"role": "user", "content": [{"text": "hello there"}]}],
        )
        events = [(time.monotonic() - start, e) for e in reply["stream"]]
        assert fake.model_ids() == ["arn:aws:bedrock:us-east-1:1:inference-profile/us.deepseek.r1-v1:0"]
    deltas = [(t, e["contentBlockDelta"]["delta"]) for t, e in events if "contentBlockDelta" in e]
    assert "".join(d["reasoningContent"]["text"] for _, d in deltas[:2]) == "r0 r1 "
    assert "".join(d.get("text", "") for _, d in deltas) == "t0 t1 t2 t3 "
    assert 0.1 <= deltas[0][0] < 0.2
    assert events[-2][1] == {"messageStop": {"stopReason": "end_turn"}}
    assert events[-1][1]["metadata"]["usage"] == {"inputTokens": 2, "outputTokens": 6, "totalTokens": 8}


def test_bedrock_fake_guardrail_and_invoke_stream():
    with FakeBedrockServer(output_tokens=3, guardrail=True, guardrail_message="Blocked.") as fake:
        client = fake.client()
        reply = client.converse(modelId="m", messages=[{"role": "user", "content": [{"text": "hi"}]}])
        assert reply["stopReason"] == "guardrail_intervened"
        assert reply["output"]["message"]["content"] == [{"text": "Blocked."}]
        fake.guardrail = False
        stream = client.invoke_model_with_response_stream(modelId="imported", body=json.dumps({"prompt": "a b"}))
        pieces = [json.loads(e["chunk"]["bytes"]) for e in stream["body"]]
    assert "".join(p["generation"] for p in pieces) == "t0 t1 t2 "
    assert pieces[-1]["amazon-bedrock-invocationMetrics"]["outputTokenCount"] == 3


def test_bedrock_fake_throttles_as_boto3_expects():
    with FakeBedrockServer(fail_status=429) as fake:
        client = fake.client()
        with pytest.raises(client.exceptions.ThrottlingException):
            client.converse_stream(modelId="m", messages=[{"role": "user", "content": [{"text": "hi"}]}])
