"""Observability: Bedrock invocation logging, alarms with a dashboard, and a cost budget; and
`private_bucket`, the hardening every bucket of a deployment gets (log and weights buckets).

Bedrock's model invocation logging is ONE setting per account and region. The deployment
that creates `InvocationLogging` owns it; others in the same account and region should
set `observability.invocation_logs: shared` so they do not overwrite it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

import pulumi

from ._base import PARTITION, account_id, child, kept, policy_json, tls_only_statement, trust_policy
from .metrics import PERIOD, MetricSource, bedrock_metrics, dashboard_body, error_rate_queries, sagemaker_metrics

if TYPE_CHECKING:  # the typed SDKs for the checker; at run time, components.sdk picks the path
    import pulumi_aws as aws
else:
    from .sdk import aws

__all__ = [
    "PERIOD",
    "Alarms",
    "AlarmsArgs",
    "CostBudget",
    "CostBudgetArgs",
    "InvocationLogging",
    "InvocationLoggingArgs",
    "MetricSource",
    "bedrock_metrics",
    "dashboard_body",
    "private_bucket",
    "sagemaker_metrics",
]

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
        source_arn = pulumi.Output.concat(f"arn:{PARTITION}:bedrock:{args.region}:", account, ":*")
        bucket, bucket_policy = self._log_bucket(name, args, account, source_arn, tags)
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-invocations",
            name=f"/deepseek-deploy/{name}/bedrock-invocations",
            retention_in_days=args.retention_days,
            kms_key_id=args.kms_key_arn,
            tags=tags,
            opts=child(self, **kept(args.protect)),
        )
        role = self._logging_role(name, account, source_arn, log_group, tags)
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
            opts=child(self, depends_on=[bucket_policy, role]),
        )
        self.bucket_name = bucket.id
        self.log_group_name = log_group.name
        self.register_outputs({"bucket_name": bucket.id, "log_group_name": log_group.name})

    def _log_bucket(
        self,
        name: str,
        args: InvocationLoggingArgs,
        account: pulumi.Output[str],
        source_arn: pulumi.Output[str],
        tags: dict[str, str],
    ) -> tuple[aws.s3.Bucket, aws.s3.BucketPolicy]:
        """A private bucket only Bedrock, for this account and region, may write invocation logs to."""
        bucket = aws.s3.Bucket(
            f"{name}-logs", force_destroy=not args.protect, tags=tags, opts=child(self, **kept(args.protect))
        )
        private = private_bucket(self, name, bucket, args.kms_key_arn, expire_days=args.retention_days)
        bedrock_writes = {
            "Sid": "BedrockWritesInvocationLogs",
            "Effect": "Allow",
            "Principal": {"Service": "bedrock.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": pulumi.Output.concat(bucket.arn, "/AWSLogs/", account, "/BedrockModelInvocationLogs/*"),
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account},
                "ArnLike": {"aws:SourceArn": source_arn},
            },
        }
        policy = aws.s3.BucketPolicy(
            f"{name}-logs-policy",
            bucket=bucket.id,
            policy=policy_json([tls_only_statement(bucket.arn), bedrock_writes]),
            opts=child(self, depends_on=private),
        )
        return bucket, policy

    def _logging_role(
        self,
        name: str,
        account: pulumi.Output[str],
        source_arn: pulumi.Output[str],
        log_group: aws.cloudwatch.LogGroup,
        tags: dict[str, str],
    ) -> aws.iam.Role:
        """The role Bedrock assumes to write to the log group, and nothing else."""
        write_logs = {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": pulumi.Output.concat(log_group.arn, ":log-stream:*"),
        }
        return aws.iam.Role(
            f"{name}-logging-role",
            description="Lets Bedrock write model invocation logs to CloudWatch Logs",
            assume_role_policy=trust_policy(
                "bedrock.amazonaws.com",
                {"StringEquals": {"aws:SourceAccount": account}, "ArnLike": {"aws:SourceArn": source_arn}},
            ),
            inline_policies=[{"name": "write-invocation-logs", "policy": policy_json([write_logs])}],
            tags=tags,
            opts=child(self),
        )


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
        self._alarm(
            f"{name}-p99-latency",
            topic,
            tags,
            alarm_description=f"{name}: p99 latency above {args.p99_latency_ms} ms",
            namespace=m.namespace,
            metric_name=m.latency_metric,
            dimensions=dict(m.dimensions),
            extended_statistic="p99",
            period=PERIOD,
            comparison_operator="GreaterThanThreshold",
            threshold=args.p99_latency_ms / m.latency_to_ms,
        )
        self._alarm(
            f"{name}-error-rate",
            topic,
            tags,
            alarm_description=f"{name}: more than {args.error_rate_percent}% of invocations fail",
            metric_queries=error_rate_queries(m),
            comparison_operator="GreaterThanThreshold",
            threshold=args.error_rate_percent,
        )
        if m.throttle_metric:
            self._alarm(
                f"{name}-throttles",
                topic,
                tags,
                alarm_description=f"{name}: invocations are being throttled (raise the quota or add capacity)",
                namespace=m.namespace,
                metric_name=m.throttle_metric,
                dimensions=dict(m.dimensions),
                statistic="Sum",
                period=PERIOD,
                comparison_operator="GreaterThanOrEqualToThreshold",
                threshold=1,
            )
        if args.dashboard:
            aws.cloudwatch.Dashboard(
                f"{name}-dashboard",
                dashboard_name=f"deepseek-deploy-{name}",
                dashboard_body=pulumi.Output.all(**m.dimensions).apply(
                    lambda dims: dashboard_body(args.region, m, dims)
                ),
                opts=child(self),
            )
        self.topic_arn = topic.arn
        self.register_outputs({"topic_arn": topic.arn})

    def _alarm(self, resource_name: str, topic: aws.sns.Topic, tags: dict[str, str], **alarm: Any) -> None:
        """A MetricAlarm that notifies `topic` when it fires and when it clears."""
        aws.cloudwatch.MetricAlarm(
            resource_name,
            alarm_actions=[topic.arn],
            ok_actions=[topic.arn],
            treat_missing_data="notBreaching",
            tags=tags,
            # Two of three 5-minute periods: one slow request does not page anyone.
            evaluation_periods=3,
            datapoints_to_alarm=2,
            opts=child(self),
            **alarm,
        )


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
