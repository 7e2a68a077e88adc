"""Where a deployment answers, from its stack outputs: the in-cluster Service and how kubectl reaches it."""

from __future__ import annotations

import types

from deepseek_deploy.stacks.call.target import from_outputs

SPEC = types.SimpleNamespace(
    name="bot",
    mode="self-hosted",
    model="distill-qwen-7b",
    region="us-west-2",
    cluster=types.SimpleNamespace(kubeconfig="~/.kube/lab", context="lab"),
)


def test_a_cluster_internal_service_is_reached_through_kubectl():
    outputs = {
        "endpoint": "http://bot.ai.svc.cluster.local:8000/v1",
        "external_endpoint": None,
        "namespace": "ai",
        "service": "bot",
        "api_key": "k",
        "kubeconfig": "apiVersion: v1",
    }
    target = from_outputs(SPEC, outputs)
    assert target.in_cluster and (target.namespace, target.service) == ("ai", "bot")
    assert (target.kubeconfig_path, target.kube_context, target.kubeconfig_text) == (
        "~/.kube/lab",
        "lab",
        "apiVersion: v1",
    )
    assert "apiVersion" not in repr(target) and "'k'" not in repr(target)  # secrets stay out of logs


def test_an_exposed_service_is_called_directly():
    target = from_outputs(SPEC, {"endpoint": "http://in", "external_endpoint": "https://llm.example.com"})
    assert not target.in_cluster and target.base_url == "https://llm.example.com/v1"


def test_a_self_hosted_target_asks_for_the_name_vllm_serves_under():
    """The request's `model` must equal the Deployment's --served-model-name, or vLLM answers 404."""
    from deepseek_deploy.stacks.run.dry_run import plan_document
    from deepseek_deploy.stacks.sizing.deployment import resolve_file

    deployment = resolve_file("examples/distill-qwen-32b-self-hosted.yaml")
    document = plan_document(deployment)
    served = next(
        args[args.index("--served-model-name") + 1]
        for r in document["resources"]
        if r["type"] == "kubernetes:apps/v1:Deployment"
        for args in [r["inputs"]["spec"]["template"]["spec"]["containers"][0]["args"]]
    )
    outputs = {**document["outputs"], "endpoint": "http://vllm.ns.svc.cluster.local:8000/v1"}
    assert from_outputs(deployment.spec, outputs).served_model == served


def test_the_guardrail_is_named_by_arn_where_the_stack_exports_it():
    """An enforcing policy compares bedrock:GuardrailIdentifier with `ARN:version`; the ID may not match."""
    spec = types.SimpleNamespace(name="r1", mode="serverless", model="deepseek-r1", region="us-west-2")
    arn = "arn:aws:bedrock:us-west-2:123456789012:guardrail/abc123"
    outputs = {"invoke_model_id": "us.deepseek.r1-v1:0", "guardrail_id": "abc123", "guardrail_arn": arn}
    target = from_outputs(spec, {**outputs, "guardrail_version": "2"})
    assert target.guardrail is not None and target.guardrail.identifier == arn and target.guardrail.version == "2"
    older = from_outputs(spec, {"invoke_model_id": "us.deepseek.r1-v1:0", "guardrail_id": "abc123"})
    assert older.guardrail is not None and older.guardrail.identifier == "abc123"  # stacks from before the ARN output


def test_a_gateway_is_probed_on_litellms_unauthenticated_readiness_path():
    from deepseek_deploy.stacks.call.health import GATEWAY_HEALTH, health_url

    assert health_url("http://127.0.0.1:4000/v1", GATEWAY_HEALTH) == "http://127.0.0.1:4000/health/readiness"
    assert health_url("http://127.0.0.1:8000/v1") == "http://127.0.0.1:8000/health"  # vLLM
