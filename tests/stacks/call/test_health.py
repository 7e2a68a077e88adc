"""`status`'s probe: GET /health at a vLLM server's root, or the smallest real request to a Bedrock model."""

from __future__ import annotations

import json

import pytest

from deepseek_deploy.stacks.call.health import check, health_url
from deepseek_deploy.stacks.errors import DeployError
from tests.fakes.openai_server import FakeOpenAIServer

from .conftest import GUARDRAIL, MARKETPLACE_ARN, PROFILE, streaming_body, target


@pytest.mark.parametrize(
    ("base", "url"),
    [
        ("http://10.0.0.1:8000/v1", "http://10.0.0.1:8000/health"),
        ("https://llm.example.com/v1/", "https://llm.example.com/health"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/health"),
    ],
)
def test_health_is_at_the_server_root_not_under_v1(base, url):
    assert health_url(base) == url


def test_a_vllm_server_answering_health_is_healthy():
    with FakeOpenAIServer(api_key="k") as fake:
        health = check(target("self-hosted", base_url=fake.base_url))
        assert [(r.method, r.path) for r in fake.received()] == [("GET", "/health")]
    assert health.healthy and health.latency_ms is not None and health.detail is None


def test_a_server_that_does_not_answer_is_unhealthy():
    health = check(target("self-hosted", base_url="http://127.0.0.1:9/v1"))
    assert not health.healthy and "not answering" in str(health.detail) and health.latency_ms is None


def test_serverless_is_probed_with_one_token_keeping_the_guardrail(bedrock):
    client, stubber = bedrock
    expected = {
        "modelId": PROFILE,
        "messages": [{"role": "user", "content": [{"text": "ping"}]}],
        "inferenceConfig": {"maxTokens": 1},
        "guardrailConfig": {**GUARDRAIL, "trace": "enabled"},
    }
    reply = {
        "output": {"message": {"role": "assistant", "content": [{"text": "Hi"}]}},
        "stopReason": "max_tokens",
        "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2},
        "metrics": {"latencyMs": 90},
    }
    stubber.add_response("converse", reply, expected)
    health = check(target("serverless", guardrail=True), bedrock=client)
    assert health.healthy and health.latency_ms is not None


def test_a_marketplace_probe_skips_apply_guardrail(bedrock):
    client, stubber = bedrock
    body = {
        "inputs": "<｜begin▁of▁sentence｜><｜User｜>ping<｜Assistant｜><think>\n",
        "parameters": {"max_new_tokens": 1, "details": True},
    }
    expected = {
        "modelId": MARKETPLACE_ARN,
        "body": json.dumps(body),
        "contentType": "application/json",
        "accept": "application/json",
    }
    stubber.add_response(
        "invoke_model", {"body": streaming_body({"generated_text": "Ok"}), "contentType": "application/json"}, expected
    )
    assert check(target("marketplace", guardrail=True), bedrock=client).healthy


def test_a_cold_custom_import_model_is_reported_warming_up_not_waited_for(bedrock):
    client, stubber = bedrock
    stubber.add_client_error("invoke_model", "ModelNotReadyException", "Model is not ready", 429)
    health = check(target("custom-import"), bedrock=client)
    assert not health.healthy and "warming up" in str(health.detail)


def test_rejected_credentials_are_not_a_health_result(bedrock):
    client, stubber = bedrock
    stubber.add_client_error("converse", "UnrecognizedClientException", "bad token", 403)
    with pytest.raises(DeployError) as raised:
        check(target("serverless"), bedrock=client)
    assert raised.value.code == 3
