"""MarketplaceEndpoint: a Bedrock Marketplace model on a SageMaker endpoint (the dynamic resource in
`providers/marketplace_endpoint.py`), its least-privilege execution role and optional autoscaling.
`marketplace_invoke_arn` is what bedrock-runtime authorises the call against, and
`invoke_statements_for` the SageMaker access its callers need besides Bedrock's.

Marketplace endpoints take guardrails only through the ApplyGuardrail API, so this component makes
none: the program creates one beside it and the caller applies it (`deploy invoke` does).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

import pulumi

from ._base import PARTITION, account_id, child, policy_json, short_name, trust_policy
from .providers.marketplace_endpoint import MarketplaceEndpoint as MarketplaceEndpointResource

if TYPE_CHECKING:  # the typed SDKs for the checker; at run time, components.sdk picks the path
    import pulumi_aws as aws
else:
    from .sdk import aws

# Account that publishes the SageMaker inference containers JumpStart models run in.
AWS_DLC_ACCOUNT = "763104351884"
TIMEOUT_MINUTES = 90  # how long a create or update may take to reach InService


@dataclass(frozen=True)
class EndpointScaling:
    min: int
    max: int
    target_invocations_per_instance: int


@dataclass(frozen=True)
class MarketplaceEndpointArgs:
    region: str
    hub_model_id: str  # e.g. deepseek-llm-r1-distill-llama-70b
    hub_version: str
    instance_type: str  # ml.* name
    instance_count: int = 1
    autoscaling: Optional[EndpointScaling] = None
    accept_eula: bool = False
    # A KMS key for the endpoint's volumes; None where the instance type has local NVMe storage.
    kms_key_arn: Optional[pulumi.Input[str]] = None
    subnet_ids: Sequence[str] = ()
    security_group_ids: Sequence[str] = ()
    timeout_minutes: int = TIMEOUT_MINUTES
    tags: Mapping[str, str] = field(default_factory=dict)


def hub_content_arn(region: str, hub_model_id: str, version: str) -> str:
    return f"arn:{PARTITION}:sagemaker:{region}:aws:hub-content/SageMakerPublicHub/Model/{hub_model_id}/{version}"


# ENI management in a VPC has no resource-level scoping for these actions.
PLACE_IN_VPC_STATEMENT: dict[str, Any] = {
    "Sid": "PlaceInVpc",
    "Effect": "Allow",
    "Action": [
        "ec2:CreateNetworkInterface",
        "ec2:CreateNetworkInterfacePermission",
        "ec2:DeleteNetworkInterface",
        "ec2:DeleteNetworkInterfacePermission",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeVpcs",
        "ec2:DescribeDhcpOptions",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
    ],
    "Resource": "*",
}


def execution_role_statements(args: MarketplaceEndpointArgs, account: pulumi.Input[str]) -> list[dict[str, Any]]:
    """What the endpoint's containers need: pull the image, read the model artifacts, write logs."""
    statements = _container_statements(args.region, account)
    if args.kms_key_arn is not None:
        statements.append(
            {
                "Sid": "UseVolumeKey",
                "Effect": "Allow",
                "Action": ["kms:CreateGrant", "kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
                "Resource": args.kms_key_arn,
            }
        )
    if args.subnet_ids:
        statements.append(dict(PLACE_IN_VPC_STATEMENT))
    return statements


def _container_statements(region: str, account: pulumi.Input[str]) -> list[dict[str, Any]]:
    """What every endpoint needs, whatever its key and network."""
    return [
        # GetAuthorizationToken has no resource-level permissions; AWS requires "*" here.
        {"Sid": "EcrLogin", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
        {
            "Sid": "PullInferenceImage",
            "Effect": "Allow",
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
            "Resource": f"arn:{PARTITION}:ecr:{region}:{AWS_DLC_ACCOUNT}:repository/*",
        },
        {
            "Sid": "ReadModelArtifacts",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": [
                f"arn:{PARTITION}:s3:::jumpstart-cache-prod-{region}",
                f"arn:{PARTITION}:s3:::jumpstart-cache-prod-{region}/*",
                f"arn:{PARTITION}:s3:::jumpstart-private-cache-prod-{region}",
                f"arn:{PARTITION}:s3:::jumpstart-private-cache-prod-{region}/*",
            ],
        },
        {
            "Sid": "WriteEndpointLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            "Resource": pulumi.Output.concat(
                f"arn:{PARTITION}:logs:{region}:", account, ":log-group:/aws/sagemaker/Endpoints/*"
            ),
        },
        {
            "Sid": "PublishEndpointMetrics",
            "Effect": "Allow",
            "Action": ["cloudwatch:PutMetricData"],
            "Resource": "*",  # PutMetricData has no resource-level permissions; scoped by namespace instead
            "Condition": {"StringLike": {"cloudwatch:namespace": ["/aws/sagemaker/*", "AWS/SageMaker"]}},
        },
    ]


def marketplace_invoke_arn(region: str, account: pulumi.Input[str]) -> pulumi.Output[str]:
    """The one resource bedrock-runtime authorises InvokeModel against for any Marketplace endpoint.

    Bedrock has no per-endpoint ARN for this: it checks bedrock:InvokeModel on
    `arn:aws:bedrock:REGION:ACCOUNT:marketplace/model-endpoint/all-access`
    (https://docs.aws.amazon.com/bedrock/latest/userguide/setup-amazon-bedrock-marketplace.html). Streaming needs
    bedrock:InvokeModelWithResponseStream on the same modelId resource
    (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModelWithResponseStream.html); AWS
    lists both actions with this resource in one statement
    (https://docs.aws.amazon.com/bedrock/latest/userguide/automatic-service-roles.html). What narrows the grant
    to one endpoint is `invoke_statements_for`: Bedrock then calls SageMaker with the caller's identity.
    """
    return pulumi.Output.concat(f"arn:{PARTITION}:bedrock:{region}:", account, ":marketplace/model-endpoint/all-access")


