"""ApiKeySecret: an API key kept in AWS Secrets Manager, readable by exactly the named IAM principals.

The secret is encrypted with a KMS key of its own. The key's policy lets those principals decrypt
only through Secrets Manager and only for this secret; the secret's resource policy lets them read
it. Both grants are resource policies, so nothing is attached to the principals: a principal in
another account also needs an IAM policy of its own for the same two actions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

import pulumi

from ._base import PARTITION, account_id, child, kept, policy_json

if TYPE_CHECKING:  # the typed SDKs for the checker; at run time, components.sdk picks the path
    import pulumi_aws as aws
else:
    from .sdk import aws

# What a reader needs for a secret under a customer-managed key: GetSecretValue, plus kms:Decrypt
# for that key (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html).
READ_ACTION = "secretsmanager:GetSecretValue"
DECRYPT_ACTION = "kms:Decrypt"


@dataclass(frozen=True)
class ApiKeySecretArgs:
    region: str
    secret_name: str  # e.g. deepseek-deploy/<stack>/api-key
    secret_value: pulumi.Input[str]  # kept as a Pulumi secret (e.g. a RandomPassword's result)
    readers: Sequence[str]  # IAM role or user ARNs that may read the value, and nobody else is granted
    description: str = "API key of a deepseek-deploy endpoint"
    tags: Mapping[str, str] = field(default_factory=dict)
    protect: bool = False


def secret_arn_pattern(region: str, account: pulumi.Input[str], secret_name: str) -> pulumi.Output[str]:
    """The secret's ARN before it exists: Secrets Manager appends a hyphen and six random characters
    (https://docs.aws.amazon.com/secretsmanager/latest/userguide/troubleshoot.html#ARN_secretnamehyphen)."""
    return pulumi.Output.concat(f"arn:{PARTITION}:secretsmanager:{region}:", account, f":secret:{secret_name}-??????")


def key_statements(
    region: str, account: pulumi.Input[str], readers: Sequence[str], secret_arn: pulumi.Input[str]
) -> list[dict[str, Any]]:
    """The key policy: the account administers the key; the readers may only decrypt this secret, through
    Secrets Manager (kms:ViaService and the SecretARN encryption context Secrets Manager sends:
    https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html)."""
    statements: list[dict[str, Any]] = [
        {
            # AWS's default key policy: without it the key can lock out its own account
            # (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
            "Sid": "AccountAdministersTheKey",
            "Effect": "Allow",
            "Principal": {"AWS": pulumi.Output.concat(f"arn:{PARTITION}:iam::", account, ":root")},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    if readers:
        statements.append(
            {
                "Sid": "ReadersDecryptThisSecretOnly",
                "Effect": "Allow",
                "Principal": {"AWS": list(readers)},
                "Action": DECRYPT_ACTION,
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"},
                    "StringLike": {"kms:EncryptionContext:SecretARN": secret_arn},
                },
            }
        )
    return statements


def secret_statements(readers: Sequence[str]) -> list[dict[str, Any]]:
    """The secret's resource policy: the readers may read the value, nothing else. "*" in a secret's
    policy means the secret itself
    (https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-policies.html)."""
    return [
        {
            "Sid": "ReadersGetTheValue",
            "Effect": "Allow",
            "Principal": {"AWS": list(readers)},
            "Action": READ_ACTION,
            "Resource": "*",
        }
    ]


class ApiKeySecret(pulumi.ComponentResource):
    """`secret_arn` is what readers fetch (GetSecretValue); `key_arn` is the key that encrypts it."""

    secret_arn: pulumi.Output[str]
    key_arn: pulumi.Output[str]

    def __init__(self, name: str, args: ApiKeySecretArgs, opts: Optional[pulumi.ResourceOptions] = None):
        if not args.readers:
            raise ValueError("ApiKeySecret needs at least one reader: a secret nobody is granted is only a cost")
        super().__init__("deepseek-deploy:security:ApiKeySecret", name, None, opts)
        tags = dict(args.tags)
        account = account_id(self)
        pattern = secret_arn_pattern(args.region, account, args.secret_name)
        key = aws.kms.Key(
            f"{name}-key",
            description=f"{args.description}: encrypts the secret {args.secret_name}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=policy_json(key_statements(args.region, account, args.readers, pattern)),
            tags=tags,
            opts=child(self, **kept(args.protect)),
        )
        aws.kms.Alias(f"{name}-alias", name=f"alias/deepseek-deploy/{name}", target_key_id=key.key_id, opts=child(self))
        secret = aws.secretsmanager.Secret(
            f"{name}-secret",
            name=args.secret_name,
            description=args.description,
            kms_key_id=key.arn,
            # Unprotected stacks delete at once, so `up` after `destroy` can reuse the name (as buckets do).
            recovery_window_in_days=30 if args.protect else 0,
            tags=tags,
            opts=child(self, **kept(args.protect)),
        )
        aws.secretsmanager.SecretVersion(
            f"{name}-value",
            secret_id=secret.id,
            secret_string=pulumi.Output.secret(args.secret_value),
            opts=child(self),
        )
        aws.secretsmanager.SecretPolicy(
            f"{name}-policy",
            secret_arn=secret.arn,
            policy=policy_json(secret_statements(args.readers)),
            # Secrets Manager refuses a policy that would open the secret widely (BlockPublicPolicy:
            # https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-policies.html).
            block_public_policy=True,
            opts=child(self),
        )
        self.secret_arn = secret.arn
        self.key_arn = key.arn
        self.register_outputs({"secret_arn": secret.arn, "key_arn": key.arn})
