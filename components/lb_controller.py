"""The AWS Load Balancer Controller (LBC) on a created EKS cluster: it turns the vLLM Service into an
internal (or, when asked, internet-facing) Network Load Balancer, and an Ingress into an ALB.

It runs on the system nodes with its own IAM role through EKS Pod Identity. The role's policy follows
the LBC's installation guide, narrowed to what this tool uses: resources of this region and account,
security-group rules only in the cluster's VPC, and changes only to load balancers, target groups and
security groups that carry this cluster's `elbv2.k8s.aws/cluster` tag. Shield, WAF and Cognito are
switched off in the chart and get no permissions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pulumi

from ._base import PARTITION, account_id, child
from .eks_storage import pod_identity_role

if TYPE_CHECKING:  # the typed SDKs for the checker; at run time, components.sdk picks the path
    import pulumi_aws as aws
    import pulumi_kubernetes as k8s
else:
    from .sdk import aws, k8s

NAMESPACE = "kube-system"
SERVICE_ACCOUNT = "aws-load-balancer-controller"
CLUSTER_TAG = "elbv2.k8s.aws/cluster"
# Install guide and its IAM policy (docs/install/iam_policy.json of the release the chart ships):
# https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/installation/
READ_ACTIONS = (
    "ec2:DescribeAccountAttributes",
    "ec2:DescribeAddresses",
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeCoipPools",
    "ec2:DescribeInstances",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeIpamPools",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeTags",
    "ec2:DescribeVpcPeeringConnections",
    "ec2:DescribeVpcs",
    "ec2:GetCoipPoolUsage",
    "ec2:GetSecurityGroupsForVpc",
    "elasticloadbalancing:DescribeCapacityReservation",
    "elasticloadbalancing:DescribeListenerAttributes",
    "elasticloadbalancing:DescribeListenerCertificates",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeSSLPolicies",
    "elasticloadbalancing:DescribeTags",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetHealth",
    "elasticloadbalancing:DescribeTrustStores",
    "acm:DescribeCertificate",  # the TLS certificate the spec names
    "acm:ListCertificates",
)
CHANGE_OWN_LOAD_BALANCERS = (
    "elasticloadbalancing:DeleteLoadBalancer",
    "elasticloadbalancing:DeleteTargetGroup",
    "elasticloadbalancing:ModifyCapacityReservation",
    "elasticloadbalancing:ModifyIpPools",
    "elasticloadbalancing:ModifyListenerAttributes",
    "elasticloadbalancing:ModifyLoadBalancerAttributes",
    "elasticloadbalancing:ModifyTargetGroup",
    "elasticloadbalancing:ModifyTargetGroupAttributes",
    "elasticloadbalancing:SetIpAddressType",
    "elasticloadbalancing:SetSecurityGroups",
    "elasticloadbalancing:SetSubnets",
)
LISTENER_ACTIONS = (
    "elasticloadbalancing:AddListenerCertificates",
    "elasticloadbalancing:CreateListener",
    "elasticloadbalancing:CreateRule",
    "elasticloadbalancing:DeleteListener",
    "elasticloadbalancing:DeleteRule",
    "elasticloadbalancing:ModifyListener",
    "elasticloadbalancing:ModifyRule",
    "elasticloadbalancing:RemoveListenerCertificates",
    "elasticloadbalancing:SetRulePriorities",
)


def controller_statements(region: str, account: str, cluster_name: str, vpc_arn: str) -> list[dict[str, Any]]:
    """The controller's permissions, scoped to this region, account, VPC and cluster tag."""
    ec2 = f"arn:{PARTITION}:ec2:{region}:{account}"
    elb = f"arn:{PARTITION}:elasticloadbalancing:{region}:{account}"
    load_balancers = [f"{elb}:loadbalancer/net/*", f"{elb}:loadbalancer/app/*", f"{elb}:targetgroup/*"]
    groups = f"{ec2}:security-group/*"
    owned = {"StringEquals": {f"aws:ResourceTag/{CLUSTER_TAG}": cluster_name}}
    tagged_on_create = {"StringEquals": {f"aws:RequestTag/{CLUSTER_TAG}": cluster_name}}
    keeps_cluster_tag = {**owned, "Null": {f"aws:RequestTag/{CLUSTER_TAG}": "true"}}
    elb_role = {"StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}}
    new_group = {"StringEquals": {**tagged_on_create["StringEquals"], "ec2:CreateAction": "CreateSecurityGroup"}}
    created = ["CreateTargetGroup", "CreateLoadBalancer"]
    new_balancer = {"StringEquals": {**tagged_on_create["StringEquals"], "elasticloadbalancing:CreateAction": created}}
    return [
        _allow("ElbServiceLinkedRole", ["iam:CreateServiceLinkedRole"], "*", elb_role),
        _allow("Read", list(READ_ACTIONS), "*"),  # Describe and List calls take no resource
        _allow("CreateSecurityGroupsInClusterVpc", ["ec2:CreateSecurityGroup"], [vpc_arn, groups]),
        _allow("TagNewSecurityGroups", ["ec2:CreateTags"], groups, new_group),
        _allow("TagOwnSecurityGroups", ["ec2:CreateTags", "ec2:DeleteTags"], groups, keeps_cluster_tag),
        _allow("DeleteOwnSecurityGroups", ["ec2:DeleteSecurityGroup"], groups, owned),
        # Rules on its own groups and, for the targets, on the node groups; only inside the cluster's VPC.
        _allow(
            "SecurityGroupRulesInClusterVpc",
            ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
            groups,
            {"ArnEquals": {"ec2:Vpc": vpc_arn}},
        ),
        _allow(
            "CreateTaggedLoadBalancers",
            ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"],
            load_balancers,
            tagged_on_create,
        ),
        _allow("TagNewLoadBalancers", ["elasticloadbalancing:AddTags"], load_balancers, new_balancer),
        _allow(
            "TagOwnLoadBalancers",
            ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            load_balancers,
            keeps_cluster_tag,
        ),
        _allow("ChangeOwnLoadBalancers", list(CHANGE_OWN_LOAD_BALANCERS), f"{elb}:*", owned),
        _allow("Listeners", list(LISTENER_ACTIONS), f"{elb}:*"),
        _allow(
            "TagListeners",
            ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            [f"{elb}:listener/*", f"{elb}:listener-rule/*"],
        ),
        _allow(
            "Targets",
            ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
            f"{elb}:targetgroup/*",
        ),
    ]


def _allow(sid: str, actions: list[str], resource: Any, condition: Mapping[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resource}
    if condition:
        statement["Condition"] = dict(condition)
    return statement


def chart_values(cluster_name: pulumi.Input[str], region: str, vpc_id: pulumi.Input[str]) -> dict[str, Any]:
    """Helm values (https://github.com/aws/eks-charts/blob/master/stable/aws-load-balancer-controller/values.yaml).
    Region and VPC are given, so the controller needs no instance metadata (installation guide above)."""
    return {
        "clusterName": cluster_name,
        "region": region,
        "vpcId": vpc_id,
        "serviceAccount": {"create": True, "name": SERVICE_ACCOUNT},
        "nodeSelector": {"deepseek-deploy/role": "system"},
        "enableShield": False,
        "enableWaf": False,
        "enableWafv2": False,
    }


def install_lb_controller(
    parent: pulumi.Resource,
    name: str,
    cluster: aws.eks.Cluster,
    vpc: aws.ec2.Vpc,
    chart: Mapping[str, str],
    region: str,
    in_cluster: pulumi.ResourceOptions,
    after: list[pulumi.Resource],
    tags: Mapping[str, str],
) -> k8s.helm.v3.Release:
    """The controller's role, its Pod Identity association, and the pinned Helm chart."""
    policy: pulumi.Output[str] = pulumi.Output.all(account_id(parent), cluster.name, vpc.arn).apply(
        lambda parts: json.dumps(
            {"Version": "2012-10-17", "Statement": controller_statements(region, parts[0], parts[1], parts[2])}
        )
    )
    role = pod_identity_role(
        parent, f"{name}-lb-controller", cluster, NAMESPACE, SERVICE_ACCOUNT, tags, inline_policy=policy
    )
    association = aws.eks.PodIdentityAssociation(
        f"{name}-lb-controller",
        cluster_name=cluster.name,
        namespace=NAMESPACE,
        service_account=SERVICE_ACCOUNT,
        role_arn=role.arn,
        tags=dict(tags),
        opts=child(parent, depends_on=after),
    )
    return k8s.helm.v3.Release(
        f"{name}-lb-controller",
        chart=chart["name"],
        version=chart["version"],
        repository_opts={"repo": chart["repo"]},
        namespace=NAMESPACE,
        values=chart_values(cluster.name, region, vpc.id),
        # The association first: Pod Identity hands credentials only to pods created after it.
        opts=pulumi.ResourceOptions.merge(in_cluster, pulumi.ResourceOptions(depends_on=[association])),
    )
