"""EksGpuCluster: an EKS cluster with a GPU node group, ready for vLLM.

The network (subnets derived from `vpc_cidr`) comes from `vpc.py`. The API endpoint is private or
limited to given CIDRs; secrets are encrypted with KMS; control-plane logs are on. A small system
node group runs the add-ons; GPU nodes run the AL2023 NVIDIA AMI with an encrypted root disk sized
for the vLLM image and weights, IMDSv2 only, and the `nvidia.com/gpu` taint. Multi-node groups add
EFA (and its device plugin) and a cluster placement group. The NVIDIA device plugin is installed,
and KEDA / LeaderWorkerSet when asked; `provider` deploys into the cluster.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from ._base import PARTITION, child, policy_json, trust_policy
from .vpc import cluster_network, subnet_layout

CONTROL_PLANE_LOGS = ("api", "audit", "authenticator", "controllerManager", "scheduler")
NODE_POLICIES = (
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonSSMManagedInstanceCore",
)
GPU_LABEL = "deepseek-deploy/gpu"
# checkov findings that hold for NVIDIA's plugin by design, suppressed on this object only.
DEVICE_PLUGIN_CHECKOV_SKIPS = {
    "checkov.io/skip1": "CKV_K8S_23=needs root to create its socket in the kubelet's root-owned device-plugins "
    "directory",
    "checkov.io/skip2": "CKV_K8S_40=same as CKV_K8S_23; no escalation, all capabilities dropped, read-only root",
    "checkov.io/skip3": "CKV_K8S_8=the plugin serves no health endpoint; the kubelet watches its socket",
    "checkov.io/skip4": "CKV_K8S_9=the plugin serves no health endpoint; the kubelet watches its socket",
}


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
    lws_manifest: Optional[str] = None  # installs LeaderWorkerSet when given
    vpc_cidr: str = "10.42.0.0/16"  # IPv4, /16 to /23; the subnets are carved from it (vpc.subnet_layout)
    protect: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)


def device_plugin_daemonset(image: str, *, mofed: bool) -> dict:
    """NVIDIA's static device-plugin DaemonSet, limited to GPU nodes."""
    container = {
        "name": "nvidia-device-plugin-ctr",
        "image": image,
        "env": [{"name": "FAIL_ON_INIT_ERROR", "value": "false"}],
        # Root is needed to create the plugin's socket in the kubelet's host directory; nothing else.
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "readOnlyRootFilesystem": True,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "volumeMounts": [{"name": "device-plugin", "mountPath": "/var/lib/kubelet/device-plugins"}],
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "200m", "memory": "256Mi"}},
    }
    if not mofed:  # the plugin's MOFED default (v0.19+) conflicts with the EFA device plugin
        container["args"] = ["--mofed-enabled=false"]
    return {
        "selector": {"matchLabels": {"name": "nvidia-device-plugin-ds"}},
        "updateStrategy": {"type": "RollingUpdate"},
        "template": {
            "metadata": {"labels": {"name": "nvidia-device-plugin-ds"}},
            "spec": {
                "priorityClassName": "system-node-critical",
                "automountServiceAccountToken": False,  # the static plugin talks to the kubelet socket, not the API
                "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                "nodeSelector": {GPU_LABEL: "true"},
                "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
                "containers": [container],
                "volumes": [{"name": "device-plugin", "hostPath": {"path": "/var/lib/kubelet/device-plugins"}}],
            },
        },
    }


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

    def __init__(self, name: str, args: EksGpuClusterArgs, opts: Optional[pulumi.ResourceOptions] = None):
        subnet_layout(args.vpc_cidr)  # a bad vpc_cidr fails here, before anything is registered
        super().__init__("deepseek-deploy:self-hosted:EksGpuCluster", name, None, opts)
        tags = dict(args.tags)
        private_subnets = cluster_network(self, name, args.vpc_cidr, tags)
        cluster = self._cluster(name, args, private_subnets, tags)
        node_role = aws.iam.Role(
            f"{name}-node-role",
            assume_role_policy=trust_policy("ec2.amazonaws.com"),
            managed_policy_arns=[f"arn:{PARTITION}:iam::aws:policy/{policy}" for policy in NODE_POLICIES],
            tags=tags,
            opts=child(self),
        )
        self._system_node_group(name, cluster, node_role, private_subnets, tags)
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
        self._add_ons(name, args)
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
            opts=child(self, protect=args.protect),
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

    def _add_ons(self, name: str, args: EksGpuClusterArgs) -> None:
        """In-cluster software: the NVIDIA device plugin, and KEDA, LeaderWorkerSet and EFA when asked."""
        in_cluster = child(self, provider=self.provider)
        self._device_plugin(name, args, in_cluster)
        if args.keda_chart:
            k8s.helm.v3.Release(
                f"{name}-keda",
                chart=args.keda_chart["name"],
                version=args.keda_chart["version"],
                repository_opts={"repo": args.keda_chart["repo"]},
                namespace="keda",
                create_namespace=True,
                opts=in_cluster,
            )
        if args.lws_manifest:
            k8s.yaml.v2.ConfigFile(f"{name}-lws", file=args.lws_manifest, opts=in_cluster)
        if args.multi_node:
            # EFA device plugin (AWS's chart; its version is not pinned by the catalog yet).
            k8s.helm.v3.Release(
                f"{name}-efa",
                chart="aws-efa-k8s-device-plugin",
                repository_opts={"repo": "https://aws.github.io/eks-charts"},
                namespace="kube-system",
                values={"tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]},
                opts=in_cluster,
            )

    def _device_plugin(self, name: str, args: EksGpuClusterArgs, in_cluster: pulumi.ResourceOptions) -> None:
        """NVIDIA's device plugin, which makes `nvidia.com/gpu` schedulable, fenced off from the network."""
        k8s.apps.v1.DaemonSet(
            f"{name}-nvidia-device-plugin",
            metadata={
                "name": "nvidia-device-plugin-daemonset",
                "namespace": "kube-system",
                "annotations": DEVICE_PLUGIN_CHECKOV_SKIPS,
            },
            spec=device_plugin_daemonset(args.device_plugin_image, mofed=not args.multi_node),
            opts=in_cluster,
        )
        # The plugin needs no network at all: deny everything to and from its pods.
        k8s.networking.v1.NetworkPolicy(
            f"{name}-nvidia-device-plugin",
            metadata={"name": "nvidia-device-plugin-deny-all", "namespace": "kube-system"},
            spec={
                "podSelector": {"matchLabels": {"name": "nvidia-device-plugin-ds"}},
                "policyTypes": ["Ingress", "Egress"],
            },
            opts=in_cluster,
        )
