"""The gateway's network on Fargate: its subnets (given, or a created VPC), the two security groups and the
internal Application Load Balancer with its target group and listener."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

import pulumi

from ._base import child, short_name
from .gateway_fargate_task import PORT, READINESS
from .vllm_exposure import TLS_POLICY  # the project's one TLS policy for load balancers
from .vpc import cluster_network

if TYPE_CHECKING:  # the typed SDKs for the checker; at run time, components.sdk picks the path
    import pulumi_aws as aws

    from .gateway_fargate import GatewayFargateArgs
else:
    from .sdk import aws


@dataclass(frozen=True)
class GatewayNetwork:
    vpc_id: pulumi.Input[str]
    subnet_ids: list[pulumi.Input[str]]  # private: the tasks and the load balancer
    cidr: pulumi.Input[str]  # the VPC's block (default clients, self-hosted tiers)


def listener_port(certificate_arn: Optional[str]) -> int:
    return 443 if certificate_arn else 80


def gateway_network(
    parent: pulumi.Resource, name: str, args: GatewayFargateArgs, tags: dict[str, str]
) -> GatewayNetwork:
    """The given private subnets (and their VPC), or a new VPC whose private subnets reach out through a
    NAT gateway (the image comes from ghcr.io)."""
    if not args.subnet_ids:
        created = cluster_network(parent, name, args.vpc_cidr, tags)
        return GatewayNetwork(created.vpc.id, [s.id for s in created.private_subnets], args.vpc_cidr)
    invoke = pulumi.InvokeOutputOptions(parent=parent)
    vpc_id: pulumi.Input[str] = args.vpc_id or aws.ec2.get_subnet_output(id=args.subnet_ids[0], opts=invoke).vpc_id
    cidr: pulumi.Input[str] = ""
    if not args.client_cidrs or args.upstream_ports:
        cidr = aws.ec2.get_vpc_output(id=vpc_id, opts=invoke).cidr_block
    return GatewayNetwork(vpc_id, list(args.subnet_ids), cidr)


def security_groups(
    parent: pulumi.Resource, name: str, args: GatewayFargateArgs, network: GatewayNetwork, tags: dict[str, str]
) -> tuple[aws.ec2.SecurityGroup, aws.ec2.SecurityGroup]:
    """The load balancer's group (clients in on the listener port, out to the tasks on 4000) and the tasks'
    (4000 in from the load balancer only; out on 443 and to the VPC's self-hosted tiers). Neither keeps
    AWS's default allow-all egress rule (the provider removes it): every rule is below."""
    lb_group, task_group = (
        aws.ec2.SecurityGroup(f"{name}-{role}", vpc_id=network.vpc_id, description=about, tags=tags, opts=child(parent))
        for role, about in (
            ("lb", "Gateway load balancer: clients in, the gateway's tasks out"),
            ("tasks", "Gateway tasks: the load balancer in; AWS APIs, the registry and tiers out"),
        )
    )
    port = listener_port(args.certificate_arn)
    for index, cidr in enumerate(list(args.client_cidrs) or [network.cidr]):
        _rule(parent, name, tags, f"lb-in-{index}", lb_group, port, "Gateway clients", ingress=True, cidr_ipv4=cidr)
    _rule(
        parent,
        name,
        tags,
        "lb-out",
        lb_group,
        PORT,
        "To the gateway's tasks",
        referenced_security_group_id=task_group.id,
    )
    _rule(
        parent,
        name,
        tags,
        "tasks-in",
        task_group,
        PORT,
        "From the gateway's load balancer only",
        ingress=True,
        referenced_security_group_id=lb_group.id,
    )
    _rule(
        parent,
        name,
        tags,
        "tasks-https",
        task_group,
        443,
        "AWS APIs (Bedrock, SSM, logs) and the image registry",
        cidr_ipv4="0.0.0.0/0",
    )
    for upstream in sorted(set(args.upstream_ports) - {443}):
        _rule(
            parent,
            name,
            tags,
            f"tasks-vpc-{upstream}",
            task_group,
            upstream,
            "Self-hosted tiers",
            cidr_ipv4=network.cidr,
        )
    return lb_group, task_group


def _rule(
    parent: pulumi.Resource,
    name: str,
    tags: dict[str, str],
    suffix: str,
    group: aws.ec2.SecurityGroup,
    port: int,
    about: str,
    ingress: bool = False,
    **peer: Any,
) -> None:
    """One TCP port to or from one peer (a CIDR block or a security group)."""
    rule: dict[str, Any] = {
        "security_group_id": group.id,
        "ip_protocol": "tcp",
        "from_port": port,
        "to_port": port,
        "description": about,
        "tags": tags,
        "opts": child(parent),
        **peer,
    }
    if ingress:
        aws.vpc.SecurityGroupIngressRule(f"{name}-{suffix}", **rule)
    else:
        aws.vpc.SecurityGroupEgressRule(f"{name}-{suffix}", **rule)


def load_balancer(
    parent: pulumi.Resource,
    name: str,
    args: GatewayFargateArgs,
    network: GatewayNetwork,
    lb_group: aws.ec2.SecurityGroup,
    tags: dict[str, str],
) -> tuple[aws.lb.LoadBalancer, aws.lb.TargetGroup, aws.lb.Listener]:
    balancer = aws.lb.LoadBalancer(
        name,
        name=short_name(name, 32),
        internal=True,
        load_balancer_type="application",
        subnets=network.subnet_ids,
        security_groups=[lb_group.id],
        # Requests with header names that are not valid HTTP are refused, not forwarded
        # (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html).
        drop_invalid_header_fields=True,
        enable_deletion_protection=args.protect,
        idle_timeout=args.idle_timeout_seconds,
        tags=tags,
        opts=child(parent),
    )
    readiness = {"path": READINESS, "matcher": "200", "interval": 15, "timeout": 5}
    target_group = aws.lb.TargetGroup(
        name,
        name=short_name(name, 32),
        port=PORT,
        protocol="HTTP",
        target_type="ip",  # awsvpc tasks register by address
        vpc_id=network.vpc_id,
        health_check={**readiness, "healthy_threshold": 2, "unhealthy_threshold": 3},
        tags=tags,
        opts=child(parent),
    )
    tls: dict[str, Any] = {"protocol": "HTTP"}
    if args.certificate_arn:
        tls = {"protocol": "HTTPS", "ssl_policy": TLS_POLICY, "certificate_arn": args.certificate_arn}
    listener = aws.lb.Listener(
        name,
        load_balancer_arn=balancer.arn,
        port=listener_port(args.certificate_arn),
        default_actions=[{"type": "forward", "target_group_arn": target_group.arn}],
        tags=tags,
        opts=child(parent),
        **tls,
    )
    return balancer, target_group, listener
