"""Serverless: Converse with the inference profile, reasoning apart, guardrail on the call; ConverseStream
against the local event-stream server (the Stubber cannot fake a stream)."""

from __future__ import annotations

import pytest

from deepseek_deploy.stacks.call.conversation import Conversation, ask
from deepseek_deploy.stacks.call.invoke import bedrock_client, invoke
from deepseek_deploy.stacks.call.request import Request
from deepseek_deploy.stacks.errors import DeployError
from tests.fakes.bedrock_stream_server import FakeBedrockServer

from .conftest import GUARDRAIL, PROFILE, Clock, blocked_assessment, target

REPLY = {
    "output": {
        "message": {
            "role": "assistant",
            "content": [
                {"reasoningContent": {"reasoningText": {"text": "2 and 2 make 4.", "signature": "s"}}},
                {"text": "\n\n4"},
            ],
        }
    },
    "stopReason": "end_turn",
    "usage": {"inputTokens": 9, "outputTokens": 12, "totalTokens": 21},
    "metrics": {"latencyMs": 400},
}


def test_converse_sends_the_profile_guardrail_and_text_only_turns(bedrock):
    client, stubber = bedrock
    conversation = Conversation()
    first = Request(conversation.ask("2+2?"), system="Be brief.", max_tokens=512, temperature=0.6)
    expected = {
        "modelId": PROFILE,
        "messages": [{"role": "user", "content": [{"text": "2+2?"}]}],
        "inferenceConfig": {"maxTokens": 512, "temperature": 0.6},
        "system": [{"text": "Be brief."}],
        "guardrailConfig": {**GUARDRAIL, "trace": "enabled"},
    }
    stubber.add_response("converse", REPLY, expected)
    answer = invoke(target("serverless", guardrail=True), first, bedrock=client, clock=Clock())
    assert (answer.reasoning, answer.answer) == ("2 and 2 make 4.", "4")
    assert (answer.input_tokens, answer.output_tokens, answer.guardrail.action) == (9, 12, "NONE")
    assert answer.ttft_ms is not None and answer.ttft_ms <= answer.latency_ms

    # The next turn resends the answer, never the reasoning block (Bedrock rejects it).
    conversation.record("2+2?", answer)
    second = {
        **expected,
        "messages": [
            {"role": "user", "content": [{"text": "2+2?"}]},
            {"role": "assistant", "content": [{"text": "4"}]},
            {"role": "user", "content": [{"text": "and 3+3?"}]},
        ],
    }
    stubber.add_response("converse", REPLY, second)
    request = Request(conversation.ask("and 3+3?"), system="Be brief.", max_tokens=512, temperature=0.6)
    invoke(target("serverless", guardrail=True), request, bedrock=client)


def test_a_prompt_the_guardrail_blocks_is_blocked_with_its_message(bedrock):
    client, stubber = bedrock
    reply = {
        "output": {"message": {"role": "assistant", "content": [{"text": "Sorry, I cannot talk about that."}]}},
        "stopReason": "guardrail_intervened",
        "usage": {"inputTokens": 5, "outputTokens": 0, "totalTokens": 5},
        "metrics": {"latencyMs": 80},
        "trace": {"guardrail": {"inputAssessment": {"gr-123": blocked_assessment()[0]}}},
    }
    stubber.add_response("converse", reply)
    answer = invoke(target("serverless", guardrail=True), Request(ask("stocks?")), bedrock=client)
    assert answer.blocked and answer.answer == "" and answer.reasoning == ""
    assert answer.as_json()["guardrail"] == {
        "action": "BLOCKED",
        "message": "Sorry, I cannot talk about that.",
        "stage": "input",
    }


def test_converse_stream_times_reasoning_and_answer_tokens():
    with FakeBedrockServer(ttft_s=0.15, itl_s=0.01, reasoning_tokens=3, output_tokens=4) as fake:
        seen: list[tuple[str, str]] = []
        answer = invoke(
            target("serverless", guardrail=True),
            Request(ask("hi"), max_tokens=100, stream=True),
            bedrock=fake.client(),
            on_delta=lambda kind, text: seen.append((kind, text)),
        )
        sent = fake.received("/converse-stream")[0].body
    assert fake.model_ids() == [PROFILE]
    assert sent["guardrailConfig"] == {**GUARDRAIL, "trace": "enabled"}
    assert (answer.reasoning, answer.answer) == ("r0 r1 r2", "t0 t1 t2 t3")
    assert [kind for kind, _ in seen] == ["reasoning"] * 3 + ["answer"] * 4
    assert answer.output_tokens == 7 and answer.stop_reason == "end_turn"
    assert 140 <= answer.ttft_ms < 300  # the fake's first token at 150 ms
    assert answer.ttfa_ms - answer.ttft_ms >= 25  # three reasoning tokens 10 ms apart come first


def test_a_streamed_guardrail_intervention_is_blocked():
    with FakeBedrockServer(guardrail=True, guardrail_message="No.") as fake:
        answer = invoke(target("serverless", guardrail=True), Request(ask("x"), stream=True), bedrock=fake.client())
    assert answer.blocked and answer.guardrail.message == "No." and answer.answer == ""


@pytest.mark.parametrize(
    ("code", "exit_code", "words"),
    [
        ("AccessDeniedException", 1, "invoke_policy_arn"),
        ("ResourceNotFoundException", 1, "deploy status"),
        ("ThrottlingException", 1, "throttling"),
        ("UnrecognizedClientException", 3, "credentials"),
        ("ExpiredTokenException", 3, "credentials"),
    ],
)
def test_aws_errors_become_deploy_errors_with_the_right_exit_code(bedrock, code, exit_code, words):
    client, stubber = bedrock
    stubber.add_client_error("converse", code, "nope")
    with pytest.raises(DeployError) as raised:
        invoke(target("serverless"), Request(ask("hi")), bedrock=client)
    assert raised.value.code == exit_code and words in raised.value.message
    assert exit_code == 3 or PROFILE in raised.value.message  # a failed call names what it called


def test_no_credentials_exit_3(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "http://127.0.0.1:9")  # never reached
    with pytest.raises(DeployError) as raised:
        invoke(target("serverless"), Request(ask("hi")))
    assert raised.value.code == 3 and "credentials" in raised.value.message


def test_an_endpoint_that_does_not_answer_exits_1(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "http://127.0.0.1:9")  # nothing listens there
    client = bedrock_client("us-east-1", attempts=1)  # the default 3 attempts back off for seconds
    with pytest.raises(DeployError) as raised:
        invoke(target("serverless"), Request(ask("hi")), bedrock=client)
    assert raised.value.code == 1 and "not answering" in raised.value.message
