"""GatewayAccess: what the gateway's processes may do in AWS, and nothing more.

The tiers' own stacks already made one policy each that allows invoking exactly that deployment
(`InvokeAccess`, exported as `invoke_policy_arn`); the gateway's identity gets those attached, plus one
policy of its own for ApplyGuardrail on the gateway's guardrail. So its reach is exactly its tiers.

Whose identity: on a cluster a tier created (EKS, with the Pod Identity agent installed), a role only the
gateway's service account of that cluster can assume, associated through EKS Pod Identity
(https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html). On any other cluster the policies
are made and exported, and the cluster's owner associates them (the plan says how). ECS tasks get a task
role of their own (gateway_fargate.py) with the same policies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

import pulumi

from ._base import PARTITION, account_id, child, policy_json
from .eks_storage import pod_identity_trust

if TYPE_CHECKING:  # the typed SDKs for the checker; at run time, components.sdk picks the path
    import pulumi_aws as aws
else:
    from .sdk import aws


@dataclass(frozen=True)
class PodIdentity:
    """The service account of a known EKS cluster that assumes the gateway's role."""

    cluster_name: pulumi.Input[str]
    namespace: str
    service_account: str


@dataclass(frozen=True)
class GatewayAccessArgs:
    region: str
    tier_policy_arns: Sequence[pulumi.Input[str]] = ()  # each tier's `invoke_policy_arn`
    guardrail_arn: Optional[pulumi.Input[str]] = None
    pod_identity: Optional[PodIdentity] = None
    tags: Mapping[str, str] = field(default_factory=dict)


def guardrail_statements(guardrail_arn: Optional[pulumi.Input[str]]) -> list[dict[str, Any]]:
    """ApplyGuardrail on the one guardrail, the action the gateway's hooks call for tiers that cannot apply it."""
    if guardrail_arn is None:
        return []
    return [
        {
            "Sid": "ApplyTheGatewayGuardrail",
            "Effect": "Allow",
            "Action": ["bedrock:ApplyGuardrail"],
            "Resource": [guardrail_arn],
        }
    ]


def cluster_arn(region: str, account: pulumi.Input[str], cluster_name: pulumi.Input[str]) -> pulumi.Output[str]:
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelastickubernetesservice.html
    return pulumi.Output.concat(f"arn:{PARTITION}:eks:{region}:", account, ":cluster/", cluster_name)


class GatewayAccess(pulumi.ComponentResource):
    """`policy_arns`: every policy the gateway needs (its own first); `role_arn`: the Pod Identity role, or
    None where the cluster is not known to this stack."""

    policy_arns: list[pulumi.Output[str]]
    role_arn: Optional[pulumi.Output[str]]

    def __init__(self, name: str, args: GatewayAccessArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("deepseek-deploy:gateway:GatewayAccess", name, None, opts)
        own: list[pulumi.Output[str]] = []
        statements = guardrail_statements(args.guardrail_arn)
        if statements:
            policy = aws.iam.Policy(
                f"{name}-guardrail",
                description="deepseek-deploy gateway: apply its guardrail, and nothing else",
                policy=policy_json(statements),
                tags=dict(args.tags),
                opts=child(self),
            )
            own.append(policy.arn)
        self.policy_arns = own + [pulumi.Output.from_input(arn) for arn in args.tier_policy_arns]
        self.role_arn = None
        if args.pod_identity is not None:
            self.role_arn = self._pod_identity_role(name, args, args.pod_identity)
        self.register_outputs({"policy_arns": self.policy_arns, "role_arn": self.role_arn})

    def _pod_identity_role(self, name: str, args: GatewayAccessArgs, pod: PodIdentity) -> pulumi.Output[str]:
        cluster = cluster_arn(args.region, account_id(self), pod.cluster_name)
        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=pod_identity_trust(cluster, pod.namespace, pod.service_account),
            tags=dict(args.tags),
            opts=child(self),
        )
        for index, arn in enumerate(self.policy_arns):
            aws.iam.RolePolicyAttachment(f"{name}-policy-{index}", role=role.name, policy_arn=arn, opts=child(self))
        # https://docs.aws.amazon.com/eks/latest/userguide/pod-id-association.html
        aws.eks.PodIdentityAssociation(
            f"{name}-pod-identity",
            cluster_name=pod.cluster_name,
            namespace=pod.namespace,
            service_account=pod.service_account,
            role_arn=role.arn,
            tags=dict(args.tags),
            opts=child(self),
        )
        return role.arn