def invoke_statements_for(endpoint_arn: pulumi.Input[str]) -> list[dict[str, Any]]:
    """Bedrock calls SageMaker with the caller's identity; allow that only when it comes through Bedrock.

    Actions and condition as in AmazonBedrockMarketplaceAccess v3 (statement MarketplaceModelEndpointInvokingOperations,
    https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonBedrockMarketplaceAccess.html), on this
    endpoint's ARN instead of `endpoint/*`; "Amazon Bedrock uses your identity to call SageMaker AI on your behalf"
    (https://docs.aws.amazon.com/bedrock/latest/userguide/marketplace-tag-based-access-control.html).
    """
    return [
        {
            "Sid": "InvokeEndpointThroughBedrock",
            "Effect": "Allow",
            "Action": ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"],
            "Resource": [endpoint_arn],
            "Condition": {"StringEquals": {"aws:CalledViaLast": "bedrock.amazonaws.com"}},
        }
    ]


class MarketplaceEndpoint(pulumi.ComponentResource):
    """`endpoint_arn` is the modelId callers pass to bedrock-runtime; `invoke_resource_arns` what their
    bedrock:InvokeModel grant names (see `marketplace_invoke_arn`)."""

    endpoint_arn: pulumi.Output[str]
    invoke_resource_arns: pulumi.Output[list[str]]
    endpoint_name: pulumi.Output[str]
    variant_name: pulumi.Output[str]
    execution_role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: MarketplaceEndpointArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("deepseek-deploy:marketplace:MarketplaceEndpoint", name, None, opts)
        tags = dict(args.tags)
        account = account_id(self)
        role = self._execution_role(name, args, account, tags)
        endpoint = MarketplaceEndpointResource(
            f"{name}-endpoint",
            region=args.region,
            # Bedrock allows 30 characters. A replacement (a new model, key or network) runs beside this one
            # under a name of its own until it is InService (providers/marketplace_endpoint.replacement_name).
            endpoint_name=short_name(name, 30),
            model_source_identifier=hub_content_arn(args.region, args.hub_model_id, args.hub_version),
            instance_type=args.instance_type,
            instance_count=args.instance_count,
            execution_role_arn=role.arn,
            kms_key_arn=args.kms_key_arn,
            subnet_ids=list(args.subnet_ids) or None,
            security_group_ids=list(args.security_group_ids) or None,
            accept_eula=args.accept_eula,
            tags=tags,
            timeout_minutes=args.timeout_minutes,
            opts=child(self),
        )
        if args.autoscaling:
            self._autoscaling(name, endpoint, args.autoscaling, tags)
        self.endpoint_arn = endpoint.endpoint_arn
        self.invoke_resource_arns = marketplace_invoke_arn(args.region, account).apply(lambda arn: [arn])
        self.endpoint_name = endpoint.sagemaker_endpoint_name
        self.variant_name = endpoint.variant_name
        self.execution_role_arn = role.arn
        self.register_outputs(
            {
                "endpoint_arn": endpoint.endpoint_arn,
                "endpoint_name": self.endpoint_name,
                "variant_name": self.variant_name,
            }
        )

    def _execution_role(
        self, name: str, args: MarketplaceEndpointArgs, account: pulumi.Output[str], tags: dict[str, str]
    ) -> aws.iam.Role:
        """The role the endpoint's containers run as (SageMaker assumes it for this account only)."""
        return aws.iam.Role(
            f"{name}-execution",
            description="SageMaker execution role of a deepseek-deploy Marketplace endpoint",
            assume_role_policy=trust_policy(
                "sagemaker.amazonaws.com", {"StringEquals": {"aws:SourceAccount": account}}
            ),
            inline_policies=[{"name": "endpoint", "policy": policy_json(execution_role_statements(args, account))}],
            tags=tags,
            opts=child(self),
        )

    def _autoscaling(
        self, name: str, endpoint: MarketplaceEndpointResource, scaling: EndpointScaling, tags: dict[str, str]
    ) -> None:
        """Target tracking on invocations per instance of the endpoint's variant."""
        resource_id = pulumi.Output.concat(
            "endpoint/", endpoint.sagemaker_endpoint_name, "/variant/", endpoint.variant_name
        )
        target = aws.appautoscaling.Target(
            f"{name}-scaling-target",
            service_namespace="sagemaker",
            scalable_dimension="sagemaker:variant:DesiredInstanceCount",
            resource_id=resource_id,
            min_capacity=scaling.min,
            max_capacity=scaling.max,
            tags=tags,
            opts=child(self),
        )
        aws.appautoscaling.Policy(
            f"{name}-scaling-policy",
            policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            target_tracking_scaling_policy_configuration={
                "target_value": scaling.target_invocations_per_instance,
                "predefined_metric_specification": {"predefined_metric_type": "SageMakerVariantInvocationsPerInstance"},
                # GPU instances take minutes to start: scale out fast, scale in slowly.
                "scale_out_cooldown": 60,
                "scale_in_cooldown": 600,
            },
            opts=child(self),
        )
