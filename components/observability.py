"""Observability: Bedrock invocation logging, alarms with a dashboard, and a cost budget.

Bedrock's model invocation logging is ONE setting per account and region. The deployment
that creates `InvocationLogging` owns it; others in the same account and region should
set `observability.invocation_logs: shared` so they do not overwrite it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_aws as aws

from ._base import PARTITION, account_id, child, policy_json, tls_only_statement, trust_policy

# ---------------------------------------------------------------- invocation logging


@dataclass(frozen=True)
class InvocationLoggingArgs:
    region: str
    kms_key_arn: pulumi.Input[str]
    retention_days: int = 30
    tags: Mapping[str, str] = field(default_factory=dict)
    protect: bool = False


class InvocationLogging(pulumi.ComponentResource):
    """Logs every Bedrock invocation of the account and region to a private bucket and CloudWatch Logs."""

    bucket_name: pulumi.Output[str]
    log_group_name: pulumi.Output[str]

    def __init__(self, name: str, args: InvocationLoggingArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("deepseek-deploy:observability:InvocationLogging", name, None, opts)
        account = account_id(self)
        tags = dict(args.tags)
        bucket = aws.s3.Bucket(
            f"{name}-logs", force_destroy=not args.protect, tags=tags, opts=child(self, protect=args.protect)
        )
        private = private_bucket(self, name, bucket, args.kms_key_arn, expire_days=args.retention_days)
        source_arn = pulumi.Output.concat(f"arn:{PARTITION}:bedrock:{args.region}:", account, ":*")
        policy = aws.s3.BucketPolicy(
            f"{name}-logs-policy",
            bucket=bucket.id,
            policy=policy_json(
                [
                    tls_only_statement(bucket.arn),
                    {
                        "Sid": "BedrockWritesInvocationLogs",
                        "Effect": "Allow",
                        "Principal": {"Service": "bedrock.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": pulumi.Output.concat(
                            bucket.arn, "/AWSLogs/", account, "/BedrockModelInvocationLogs/*"
                        ),
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": account},
                            "ArnLike": {"aws:SourceArn": source_arn},
                        },
                    },
                ]
            ),
            opts=child(self, depends_on=private),
        )
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-invocations",
            name=f"/deepseek-deploy/{name}/bedrock-invocations",
            retention_in_days=args.retention_days,
            kms_key_id=args.kms_key_arn,
            tags=tags,
            opts=child(self),
        )
        role = aws.iam.Role(
            f"{name}-logging-role",
            description="Lets Bedrock write model invocation logs to CloudWatch Logs",
            assume_role_policy=trust_policy(
                "bedrock.amazonaws.com",
                {"StringEquals": {"aws:SourceAccount": account}, "ArnLike": {"aws:SourceArn": source_arn}},
            ),
            inline_policies=[
                {
                    "name": "write-invocation-logs",
                    "policy": policy_json(
                        [
                            {
                                "Effect": "Allow",
                                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                                "Resource": pulumi.Output.concat(log_group.arn, ":log-stream:*"),
                            }
                        ]
                    ),
                }
            ],
            tags=tags,
            opts=child(self),
        )
        aws.bedrockmodel.InvocationLoggingConfiguration(
            f"{name}-invocation-logging",
            logging_config={
                "text_data_delivery_enabled": True,
                "image_data_delivery_enabled": False,
                "embedding_data_delivery_enabled": False,
                "s3_config": {"bucket_name": bucket.id, "key_prefix": "invocations"},
                "cloudwatch_config": {
                    "log_group_name": log_group.name,
                    "role_arn": role.arn,
                    "large_data_delivery_s3_config": {"bucket_name": bucket.id, "key_prefix": "large-payloads"},
                },
            },
            opts=child(self, depends_on=[policy, role]),
        )
        self.bucket_name = bucket.id
        self.log_group_name = log_group.name
        self.register_outputs({"bucket_name": bucket.id, "log_group_name": log_group.name})


def private_bucket(
    parent: pulumi.Resource,
    name: str,
    bucket: aws.s3.Bucket,
    kms_key_arn: Optional[pulumi.Input[str]],
    *,
    expire_days: Optional[int] = None,
) -> list[pulumi.Resource]:
    """Owner-enforced, public access blocked, SSE-KMS (the given key, else AWS's), versioned, with a lifecycle."""
    encryption: dict = {"sse_algorithm": "aws:kms"}
    if kms_key_arn is not None:
        encryption["kms_master_key_id"] = kms_key_arn
    resources: list[pulumi.Resource] = [
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership", bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}, opts=child(parent)
        ),
        aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child(parent),
        ),
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": encryption, "bucket_key_enabled": True}],
            opts=child(parent),
        ),
        aws.s3.BucketVersioning(
            f"{name}-versioning", bucket=bucket.id, versioning_configuration={"status": "Enabled"}, opts=child(parent)
        ),
    ]
    rule: dict = {
        "id": "tidy",
        "status": "Enabled",
        "filter": {},
        "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
        "noncurrent_version_expiration": {"noncurrent_days": 30},
    }
    if expire_days:
        rule["expiration"] = {"days": expire_days}
    resources.append(
        aws.s3.BucketLifecycleConfiguration(f"{name}-lifecycle", bucket=bucket.id, rules=[rule], opts=child(parent))
    )
    return resources


