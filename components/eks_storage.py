"""AWS-managed EKS add-ons of a created cluster, and its storage classes.

- the EKS Pod Identity agent, through which every add-on below gets its own role;
- the VPC CNI with network policy enforcement on, so the vLLM NetworkPolicy is applied;
- the EBS CSI driver with its own least-privilege role, and an encrypted gp3 StorageClass.

Each role trusts EKS Pod Identity only for one service account, in one namespace, of this cluster.
Add-on versions are left to EKS: it installs the default version for the cluster's Kubernetes version.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Optional

import pulumi

from ._base import PARTITION, child, policy_json

if TYPE_CHECKING:  # the typed SDKs for the checker; at run time, components.sdk picks the path
    import pulumi_aws as aws
    import pulumi_kubernetes as k8s
else:
    from .sdk import aws, k8s

# https://docs.aws.amazon.com/eks/latest/userguide/add-ons-aws-ebs-csi-driver.html
EBS_CSI_ADDON = "aws-ebs-csi-driver"
EBS_CSI_SERVICE_ACCOUNT = "ebs-csi-controller-sa"
EBS_CSI_POLICY = "service-role/AmazonEBSCSIDriverPolicy"
EBS_PROVISIONER = "ebs.csi.aws.com"
# Throughput and IOPS of each cache volume: gp3's 125 MiB/s baseline would take ~20 minutes to load
# 140 GB of weights; 1000 MiB/s needs at least 4000 IOPS (gp3 allows 0.25 MiB/s per IOPS).
# https://docs.aws.amazon.com/ebs/latest/userguide/general-purpose.html
GP3_THROUGHPUT_MIBS = 1000
GP3_IOPS = 4000


def pod_identity_trust(cluster_arn: pulumi.Input[str], namespace: str, service_account: str) -> pulumi.Output[str]:
    """Trust for EKS Pod Identity, narrowed by its session tags to one service account of one cluster.
    https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html"""
    return policy_json(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Condition": {
                    "StringEquals": {
                        "aws:RequestTag/eks-cluster-arn": cluster_arn,
                        "aws:RequestTag/kubernetes-namespace": namespace,
                        "aws:RequestTag/kubernetes-service-account": service_account,
                    }
                },
            }
        ]
    )


def pod_identity_role(
    parent: pulumi.Resource,
    name: str,
    cluster: aws.eks.Cluster,
    namespace: str,
    service_account: str,
    tags: Mapping[str, str],
    *,
    managed_policies: Sequence[str] = (),
    inline_policy: Optional[pulumi.Input[str]] = None,
) -> aws.iam.Role:
    """A role only `namespace/service_account` of `cluster` can assume, with exactly the given policies."""
    return aws.iam.Role(
        f"{name}-role",
        assume_role_policy=pod_identity_trust(cluster.arn, namespace, service_account),
        managed_policy_arns=[f"arn:{PARTITION}:iam::aws:policy/{policy}" for policy in managed_policies],
        inline_policies=[{"name": "permissions", "policy": inline_policy}] if inline_policy is not None else None,
        tags=dict(tags),
        opts=child(parent),
    )


def aws_add_ons(
    parent: pulumi.Resource,
    name: str,
    cluster: aws.eks.Cluster,
    system_nodes: aws.eks.NodeGroup,
    tags: Mapping[str, str],
) -> list[aws.eks.Addon]:
    """Pod Identity agent, VPC CNI with network policies, and the EBS CSI driver with its role."""
    after_nodes = child(parent, depends_on=[system_nodes])  # add-on pods need nodes to become active
    common: dict[str, Any] = {"cluster_name": cluster.name, "tags": dict(tags)}
    agent = aws.eks.Addon(
        f"{name}-pod-identity-agent",
        addon_name="eks-pod-identity-agent",  # https://docs.aws.amazon.com/eks/latest/userguide/pod-id-agent-setup.html
        opts=after_nodes,
        **common,
    )
    network = aws.eks.Addon(
        f"{name}-vpc-cni",
        addon_name="vpc-cni",
        # Enforce Kubernetes NetworkPolicies (off by default):
        # https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html
        configuration_values=json.dumps({"enableNetworkPolicy": "true"}),
        # EKS installed the CNI itself when it made the cluster; this add-on takes it over.
        resolve_conflicts_on_create="OVERWRITE",
        resolve_conflicts_on_update="OVERWRITE",
        opts=after_nodes,
        **common,
    )
    ebs_role = pod_identity_role(
        parent,
        f"{name}-ebs-csi",
        cluster,
        "kube-system",
        EBS_CSI_SERVICE_ACCOUNT,
        tags,
        # AWS's managed policy for the driver: volumes and snapshots it tags as its own.
        managed_policies=[EBS_CSI_POLICY],
    )
    ebs = aws.eks.Addon(
        f"{name}-ebs-csi",
        addon_name=EBS_CSI_ADDON,
        pod_identity_associations=[{"service_account": EBS_CSI_SERVICE_ACCOUNT, "role_arn": ebs_role.arn}],
        opts=child(parent, depends_on=[system_nodes, agent]),
        **common,
    )
    return [agent, network, ebs]


def gp3_parameters() -> dict[str, str]:
    """Encrypted gp3 volumes (the account's default EBS key), fast enough to load weights.
    https://github.com/kubernetes-sigs/aws-ebs-csi-driver/blob/master/docs/parameters.md"""
    return {
        "type": "gp3",
        "encrypted": "true",
        "throughput": str(GP3_THROUGHPUT_MIBS),
        "iops": str(GP3_IOPS),
        "csi.storage.k8s.io/fstype": "ext4",
    }


def storage_class(
    parent: pulumi.Resource,
    name: str,
    class_name: str,
    provisioner: str,
    parameters: Mapping[str, pulumi.Input[str]],
    in_cluster: pulumi.ResourceOptions,
    after: Sequence[pulumi.Resource],
    *,
    expandable: bool = True,
) -> k8s.storage.v1.StorageClass:
    """A StorageClass that provisions a volume once its pod is scheduled (so in the pod's zone), and
    deletes it with its claim."""
    return k8s.storage.v1.StorageClass(
        f"{name}-{class_name}",
        metadata={"name": class_name, "labels": {"app.kubernetes.io/part-of": "deepseek-deploy"}},
        provisioner=provisioner,
        parameters=dict(parameters),
        volume_binding_mode="WaitForFirstConsumer",
        reclaim_policy="Delete",
        allow_volume_expansion=expandable,
        opts=pulumi.ResourceOptions.merge(in_cluster, pulumi.ResourceOptions(parent=parent, depends_on=list(after))),
    )
