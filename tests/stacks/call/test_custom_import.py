"""Custom Model Import: InvokeModel with the distills' chat template, `<think>` split, the guardrail on the call,
and ModelNotReadyException retried with a visible warm-up message."""

from __future__ import annotations

import json

import pytest

from deepseek_deploy.stacks.call.conversation import ASSISTANT, USER, Turn, ask
from deepseek_deploy.stacks.call.invoke import invoke
from deepseek_deploy.stacks.call.request import Request
from deepseek_deploy.stacks.errors import DeployError
from tests.fakes.bedrock_stream_server import FakeBedrockServer

from .conftest import GUARDRAIL, IMPORTED_ARN, blocked_assessment, single_attempt_client, streaming_body, target

REPLY = {
    "generation": "The user asks 3+3.\n</think>\n\n6",
    "prompt_token_count": 30,
    "generation_token_count": 11,
    "stop_reason": "stop",
}


def params(prompt: str, max_tokens: int = 2048, guardrail: bool = True) -> dict:
    found = {
        "modelId": IMPORTED_ARN,
        "body": json.dumps({"prompt": prompt, "max_gen_len": max_tokens}),
        "contentType": "application/json",
        "accept": "application/json",
    }
    return {**found, **GUARDRAIL, "trace": "ENABLED"} if guardrail else found


def ok(document: dict = REPLY) -> dict:
    return {"body": streaming_body(document), "contentType": "application/json"}


def test_the_exact_template_the_guardrail_and_the_split_reply(bedrock):
    client, stubber = bedrock
    turns = (Turn(USER, "2+2?"), Turn(ASSISTANT, "4"), Turn(USER, "3+3?"))
    prompt = (
        "<｜begin▁of▁sentence｜>You are terse.<｜User｜>2+2?<｜Assistant｜>4<｜end▁of▁sentence｜>"
        "<｜User｜>3+3?<｜Assistant｜><think>\n"
    )
    stubber.add_response("invoke_model", ok(), params(prompt, 64))
    answer = invoke(
        target("custom-import", guardrail=True), Request(turns, system="You are terse.", max_tokens=64), bedrock=client
    )
    assert (answer.reasoning, answer.answer) == ("The user asks 3+3.", "6")
    assert (answer.input_tokens, answer.output_tokens, answer.stop_reason) == (30, 11, "stop")


def test_a_cold_model_is_retried_with_backoff_and_a_warm_up_message(bedrock):
    client, stubber = bedrock
    for _ in range(3):
        stubber.add_client_error("invoke_model", "ModelNotReadyException", "not ready", 429)
    stubber.add_response("invoke_model", ok(), params("<｜begin▁of▁sentence｜><｜User｜>hi<｜Assistant｜><think>\n"))
    slept: list[float] = []
    said: list[str] = []
    answer = invoke(
        target("custom-import", guardrail=True),
        Request(ask("hi")),
        bedrock=client,
        sleep=slept.append,
        notify=said.append,
    )
    assert answer.answer == "6"
    assert slept == [5.0, 10.0, 20.0]  # exponential backoff
    assert said[0].startswith("warming up (scales from zero)") and said[1:] == [
        "still warming up (5 s so far)",
        "still warming up (15 s so far)",
    ]


def test_the_warm_up_wait_is_bounded(bedrock):
    client, stubber = bedrock
    for _ in range(3):
        stubber.add_client_error("invoke_model", "ModelNotReadyException", "not ready", 429)
    slept: list[float] = []
    with pytest.raises(DeployError) as raised:
        invoke(target("custom-import"), Request(ask("hi"), warmup_s=12), bedrock=client, sleep=slept.append)
    assert slept == [5.0, 7.0] and raised.value.code == 1 and "warming up" in raised.value.message


def test_a_reply_the_guardrail_stopped_is_blocked(bedrock):
    client, stubber = bedrock
    stopped = {
        "generation": "Sorry, the model cannot answer this question.",
        "amazon-bedrock-guardrailAction": "INTERVENED",
        "amazon-bedrock-trace": {"guardrail": {"input": {"gr-123": blocked_assessment()[0]}}},
    }
    stubber.add_response("invoke_model", ok(stopped))
    answer = invoke(target("custom-import", guardrail=True), Request(ask("stocks?")), bedrock=client)
    assert answer.as_json()["guardrail"] == {
        "action": "BLOCKED",
        "message": "Sorry, the model cannot answer this question.",
        "stage": "input",
    }
    assert answer.answer == "" and answer.reasoning == ""


@pytest.mark.parametrize("style", ["generation", "choices"])
def test_a_streamed_reply_is_split_and_counted(style):
    with FakeBedrockServer(answer="thinking hard </think> six", itl_s=0.01, invoke_style=style) as fake:
        seen: list[tuple[str, str]] = []
        answer = invoke(
            target("custom-import", guardrail=True),
            Request(ask("3+3?"), max_tokens=50, stream=True),
            bedrock=fake.client(),
            on_delta=lambda kind, text: seen.append((kind, text)),
        )
        sent = fake.received("/invoke-with-response-stream")[0]
    assert fake.model_ids() == [IMPORTED_ARN]
    assert sent.body == {"prompt": "<｜begin▁of▁sentence｜><｜User｜>3+3?<｜Assistant｜><think>\n", "max_gen_len": 50}
    assert sent.headers["x-amzn-bedrock-guardrailidentifier"] == "gr-123"
    assert sent.headers["x-amzn-bedrock-guardrailversion"] == "1"
    assert (answer.reasoning, answer.answer) == ("thinking hard", "six")
    assert {kind for kind, _ in seen} == {"reasoning", "answer"} and answer.output_tokens == 4
    assert answer.ttft_ms <= answer.ttfa_ms


def test_a_stream_retries_a_cold_model_then_reads_it():
    with FakeBedrockServer(answer="x </think> y", fail_status=424, fail_count=2) as fake:
        slept: list[float] = []
        answer = invoke(
            target("custom-import"),
            Request(ask("hi"), stream=True),
            bedrock=single_attempt_client(fake),
            sleep=slept.append,
        )
    assert slept == [5.0, 10.0] and answer.answer == "y"


def test_a_streamed_guardrail_intervention_is_blocked():
    with FakeBedrockServer(guardrail=True, guardrail_message="Blocked.") as fake:
        answer = invoke(target("custom-import", guardrail=True), Request(ask("x"), stream=True), bedrock=fake.client())
    assert answer.blocked and answer.guardrail.message == "Blocked."
