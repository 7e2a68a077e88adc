"""The EKS cluster's network: a VPC with a public and a private subnet in each of two zones.

`subnet_layout` derives the subnets from the VPC's CIDR block (pure, so it is checked without a
cluster): the private subnets (nodes, and pods, which take VPC addresses) get most of the space;
the public ones hold only the NAT gateway and load balancers. `cluster_network` creates it all.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi

from ._base import child

if TYPE_CHECKING:  # the typed SDKs for the checker; at run time, components.sdk picks the path
    import pulumi_aws as aws
else:
    from .sdk import aws

ZONES = 2
# AWS allows VPCs from /16 down to /28. Load balancers want a /27 or larger public subnet; public
# subnets are a sixteenth of the VPC (see subnet_layout), so the VPC must be a /23 or larger.
LARGEST_VPC_PREFIX = 16
SMALLEST_LOAD_BALANCER_SUBNET_PREFIX = 27
SMALLEST_VPC_PREFIX = SMALLEST_LOAD_BALANCER_SUBNET_PREFIX - 4


@dataclass(frozen=True)
class SubnetLayout:
    public: tuple[str, ...]  # one per zone
    private: tuple[str, ...]  # one per zone


@dataclass(frozen=True)
class ClusterNetwork:
    vpc: aws.ec2.Vpc
    private_subnets: list[aws.ec2.Subnet]  # nodes, pods and internal load balancers
    layout: SubnetLayout


def vpc_network(vpc_cidr: str) -> ipaddress.IPv4Network:
    """The VPC's CIDR block, or a ValueError that says what a usable one looks like."""
    try:
        network = ipaddress.ip_network(vpc_cidr, strict=True)
    except ValueError as exc:
        raise ValueError(f"vpc_cidr {vpc_cidr!r} is not a CIDR block such as 10.42.0.0/16 ({exc})") from None
    if not isinstance(network, ipaddress.IPv4Network):
        raise ValueError(f"vpc_cidr {vpc_cidr!r} must be an IPv4 CIDR block such as 10.42.0.0/16")
    if network.prefixlen < LARGEST_VPC_PREFIX:
        raise ValueError(f"vpc_cidr {vpc_cidr!r} is too large: AWS allows VPCs from /{LARGEST_VPC_PREFIX} to /28")
    if network.prefixlen > SMALLEST_VPC_PREFIX:
        raise ValueError(
            f"vpc_cidr {vpc_cidr!r} is too small for {ZONES} public and {ZONES} private subnets: "
            f"each public subnet (a sixteenth of the VPC) must be a /{SMALLEST_LOAD_BALANCER_SUBNET_PREFIX} "
            f"or larger for load balancers, so give a /{SMALLEST_VPC_PREFIX} or larger, e.g. 10.42.0.0/16"
        )
    return network


def subnet_layout(vpc_cidr: str) -> SubnetLayout:
    """The private subnets are the VPC's second and third quarters; the public ones its first two
    sixteenths (inside the first quarter); the rest is left free. For 10.42.0.0/16: public
    10.42.0.0/20 and 10.42.16.0/20, private 10.42.64.0/18 and 10.42.128.0/18 (the layout this
    component has always used, so existing clusters keep their subnets)."""
    quarters = list(vpc_network(vpc_cidr).subnets(prefixlen_diff=2))
    public = list(quarters[0].subnets(prefixlen_diff=2))[:ZONES]
    private = quarters[1 : 1 + ZONES]
    return SubnetLayout(public=tuple(map(str, public)), private=tuple(map(str, private)))


def cluster_network(parent: pulumi.Resource, name: str, vpc_cidr: str, tags: Mapping[str, str]) -> ClusterNetwork:
    """The VPC, its subnets and routes."""
    layout = subnet_layout(vpc_cidr)
    zones = aws.get_availability_zones_output(state="available", opts=pulumi.InvokeOutputOptions(parent=parent))
    vpc = aws.ec2.Vpc(
        f"{name}-vpc",
        cidr_block=vpc_cidr,
        enable_dns_hostnames=True,
        enable_dns_support=True,
        tags={**tags, "Name": f"{name}-vpc"},
        opts=child(parent),
    )
    # No traffic is allowed by the default security group: every rule is explicit.
    aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=vpc.id, tags=dict(tags), opts=child(parent))
    gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags=dict(tags), opts=child(parent))
    public = _routed_subnets(
        parent,
        f"{name}-public",
        vpc,
        zones,
        layout.public,
        route={"cidr_block": "0.0.0.0/0", "gateway_id": gateway.id},
        tags=tags,
        # Where the AWS Load Balancer Controller puts internet-facing load balancers
        # (https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/subnet_discovery/).
        role_tag="kubernetes.io/role/elb",
        map_public_ip_on_launch=False,  # nothing launched here gets a public address
    )
    nat = _nat_gateway(parent, name, public[0], gateway, tags)
    private = _routed_subnets(
        parent,
        f"{name}-private",
        vpc,
        zones,
        layout.private,
        route={"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id},
        tags=tags,
        role_tag="kubernetes.io/role/internal-elb",  # where it puts internal ones (same page)
    )
    return ClusterNetwork(vpc=vpc, private_subnets=private, layout=layout)


def _routed_subnets(
    parent: pulumi.Resource,
    prefix: str,
    vpc: aws.ec2.Vpc,
    zones: pulumi.Output,
    cidrs: tuple[str, ...],
    *,
    route: dict[str, Any],
    tags: Mapping[str, str],
    role_tag: str,
    **subnet_args: Any,
) -> list[aws.ec2.Subnet]:
    """One subnet per zone, tagged with `role_tag`, sharing a route table whose default route is `route`."""
    routes = aws.ec2.RouteTable(prefix, vpc_id=vpc.id, routes=[route], tags=dict(tags), opts=child(parent))
    subnets = []
    for index, cidr in enumerate(cidrs):
        subnet = aws.ec2.Subnet(
            f"{prefix}-{index}",
            vpc_id=vpc.id,
            availability_zone=_zone(zones, index),
            cidr_block=cidr,
            tags={**tags, role_tag: "1"},
            opts=child(parent),
            **subnet_args,
        )
        aws.ec2.RouteTableAssociation(
            f"{prefix}-{index}", subnet_id=subnet.id, route_table_id=routes.id, opts=child(parent)
        )
        subnets.append(subnet)
    return subnets


def _zone(zones: pulumi.Output, index: int) -> pulumi.Output[str]:
    return zones.names.apply(lambda names: names[index])


def _nat_gateway(
    parent: pulumi.Resource,
    name: str,
    subnet: aws.ec2.Subnet,
    gateway: aws.ec2.InternetGateway,
    tags: Mapping[str, str],
) -> aws.ec2.NatGateway:
    """One NAT gateway (in the first public subnet): the private subnets' way out."""
    address = aws.ec2.Eip(f"{name}-nat", domain="vpc", tags=dict(tags), opts=child(parent))
    return aws.ec2.NatGateway(
        f"{name}-nat",
        allocation_id=address.id,
        subnet_id=subnet.id,
        tags=dict(tags),
        opts=child(parent, depends_on=[gateway]),
    )
