"""EksGpuCluster: an EKS cluster with a GPU node group, ready for vLLM.

VPC with private subnets (nodes) and public ones (NAT, load balancers); the API endpoint is
private or limited to given CIDRs; secrets are encrypted with KMS; control-plane logs are on;
GPU nodes run the AL2023 NVIDIA AMI with an encrypted root disk sized for the vLLM image and
weights, IMDSv2 only, and the `nvidia.com/gpu` taint. Multi-node groups add EFA and a cluster
placement group. The NVIDIA device plugin (and KEDA / LeaderWorkerSet when asked) are installed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from ._base import PARTITION, child, policy_json, trust_policy

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
    "checkov.io/skip1": "CKV_K8S_23=needs root to create its socket in the kubelet's root-owned device-plugins directory",
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
    vpc_cidr: str = "10.42.0.0/16"
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


class EksGpuCluster(pulumi.ComponentResource):
    """`provider` deploys Kubernetes objects into the new cluster."""

    cluster_name: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    provider: k8s.Provider

    def __init__(self, name: str, args: EksGpuClusterArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("deepseek-deploy:self-hosted:EksGpuCluster", name, None, opts)
        tags = dict(args.tags)
        private_subnets = self._network(name, args, tags)

        # EKS encrypts Secrets with the key through the cluster role.
        key_policy = (
            [
                {
                    "name": "secrets-encryption",
                    "policy": policy_json(
                        [
                            {
                                "Effect": "Allow",
                                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
                                "Resource": args.secrets_kms_key_arn,
                            }
                        ]
                    ),
                }
            ]
            if args.secrets_kms_key_arn
            else None
        )
        cluster_role = aws.iam.Role(
            f"{name}-cluster-role",
            assume_role_policy=trust_policy("eks.amazonaws.com"),
            managed_policy_arns=[f"arn:{PARTITION}:iam::aws:policy/AmazonEKSClusterPolicy"],
            inline_policies=key_policy,
            tags=tags,
            opts=child(self),
        )
        vpc_config: dict = {
            "subnet_ids": [s.id for s in private_subnets],
            "endpoint_private_access": True,
            "endpoint_public_access": bool(args.endpoint_public_cidrs),
        }
        if args.endpoint_public_cidrs:
            vpc_config["public_access_cidrs"] = list(args.endpoint_public_cidrs)
        cluster = aws.eks.Cluster(
            f"{name}-cluster",
            name=name,
            version=args.kubernetes_version,
            role_arn=cluster_role.arn,
            vpc_config=vpc_config,
            encryption_config={"provider": {"key_arn": args.secrets_kms_key_arn}, "resources": ["secrets"]}
            if args.secrets_kms_key_arn
            else None,
            enabled_cluster_log_types=list(CONTROL_PLANE_LOGS),
            access_config={"authentication_mode": "API", "bootstrap_cluster_creator_admin_permissions": True},
            tags=tags,
            opts=child(self, protect=args.protect),
        )
        node_role = aws.iam.Role(
            f"{name}-node-role",
            assume_role_policy=trust_policy("ec2.amazonaws.com"),
            managed_policy_arns=[f"arn:{PARTITION}:iam::aws:policy/{policy}" for policy in NODE_POLICIES],
            tags=tags,
            opts=child(self),
        )
        aws.eks.NodeGroup(
            f"{name}-system",
            cluster_name=cluster.name,
            node_role_arn=node_role.arn,
            subnet_ids=[s.id for s in private_subnets],
            ami_type="AL2023_x86_64_STANDARD",
            instance_types=["m6i.large"],
            scaling_config={"desired_size": 2, "min_size": 2, "max_size": 3},
            labels={"deepseek-deploy/role": "system"},
            tags=tags,
            opts=child(self),
        )
        gpu_nodes = self._gpu_node_group(name, args, cluster, node_role, private_subnets, tags)

        self.cluster_name = cluster.name
        self.kubeconfig = pulumi.Output.secret(
            pulumi.Output.all(cluster.name, cluster.endpoint, cluster.certificate_authority.data).apply(
                lambda parts: kubeconfig(parts[0], parts[1], parts[2], args.region)
            )
        )
        self.provider = k8s.Provider(
            f"{name}-k8s", kubeconfig=self.kubeconfig, opts=child(self, depends_on=[gpu_nodes])
        )
        in_cluster = child(self, provider=self.provider)
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
        self.register_outputs({"cluster_name": cluster.name})

    def _network(self, name: str, args: EksGpuClusterArgs, tags: dict[str, str]):
        zones = aws.get_availability_zones_output(state="available", opts=pulumi.InvokeOutputOptions(parent=self))
        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.vpc_cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={**tags, "Name": f"{name}-vpc"},
            opts=child(self),
        )
        # No traffic is allowed by the default security group: every rule is explicit.
        aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=vpc.id, tags=tags, opts=child(self))
        gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags=tags, opts=child(self))
        public_routes = aws.ec2.RouteTable(
            f"{name}-public",
            vpc_id=vpc.id,
            routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": gateway.id}],
            tags=tags,
            opts=child(self),
        )
        private = []
        for index in range(2):
            zone = zones.names.apply(lambda names, i=index: names[i])
            subnet = aws.ec2.Subnet(
                f"{name}-public-{index}",
                vpc_id=vpc.id,
                availability_zone=zone,
                cidr_block=f"10.42.{index * 16}.0/20",
                map_public_ip_on_launch=False,
                tags={**tags, "kubernetes.io/role/elb": "1"},
                opts=child(self),
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{index}", subnet_id=subnet.id, route_table_id=public_routes.id, opts=child(self)
            )
            if index == 0:
                nat_subnet = subnet
        address = aws.ec2.Eip(f"{name}-nat", domain="vpc", tags=tags, opts=child(self))
        nat = aws.ec2.NatGateway(
            f"{name}-nat",
            allocation_id=address.id,
            subnet_id=nat_subnet.id,
            tags=tags,
            opts=child(self, depends_on=[gateway]),
        )
        private_routes = aws.ec2.RouteTable(
            f"{name}-private",
            vpc_id=vpc.id,
            routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}],
            tags=tags,
            opts=child(self),
        )
        for index in range(2):
            zone = zones.names.apply(lambda names, i=index: names[i])
            subnet = aws.ec2.Subnet(
                f"{name}-private-{index}",
                vpc_id=vpc.id,
                availability_zone=zone,
                cidr_block=f"10.42.{64 + index * 64}.0/18",
                tags={**tags, "kubernetes.io/role/internal-elb": "1"},
                opts=child(self),
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{index}", subnet_id=subnet.id, route_table_id=private_routes.id, opts=child(self)
            )
            private.append(subnet)
        return private

    def _gpu_node_group(
        self,
        name: str,
        args: EksGpuClusterArgs,
        cluster: aws.eks.Cluster,
        node_role: aws.iam.Role,
        subnets: list,
        tags: dict[str, str],
    ):
        template: dict = {
            # Encrypted root big enough for the ~25 GB vLLM image plus the weights.
            "block_device_mappings": [
                {
                    "device_name": "/dev/xvda",
                    "ebs": {
                        "volume_size": args.node_disk_gib,
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
        node_subnets = [s.id for s in subnets]
        if args.multi_node:
            group = aws.ec2.PlacementGroup(f"{name}-gpu-placement", strategy="cluster", tags=tags, opts=child(self))
            template["placement"] = {"group_name": group.name}
            template["network_interfaces"] = [
                {
                    "device_index": 0,
                    "network_card_index": 0,
                    "interface_type": "efa",
                    "delete_on_termination": "true",
                    "security_groups": [cluster.vpc_config.cluster_security_group_id],
                }
            ]
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
