"""EvalAccess: the bucket and the role Amazon Bedrock model evaluation jobs (`deploy eval --bedrock-job`) use.

The bucket holds the prompt datasets (`datasets/`) and the jobs' results (`results/`): private, SSE-KMS,
versioned, TLS-only, expiring after `expire_days`, emptied on destroy. The role is one Bedrock assumes for
evaluation jobs of this account and region only, and may read the datasets, write the results, use the key and
invoke exactly the evaluated models (and the evaluator model of jobs with precomputed responses).
Service role requirements: https://docs.aws.amazon.com/bedrock/latest/userguide/automatic-service-roles.html
and https://docs.aws.amazon.com/bedrock/latest/userguide/judge-service-roles.html.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

import pulumi

from ._base import PARTITION, account_id, child, policy_json, tls_only_statement, trust_policy
from .encryption import EncryptionKey, EncryptionKeyArgs
from .observability import private_bucket

if TYPE_CHECKING:  # the typed SDKs for the checker; at run time, components.sdk picks the path
    import pulumi_aws as aws
else:
    from .sdk import aws

DATASETS, RESULTS = "datasets", "results"
# A cross-region inference profile id (us.deepseek.r1-v1:0) routes to the foundation model in its regions.
PROFILE = re.compile(r"^(us|eu|apac|us-gov|global)\.(.+)$")


@dataclass(frozen=True)
class EvalAccessArgs:
    region: str
    # What the jobs invoke: model ids, inference profile ids, or ARNs (imported models, endpoints).
    models: Sequence[str]
    # A geographic inference profile id -> the regions it routes to (default: this region only).
    profile_regions: Mapping[str, Sequence[str]] = field(default_factory=dict)
    kms_key_arn: Optional[pulumi.Input[str]] = None  # None: a key of its own
    expire_days: int = 30
    tags: Mapping[str, str] = field(default_factory=dict)


def model_arns(identifier: str, region: str, account: pulumi.Input[str], routes: Sequence[str] = ()) -> list[Any]:
    """The resources `bedrock:InvokeModel` needs for one model identifier: an ARN as given; a geographic
    inference profile and its foundation model in each region it routes to (`routes`, default this region);
    else the foundation model here. No wildcard: DD-IAM-002 wants this deployment's models only."""
    if identifier.startswith("arn:"):
        return [identifier]
    profile = PROFILE.match(identifier)
    if profile:
        home = pulumi.Output.concat(f"arn:{PARTITION}:bedrock:{region}:", account, f":inference-profile/{identifier}")
        regions = dict.fromkeys([region, *routes])
        return [home, *(f"arn:{PARTITION}:bedrock:{r}::foundation-model/{profile.group(2)}" for r in regions)]
    return [f"arn:{PARTITION}:bedrock:{region}::foundation-model/{identifier}"]


def role_statements(
    bucket_arn: pulumi.Input[str], key_arn: pulumi.Input[str], invoke: Sequence[Any]
) -> list[dict[str, Any]]:
    """Least privilege: read datasets/, write (and read back) results/, use the key, invoke these models."""
    return [
        {
            "Sid": "ReadDatasets",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": pulumi.Output.concat(bucket_arn, f"/{DATASETS}/*"),
        },
        {
            "Sid": "WriteResults",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
            "Resource": pulumi.Output.concat(bucket_arn, f"/{RESULTS}/*"),
        },
        {
            "Sid": "ListOwnPrefixes",
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": bucket_arn,
            "Condition": {"StringLike": {"s3:prefix": [f"{DATASETS}/*", f"{RESULTS}/*"]}},
        },
        {
            "Sid": "BucketLocation",
            "Effect": "Allow",
            "Action": ["s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
            "Resource": bucket_arn,
        },
        {
            "Sid": "UseKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
            "Resource": key_arn,
        },
        {
            "Sid": "InvokeEvaluatedModels",
            "Effect": "Allow",
            "Action": ["bedrock:InvokeModel"],
            "Resource": list(invoke),
        },
    ]


class EvalAccess(pulumi.ComponentResource):
    """`bucket` (name), `role_arn` and `key_arn`: what CreateEvaluationJob needs."""

    bucket: pulumi.Output[str]
    role_arn: pulumi.Output[str]
    key_arn: pulumi.Output[str]

    def __init__(self, name: str, args: EvalAccessArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("deepseek-deploy:eval:EvalAccess", name, None, opts)
        if not args.models:
            raise ValueError("EvalAccess needs at least one model to invoke")
        tags = dict(args.tags)
        key_arn = args.kms_key_arn
        if key_arn is None:
            key = EncryptionKey(
                f"{name}-key",
                EncryptionKeyArgs(region=args.region, description="deepseek-deploy eval jobs' data", tags=tags),
                opts=child(self),
            )
            key_arn = key.key_arn
        # Results are re-creatable: destroy empties and deletes the bucket.
        bucket = aws.s3.Bucket(f"{name}-data", force_destroy=True, tags=tags, opts=child(self))
        hardening = private_bucket(self, f"{name}-data", bucket, key_arn, expire_days=args.expire_days)
        aws.s3.BucketPolicy(
            f"{name}-data-policy",
            bucket=bucket.id,
            policy=policy_json([tls_only_statement(bucket.arn)]),
            opts=child(self, depends_on=hardening),
        )
        account = account_id(self)
        invoke = [
            arn
            for model in dict.fromkeys(args.models)
            for arn in model_arns(model, args.region, account, args.profile_regions.get(model, ()))
        ]
        role = aws.iam.Role(
            f"{name}-role",
            description="Lets Amazon Bedrock evaluation jobs of deepseek-deploy read prompts and write results",
            assume_role_policy=trust_policy(
                "bedrock.amazonaws.com",
                {
                    "StringEquals": {"aws:SourceAccount": account},
                    "ArnLike": {
                        "aws:SourceArn": pulumi.Output.concat(
                            f"arn:{PARTITION}:bedrock:{args.region}:", account, ":evaluation-job/*"
                        )
                    },
                },
            ),
            inline_policies=[{"name": "evaluate", "policy": policy_json(role_statements(bucket.arn, key_arn, invoke))}],
            tags=tags,
            opts=child(self),
        )
        self.bucket = bucket.bucket
        self.role_arn = role.arn
        self.key_arn = pulumi.Output.from_input(key_arn)
        self.register_outputs({"bucket": bucket.bucket, "role_arn": role.arn, "key_arn": self.key_arn})
