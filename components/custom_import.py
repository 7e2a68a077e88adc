"""CustomModelImport: Bedrock Custom Model Import of distill weights (pay per use, scales to zero).

Weights already in S3 are imported from there. Weights from Hugging Face or a local directory
are first uploaded (resumably) to a private, encrypted, versioned bucket the deployment owns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import urlparse

import pulumi

from ._base import (
    PARTITION,
    account_id,
    alnum_name,
    child,
    kept,
    policy_json,
    short_name,
    tls_only_statement,
    trust_policy,
)
from .observability import private_bucket
from .providers.model_import_job import ModelImportJob
from .providers.weights_upload import WeightsUpload

if TYPE_CHECKING:  # the typed SDKs for the checker; at run time, components.sdk picks the path
    import pulumi_aws as aws
else:
    from .sdk import aws

TIMEOUT_MINUTES = 120  # how long an import may take


@dataclass(frozen=True)
class CustomModelImportArgs:
    region: str
    # s3://bucket/prefix/, hf://org/repo, or an absolute local directory.
    weights_source: str
    kms_key_arn: Optional[pulumi.Input[str]] = None
    subnet_ids: Sequence[str] = ()
    security_group_ids: Sequence[str] = ()
    protect: bool = False
    timeout_minutes: int = TIMEOUT_MINUTES
    tags: Mapping[str, str] = field(default_factory=dict)


def s3_parts(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    return parsed.netloc, parsed.path.lstrip("/")


def read_weights_statements(
    bucket_arn: pulumi.Input[str], prefix: str, kms_key_arn: Optional[pulumi.Input[str]]
) -> list[dict[str, Any]]:
    """What the import role may do: list and read the weights under `prefix`, and decrypt them."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ReadWeights",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": pulumi.Output.concat(bucket_arn, f"/{prefix.rstrip('/')}/*" if prefix else "/*"),
        },
        {
            "Sid": "ListWeights",
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": bucket_arn,
            "Condition": {"StringLike": {"s3:prefix": [f"{prefix.rstrip('/')}/*" if prefix else "*"]}},
        },
    ]
    if kms_key_arn is not None:
        statements.append(
            {
                "Sid": "UseKey",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey", "kms:CreateGrant"],
                "Resource": kms_key_arn,
            }
        )
    return statements


@dataclass(frozen=True)
class _Weights:
    """Where the import reads the weights from."""

    bucket_arn: pulumi.Output[str]
    prefix: str
    s3_uri: pulumi.Output[str]


class CustomModelImport(pulumi.ComponentResource):
    """`imported_model_arn` is the modelId callers pass to bedrock-runtime (InvokeModel)."""

    imported_model_arn: pulumi.Output[str]
    weights_s3_uri: pulumi.Output[str]

    def __init__(self, name: str, args: CustomModelImportArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("deepseek-deploy:custom-import:CustomModelImport", name, None, opts)
        tags = dict(args.tags)
        if args.weights_source.startswith("s3://"):
            bucket_name, prefix = s3_parts(args.weights_source)
            weights = _Weights(
                bucket_arn=pulumi.Output.from_input(f"arn:{PARTITION}:s3:::{bucket_name}"),
                prefix=prefix,
                s3_uri=pulumi.Output.from_input(args.weights_source),
            )
        else:
            weights = self._upload_weights(name, args, tags)
        role = self._import_role(name, args, weights, tags)
        job = ModelImportJob(
            f"{name}-import",
            region=args.region,
            job_name=short_name(f"{name}-import", 63),
            imported_model_name=alnum_name(name),
            role_arn=role.arn,
            s3_uri=weights.s3_uri,
            kms_key_arn=args.kms_key_arn,
            subnet_ids=list(args.subnet_ids) or None,
            security_group_ids=list(args.security_group_ids) or None,
            tags=tags,
            timeout_minutes=args.timeout_minutes,
            # The imported model is the deployment's state: with protect, destroy keeps it (and its weights).
            opts=child(self, depends_on=[role], **kept(args.protect)),
        )
        self.imported_model_arn = job.imported_model_arn
        self.weights_s3_uri = weights.s3_uri
        self.register_outputs({"imported_model_arn": job.imported_model_arn, "weights_s3_uri": weights.s3_uri})

    def _upload_weights(self, name: str, args: CustomModelImportArgs, tags: dict[str, str]) -> _Weights:
        """A private, TLS-only bucket of the deployment's own, and the (resumable) upload into it."""
        # Weights can take hours to upload: with protect, destroy keeps them.
        bucket = aws.s3.Bucket(
            f"{name}-weights",
            force_destroy=not args.protect,
            tags=tags,
            opts=child(self, **kept(args.protect)),
        )
        hardening = private_bucket(self, f"{name}-weights", bucket, args.kms_key_arn)
        aws.s3.BucketPolicy(
            f"{name}-weights-policy",
            bucket=bucket.id,
            policy=policy_json([tls_only_statement(bucket.arn)]),
            opts=child(self, depends_on=hardening),
        )
        prefix = "weights"
        upload = WeightsUpload(
            f"{name}-upload",
            region=args.region,
            source=args.weights_source,
            bucket=bucket.id,
            prefix=prefix,
            kms_key_arn=args.kms_key_arn,
            opts=child(self, depends_on=hardening),
        )
        return _Weights(bucket_arn=bucket.arn, prefix=prefix, s3_uri=upload.s3_uri)

    def _import_role(
        self, name: str, args: CustomModelImportArgs, weights: _Weights, tags: dict[str, str]
    ) -> aws.iam.Role:
        """The role Bedrock's import jobs of this account and region assume to read the weights."""
        account = account_id(self)
        return aws.iam.Role(
            f"{name}-import-role",
            description="Lets Bedrock read the weights of one deepseek-deploy model import",
            assume_role_policy=trust_policy(
                "bedrock.amazonaws.com",
                {
                    "StringEquals": {"aws:SourceAccount": account},
                    "ArnLike": {
                        "aws:SourceArn": pulumi.Output.concat(
                            f"arn:{PARTITION}:bedrock:{args.region}:", account, ":model-import-job/*"
                        )
                    },
                },
            ),
            inline_policies=[
                {
                    "name": "read-weights",
                    "policy": policy_json(
                        read_weights_statements(weights.bucket_arn, weights.prefix, args.kms_key_arn)
                    ),
                }
            ],
            tags=tags,
            opts=child(self),
        )
