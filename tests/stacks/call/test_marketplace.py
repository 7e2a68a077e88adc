"""Marketplace: InvokeModel with the endpoint ARN and the TGI-style body; the guardrail through ApplyGuardrail
on the prompt before the call and on the answer after it."""

from __future__ import annotations

import json

from deepseek_deploy.stacks.call.answer import Recorder
from deepseek_deploy.stacks.call.conversation import ask
from deepseek_deploy.stacks.call.invoke import invoke
from deepseek_deploy.stacks.call.marketplace import _read_stream
from deepseek_deploy.stacks.call.request import Request
from deepseek_deploy.stacks.call.template import ThinkSplitter

from .conftest import GUARDRAIL, MARKETPLACE_ARN, USAGE, blocked_assessment, masked_assessment, streaming_body, target

PROMPT = "<｜begin▁of▁sentence｜><｜User｜>2+2?<｜Assistant｜><think>\n"
REPLY = {"generated_text": "Adding.\n</think>\n\n4", "details": {"finish_reason": "eos_token", "generated_tokens": 7}}
PASSED = {"usage": USAGE, "action": "NONE", "outputs": [], "assessments": []}


def guard(source: str, text: str) -> dict:
    return {**GUARDRAIL, "source": source, "content": [{"text": {"text": text}}]}


def invoke_params(max_tokens: int = 256) -> dict:
    body = {"inputs": PROMPT, "parameters": {"max_new_tokens": max_tokens, "details": True, "temperature": 0.6}}
    return {
        "modelId": MARKETPLACE_ARN,
        "body": json.dumps(body),
        "contentType": "application/json",
        "accept": "application/json",
    }


def test_prompt_checked_then_invoked_with_the_container_body_then_answer_checked(bedrock):
    client, stubber = bedrock
    stubber.add_response("apply_guardrail", PASSED, guard("INPUT", "2+2?"))
    stubber.add_response(
        "invoke_model", {"body": streaming_body(REPLY), "contentType": "application/json"}, invoke_params()
    )
    stubber.add_response("apply_guardrail", PASSED, guard("OUTPUT", "4"))
    seen: list[tuple[str, str]] = []
    answer = invoke(
        target("marketplace", guardrail=True),
        Request(ask("2+2?"), max_tokens=256, temperature=0.6),
        bedrock=client,
        on_delta=lambda kind, text: seen.append((kind, text)),
    )
    assert (answer.reasoning, answer.answer, answer.output_tokens, answer.input_tokens) == ("Adding.", "4", 7, None)
    assert answer.guardrail.action == "NONE" and answer.stop_reason == "eos_token"
    assert seen == [("reasoning", "Adding."), ("answer", "4")]  # shown once the answer passed


def test_a_blocked_prompt_never_reaches_the_model(bedrock):
    client, stubber = bedrock
    verdict = {"usage": USAGE, "action": "GUARDRAIL_INTERVENED", "outputs": [{"text": "Not allowed."}]}
    stubber.add_response("apply_guardrail", {**verdict, "assessments": blocked_assessment()}, guard("INPUT", "stocks?"))
    seen: list = []
    answer = invoke(
        target("marketplace", guardrail=True), Request(ask("stocks?")), bedrock=client, on_delta=seen.append
    )
    assert answer.as_json()["guardrail"] == {"action": "BLOCKED", "message": "Not allowed.", "stage": "input"}
    assert answer.answer == "" and seen == []  # and no invoke_model: the Stubber would have failed


def test_a_blocked_answer_is_never_shown(bedrock):
    client, stubber = bedrock
    stubber.add_response("apply_guardrail", PASSED)
    stubber.add_response("invoke_model", {"body": streaming_body(REPLY), "contentType": "application/json"})
    verdict = {"usage": USAGE, "action": "GUARDRAIL_INTERVENED", "outputs": [{"text": "Answer withheld."}]}
    stubber.add_response("apply_guardrail", {**verdict, "assessments": blocked_assessment()}, guard("OUTPUT", "4"))
    seen: list = []
    answer = invoke(target("marketplace", guardrail=True), Request(ask("2+2?")), bedrock=client, on_delta=seen.append)
    assert answer.blocked and answer.guardrail.stage == "output" and answer.guardrail.message == "Answer withheld."
    assert (answer.answer, answer.reasoning, seen) == ("", "", [])


def test_a_masked_answer_is_passed_masked(bedrock):
    client, stubber = bedrock
    stubber.add_response("apply_guardrail", PASSED)
    stubber.add_response("invoke_model", {"body": streaming_body(REPLY), "contentType": "application/json"})
    verdict = {"usage": USAGE, "action": "GUARDRAIL_INTERVENED", "outputs": [{"text": "{EMAIL}"}]}
    stubber.add_response("apply_guardrail", {**verdict, "assessments": masked_assessment()})
    answer = invoke(target("marketplace", guardrail=True), Request(ask("2+2?")), bedrock=client)
    assert (answer.guardrail.action, answer.answer, answer.blocked) == ("INTERVENED", "{EMAIL}", False)


def test_without_a_guardrail_only_the_model_is_called(bedrock):
    client, stubber = bedrock
    stubber.add_response("invoke_model", {"body": streaming_body([REPLY]), "contentType": "application/json"})
    answer = invoke(target("marketplace"), Request(ask("2+2?")), bedrock=client)
    assert answer.answer == "4"


def test_a_streamed_tgi_reply_is_read_token_by_token():
    def chunk(text: str, **extra) -> dict:
        record = {"token": {"id": 1, "text": text, "special": False}, "generated_text": None, **extra}
        return {"chunk": {"bytes": f"data:{json.dumps(record)}\n\n".encode()}}

    events = [chunk("Add"), chunk("ing.</th"), chunk("ink>\n\n"), chunk("4")]
    events.append(
        {
            "chunk": {
                "bytes": b'data:{"token": {"text": "</s>", "special": true}, "generated_text": "x", '
                b'"details": {"finish_reason": "eos_token", "generated_tokens": 5}}\n\n'
            }
        }
    )
    recorder = Recorder()
    outcome = _read_stream(events, ThinkSplitter(), recorder)
    assert (recorder.text("reasoning"), recorder.text("answer")) == ("Adding.", "4")
    assert (outcome.output_tokens, outcome.stop_reason) == (5, "eos_token")
