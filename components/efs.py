"""A shared weights cache for a created EKS cluster: an encrypted EFS file system with a mount target
in each private subnet, the EFS CSI driver (an EKS add-on with its own role) and a StorageClass whose
volumes are ReadWriteMany. Every vLLM pod mounts the one volume, so the weights are downloaded once.

EFS serves every zone, so a pod is never tied to a zone by its cache.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pulumi

from ._base import child, kept
from .eks_storage import pod_identity_role, storage_class

if TYPE_CHECKING:  # the typed SDKs for the checker; at run time, components.sdk picks the path
    import pulumi_aws as aws
    import pulumi_kubernetes as k8s
else:
    from .sdk import aws, k8s
from .vllm_pod import UID
from .vpc import ClusterNetwork

# https://docs.aws.amazon.com/eks/latest/userguide/add-ons-aws-efs-csi-driver.html
EFS_CSI_ADDON = "aws-efs-csi-driver"
EFS_CSI_SERVICE_ACCOUNT = "efs-csi-controller-sa"
EFS_CSI_POLICY = "service-role/AmazonEFSCSIDriverPolicy"
EFS_PROVISIONER = "efs.csi.aws.com"
NFS_PORT = 2049


def efs_parameters(file_system_id: pulumi.Input[str]) -> dict[str, pulumi.Input[str]]:
    """Dynamic provisioning through access points owned by the vLLM user, so the non-root pods can write.
    https://github.com/kubernetes-sigs/aws-efs-csi-driver/blob/master/docs/parameters.md
    """
    return {
        "provisioningMode": "efs-ap",
        "fileSystemId": file_system_id,
        "directoryPerms": "700",
        "uid": str(UID),
        "gid": str(UID),
        "basePath": "/deepseek-deploy",
    }


def _nfs_group(
    parent: pulumi.Resource, name: str, network: ClusterNetwork, vpc_cidr: str, tags: Mapping[str, str]
) -> aws.ec2.SecurityGroup:
    """The mount targets' security group: NFS in from the cluster's VPC, nothing else (no egress rule)."""
    return aws.ec2.SecurityGroup(
        f"{name}-efs",
        vpc_id=network.vpc.id,
        description="NFS from the cluster's VPC to the shared weights cache",
        ingress=[
            {
                "description": "NFS from the cluster's nodes",
                "protocol": "tcp",
                "from_port": NFS_PORT,
                "to_port": NFS_PORT,
                "cidr_blocks": [vpc_cidr],
            }
        ],
        tags=dict(tags),
        opts=child(parent),
    )


def shared_storage(
    parent: pulumi.Resource,
    name: str,
    cluster: aws.eks.Cluster,
    network: ClusterNetwork,
    vpc_cidr: str,
    class_name: str,
    in_cluster: pulumi.ResourceOptions,
    after: Sequence[pulumi.Resource],
    tags: Mapping[str, str],
    protect: bool = False,
) -> k8s.storage.v1.StorageClass:
    """The file system, its mount targets, the CSI driver and the class; returns the class.
    With `protect` the file system, which holds the weights, is protected and kept on destroy."""
    group = _nfs_group(parent, name, network, vpc_cidr, tags)
    file_system = aws.efs.FileSystem(
        f"{name}-weights",
        encrypted=True,
        throughput_mode="elastic",  # pay for the throughput used: a burst when pods start, little otherwise
        tags={**tags, "Name": f"{name}-weights"},
        opts=child(parent, **kept(protect)),
    )
    targets = [
        aws.efs.MountTarget(
            f"{name}-weights-{index}",
            file_system_id=file_system.id,
            subnet_id=subnet.id,
            security_groups=[group.id],
            opts=child(parent),
        )
        for index, subnet in enumerate(network.private_subnets)
    ]
    role = pod_identity_role(
        parent,
        f"{name}-efs-csi",
        cluster,
        "kube-system",
        EFS_CSI_SERVICE_ACCOUNT,
        tags,
        managed_policies=[EFS_CSI_POLICY],
    )
    driver = aws.eks.Addon(
        f"{name}-efs-csi",
        cluster_name=cluster.name,
        addon_name=EFS_CSI_ADDON,
        pod_identity_associations=[{"service_account": EFS_CSI_SERVICE_ACCOUNT, "role_arn": role.arn}],
        tags=dict(tags),
        opts=child(parent, depends_on=list(after)),
    )
    return storage_class(
        parent,
        name,
        class_name,
        EFS_PROVISIONER,
        efs_parameters(file_system.id),
        in_cluster,
        [driver, *targets],
        expandable=False,
    )
