"""EksGpuCluster: an EKS cluster with a GPU node group, ready for vLLM.

The network (subnets derived from `vpc_cidr`) comes from `vpc.py`. The API endpoint is private or
limited to given CIDRs; secrets are encrypted with KMS; control-plane logs are on. A small system
node group runs the add-ons; GPU nodes run the AL2023 NVIDIA AMI with an encrypted root disk sized
for the vLLM image and weights, IMDSv2 only, and the `nvidia.com/gpu` taint. Multi-node groups add
EFA (and its device plugin) and a cluster placement group.

Add-ons (`eks_storage`, `eks_addons`, `lb_controller`, `efs`): the Pod Identity agent, the VPC CNI
enforcing NetworkPolicies, the EBS CSI driver and an encrypted gp3 StorageClass, the NVIDIA device
plugin; and when asked the AWS Load Balancer Controller, an EFS-backed shared StorageClass, KEDA and
LeaderWorkerSet. `provider` deploys into the cluster; `add_ons` lists what workloads must wait for.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

import pulumi

from ._base import PARTITION, child, kept, policy_json, trust_policy
from .eks_addons import DEVICE_PLUGIN_CHECKOV_SKIPS, GPU_LABEL, check_chart, device_plugin, workload_add_ons
from .eks_storage import EBS_PROVISIONER, aws_add_ons, gp3_parameters, storage_class

if TYPE_CHECKING:  # the typed SDKs for the checker; at run time, components.sdk picks the path
    import pulumi_aws as aws
    import pulumi_kubernetes as k8s
else:
    from .sdk import aws, k8s
from .vpc import ClusterNetwork, SubnetLayout, cluster_network, subnet_layout

__all__ = ["DEVICE_PLUGIN_CHECKOV_SKIPS", "GPU_LABEL", "EksGpuCluster", "EksGpuClusterArgs"]

CONTROL_PLANE_LOGS = ("api", "audit", "authenticator", "controllerManager", "scheduler")
NODE_POLICIES = (
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonSSMManagedInstanceCore",
)


@dataclass(frozen=True)
class EksGpuClusterArgs:
    region: str
    kubernetes_version: str
    gpu_instance_type: str
    gpu_ami_type: str
    device_plugin_image: str
    nodes_min: int = 1
    nodes_max: int = 2
    capacity_type: str = "on-demand"  # on-demand | spot
    node_disk_gib: int = 200
    endpoint_public_cidrs: Sequence[str] = ()
    secrets_kms_key_arn: Optional[pulumi.Input[str]] = None
    multi_node: bool = False  # EFA + a cluster placement group
    keda_chart: Optional[Mapping[str, str]] = None  # {repo, name, version}; installs KEDA when given
    lws_manifest: Optional[str] = None  # installs LeaderWorkerSet when given (a pinned release URL)
    efa_chart: Optional[Mapping[str, str]] = None  # {repo, name, version}; the EFA device plugin, needed by multi_node
    lb_controller_chart: Optional[Mapping[str, str]] = None  # installs the AWS Load Balancer Controller when given
    storage_class: str = "gp3"  # the encrypted gp3 EBS StorageClass made for per-pod volumes
    shared_storage_class: Optional[str] = None  # makes an EFS file system and this ReadWriteMany class when given
    vpc_cidr: str = "10.42.0.0/16"  # IPv4, /16 to /23; the subnets are carved from it (vpc.subnet_layout)
    protect: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)


def kubeconfig(cluster_name: str, endpoint: str, ca: str, region: str) -> str:
    """A kubeconfig that authenticates with `aws eks get-token` (no long-lived credentials)."""
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": cluster_name, "cluster": {"server": endpoint, "certificate-authority-data": ca}}],
            "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
            "current-context": cluster_name,
            "users": [
                {
                    "name": cluster_name,
                    "user": {
                        "exec": {
                            "apiVersion": "client.authentication.k8s.io/v1beta1",
                            "command": "aws",
                            "args": [
                                "eks",
                                "get-token",
                                "--cluster-name",
                                cluster_name,
                                "--region",
                                region,
                                "--output",
                                "json",
                            ],
                        }
                    },
                }
            ],
        }
    )


def secrets_key_policy(key_arn: Optional[pulumi.Input[str]]) -> Optional[list[dict[str, Any]]]:
    """The cluster role's inline policy to encrypt Secrets with `key_arn`, or None without a key."""
    if not key_arn:
        return None
    statement = {
        "Effect": "Allow",
        "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
        "Resource": key_arn,
    }
    return [{"name": "secrets-encryption", "policy": policy_json([statement])}]