# ---------------------------------------------------------------- alarms and dashboard


@dataclass(frozen=True)
class MetricSource:
    """Where a deployment's metrics live: Bedrock (serverless, custom-import) or SageMaker (marketplace)."""

    namespace: str
    dimensions: Mapping[str, pulumi.Input[str]]
    latency_metric: str
    latency_to_ms: float  # multiply the metric by this to get milliseconds
    invocations_metric: str
    error_metrics: Sequence[str]
    throttle_metric: Optional[str] = None
    token_metrics: Sequence[str] = ()


def bedrock_metrics(model_id: pulumi.Input[str]) -> MetricSource:
    return MetricSource(
        namespace="AWS/Bedrock",
        dimensions={"ModelId": model_id},
        latency_metric="InvocationLatency",
        latency_to_ms=1.0,
        invocations_metric="Invocations",
        error_metrics=("InvocationServerErrors", "InvocationClientErrors"),
        throttle_metric="InvocationThrottles",
        token_metrics=("InputTokenCount", "OutputTokenCount"),
    )


def sagemaker_metrics(endpoint_name: pulumi.Input[str], variant_name: pulumi.Input[str]) -> MetricSource:
    return MetricSource(
        namespace="AWS/SageMaker",
        dimensions={"EndpointName": endpoint_name, "VariantName": variant_name},
        latency_metric="ModelLatency",
        latency_to_ms=0.001,  # SageMaker reports microseconds
        invocations_metric="Invocations",
        error_metrics=("Invocation5XXErrors", "Invocation4XXErrors"),
    )


PERIOD = 300  # seconds per alarm datapoint


@dataclass(frozen=True)
class AlarmsArgs:
    region: str
    metrics: MetricSource
    kms_key_arn: pulumi.Input[str]
    p99_latency_ms: int = 60000
    error_rate_percent: float = 5
    email: Optional[str] = None
    dashboard: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)


