"""The whole program per example, through `deploy plan`'s recorder."""

import json

import pytest

from deepseek_deploy.stacks.run.dry_run import run_program
from deepseek_deploy.stacks.run.recorder import record
from deepseek_deploy.stacks.sizing.deployment import resolve_file, resolve_text

from ...components.conftest import is_taggable
from ...conftest import EXAMPLES, MINIMAL

BEDROCK_EXAMPLES = [p for p in EXAMPLES if "self-hosted" not in p.name]


def plan_of(path):
    deployment = resolve_file(str(path))
    return deployment.spec, run_program(deployment)


@pytest.mark.parametrize("path", BEDROCK_EXAMPLES, ids=lambda p: p.name)
def test_every_taggable_resource_carries_the_deployment_tags(path):
    spec, plan = plan_of(path)
    taggable = [r for r in plan.resources if is_taggable(r["type"])]
    assert taggable, "an example without taggable resources tests nothing"
    for resource in taggable:
        tags = resource["inputs"].get("tags", {})
        assert tags.get("deepseek-deploy:stack") == spec.name, resource["name"]
        assert all(tags.get(k) == v for k, v in spec.tags.items()), resource["name"]


@pytest.mark.parametrize("path", BEDROCK_EXAMPLES, ids=lambda p: p.name)
def test_every_cloud_resource_belongs_to_a_component(path):
    _, plan = plan_of(path)
    components = {r["name"] for r in plan.resources if r["type"].startswith("deepseek-deploy:")}
    for resource in plan.resources:
        if resource["type"].startswith("deepseek-deploy:"):
            assert resource["parent"] is None
        else:
            assert resource["parent"] in components, resource["name"]
    names = [(r["type"], r["name"]) for r in plan.resources]
    assert len(names) == len(set(names))


EXPECTED_COMPONENTS = {
    "r1-serverless.yaml": {
        "ServerlessModel",
        "Guardrail",
        "InvokeAccess",
        "EncryptionKey",
        "InvocationLogging",
        "Alarms",
        "CostBudget",
    },
    "v3-serverless.yaml": {
        "ServerlessModel",
        "Guardrail",
        "InvokeAccess",
        "EncryptionKey",
        "InvocationLogging",
        "Alarms",
    },
    "distill-llama-70b-marketplace.yaml": {
        "MarketplaceEndpoint",
        "Guardrail",
        "InvokeAccess",
        "EncryptionKey",
        "InvocationLogging",
        "Alarms",
        "CostBudget",
    },
    "distill-llama-8b-custom-import.yaml": {
        "CustomModelImport",
        "Guardrail",
        "InvokeAccess",
        "EncryptionKey",
        "InvocationLogging",
        "Alarms",
    },
}


@pytest.mark.parametrize("path", BEDROCK_EXAMPLES, ids=lambda p: p.name)
def test_each_example_builds_its_components(path):
    _, plan = plan_of(path)
    components = {r["type"].rsplit(":", 1)[-1] for r in plan.resources if r["type"].startswith("deepseek-deploy:")}
    assert components == EXPECTED_COMPONENTS[path.name]


def test_the_r1_example_invokes_through_the_profile_with_the_guardrail_enforced():
    _, plan = plan_of(next(p for p in EXAMPLES if p.name == "r1-serverless.yaml"))
    policy = json.loads(next(r for r in plan.resources if r["type"] == "aws:iam/policy:Policy")["inputs"]["policy"])
    deny = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert len(deny) == 1 and "StringNotEquals" in deny[0]["Condition"]
    assert "arn:aws:bedrock:us-east-2::foundation-model/deepseek.r1-v1:0" in deny[0]["Resource"]
    assert (
        plan.outputs["guardrail_enforced"] is True
        and plan.outputs["invoke_model_id"] == "${support-bot-model-profile.arn}"
    )


def test_marketplace_skips_the_volume_key_on_nvme_instances_and_says_so():
    _, plan = plan_of(next(p for p in EXAMPLES if "marketplace" in p.name))
    endpoint = next(
        r
        for r in plan.resources
        if r["type"].endswith(":MarketplaceEndpoint") and r["type"].startswith("pulumi-python")
    )
    assert "kms_key_arn" not in endpoint["inputs"]
    assert any("NVMe" in note for note in plan.notes)


def test_a_second_deployment_can_share_invocation_logging():
    shared = resolve_text(MINIMAL["serverless"] + "observability:\n  invocation_logs: shared\n")
    plan = run_program(shared)
    assert not [r for r in plan.resources if "InvocationLogging" in r["type"]]
    assert any("shared" in note for note in plan.notes)
    owner = run_program(resolve_text(MINIMAL["serverless"]))
    assert any("one setting per account and region" in note for note in owner.notes)


