"""Self-hosted and `--endpoint`: OpenAI chat completions against the local server with known delays, streamed and
not, with the guardrail applied around the call through ApplyGuardrail."""

from __future__ import annotations

import pytest

from deepseek_deploy.stacks.call.conversation import ask
from deepseek_deploy.stacks.call.invoke import invoke
from deepseek_deploy.stacks.call.request import Request
from deepseek_deploy.stacks.errors import DeployError
from tests.fakes.openai_server import FakeOpenAIServer

from .conftest import GUARDRAIL, USAGE, blocked_assessment, target


def aimed(fake: FakeOpenAIServer, **extra):
    return target("self-hosted", base_url=fake.base_url, api_key="test-key", **extra)


def test_a_whole_reply_with_reasoning_apart_and_usage():
    with FakeOpenAIServer(reasoning_tokens=2, output_tokens=3, ttft_s=0.05) as fake:
        answer = invoke(aimed(fake), Request(ask("hello there"), system="Be brief.", max_tokens=64))
        sent = fake.received("/chat/completions")[0]
    assert sent.body == {
        "model": "distill-qwen-7b",
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello there"}],
        "max_tokens": 64,
        "stream": False,
    }
    assert sent.headers["authorization"] == "Bearer test-key"
    assert (answer.reasoning, answer.answer) == ("r0 r1", "t0 t1 t2")
    assert (answer.input_tokens, answer.output_tokens, answer.stop_reason) == (4, 5, "stop")
    assert answer.ttft_ms == answer.ttfa_ms == answer.latency_ms  # a whole reply arrives at one moment


def test_a_stream_is_timed_as_the_server_sent_it():
    with FakeOpenAIServer(ttft_s=0.2, itl_s=0.02, reasoning_tokens=5, output_tokens=5) as fake:
        seen: list[tuple[str, str]] = []
        answer = invoke(
            aimed(fake),
            Request(ask("hi"), temperature=0.6, stream=True),
            on_delta=lambda kind, text: seen.append((kind, text)),
        )
        sent = fake.received("/chat/completions")[0].body
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True} and sent["temperature"] == 0.6
    assert len(seen) == 10 and seen[0] == ("reasoning", "r0 ") and seen[-1] == ("answer", "t4 ")
    assert answer.ttft_ms == pytest.approx(200, rel=0.15)
    assert answer.ttfa_ms == pytest.approx(200 + 5 * 20, rel=0.15)  # the first answer token follows 5 reasoning ones
    assert answer.latency_ms == pytest.approx(200 + 9 * 20, rel=0.15)
    assert (answer.input_tokens, answer.output_tokens) == (1, 10)


def test_think_tags_in_the_content_are_split_when_the_server_has_no_reasoning_parser():
    with FakeOpenAIServer(answer="<think> weighing it </think> yes") as fake:
        streamed = invoke(aimed(fake), Request(ask("?"), stream=True))
        whole = invoke(aimed(fake), Request(ask("?")))
    assert (streamed.reasoning, streamed.answer) == (whole.reasoning, whole.answer) == ("weighing it", "yes")


def test_a_wrong_key_is_explained_without_echoing_any_key():
    with FakeOpenAIServer(api_key="right") as fake, pytest.raises(DeployError) as raised:
        invoke(aimed(fake), Request(ask("hi")))
    assert raised.value.code == 1 and "HTTP 401" in raised.value.message and "--api-key" in raised.value.message
    assert "test-key" not in raised.value.message and "right" not in raised.value.message


@pytest.mark.parametrize("stream", [False, True])
def test_a_server_error_exits_1_with_its_message(stream):
    with FakeOpenAIServer(fail_status=500) as fake, pytest.raises(DeployError) as raised:
        invoke(aimed(fake), Request(ask("hi"), stream=stream))
    assert raised.value.code == 1 and "HTTP 500" in raised.value.message and "fake server_error" in raised.value.message


def test_nothing_listening_exits_1():
    with pytest.raises(DeployError) as raised:
        invoke(target("self-hosted", base_url="http://127.0.0.1:9/v1"), Request(ask("hi")))
    assert raised.value.code == 1 and "not answering" in raised.value.message


def test_a_prompt_the_guardrail_blocks_never_reaches_the_server(bedrock):
    client, stubber = bedrock
    verdict = {"usage": USAGE, "action": "GUARDRAIL_INTERVENED", "outputs": [{"text": "No."}]}
    expected = {**GUARDRAIL, "source": "INPUT", "content": [{"text": {"text": "stocks?"}}]}
    stubber.add_response("apply_guardrail", {**verdict, "assessments": blocked_assessment()}, expected)
    with FakeOpenAIServer() as fake:
        answer = invoke(aimed(fake, guardrail=True), Request(ask("stocks?"), stream=True), bedrock=client)
        assert fake.received("/chat/completions") == []
    assert answer.as_json()["guardrail"] == {"action": "BLOCKED", "message": "No.", "stage": "input"}


def test_an_answer_the_guardrail_blocks_is_not_shown(bedrock):
    client, stubber = bedrock
    stubber.add_response("apply_guardrail", {"usage": USAGE, "action": "NONE", "outputs": [], "assessments": []})
    verdict = {"usage": USAGE, "action": "GUARDRAIL_INTERVENED", "outputs": [{"text": "Withheld."}]}
    expected = {**GUARDRAIL, "source": "OUTPUT", "content": [{"text": {"text": "t0 t1"}}]}
    stubber.add_response("apply_guardrail", {**verdict, "assessments": blocked_assessment()}, expected)
    seen: list = []
    with FakeOpenAIServer(output_tokens=2) as fake:
        answer = invoke(
            aimed(fake, guardrail=True), Request(ask("hi"), stream=True), bedrock=client, on_delta=seen.append
        )
    assert answer.blocked and answer.guardrail.stage == "output" and seen == []
