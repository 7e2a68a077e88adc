"""EvalAccess (`deploy eval --bedrock-job`'s stack) under Pulumi mocks: a private, KMS-encrypted, versioned,
expiring, TLS-only bucket; a role only Bedrock evaluation jobs of this account and region assume, allowed to
read datasets/, write results/, use the key and invoke exactly the evaluated models; and `deploy check`'s
rules pass over it."""

from __future__ import annotations

import json

import pytest

from deepseek_deploy.components.eval_access import EvalAccess, EvalAccessArgs
from deepseek_deploy.components.policy import RULES, evaluate
from deepseek_deploy.stacks.run.check import resources_of

from .conftest import actions_of, of_type, one, policy
from .conftest import resources_of as statement_resources

KEY = "arn:aws:kms:us-west-2:123456789012:key/k"
IMPORTED = "arn:aws:bedrock:us-west-2:123456789012:imported-model/abc"


def access(run, **extra):
    args = {"region": "us-west-2", "models": ["us.deepseek.r1-v1:0", IMPORTED], "tags": {"a": "b"}, **extra}
    args.setdefault("profile_regions", {"us.deepseek.r1-v1:0": ["us-east-1", "us-west-2", "us-east-2"]})
    return run(lambda: EvalAccess("bot-eval", EvalAccessArgs(**args)))


def test_the_bucket_is_private_encrypted_versioned_expiring_and_tls_only(run):
    recording = access(run, kms_key_arn=KEY, expire_days=7)
    assert one(recording, "aws:s3/bucket:Bucket")["inputs"]["forceDestroy"] is True
    sse = one(recording, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    assert sse["inputs"]["rules"][0]["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": KEY,
    }
    lifecycle = one(recording, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")["inputs"]["rules"]
    assert lifecycle[0]["expiration"] == {"days": 7}
    tls = policy(one(recording, "aws:s3/bucketPolicy:BucketPolicy"))["Statement"][0]
    assert tls["Effect"] == "Deny" and tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert of_type(recording, "aws:kms/key:Key") == []  # the given key, none created


def test_a_key_of_its_own_when_none_is_given(run):
    recording = access(run)
    key = one(recording, "aws:kms/key:Key")["inputs"]
    assert key["enableKeyRotation"] is True


def test_only_bedrock_evaluation_jobs_of_this_account_and_region_assume_the_role(run):
    role = one(access(run, kms_key_arn=KEY), "aws:iam/role:Role")
    trust = policy(role, "assumeRolePolicy")["Statement"]
    assert len(trust) == 1 and trust[0]["Principal"] == {"Service": "bedrock.amazonaws.com"}
    assert trust[0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "${account_id}"},
        "ArnLike": {"aws:SourceArn": "arn:aws:bedrock:us-west-2:${account_id}:evaluation-job/*"},
    }


def test_the_role_is_least_privilege(run):
    role = one(access(run, kms_key_arn=KEY), "aws:iam/role:Role")
    (inline,) = role["inputs"]["inlinePolicies"]
    statements = {s["Sid"]: s for s in json.loads(inline["policy"])["Statement"]}
    assert statements["ReadDatasets"]["Resource"].endswith("/datasets/*")
    assert actions_of(statements["ReadDatasets"]) == ["s3:GetObject"]
    assert statements["WriteResults"]["Resource"].endswith("/results/*")
    assert "s3:PutObject" in actions_of(statements["WriteResults"])
    assert statements["UseKey"]["Resource"] == KEY
    assert statement_resources(statements["InvokeEvaluatedModels"]) == [
        "arn:aws:bedrock:us-west-2:${account_id}:inference-profile/us.deepseek.r1-v1:0",
        "arn:aws:bedrock:us-west-2::foundation-model/deepseek.r1-v1:0",
        "arn:aws:bedrock:us-east-1::foundation-model/deepseek.r1-v1:0",
        "arn:aws:bedrock:us-east-2::foundation-model/deepseek.r1-v1:0",
        IMPORTED,
    ]
    for statement in statements.values():
        assert statement["Effect"] == "Allow"
        assert not any(a.endswith("*") and a != "kms:GenerateDataKey*" for a in actions_of(statement))
        assert "*" not in statement_resources(statement)


# What a deployment must have (a guardrail, invocation logging, a budget) is the deployment's stack's; the eval
# stack is judged on its own resources: IAM, S3 and KMS.
DEPLOYMENT_WIDE = ("DD-GR-", "DD-LOG-", "DD-COST-")


def test_the_check_rules_pass(run):
    recording = access(run)
    verdicts = evaluate(RULES, resources_of(recording.resources))
    ran = {rule.id for rule in verdicts.ran}
    assert {"DD-IAM-001", "DD-IAM-002", "DD-IAM-003", "DD-S3-001", "DD-S3-002", "DD-S3-003", "DD-S3-004"} <= ran
    assert "DD-KMS-001" in ran
    found = [(v.rule.id, v.message) for v in verdicts.violations if not v.rule.id.startswith(DEPLOYMENT_WIDE)]
    assert not found, found


def test_nothing_to_invoke_is_refused():
    with pytest.raises(ValueError, match="at least one model"):
        EvalAccess("x", EvalAccessArgs(region="us-west-2", models=[]))