def test_relative_local_weights_resolve_against_the_spec_folder(tmp_path):
    (tmp_path / "weights").mkdir()
    (tmp_path / "weights" / "config.json").write_text("{}")
    spec_path = tmp_path / "spec.yaml"
    spec_path.write_text(MINIMAL["custom-import"] + "weights:\n  source: ./weights\n")
    _, plan = plan_of(spec_path)
    upload = next(r for r in plan.resources if r["type"].endswith(":WeightsUpload"))
    assert upload["inputs"]["source"] == str(tmp_path / "weights")


def test_secrets_are_masked_and_the_serialized_provider_is_left_out():
    import pulumi
    import pulumi_aws as aws

    recording = record(lambda: aws.ssm.Parameter("p", type="SecureString", value=pulumi.Output.secret("hunter2")))
    text = json.dumps(recording.resources)
    assert "hunter2" not in text and "[secret]" in text
    _, plan = plan_of(next(p for p in EXAMPLES if "marketplace" in p.name))
    assert "__provider" not in json.dumps(plan.resources)


def test_a_secret_api_key_never_appears_in_a_self_hosted_plan():
    plan = run_program(resolve_text(MINIMAL["self-hosted"]))
    secret = next(r for r in plan.resources if r["type"] == "kubernetes:core/v1:Secret")
    assert secret["inputs"]["stringData"] == {"api-key": "[secret]"}
    assert plan.outputs["api_key"] == "[secret]"


@pytest.mark.parametrize(
    "serving, initial, scaled",
    [
        ("serving:\n  replicas: 3\n", 3, None),
        ("serving:\n  autoscaling: {min: 2, max: 5}\n", 2, (2, 5)),
    ],
)
def test_replicas_come_from_the_resolved_range(serving, initial, scaled):
    deployment = resolve_text(MINIMAL["self-hosted"] + serving)
    assert deployment.replicas is not None and deployment.replicas.initial == initial
    resources = run_program(deployment).resources
    workload = next(r for r in resources if r["type"] == "kubernetes:apps/v1:Deployment")
    assert workload["inputs"]["spec"]["replicas"] == initial
    scaler = [r for r in resources if r["inputs"].get("kind") == "ScaledObject"]
    if scaled is None:
        assert scaler == []
    else:
        spec = scaler[0]["inputs"]["spec"]
        assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == scaled


# ---------------------------------------------------------------- issue 10 items 5 and 6: invoke access


def test_marketplace_callers_get_exactly_what_bedrock_runtime_authorises():
    _, plan = plan_of(next(p for p in EXAMPLES if "marketplace" in p.name))
    policy = json.loads(next(r for r in plan.resources if r["type"] == "aws:iam/policy:Policy")["inputs"]["policy"])
    assert policy["Statement"] == [
        {
            "Sid": "InvokeThisDeployment",
            "Effect": "Allow",
            "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            "Resource": ["arn:aws:bedrock:us-west-2:${account_id}:marketplace/model-endpoint/all-access"],
        },
        {
            "Sid": "InvokeEndpointThroughBedrock",
            "Effect": "Allow",
            "Action": ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"],
            "Resource": ["${research-70b-model-endpoint.endpoint_arn}"],
            "Condition": {"StringEquals": {"aws:CalledViaLast": "bedrock.amazonaws.com"}},
        },
        {
            "Sid": "ApplyThisGuardrail",
            "Effect": "Allow",
            "Action": ["bedrock:ApplyGuardrail"],
            "Resource": ["${research-70b-guardrail-guardrail.guardrailArn}"],
        },
    ]
    assert plan.outputs["invoke_model_id"] == "${research-70b-model-endpoint.endpoint_arn}"
    assert any("marketplace/model-endpoint/all-access" in note for note in plan.notes)


def test_principals_of_another_account_assume_the_invoker_role(monkeypatch):
    from deepseek_deploy.stacks.run import recorder

    monkeypatch.setattr(recorder, "ACCOUNT", "111122223333")  # what GetCallerIdentity returns at deploy time
    spec = MINIMAL["serverless"] + (
        "access:\n  invoke_principals:\n"
        "    - arn:aws:iam::111122223333:role/app\n"
        "    - arn:aws:iam::444455556666:role/partner\n"
    )
    plan = run_program(resolve_text(spec))
    invoker = next(r for r in plan.resources if r["type"] == "aws:iam/role:Role" and r["parent"] == "bot-access")
    assert invoker["inputs"]["name"] == "bot-invoker"
    assert json.loads(invoker["inputs"]["assumeRolePolicy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumeToInvokeThisDeployment",
                "Effect": "Allow",
                "Principal": {"AWS": ["arn:aws:iam::444455556666:role/partner"]},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    attached = {
        r["inputs"]["role"]
        for r in plan.resources
        if r["type"] == "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
        and r["inputs"]["policyArn"] == "${bot-access-invoke.arn}"
    }
    assert attached == {"app", "bot-invoker"}  # never a role named `partner` in the deploying account
    assert plan.outputs["invoker_role_arn"] == "${bot-access-invoker.arn}"
    assert any("bot-invoker" in note and "444455556666" in note for note in plan.notes)
