"""Small helpers every component uses: parenting, account lookups, IAM documents, names."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Optional

import pulumi

if TYPE_CHECKING:  # the typed SDKs for the checker; at run time, components.sdk picks the path
    import pulumi_aws as aws
else:
    from .sdk import aws

PARTITION = "aws"  # the catalog only lists commercial regions


def child(parent: pulumi.Resource, **extra: Any) -> pulumi.ResourceOptions:
    """Options for a component's child: parented, so it inherits provider and protection."""
    return pulumi.ResourceOptions(parent=parent, **extra)


def kept(protect: bool) -> dict[str, bool]:
    """Options for a stateful resource (a key, bucket, log group, cluster, file system, secret, imported model).

    With `protect` Pulumi refuses to delete or replace it
    (https://www.pulumi.com/docs/iac/concepts/options/protect/), and should the protection be lifted outside
    the program (`pulumi state unprotect`), a delete only drops it from the state and leaves it in the cloud
    (https://www.pulumi.com/docs/iac/concepts/options/retainondelete/).
    """
    return {"protect": protect, "retain_on_delete": protect}


def account_id(parent: pulumi.Resource) -> pulumi.Output[str]:
    """The deploying account, looked up by the provider (in `deploy plan` a placeholder)."""
    identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=parent))
    return identity.account_id


def policy_json(statements: Sequence[Mapping[str, Any]]) -> pulumi.Output[str]:
    """An IAM policy document from statements that may hold Outputs."""
    return pulumi.Output.from_input({"Version": "2012-10-17", "Statement": list(statements)}).apply(
        lambda document: json.dumps(document, sort_keys=False)
    )


def trust_policy(service: str, conditions: Optional[Mapping[str, Any]] = None) -> pulumi.Output[str]:
    """A role trust policy for one AWS service, with confused-deputy conditions."""
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if conditions:
        statement["Condition"] = conditions
    return policy_json([statement])


def tls_only_statement(bucket_arn: pulumi.Input[str]) -> dict[str, Any]:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, pulumi.Output.concat(bucket_arn, "/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def short_name(name: str, limit: int) -> str:
    """`name` if it fits `limit`, else a prefix plus a stable hash, so it stays unique."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:6]
    return f"{name[: limit - 7].rstrip('-')}-{digest}"


def alnum_name(name: str, limit: int = 63) -> str:
    """A name for APIs that forbid repeated dashes (e.g. imported model names)."""
    return short_name(re.sub(r"-{2,}", "-", name), limit)


def role_name_from_arn(arn: str) -> tuple[str, str]:
    """('role' | 'user', name) from an IAM principal ARN; paths are dropped."""
    kind, _, rest = arn.split(":", 5)[5].partition("/")
    return kind, rest.rsplit("/", 1)[-1]
