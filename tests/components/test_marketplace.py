import json

from deepseek_deploy.components import EndpointScaling, MarketplaceEndpoint, MarketplaceEndpointArgs
from deepseek_deploy.components.marketplace import hub_content_arn

from .conftest import actions_of, one, resources_of

ARGS = MarketplaceEndpointArgs(
    region="us-west-2",
    hub_model_id="deepseek-llm-r1-distill-llama-70b",
    hub_version="2.0.7",
    instance_type="ml.p4d.24xlarge",
    instance_count=1,
    autoscaling=EndpointScaling(1, 3, 10),
    accept_eula=True,
    tags={"a": "b"},
)


def test_the_endpoint_is_created_from_the_hub_content_with_its_role(run):
    recording = run(lambda: MarketplaceEndpoint("a-rather-long-deployment-name-model", ARGS))
    endpoint = one(recording, "pulumi-python:dynamic/deepseek:MarketplaceEndpoint")["inputs"]
    assert endpoint["model_source_identifier"] == hub_content_arn(
        "us-west-2", "deepseek-llm-r1-distill-llama-70b", "2.0.7"
    )
    assert (
        endpoint["model_source_identifier"] == "arn:aws:sagemaker:us-west-2:aws:hub-content/SageMakerPublicHub/Model/"
        "deepseek-llm-r1-distill-llama-70b/2.0.7"
    )
    assert len(endpoint["endpoint_name"]) <= 30 and endpoint["instance_type"] == "ml.p4d.24xlarge"
    assert endpoint["execution_role_arn"] == "${a-rather-long-deployment-name-model-execution.arn}"
    assert "kms_key_arn" not in endpoint and endpoint["accept_eula"] is True and endpoint["tags"] == {"a": "b"}


def test_the_execution_role_is_scoped(run):
    recording = run(lambda: MarketplaceEndpoint("bot", ARGS))
    role = one(recording, "aws:iam/role:Role")["inputs"]
    trust = json.loads(role["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    for statement in json.loads(role["inlinePolicies"][0]["policy"])["Statement"]:
        assert "*" not in actions_of(statement)
        if "*" in resources_of(statement):  # only actions AWS cannot scope by resource
            assert set(actions_of(statement)) <= {"ecr:GetAuthorizationToken", "cloudwatch:PutMetricData"}


def test_autoscaling_tracks_invocations_per_instance(run):
    recording = run(lambda: MarketplaceEndpoint("bot", ARGS))
    target = one(recording, "aws:appautoscaling/target:Target")["inputs"]
    assert (target["minCapacity"], target["maxCapacity"], target["scalableDimension"]) == (
        1,
        3,
        "sagemaker:variant:DesiredInstanceCount",
    )
    assert (
        target["resourceId"] == "endpoint/${bot-endpoint.sagemaker_endpoint_name}/variant/${bot-endpoint.variant_name}"
    )
    tracking = one(recording, "aws:appautoscaling/policy:Policy")["inputs"]["targetTrackingScalingPolicyConfiguration"]
    assert tracking["targetValue"] == 10 and tracking["predefinedMetricSpecification"] == {
        "predefinedMetricType": "SageMakerVariantInvocationsPerInstance"
    }


def test_a_volume_key_is_passed_when_given(run):
    args = MarketplaceEndpointArgs(
        **{**ARGS.__dict__, "kms_key_arn": "arn:aws:kms:us-west-2:123456789012:key/k", "autoscaling": None}
    )
    recording = run(lambda: MarketplaceEndpoint("bot", args))
    assert one(recording, "pulumi-python:dynamic/deepseek:MarketplaceEndpoint")["inputs"]["kms_key_arn"].endswith(
        "key/k"
    )
    statements = json.loads(one(recording, "aws:iam/role:Role")["inputs"]["inlinePolicies"][0]["policy"])["Statement"]
    assert any(s["Sid"] == "UseVolumeKey" for s in statements)


def test_callers_are_granted_what_bedrock_runtime_authorises_for_a_marketplace_endpoint(run):
    """bedrock:InvokeModel on the account's Marketplace resource, SageMaker only on this endpoint through Bedrock.

    The old policy named the SageMaker endpoint ARN in the bedrock:InvokeModel statement, which Bedrock never
    checks for a Marketplace endpoint: callers were denied.
    """
    from deepseek_deploy.components import InvokeAccess, InvokeAccessArgs
    from deepseek_deploy.components.marketplace import invoke_statements_for

    from .conftest import policy

    def program():
        endpoint = MarketplaceEndpoint("bot-model", ARGS)
        InvokeAccess(
            "bot-access",
            InvokeAccessArgs(
                resource_arns=endpoint.invoke_resource_arns,
                extra_statements=invoke_statements_for(endpoint.endpoint_arn),
            ),
        )
        return {"invoke": endpoint.invoke_resource_arns, "model_id": endpoint.endpoint_arn}

    recording = run(program)
    assert policy(one(recording, "aws:iam/policy:Policy")) == {
        "Version": "2012-10-17",
        "Statement": [
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
                "Resource": ["${bot-model-endpoint.endpoint_arn}"],
                "Condition": {"StringEquals": {"aws:CalledViaLast": "bedrock.amazonaws.com"}},
            },
        ],
    }
    # Callers still name the endpoint itself as the modelId.
    assert recording.value == {
        "invoke": ["arn:aws:bedrock:us-west-2:${account_id}:marketplace/model-endpoint/all-access"],
        "model_id": "${bot-model-endpoint.endpoint_arn}",
    }


def test_the_marketplace_resource_is_in_the_endpoint_region_and_account():
    from deepseek_deploy.components.marketplace import marketplace_invoke_arn
    from deepseek_deploy.stacks.run.recorder import record

    recording = record(lambda: {"arn": marketplace_invoke_arn("eu-central-1", "111122223333")})
    assert recording.value == {"arn": "arn:aws:bedrock:eu-central-1:111122223333:marketplace/model-endpoint/all-access"}
