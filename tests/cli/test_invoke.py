"""`deploy invoke` (CLI.md) end to end in-process: against the local OpenAI server through --endpoint (no Pulumi at
all), and per mode against Stubber'd Bedrock with stack outputs, including a blocked prompt per mode."""

from __future__ import annotations

import json
import types

import pytest

from tests.fakes.openai_server import FakeOpenAIServer

from ..conftest import MINIMAL
from ..stacks.call.conftest import IMPORTED_ARN, MARKETPLACE_ARN, USAGE, blocked_assessment, streaming_body

KEYS = {"reasoning", "answer", "usage", "latency_ms", "ttft_ms", "ttfa_ms", "guardrail", "mode", "model", "stop_reason"}


@pytest.fixture
def fake():
    with FakeOpenAIServer(reasoning_tokens=2, output_tokens=3, api_key="sk-secret") as server:
        yield server


def test_json_against_an_endpoint_by_hand_never_touches_pulumi(cli, write_spec, no_pulumi, fake, monkeypatch):
    monkeypatch.setenv("DEPLOY_API_KEY", "sk-secret")
    result = cli("invoke", write_spec(MINIMAL["self-hosted"]), "Hello there", "--endpoint", fake.base_url, "--json")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert set(document) == KEYS
    assert (document["reasoning"], document["answer"]) == ("r0 r1", "t0 t1 t2")
    assert document["usage"] == {"input_tokens": 2, "output_tokens": 5}
    assert document["guardrail"] == {"action": "NONE"} and document["mode"] == "self-hosted"
    assert document["ttft_ms"] is not None and document["latency_ms"] >= document["ttft_ms"]
    assert "sk-secret" not in result.out + result.err


def test_stream_prints_the_answer_on_stdout_and_the_reasoning_apart(cli, write_spec, fake):
    spec = write_spec(MINIMAL["self-hosted"])
    result = cli("invoke", spec, "hi", "--endpoint", fake.base_url, "--api-key", "sk-secret", "--stream")
    assert result.code == 0, result.err
    assert result.out == "t0 t1 t2 \n"
    assert result.err.startswith("r0 r1 \n\n") and "[1 in / 5 out tokens" in result.err
    assert fake.received("/chat/completions")[0].body["stream"] is True


def test_stream_with_json_times_the_stream_and_prints_only_the_document(cli, write_spec, fake):
    spec = write_spec(MINIMAL["self-hosted"])
    result = cli("invoke", spec, "hi", "--endpoint", fake.base_url, "--api-key", "sk-secret", "--stream", "--json")
    assert result.code == 0 and json.loads(result.out)["answer"] == "t0 t1 t2"
    assert fake.received("/chat/completions")[0].body["stream"] is True


def test_without_stream_the_answer_is_the_result(cli, write_spec, fake):
    spec = write_spec(MINIMAL["self-hosted"])
    result = cli("invoke", spec, "hi", "--endpoint", fake.base_url, "--api-key", "sk-secret", "--system", "Be brief.")
    assert result.code == 0 and result.out == "t0 t1 t2\n" and result.err.startswith("r0 r1\n")
    assert fake.received("/chat/completions")[0].body["messages"][0] == {"role": "system", "content": "Be brief."}


def test_a_refused_key_exits_1_with_a_json_error(cli, write_spec, fake):
    spec = write_spec(MINIMAL["self-hosted"])
    result = cli("invoke", spec, "hi", "--endpoint", fake.base_url, "--api-key", "wrong-key", "--json")
    assert result.code == 1
    error = json.loads(result.out)["error"]
    assert error["code"] == 1 and "HTTP 401" in error["message"] and "wrong-key" not in result.out + result.err


def test_an_endpoint_that_does_not_answer_exits_1(cli, write_spec):
    result = cli("invoke", write_spec(MINIMAL["self-hosted"]), "hi", "--endpoint", "http://127.0.0.1:9/v1", "--json")
    assert result.code == 1 and "not answering" in json.loads(result.out)["error"]["message"]


