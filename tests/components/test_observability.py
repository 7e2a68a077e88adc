import json

from deepseek_deploy.components import (
    Alarms,
    AlarmsArgs,
    CostBudget,
    CostBudgetArgs,
    InvocationLogging,
    InvocationLoggingArgs,
    bedrock_metrics,
    sagemaker_metrics,
)

from .conftest import of_type, one, policy

KEY = "arn:aws:kms:us-west-2:123456789012:key/k"


def logging(run, protect=False):
    return run(
        lambda: InvocationLogging(
            "bot",
            InvocationLoggingArgs(
                region="us-west-2", kms_key_arn=KEY, retention_days=14, tags={"a": "b"}, protect=protect
            ),
        )
    )


def test_the_log_bucket_is_private_encrypted_versioned_and_tls_only(run):
    recording = logging(run)
    bucket = one(recording, "aws:s3/bucket:Bucket")
    assert bucket["inputs"]["tags"] == {"a": "b"} and bucket["inputs"]["forceDestroy"] is True
    block = one(recording, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")["inputs"]
    assert all(
        block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    sse = one(recording, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")[
        "inputs"
    ]["rules"][0]
    assert sse == {
        "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY},
        "bucketKeyEnabled": True,
    }
    assert one(recording, "aws:s3/bucketVersioning:BucketVersioning")["inputs"]["versioningConfiguration"] == {
        "status": "Enabled"
    }
    assert one(recording, "aws:s3/bucketOwnershipControls:BucketOwnershipControls")["inputs"]["rule"] == {
        "objectOwnership": "BucketOwnerEnforced"
    }
    lifecycle = one(recording, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")["inputs"]["rules"][0]
    assert lifecycle["expiration"] == {"days": 14} and lifecycle["status"] == "Enabled"
    statements = policy(one(recording, "aws:s3/bucketPolicy:BucketPolicy"))["Statement"]
    tls = next(s for s in statements if s["Sid"] == "DenyInsecureTransport")
    assert tls["Effect"] == "Deny" and tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    writer = next(s for s in statements if s["Sid"] == "BedrockWritesInvocationLogs")
    assert writer["Principal"] == {"Service": "bedrock.amazonaws.com"} and writer["Action"] == "s3:PutObject"
    assert writer["Condition"]["StringEquals"] == {"aws:SourceAccount": "${account_id}"}


def test_protected_buckets_are_kept_on_destroy(run):
    bucket = one(logging(run, protect=True), "aws:s3/bucket:Bucket")
    assert bucket["inputs"]["forceDestroy"] is False


def test_logs_go_to_an_encrypted_log_group_with_retention(run):
    recording = logging(run)
    group = one(recording, "aws:cloudwatch/logGroup:LogGroup")["inputs"]
    assert group["retentionInDays"] == 14 and group["kmsKeyId"] == KEY
    config = one(recording, "aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration")["inputs"][
        "loggingConfig"
    ]
    assert config["s3Config"]["bucketName"] == "${bot-logs.bucket}" or config["s3Config"]["bucketName"].startswith(
        "${bot-logs"
    )
    assert config["cloudwatchConfig"]["logGroupName"] == group["name"]
    role = one(recording, "aws:iam/role:Role")["inputs"]
    trust = json.loads(role["assumeRolePolicy"])["Statement"][0]
    assert (
        trust["Principal"] == {"Service": "bedrock.amazonaws.com"}
        and "aws:SourceAccount" in trust["Condition"]["StringEquals"]
    )
    written = json.loads(role["inlinePolicies"][0]["policy"])["Statement"][0]
    assert written["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"] and written["Resource"].endswith(
        ":log-stream:*"
    )


def test_bedrock_alarms_cover_latency_errors_and_throttles(run):
    args = AlarmsArgs(
        region="us-west-2",
        metrics=bedrock_metrics("us.deepseek.r1-v1:0"),
        kms_key_arn=KEY,
        p99_latency_ms=30000,
        error_rate_percent=2,
        email="ops@example.com",
        tags={"a": "b"},
    )
    recording = run(lambda: Alarms("bot", args))
    assert one(recording, "aws:sns/topic:Topic")["inputs"]["kmsMasterKeyId"] == KEY
    assert one(recording, "aws:sns/topicSubscription:TopicSubscription")["inputs"]["endpoint"] == "ops@example.com"
    alarms = {a["name"]: a["inputs"] for a in of_type(recording, "aws:cloudwatch/metricAlarm:MetricAlarm")}
    latency = alarms["bot-p99-latency"]
    assert (latency["namespace"], latency["metricName"], latency["extendedStatistic"], latency["threshold"]) == (
        "AWS/Bedrock",
        "InvocationLatency",
        "p99",
        30000,
    )
    assert latency["dimensions"] == {"ModelId": "us.deepseek.r1-v1:0"} and latency["alarmActions"] == [
        "${bot-alarms.arn}"
    ]
    rate = alarms["bot-error-rate"]
    assert (
        rate["threshold"] == 2
        and rate["metricQueries"][-1]["expression"] == "IF(calls > 0, 100 * (e0 + e1) / calls, 0)"
    )
    assert alarms["bot-throttles"]["metricName"] == "InvocationThrottles"
    assert all(a["tags"] == {"a": "b"} for a in alarms.values())
    body = json.loads(one(recording, "aws:cloudwatch/dashboard:Dashboard")["inputs"]["dashboardBody"])
    assert {w["properties"]["title"] for w in body["widgets"]} >= {"Invocations", "Latency (p50, p99)", "Errors"}


def test_sagemaker_latency_is_compared_in_microseconds(run):
    args = AlarmsArgs(
        region="us-west-2",
        metrics=sagemaker_metrics("ep", "AllTraffic"),
        kms_key_arn=KEY,
        p99_latency_ms=60000,
        dashboard=False,
    )
    recording = run(lambda: Alarms("bot", args))
    alarms = {a["name"]: a["inputs"] for a in of_type(recording, "aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert (
        alarms["bot-p99-latency"]["threshold"] == 60_000_000
        and alarms["bot-p99-latency"]["namespace"] == "AWS/SageMaker"
    )
    assert "bot-throttles" not in alarms and of_type(recording, "aws:cloudwatch/dashboard:Dashboard") == []


def test_the_budget_selects_the_deployment_tag_and_alerts_twice(run):
    recording = run(
        lambda: CostBudget("bot", CostBudgetArgs(500, ("finops@example.com",), "deepseek-deploy:stack", "bot"))
    )
    budget = one(recording, "aws:budgets/budget:Budget")["inputs"]
    assert (budget["budgetType"], budget["timeUnit"], budget["limitAmount"], budget["limitUnit"]) == (
        "COST",
        "MONTHLY",
        "500.00",
        "USD",
    )
    assert budget["costFilters"] == [{"name": "TagKeyValue", "values": ["user:deepseek-deploy:stack$bot"]}]
    kinds = {(n["notificationType"], n["threshold"]) for n in budget["notifications"]}
    assert kinds == {("FORECASTED", 80), ("ACTUAL", 100)}
