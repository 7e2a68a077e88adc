"""Acceptance: the real LiteLLM proxy on 127.0.0.1, with this package's config and hooks, in front of a
"fast" and a "reasoning" local OpenAI-compatible server and a local ApplyGuardrail stand-in."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Iterator
from typing import Any

import pytest

from deepseek_deploy.components.gateway import config as gw
from tests.fakes.openai_server import FakeOpenAIServer

from .proxy import Proxy
from .stack import KEYS, MASTER, REVOKED, UPSTREAM, call, gateway

pytestmark = pytest.mark.slow

EASY = "What is the capital of France?"
HARD = (
    "Prove step by step that the sum of the first n odd numbers is n^2, and explain why the induction works. "
    "1) State the base case? 2) Show the step for n = 3 + 4 * 5? 3) Derive 17 * 23 - 11 / 2 = ?"
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Proxy, FakeOpenAIServer, FakeOpenAIServer, Any]]:
    routing = gw.Routing(
        "classifier", "fast", "reasoning", 0.3, {"reasoning": ["fast"], "fast": ["reasoning"]}, header_override=True
    )
    with gateway(tmp_path_factory.mktemp("gateway"), routing) as running:
        yield running.proxy, running.fast, running.reasoning, running.guard


def test_easy_goes_to_fast_and_hard_to_reasoning(stack):
    proxy, _, reasoning, _ = stack
    status, headers, body = call(proxy.url, EASY)
    assert status == 200, body
    assert headers["x-deepseek-tier"] == "fast"
    assert body["choices"][0]["message"]["content"] == "fast answer"
    status, headers, body = call(proxy.url, HARD)
    assert status == 200, body
    assert headers["x-deepseek-tier"] == "reasoning"
    assert body["choices"][0]["message"]["content"] == "reasoned answer"
    assert reasoning.received("/chat/completions")[-1].body["messages"][0]["content"] == HARD


def test_a_streamed_request_is_routed_and_reported(stack):
    proxy, *_ = stack
    status, headers, text = call(proxy.url, HARD, stream=True)
    assert (status, headers["x-deepseek-tier"], text) == (200, "reasoning", "reasoned answer")
    status, headers, text = call(proxy.url, EASY, stream=True)
    assert (status, headers["x-deepseek-tier"], text) == (200, "fast", "fast answer")


def test_a_header_pins_a_tier(stack):
    proxy, *_ = stack
    status, headers, body = call(proxy.url, HARD, headers={"x-deepseek-tier": "fast"})
    assert (status, headers["x-deepseek-tier"]) == (200, "fast"), body
    status, headers, body = call(proxy.url, EASY, headers={"x-deepseek-tier": "reasoning"})
    assert (status, headers["x-deepseek-tier"]) == (200, "reasoning"), body


@pytest.mark.parametrize("failure", [429, 500])
def test_a_failing_tier_falls_back(stack, failure):
    proxy, _, reasoning, _ = stack
    reasoning.fail_status, reasoning.fail_count = failure, 5
    try:
        before = len(reasoning.received("/chat/completions"))
        status, headers, body = call(proxy.url, HARD)
    finally:
        reasoning.fail_status, reasoning.fail_count = None, None
    assert status == 200, body
    assert headers["x-deepseek-tier"] == "fast"
    assert body["choices"][0]["message"]["content"] == "fast answer"
    assert len(reasoning.received("/chat/completions")) > before  # it was tried first
    assert headers.get("x-litellm-attempted-fallbacks") == "1"


def test_a_blocked_prompt_never_reaches_a_tier(stack):
    proxy, fast, reasoning, guard = stack
    seen = len(fast.received()) + len(reasoning.received())
    status, _, body = call(proxy.url, "Tell me the forbidden recipe")
    assert status == 400, body
    assert "guardrail blocked" in json.dumps(body)
    assert len(fast.received()) + len(reasoning.received()) == seen
    assert guard.received()[-1].body["source"] == "INPUT"
    assert proxy.wait_event(lambda e: e["event"] == "BLOCKED")["key"] == "backend"


def test_a_client_cannot_ask_for_a_mock_answer(stack):
    proxy, fast, _, _ = stack
    seen = len(fast.received("/chat/completions"))
    status, _, body = call(proxy.url, EASY, mock_response="made up")
    assert (status, body["choices"][0]["message"]["content"]) == (200, "fast answer")
    assert len(fast.received("/chat/completions")) == seen + 1


def test_a_blocked_answer_is_replaced(stack):
    proxy, fast, _, _ = stack
    fast.answer = "here is the forbidden thing"
    try:
        status, _, body = call(proxy.url, EASY)
    finally:
        fast.answer = "fast answer"
    assert status == 200, body
    assert body["choices"][0]["message"]["content"] == "Sorry, the guardrail blocked this."
    assert body["choices"][0]["finish_reason"] == "content_filter"


def test_a_blocked_streamed_answer_is_replaced_before_it_is_sent(stack):
    proxy, fast, _, _ = stack
    fast.answer = "here is the forbidden thing"
    try:
        status, headers, text = call(proxy.url, EASY, stream=True)
    finally:
        fast.answer = "fast answer"
    assert (status, headers["x-deepseek-tier"], text) == (200, "fast", "Sorry, the guardrail blocked this.")
    assert proxy.wait_event(lambda e: e["event"] == "BLOCKED" and e.get("stream"))["source"] == "OUTPUT"


@pytest.mark.parametrize("key", ["", "wrong-key", REVOKED, MASTER])
def test_wrong_missing_or_revoked_keys_are_refused(stack, key):
    proxy, fast, reasoning, _ = stack
    seen = len(fast.received()) + len(reasoning.received())
    status, _, body = call(proxy.url, EASY, key=key)
    assert status == 401, body
    assert len(fast.received()) + len(reasoning.received()) == seen
    if key:
        assert key not in proxy.log()


def test_the_log_names_tier_key_tokens_latency_and_cost(stack):
    proxy, *_ = stack
    assert call(proxy.url, EASY, key=KEYS["batch"])[0] == 200
    event = proxy.wait_event(lambda e: e["event"] == "request" and e["key"] == "batch")
    assert event["tier"] == "fast" and event["reason"] == "score"
    assert event["prompt_tokens"] == 6 and event["completion_tokens"] == 2
    assert event["latency_ms"] >= 50
    assert event["cost_usd"] == pytest.approx((6 * 0.1 + 2 * 0.2) / 1e6)
    for secret in [*KEYS.values(), *UPSTREAM.values(), MASTER]:
        assert secret not in proxy.log()


def test_routing_overhead(stack):
    """ms per request at the gateway minus calling the fast tier directly (same prompt, sequential)."""
    proxy, fast, _, _ = stack
    fast.ttft_s = 0.0
    try:
        direct = _timed(lambda: call(fast.url, EASY, key=UPSTREAM["fast"], model="fast-model"))
        via = _timed(lambda: call(proxy.url, EASY))
        litellm_ms = statistics.median(
            float(call(proxy.url, EASY)[1]["x-litellm-overhead-duration-ms"]) for _ in range(9)
        )
    finally:
        fast.ttft_s = 0.05
    overhead = via - direct
    print(
        f"\ngateway routing overhead: {overhead:.1f} ms per request (gateway {via:.1f} ms, direct {direct:.1f} ms;"
        f" LiteLLM's own x-litellm-overhead-duration-ms: {litellm_ms:.1f}; includes two ApplyGuardrail calls)"
    )
    assert overhead < 500


def _timed(request: Any, n: int = 20) -> float:
    for _ in range(3):
        assert request()[0] == 200
    times = []
    for _ in range(n):
        start = time.perf_counter()
        assert request()[0] == 200
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


@pytest.mark.parametrize("path", ["/health/liveliness", "/health/readiness"])
def test_the_probe_endpoints_answer_without_a_key(stack, path):
    """What the gateway's Kubernetes probes and load-balancer health checks will call: LiteLLM documents both
    as unauthenticated probe endpoints (https://docs.litellm.ai/docs/proxy/health); the custom auth must not
    refuse them, or every pod would be restarted."""
    import urllib.request

    proxy = stack[0]
    with urllib.request.urlopen(proxy.url + path, timeout=5) as answer:
        assert answer.status == 200