def test_no_aws_credentials_exit_3(cli, write_spec, monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = cli("invoke", write_spec(MINIMAL["serverless"]), "hi", "--model-id", "us.deepseek.r1-v1:0", "--json")
    assert result.code == 3 and json.loads(result.out)["error"]["code"] == 3


def test_an_unknown_endpoint_scheme_is_bad_input(cli, write_spec):
    result = cli("invoke", write_spec(MINIMAL["self-hosted"]), "hi", "--endpoint", "localhost:8000")
    assert result.code == 2 and "http://" in result.err


# ---------------------------------------------------------------- per mode, from stack outputs, guardrail blocked


@pytest.fixture
def deployed(monkeypatch, bedrock):
    """Make the stack report `outputs` and every Bedrock call go to the Stubber'd client."""
    from deepseek_deploy.stacks.sizing.deployment import resolve_file

    client, stubber = bedrock

    def deploy(spec: str, outputs: dict):
        loaded = resolve_file(spec)
        result = types.SimpleNamespace(outputs=outputs, secret_outputs={"api_key"})
        engine = types.SimpleNamespace(settings=types.SimpleNamespace(stack="dev"))
        monkeypatch.setattr("deepseek_deploy.cli.lifecycle._stack_outputs", lambda *a: (loaded, engine, result))
        monkeypatch.setattr("deepseek_deploy.stacks.call.invoke.bedrock_client", lambda region, **kw: client)
        return stubber

    return deploy


@pytest.fixture
def bedrock():
    from tests.fakes.stubbed import stubbed

    with stubbed("bedrock-runtime") as pair:
        yield pair


GUARD = {"guardrail_id": "gr-123", "guardrail_version": "1"}
SAYS_NO = {"usage": USAGE, "action": "GUARDRAIL_INTERVENED", "outputs": [{"text": "No."}]}


def serverless_blocks(stubber):
    trace = {"guardrail": {"inputAssessment": {"gr-123": blocked_assessment()[0]}}}
    reply = {
        "output": {"message": {"role": "assistant", "content": [{"text": "No."}]}},
        "stopReason": "guardrail_intervened",
        "usage": {"inputTokens": 1, "outputTokens": 0, "totalTokens": 1},
        "metrics": {"latencyMs": 5},
        "trace": trace,
    }
    stubber.add_response("converse", reply)


def custom_import_blocks(stubber):
    trace = {"guardrail": {"input": {"gr-123": blocked_assessment()[0]}}}
    stopped = {"generation": "No.", "amazon-bedrock-guardrailAction": "INTERVENED", "amazon-bedrock-trace": trace}
    stubber.add_response("invoke_model", {"body": streaming_body(stopped), "contentType": "application/json"})


def apply_guardrail_blocks(stubber):
    stubber.add_response("apply_guardrail", {**SAYS_NO, "assessments": blocked_assessment()})


MODES = {
    "serverless": ({"invoke_model_id": "us.deepseek.r1-v1:0"}, serverless_blocks),
    "marketplace": ({"invoke_model_id": MARKETPLACE_ARN}, apply_guardrail_blocks),
    "custom-import": ({"invoke_model_id": IMPORTED_ARN}, custom_import_blocks),
    "self-hosted": (
        {"endpoint": "http://127.0.0.1:9/v1", "external_endpoint": "http://127.0.0.1:9"},
        apply_guardrail_blocks,
    ),
}


@pytest.mark.parametrize("mode", list(MODES))
def test_a_blocked_prompt_exits_1_with_the_guardrail_in_the_json(cli, write_spec, deployed, mode):
    outputs, blocks = MODES[mode]
    blocks(deployed(write_spec(MINIMAL[mode]), {**outputs, **GUARD, "region": "us-east-1"}))
    result = cli("invoke", str(cli.tmp / "spec.yaml"), "stocks?", "--json")
    assert result.code == 1, result.err
    document = json.loads(result.out)
    assert document["guardrail"] == {"action": "BLOCKED", "message": "No.", "stage": "input"}
    assert (document["answer"], document["reasoning"], document["mode"]) == ("", "", mode)


@pytest.mark.parametrize("mode", list(MODES))
def test_a_blocked_prompt_is_shown_as_blocked(cli, write_spec, deployed, mode):
    outputs, blocks = MODES[mode]
    blocks(deployed(write_spec(MINIMAL[mode]), {**outputs, **GUARD}))
    result = cli("invoke", str(cli.tmp / "spec.yaml"), "stocks?")
    assert result.code == 1 and result.out == ""
    assert "the guardrail blocked the prompt: No." in result.err


def test_not_deployed_says_how_to_point_at_an_endpoint(cli, write_spec, deployed):
    deployed(write_spec(MINIMAL["serverless"]), {})
    result = cli("invoke", str(cli.tmp / "spec.yaml"), "hi")
    assert result.code == 1 and "deploy up" in result.err and "--endpoint" in result.err
