"""`deploy plan` and `deploy check` of a gateway spec (issue 13): the gateway's resources, the stacks it
reads (one per tier), its secrets masked, and the security rules passing, on Kubernetes and on ECS Fargate."""

from __future__ import annotations

import json
import re

import pytest

from ..conftest import REPO

HYBRID = REPO / "examples" / "hybrid"
ON_KUBERNETES, ON_FARGATE = HYBRID / "assistant.yaml", HYBRID / "assistant-fargate.yaml"


@pytest.fixture(scope="module")
def plans() -> dict[str, dict]:
    from deepseek_deploy.cli.plan import plan_document

    return {path.name: plan_document(str(path)) for path in (ON_KUBERNETES, ON_FARGATE)}


def of_type(plan: dict, token: str) -> list[dict]:
    return [r for r in plan["resources"] if r["type"] == token]


@pytest.mark.parametrize("name", [ON_KUBERNETES.name, ON_FARGATE.name])
def test_the_plan_reads_each_tier_stack_and_names_it(plans, name):
    plan = plans[name]
    references = of_type(plan, "pulumi:pulumi:StackReference")
    assert sorted(r["inputs"]["name"] for r in references) == [
        "organization/deepseek-assistant-fast/dev",
        "organization/deepseek-assistant-reasoning/dev",
    ]
    assert plan["mode"] == "gateway" and set(plan["tiers"]) == {"fast", "reasoning"}
    assert plan["tiers"]["fast"]["stack"] == "deepseek-assistant-fast/dev"
    assert plan["outputs"]["api_keys"] == {"backend": "[secret]", "batch": "[secret]"}


def test_on_kubernetes_the_config_names_the_tiers_outputs_and_the_secrets_are_masked(plans):
    plan = plans[ON_KUBERNETES.name]
    (config_map,) = of_type(plan, "kubernetes:core/v1:ConfigMap")
    files = config_map["inputs"]["data"]
    config = json.loads(next(v for k, v in files.items() if k.startswith("config")))
    models = {m["model_name"]: m["litellm_params"]["model"] for m in config["model_list"]}
    assert models == {
        "fast": "bedrock/deepseek_r1/${organization/deepseek-assistant-fast/dev.invoke_model_id}",
        "reasoning": "bedrock/converse/${organization/deepseek-assistant-reasoning/dev.invoke_model_id}",
    }
    (secret,) = of_type(plan, "kubernetes:core/v1:Secret")
    assert set(secret["inputs"]["stringData"].values()) == {"[secret]"}
    assert not re.search(r"sha256:[0-9a-f]{64}", json.dumps(plan))  # not even the keys' digests are shown


def test_on_fargate_files_and_secrets_are_encrypted_parameters(plans):
    plan = plans[ON_FARGATE.name]
    parameters = of_type(plan, "aws:ssm/parameter:Parameter")
    assert parameters and all(p["inputs"]["type"] == "SecureString" for p in parameters)
    assert all(p["inputs"]["value"] == "[secret]" for p in parameters)
    (balancer,) = of_type(plan, "aws:lb/loadBalancer:LoadBalancer")
    assert balancer["inputs"]["internal"] is True


@pytest.mark.parametrize("path", [ON_KUBERNETES, ON_FARGATE], ids=lambda p: p.name)
def test_deploy_check_passes_a_gateway(cli, path):
    result = cli("check", str(path), "--json")
    assert result.code == 0, result.out
    report = json.loads(result.out)
    assert report["failed"] == [] and "DD-IAM-001" in report["passed"]


def test_the_plan_tree_says_which_stacks_it_reads(cli):
    result = cli("plan", str(ON_KUBERNETES))
    assert result.code == 0, result.err
    assert "assistant-tier-fast reads stack organization/deepseek-assistant-fast/dev" in result.out
    assert "reading 2 stacks" in result.out and "calibrate" in result.err


def test_on_fargate_the_alarms_watch_the_gateways_load_balancer(plans):
    plan = plans[ON_FARGATE.name]
    latency = next(
        a for a in of_type(plan, "aws:cloudwatch/metricAlarm:MetricAlarm") if a["inputs"].get("extendedStatistic")
    )["inputs"]
    assert (latency["namespace"], latency["metricName"]) == ("AWS/ApplicationELB", "TargetResponseTime")
    assert set(latency["dimensions"]) == {"LoadBalancer", "TargetGroup"}
    assert latency["threshold"] == 60  # the spec's 60000 ms, in the metric's seconds


def test_on_kubernetes_the_plan_says_no_cloudwatch_alarm_is_made(plans):
    plan = plans[ON_KUBERNETES.name]
    assert of_type(plan, "aws:cloudwatch/metricAlarm:MetricAlarm") == []
    assert any("alarms and dashboard are not made" in note for note in plan["notes"])