def gpu_launch_template(disk_gib: int, tags: Mapping[str, str]) -> dict[str, Any]:
    """Launch template arguments for GPU nodes: an encrypted root disk and IMDSv2 only."""
    return {
        # Encrypted root big enough for the ~25 GB vLLM image plus the weights.
        "block_device_mappings": [
            {
                "device_name": "/dev/xvda",
                "ebs": {
                    "volume_size": disk_gib,
                    "volume_type": "gp3",
                    "encrypted": "true",
                    "delete_on_termination": "true",
                },
            }
        ],
        "metadata_options": {
            "http_endpoint": "enabled",
            "http_tokens": "required",
            "http_put_response_hop_limit": 2,
        },
        "tag_specifications": [
            {"resource_type": "instance", "tags": tags},
            {"resource_type": "volume", "tags": tags},
        ],
    }


class EksGpuCluster(pulumi.ComponentResource):
    """`provider` deploys Kubernetes objects into the new cluster."""

    cluster_name: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    provider: k8s.Provider
    network: SubnetLayout  # the subnets' CIDRs: load balancers live in `public` or `private`
    add_ons: list[pulumi.Resource]  # what in-cluster workloads wait for (CRDs, classes, controllers)

    def __init__(self, name: str, args: EksGpuClusterArgs, opts: Optional[pulumi.ResourceOptions] = None):
        self.network = subnet_layout(args.vpc_cidr)  # a bad vpc_cidr fails here, before anything is registered
        if args.multi_node:
            check_chart(args.efa_chart, "EFA device plugin")
        super().__init__("deepseek-deploy:self-hosted:EksGpuCluster", name, None, opts)
        tags = dict(args.tags)
        network = cluster_network(self, name, args.vpc_cidr, tags)
        private_subnets = network.private_subnets
        cluster = self._cluster(name, args, private_subnets, tags)
        node_role = aws.iam.Role(
            f"{name}-node-role",
            assume_role_policy=trust_policy("ec2.amazonaws.com"),
            managed_policy_arns=[f"arn:{PARTITION}:iam::aws:policy/{policy}" for policy in NODE_POLICIES],
            tags=tags,
            opts=child(self),
        )
        system_nodes = self._system_node_group(name, cluster, node_role, private_subnets, tags)
        gpu_nodes = self._gpu_node_group(name, args, cluster, node_role, private_subnets, tags)

        self.cluster_name = cluster.name
        self.kubeconfig = pulumi.Output.secret(
            pulumi.Output.all(cluster.name, cluster.endpoint, cluster.certificate_authority.data).apply(
                lambda parts: kubeconfig(parts[0], parts[1], parts[2], args.region)
            )
        )
        # The provider waits for the GPU nodes, so in-cluster objects are applied once nodes can run them.
        self.provider = k8s.Provider(
            f"{name}-k8s", kubeconfig=self.kubeconfig, opts=child(self, depends_on=[gpu_nodes])
        )
        self.add_ons = self._add_ons(name, args, cluster, system_nodes, network, tags)
        self.register_outputs({"cluster_name": cluster.name})

    def _cluster(
        self, name: str, args: EksGpuClusterArgs, subnets: list[aws.ec2.Subnet], tags: dict[str, str]
    ) -> aws.eks.Cluster:
        """The control plane: private endpoint (public only to given CIDRs), KMS-encrypted Secrets, all logs."""
        role = aws.iam.Role(
            f"{name}-cluster-role",
            assume_role_policy=trust_policy("eks.amazonaws.com"),
            managed_policy_arns=[f"arn:{PARTITION}:iam::aws:policy/AmazonEKSClusterPolicy"],
            # EKS encrypts Secrets with the key through the cluster role.
            inline_policies=secrets_key_policy(args.secrets_kms_key_arn),
            tags=tags,
            opts=child(self),
        )
        vpc_config: dict[str, Any] = {
            "subnet_ids": [s.id for s in subnets],
            "endpoint_private_access": True,
            "endpoint_public_access": bool(args.endpoint_public_cidrs),
        }
        if args.endpoint_public_cidrs:
            vpc_config["public_access_cidrs"] = list(args.endpoint_public_cidrs)
        encryption = {"provider": {"key_arn": args.secrets_kms_key_arn}, "resources": ["secrets"]}
        return aws.eks.Cluster(
            f"{name}-cluster",
            name=name,
            version=args.kubernetes_version,
            role_arn=role.arn,
            vpc_config=vpc_config,
            encryption_config=encryption if args.secrets_kms_key_arn else None,
            enabled_cluster_log_types=list(CONTROL_PLANE_LOGS),
            access_config={"authentication_mode": "API", "bootstrap_cluster_creator_admin_permissions": True},
            tags=tags,
            opts=child(self, **kept(args.protect)),
        )

    def _system_node_group(
        self,
        name: str,
        cluster: aws.eks.Cluster,
        node_role: aws.iam.Role,
        subnets: list[aws.ec2.Subnet],
        tags: dict[str, str],
    ) -> aws.eks.NodeGroup:
        """Small CPU nodes for cluster add-ons, so they never take a GPU node."""
        return aws.eks.NodeGroup(
            f"{name}-system",
            cluster_name=cluster.name,
            node_role_arn=node_role.arn,
            subnet_ids=[s.id for s in subnets],
            ami_type="AL2023_x86_64_STANDARD",
            instance_types=["m6i.large"],
            scaling_config={"desired_size": 2, "min_size": 2, "max_size": 3},
            labels={"deepseek-deploy/role": "system"},
            tags=tags,
            opts=child(self),
        )

    def _gpu_node_group(
        self,
        name: str,
        args: EksGpuClusterArgs,
        cluster: aws.eks.Cluster,
        node_role: aws.iam.Role,
        subnets: list[aws.ec2.Subnet],
        tags: dict[str, str],
    ) -> aws.eks.NodeGroup:
        """GPU nodes with the NVIDIA AMI and taint; multi-node groups get EFA in one placement group."""
        template = gpu_launch_template(args.node_disk_gib, tags)
        node_subnets = [s.id for s in subnets]
        if args.multi_node:
            template.update(self._efa_placement(name, cluster, tags))
            node_subnets = node_subnets[:1]  # a cluster placement group lives in one availability zone
        launch_template = aws.ec2.LaunchTemplate(f"{name}-gpu", tags=tags, opts=child(self), **template)
        return aws.eks.NodeGroup(
            f"{name}-gpu",
            cluster_name=cluster.name,
            node_role_arn=node_role.arn,
            subnet_ids=node_subnets,
            ami_type=args.gpu_ami_type,
            instance_types=[args.gpu_instance_type],
            capacity_type="SPOT" if args.capacity_type == "spot" else "ON_DEMAND",
            scaling_config={"desired_size": args.nodes_min, "min_size": args.nodes_min, "max_size": args.nodes_max},
            update_config={"max_unavailable": 1},
            launch_template={"id": launch_template.id, "version": launch_template.latest_version.apply(str)},
            taints=[{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}],
            labels={GPU_LABEL: "true", "deepseek-deploy/instance-type": args.gpu_instance_type},
            tags=tags,
            opts=child(self),
        )

    def _efa_placement(self, name: str, cluster: aws.eks.Cluster, tags: dict[str, str]) -> dict[str, Any]:
        """Launch template arguments for multi-node serving: a cluster placement group and an EFA interface."""
        group = aws.ec2.PlacementGroup(f"{name}-gpu-placement", strategy="cluster", tags=tags, opts=child(self))
        return {
            "placement": {"group_name": group.name},
            "network_interfaces": [
                {
                    "device_index": 0,
                    "network_card_index": 0,
                    "interface_type": "efa",
                    "delete_on_termination": "true",
                    "security_groups": [cluster.vpc_config.cluster_security_group_id],
                }
            ],
        }

    def _add_ons(
        self,
        name: str,
        args: EksGpuClusterArgs,
        cluster: aws.eks.Cluster,
        system_nodes: aws.eks.NodeGroup,
        network: ClusterNetwork,
        tags: dict[str, str],
    ) -> list[pulumi.Resource]:
        """AWS add-ons, storage classes, the device plugin and, when asked, the load balancer controller,
        the shared file system, KEDA, LeaderWorkerSet and EFA; returns what workloads must wait for."""
        in_cluster = child(self, provider=self.provider)
        managed = aws_add_ons(self, name, cluster, system_nodes, tags)
        ready: list[pulumi.Resource] = [*managed]
        ready.append(
            storage_class(self, name, args.storage_class, EBS_PROVISIONER, gp3_parameters(), in_cluster, managed)
        )
        if args.shared_storage_class:
            from .efs import shared_storage

            ready.append(
                shared_storage(
                    self,
                    name,
                    cluster,
                    network,
                    args.vpc_cidr,
                    args.shared_storage_class,
                    in_cluster,
                    managed,
                    tags,
                    protect=args.protect,
                )
            )
        if args.lb_controller_chart:
            from .lb_controller import install_lb_controller

            chart = check_chart(args.lb_controller_chart, "AWS Load Balancer Controller")
            ready.append(
                install_lb_controller(
                    self, name, cluster, network.vpc, chart, args.region, in_cluster, [managed[0]], tags
                )
            )
        ready.append(device_plugin(name, args.device_plugin_image, not args.multi_node, in_cluster))
        ready += workload_add_ons(
            name,
            keda_chart=args.keda_chart,
            lws_manifest=args.lws_manifest,
            efa_chart=args.efa_chart if args.multi_node else None,
            in_cluster=in_cluster,
        )
        return ready
