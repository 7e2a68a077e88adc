"""InvokeAccess: an IAM policy that allows invoking exactly one deployment, attached to its callers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from ._base import child, policy_json, role_name_from_arn

INVOKE_ACTIONS = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")


@dataclass(frozen=True)
class InvokeAccessArgs:
    # Everything a caller invokes: model, inference-profile, endpoint or imported-model ARNs.
    resource_arns: pulumi.Input[Sequence[str]]
    # IAM role or user ARNs that get the policy.
    principals: Sequence[str] = ()
    guardrail_arn: Optional[pulumi.Input[str]] = None
    guardrail_version: Optional[pulumi.Input[str]] = None
    # Deny every invocation that does not name this guardrail version (serverless, custom-import).
    enforce_guardrail: bool = False
    actions: Sequence[str] = INVOKE_ACTIONS
    # Further statements a mode needs (e.g. SageMaker behind a Marketplace endpoint).
    extra_statements: Sequence[Mapping[str, Any]] = ()
    tags: Mapping[str, str] = field(default_factory=dict)


def invoke_statements(args: InvokeAccessArgs) -> list[dict[str, Any]]:
    """The policy's statements: least privilege, no wildcard actions or resources."""
    invoke: dict[str, Any] = {
        "Sid": "InvokeThisDeployment",
        "Effect": "Allow",
        "Action": list(args.actions),
        "Resource": args.resource_arns,
    }
    statements = [invoke, *[dict(statement) for statement in args.extra_statements]]
    if args.guardrail_arn is not None:
        statements.append(
            {
                "Sid": "ApplyThisGuardrail",
                "Effect": "Allow",
                "Action": ["bedrock:ApplyGuardrail"],
                "Resource": [args.guardrail_arn],
            }
        )
    if args.enforce_guardrail:
        if args.guardrail_arn is None or args.guardrail_version is None:
            raise ValueError("enforce_guardrail needs guardrail_arn and guardrail_version")
        identifier = pulumi.Output.concat(args.guardrail_arn, ":", args.guardrail_version)
        invoke["Condition"] = {"StringEquals": {"bedrock:GuardrailIdentifier": identifier}}
        # The explicit Deny also overrides broader grants the caller may hold elsewhere.
        statements.append(
            {
                "Sid": "DenyInvokeWithoutThisGuardrail",
                "Effect": "Deny",
                "Action": list(args.actions),
                "Resource": args.resource_arns,
                "Condition": {"StringNotEquals": {"bedrock:GuardrailIdentifier": identifier}},
            }
        )
    return statements


class InvokeAccess(pulumi.ComponentResource):
    """`policy_arn` can also be attached by callers to principals managed elsewhere."""

    policy_arn: pulumi.Output[str]
    policy_document: pulumi.Output[str]

    def __init__(self, name: str, args: InvokeAccessArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("deepseek-deploy:access:InvokeAccess", name, None, opts)
        document = policy_json(invoke_statements(args))
        policy = aws.iam.Policy(
            f"{name}-invoke",
            description="Invoke one deepseek-deploy deployment, and nothing else",
            policy=document,
            tags=dict(args.tags),
            opts=child(self),
        )
        for index, principal in enumerate(args.principals):
            kind, principal_name = role_name_from_arn(principal)
            if kind == "role":
                aws.iam.RolePolicyAttachment(
                    f"{name}-role-{index}", role=principal_name, policy_arn=policy.arn, opts=child(self)
                )
            else:
                aws.iam.UserPolicyAttachment(
                    f"{name}-user-{index}", user=principal_name, policy_arn=policy.arn, opts=child(self)
                )
        self.policy_arn = policy.arn
        self.policy_document = document
        self.register_outputs({"policy_arn": policy.arn})
