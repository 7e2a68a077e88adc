"""Acceptance, cascade: the fast tier answers first (buffered); a failing answer is escalated."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deepseek_deploy.components.gateway import config as gw

from .stack import Stack, call, gateway

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cascade(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    routing = gw.Routing("cascade", "fast", "reasoning", fallbacks={"fast": ["reasoning"]}, pattern=r"\d")
    with gateway(tmp_path_factory.mktemp("cascade"), routing) as running:
        yield running


@pytest.fixture
def fast_says(cascade: Stack) -> Iterator[object]:
    def say(answer: str) -> None:
        cascade.fast.answer = answer

    yield say
    cascade.fast.answer = "fast answer"


@pytest.mark.parametrize("stream", [False, True])
def test_a_passing_fast_answer_is_served_once(cascade, fast_says, stream):
    fast_says("The answer is 42")
    before = (len(cascade.fast.received("/chat/completions")), len(cascade.reasoning.received("/chat/completions")))
    status, headers, body = call(cascade.proxy.url, "What is 6 * 7?", stream=stream)
    assert status == 200, body
    assert headers["x-deepseek-tier"] == "fast"
    text = body if stream else body["choices"][0]["message"]["content"]
    assert text == "The answer is 42"
    fast_calls = cascade.fast.received("/chat/completions")
    assert len(fast_calls) == before[0] + 1  # the probe only: the buffered answer is replayed
    assert not fast_calls[-1].body.get("stream")
    assert len(cascade.reasoning.received("/chat/completions")) == before[1]


@pytest.mark.parametrize(
    ("answer", "extra", "why"),
    [
        ("no digits here", {}, "pattern"),
        ("I'm sorry, I cannot help with 1 thing", {}, "refused"),
        ("0 1 2 3 4 5 6 7 8 9", {"max_tokens": 3}, "truncated"),
        ("1 is not json", {"response_format": {"type": "json_object"}}, "not json"),
    ],
)
def test_a_failing_fast_answer_is_escalated(cascade, fast_says, answer, extra, why):
    fast_says(answer)
    status, headers, body = call(cascade.proxy.url, "What is 6 * 7?", **extra)
    assert status == 200, body
    assert headers["x-deepseek-tier"] == "reasoning"
    assert cascade.reasoning.received("/chat/completions")[-1].body["messages"][0]["content"] == "What is 6 * 7?"
    event = cascade.proxy.wait_event(lambda e: e["event"] == "request" and e["reason"] == f"cascade: {why}")
    assert (event["tier"], event["probe"]) == ("reasoning", False)
