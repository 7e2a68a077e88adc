"""InvokeAccess: an IAM policy that allows invoking exactly one deployment, attached to its callers.

A caller of the deploying account gets the policy attached. Callers of other accounts cannot: a policy
attachment names a role or user of this account, so it would miss them (or reach a same-named identity
here). They get one role in this account instead, which they and nobody else may assume and which has
the policy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

import pulumi

from ._base import child, policy_json, role_name_from_arn, short_name

if TYPE_CHECKING:  # the typed SDKs for the checker; at run time, components.sdk picks the path
    import pulumi_aws as aws
else:
    from .sdk import aws

INVOKE_ACTIONS = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")
ACCOUNT_ID = re.compile(r"\d{12}")


@dataclass(frozen=True)
class InvokeAccessArgs:
    # Everything a caller invokes: model, inference-profile, imported-model or Marketplace ARNs.
    resource_arns: pulumi.Input[Sequence[str]]
    # IAM role or user ARNs that may invoke: of this account (policy attached) or others (invoker role).
    principals: Sequence[str] = ()
    guardrail_arn: Optional[pulumi.Input[str]] = None
    guardrail_version: Optional[pulumi.Input[str]] = None
    # Deny every invocation that does not name this guardrail version (serverless, custom-import).
    enforce_guardrail: bool = False
    actions: Sequence[str] = INVOKE_ACTIONS
    # Further statements a mode needs (e.g. SageMaker behind a Marketplace endpoint).
    extra_statements: Sequence[Mapping[str, Any]] = ()
    # Name of the role principals of other accounts assume; default `<component name>-invoker`.
    invoker_role_name: Optional[str] = None
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


def principal_account(arn: str) -> str:
    """The account of an IAM role or user ARN (arn:PARTITION:iam::ACCOUNT:role/NAME)."""
    return arn.split(":", 5)[4]


def split_principals(principals: Sequence[str], account: str) -> tuple[list[int], list[str]]:
    """(positions of the principals of `account`, the ARNs of the others).

    An `account` that is no account id (`deploy plan`'s mock runtime has none) counts every principal as
    this account's: the plan cannot know which ones are not.
    """
    if not ACCOUNT_ID.fullmatch(account):
        return list(range(len(principals))), []
    local = [index for index, arn in enumerate(principals) if principal_account(arn) == account]
    return local, [arn for index, arn in enumerate(principals) if index not in local]


def invoker_trust_statements(principals: Sequence[str]) -> list[dict[str, Any]]:
    """Exactly these role or user ARNs may assume the invoker role, with sts:AssumeRole and nothing else.

    Role and user ARNs are valid Principals of a role trust policy; IAM stores each as that identity's unique
    id, so a deleted and re-created identity of the same name is not trusted
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html); an ARN that
    does not exist fails the deployment with "Invalid principal in policy"
    (https://repost.aws/knowledge-center/iam-trust-policy-error).
    No sts:ExternalId condition: an external ID protects a role trusted by a third party that acts for many
    customers (https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html). Here each caller is
    named by its own ARN; an ID they all must send on AssumeRole would be one more value to distribute and
    would not narrow who can assume the role.
    """
    return [
        {
            "Sid": "AssumeToInvokeThisDeployment",
            "Effect": "Allow",
            "Principal": {"AWS": sorted(set(principals))},
            "Action": "sts:AssumeRole",
        }
    ]


class InvokeAccess(pulumi.ComponentResource):
    """`policy_arn` can also be attached by callers to principals managed elsewhere; `invoker_role_arn` is
    the role principals of other accounts assume, None when there are none."""

    policy_arn: pulumi.Output[str]
    policy_document: pulumi.Output[str]
    invoker_role_arn: Optional[pulumi.Output[str]]

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
        local, foreign = self._split(args.principals)
        for index in local:
            self._attach(name, index, args.principals[index], policy.arn)
        self.invoker_role_arn = self._invoker_role(name, args, foreign, policy.arn) if foreign else None
        self.policy_arn = policy.arn
        self.policy_document = document
        self.register_outputs({"policy_arn": policy.arn, "invoker_role_arn": self.invoker_role_arn})

    def _split(self, principals: Sequence[str]) -> tuple[list[int], list[str]]:
        """Compare with the deploying account, which only the provider knows: looked up while the program runs."""
        if not principals:
            return [], []
        identity = aws.get_caller_identity(opts=pulumi.InvokeOptions(parent=self))
        return split_principals(principals, identity.account_id)

    def _attach(self, name: str, index: int, principal: str, policy_arn: pulumi.Output[str]) -> None:
        """The policy on a role or user of this account, named by its position in the list as before."""
        kind, principal_name = role_name_from_arn(principal)
        if kind == "role":
            aws.iam.RolePolicyAttachment(
                f"{name}-role-{index}", role=principal_name, policy_arn=policy_arn, opts=child(self)
            )
        else:
            aws.iam.UserPolicyAttachment(
                f"{name}-user-{index}", user=principal_name, policy_arn=policy_arn, opts=child(self)
            )

    def _invoker_role(
        self, name: str, args: InvokeAccessArgs, principals: Sequence[str], policy_arn: pulumi.Output[str]
    ) -> pulumi.Output[str]:
        """One role the principals of other accounts may assume, with the invoke policy and nothing else.

        Their own account must also allow them sts:AssumeRole on this role's ARN
        (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_aws-accounts.html).
        """
        role = aws.iam.Role(
            f"{name}-invoker",
            # RoleName: at most 64 characters (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html)
            name=short_name(args.invoker_role_name or f"{name}-invoker", 64),
            description="Assumed by the listed principals of other accounts to invoke one deepseek-deploy deployment",
            assume_role_policy=policy_json(invoker_trust_statements(principals)),
            tags=dict(args.tags),
            opts=child(self),
        )
        aws.iam.RolePolicyAttachment(f"{name}-invoker-invoke", role=role.name, policy_arn=policy_arn, opts=child(self))
        return role.arn
