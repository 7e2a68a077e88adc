"""EncryptionKey: a customer-managed KMS key with yearly rotation, usable by the named AWS services."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

import pulumi

from ._base import PARTITION, account_id, child, kept, policy_json

if TYPE_CHECKING:  # the typed SDKs for the checker; at run time, components.sdk picks the path
    import pulumi_aws as aws
else:
    from .sdk import aws


@dataclass(frozen=True)
class EncryptionKeyArgs:
    region: str
    description: str
    # Services that encrypt with the key on this account's behalf (logs, bedrock, sns via cloudwatch...).
    service_principals: Sequence[str] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    protect: bool = False


class EncryptionKey(pulumi.ComponentResource):
    """A KMS key (rotation on, 30-day deletion window) and an alias."""

    key_arn: pulumi.Output[str]
    key_id: pulumi.Output[str]

    def __init__(self, name: str, args: EncryptionKeyArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("deepseek-deploy:security:EncryptionKey", name, None, opts)
        account = account_id(self)
        statements: list = [
            {
                # Without this the key can lock out its own account (AWS's default key policy).
                "Sid": "AccountAdministersTheKey",
                "Effect": "Allow",
                "Principal": {"AWS": pulumi.Output.concat(f"arn:{PARTITION}:iam::", account, ":root")},
                "Action": "kms:*",
                "Resource": "*",
            }
        ]
        for service in args.service_principals:
            statement = {
                "Sid": "ServiceUse" + "".join(part.capitalize() for part in service.split(".")[0].split("-")),
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
                "Resource": "*",
            }
            if service.startswith("logs."):
                statement["Condition"] = {
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": pulumi.Output.concat(
                            f"arn:{PARTITION}:logs:{args.region}:", account, ":log-group:*"
                        )
                    }
                }
            else:
                statement["Condition"] = {"StringEquals": {"aws:SourceAccount": account}}
            statements.append(statement)
        key = aws.kms.Key(
            f"{name}-key",
            description=args.description,
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=policy_json(statements),
            tags=dict(args.tags),
            opts=child(self, **kept(args.protect)),
        )
        aws.kms.Alias(f"{name}-alias", name=f"alias/deepseek-deploy/{name}", target_key_id=key.key_id, opts=child(self))
        self.key_arn = key.arn
        self.key_id = key.key_id
        self.register_outputs({"key_arn": key.arn, "key_id": key.key_id})
