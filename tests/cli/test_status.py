"""`deploy status` probes the endpoint for real: `healthy` and `latency_ms` (CLI.md), exit 1 when it does not answer."""

from __future__ import annotations

import json
import types

from deepseek_deploy.cli.lifecycle import status_document
from tests.fakes.openai_server import FakeOpenAIServer

from ..conftest import MINIMAL
from .test_invoke import bedrock, deployed  # noqa: F401  (fixtures)

SPEC = types.SimpleNamespace(mode="self-hosted", model="distill-qwen-7b", region="us-west-2")


def test_the_document_of_a_stack_that_is_not_deployed():
    document = status_document(SPEC, "dev", {}, set())
    assert (document["deployed"], document["healthy"], document["latency_ms"]) == (False, False, None)


def test_the_document_shows_the_probe_and_hides_secrets():
    health = types.SimpleNamespace(healthy=True, latency_ms=12.5, detail=None)
    outputs = {"endpoint": "http://bot.ai.svc.cluster.local:8000/v1", "external_endpoint": "http://lb", "api_key": "k"}
    document = status_document(SPEC, "dev", outputs, {"api_key"}, health)
    assert {key: document[key] for key in ("endpoint", "healthy", "latency_ms", "detail")} == {
        "endpoint": "http://lb",
        "healthy": True,
        "latency_ms": 12.5,
        "detail": None,
    }
    assert document["outputs"]["api_key"] == "[secret]"


def test_a_healthy_endpoint(cli, write_spec, deployed):  # noqa: F811
    with FakeOpenAIServer() as fake:
        outputs = {"endpoint": "http://bot.ai.svc.cluster.local:8000/v1", "external_endpoint": fake.url, "api_key": "k"}
        deployed(write_spec(MINIMAL["self-hosted"]), outputs)
        result = cli("status", str(cli.tmp / "spec.yaml"), "--json")
        text = cli("status", str(cli.tmp / "spec.yaml"))
        assert [r.path for r in fake.received()] == ["/health", "/health"]
        url = fake.url
    document = json.loads(result.out)
    assert result.code == 0 and document["healthy"] is True and document["latency_ms"] >= 0
    assert document["endpoint"] == url and "k" not in document["outputs"].values()
    assert text.code == 0 and "health: answering" in text.out


def test_an_endpoint_that_does_not_answer_exits_1(cli, write_spec, deployed):  # noqa: F811
    deployed(write_spec(MINIMAL["self-hosted"]), {"endpoint": "x", "external_endpoint": "http://127.0.0.1:9"})
    result = cli("status", str(cli.tmp / "spec.yaml"), "--json")
    document = json.loads(result.out)  # exactly one document, even when it fails
    assert result.code == 1 and document["healthy"] is False and "not answering" in document["detail"]
    text = cli("status", str(cli.tmp / "spec.yaml"))
    assert text.code == 1 and "not answering" in text.err and "endpoint: http://127.0.0.1:9" in text.out


def test_a_serverless_model_is_probed_with_one_token(cli, write_spec, deployed):  # noqa: F811
    stubber = deployed(write_spec(MINIMAL["serverless"]), {"invoke_model_id": "us.deepseek.r1-v1:0"})
    reply = {
        "output": {"message": {"role": "assistant", "content": [{"text": "Hi"}]}},
        "stopReason": "max_tokens",
        "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2},
        "metrics": {"latencyMs": 9},
    }
    expected = {
        "modelId": "us.deepseek.r1-v1:0",
        "messages": [{"role": "user", "content": [{"text": "ping"}]}],
        "inferenceConfig": {"maxTokens": 1},
    }
    stubber.add_response("converse", reply, expected)
    result = cli("status", str(cli.tmp / "spec.yaml"), "--json")
    assert result.code == 0 and json.loads(result.out)["healthy"] is True


def test_not_deployed_exits_1_with_one_document(cli, write_spec, deployed):  # noqa: F811
    deployed(write_spec(MINIMAL["serverless"]), {})
    result = cli("status", str(cli.tmp / "spec.yaml"), "--json")
    assert result.code == 1 and json.loads(result.out)["deployed"] is False