class Alarms(pulumi.ComponentResource):
    """p99 latency, error rate and throttle alarms to an encrypted SNS topic; optional dashboard."""

    topic_arn: pulumi.Output[str]

    def __init__(self, name: str, args: AlarmsArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("deepseek-deploy:observability:Alarms", name, None, opts)
        tags = dict(args.tags)
        m = args.metrics
        topic = aws.sns.Topic(f"{name}-alarms", kms_master_key_id=args.kms_key_arn, tags=tags, opts=child(self))
        if args.email:
            aws.sns.TopicSubscription(
                f"{name}-alarms-email", topic=topic.arn, protocol="email", endpoint=args.email, opts=child(self)
            )
        actions = [topic.arn]
        # Two of three 5-minute periods: one slow request does not page anyone.
        common = dict(
            alarm_actions=actions,
            ok_actions=actions,
            treat_missing_data="notBreaching",
            tags=tags,
            evaluation_periods=3,
            datapoints_to_alarm=2,
            opts=child(self),
        )
        aws.cloudwatch.MetricAlarm(
            f"{name}-p99-latency",
            alarm_description=f"{name}: p99 latency above {args.p99_latency_ms} ms",
            namespace=m.namespace,
            metric_name=m.latency_metric,
            dimensions=dict(m.dimensions),
            extended_statistic="p99",
            period=PERIOD,
            comparison_operator="GreaterThanThreshold",
            threshold=args.p99_latency_ms / m.latency_to_ms,
            **common,
        )

        def summed(query_id: str, metric: str) -> dict:
            return {
                "id": query_id,
                "return_data": False,
                "metric": {
                    "namespace": m.namespace,
                    "metric_name": metric,
                    "dimensions": dict(m.dimensions),
                    "period": PERIOD,
                    "stat": "Sum",
                },
            }

        errors = " + ".join(f"e{i}" for i in range(len(m.error_metrics)))
        queries = [summed(f"e{i}", metric) for i, metric in enumerate(m.error_metrics)]
        queries.append(summed("calls", m.invocations_metric))
        queries.append(
            {
                "id": "error_rate",
                "return_data": True,
                "label": "Error rate (%)",
                "expression": f"IF(calls > 0, 100 * ({errors}) / calls, 0)",
            }
        )
        aws.cloudwatch.MetricAlarm(
            f"{name}-error-rate",
            alarm_description=f"{name}: more than {args.error_rate_percent}% of invocations fail",
            metric_queries=queries,
            comparison_operator="GreaterThanThreshold",
            threshold=args.error_rate_percent,
            **common,
        )
        if m.throttle_metric:
            aws.cloudwatch.MetricAlarm(
                f"{name}-throttles",
                alarm_description=f"{name}: invocations are being throttled (raise the quota or add capacity)",
                namespace=m.namespace,
                metric_name=m.throttle_metric,
                dimensions=dict(m.dimensions),
                statistic="Sum",
                period=PERIOD,
                comparison_operator="GreaterThanOrEqualToThreshold",
                threshold=1,
                **common,
            )
        if args.dashboard:
            aws.cloudwatch.Dashboard(
                f"{name}-dashboard",
                dashboard_name=f"deepseek-deploy-{name}",
                dashboard_body=pulumi.Output.from_input(dict(m.dimensions)).apply(
                    lambda dims: dashboard_body(args.region, m, dims)
                ),
                opts=child(self),
            )
        self.topic_arn = topic.arn
        self.register_outputs({"topic_arn": topic.arn})


def dashboard_body(region: str, m: MetricSource, dimensions: Mapping[str, str]) -> str:
    dims = [item for pair in dimensions.items() for item in pair]

    def widget(title: str, metrics: list, x: int, y: int) -> dict:
        return {
            "type": "metric",
            "x": x,
            "y": y,
            "width": 12,
            "height": 6,
            "properties": {
                "title": title,
                "region": region,
                "view": "timeSeries",
                "stacked": False,
                "period": 300,
                "metrics": metrics,
            },
        }

    widgets = [
        widget("Invocations", [[m.namespace, m.invocations_metric, *dims, {"stat": "Sum"}]], 0, 0),
        widget(
            "Latency (p50, p99)",
            [
                [m.namespace, m.latency_metric, *dims, {"stat": "p50"}],
                [m.namespace, m.latency_metric, *dims, {"stat": "p99"}],
            ],
            12,
            0,
        ),
        widget("Errors", [[m.namespace, metric, *dims, {"stat": "Sum"}] for metric in m.error_metrics], 0, 6),
    ]
    extra = ([m.throttle_metric] if m.throttle_metric else []) + list(m.token_metrics)
    if extra:
        widgets.append(
            widget("Throttles and tokens", [[m.namespace, metric, *dims, {"stat": "Sum"}] for metric in extra], 12, 6)
        )
    return json.dumps({"widgets": widgets})


# ---------------------------------------------------------------- budget


@dataclass(frozen=True)
class CostBudgetArgs:
    monthly_usd: float
    alert_emails: Sequence[str]
    # Cost allocation tag (activate it in Billing) that selects this deployment's spend.
    tag_key: str
    tag_value: str
    tags: Mapping[str, str] = field(default_factory=dict)


class CostBudget(pulumi.ComponentResource):
    """A monthly AWS Budget on the deployment's cost tag: alerts at 80% forecast and 100% actual."""

    def __init__(self, name: str, args: CostBudgetArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("deepseek-deploy:observability:CostBudget", name, None, opts)
        notifications = (
            [
                {
                    "comparison_operator": "GREATER_THAN",
                    "threshold": 80,
                    "threshold_type": "PERCENTAGE",
                    "notification_type": "FORECASTED",
                    "subscriber_email_addresses": list(args.alert_emails),
                },
                {
                    "comparison_operator": "GREATER_THAN",
                    "threshold": 100,
                    "threshold_type": "PERCENTAGE",
                    "notification_type": "ACTUAL",
                    "subscriber_email_addresses": list(args.alert_emails),
                },
            ]
            if args.alert_emails
            else []
        )
        aws.budgets.Budget(
            f"{name}-budget",
            name=f"deepseek-deploy-{name}",
            budget_type="COST",
            time_unit="MONTHLY",
            limit_amount=f"{args.monthly_usd:.2f}",
            limit_unit="USD",
            cost_filters=[{"name": "TagKeyValue", "values": [f"user:{args.tag_key}${args.tag_value}"]}],
            notifications=notifications,
            tags=dict(args.tags),
            opts=child(self),
        )
        self.register_outputs({})
