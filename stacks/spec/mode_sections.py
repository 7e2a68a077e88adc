"""The sections of one mode each: serverless options, the Marketplace endpoint, custom-import
weights, and the self-hosted cluster and vLLM server.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal, Optional

from pydantic import BeforeValidator, Field, ValidationInfo, WithJsonSchema, field_validator, model_validator

from . import patterns
from .fields import (
    EndpointCidr,
    EnvName,
    Image,
    Int,
    KmsKey,
    Namespace,
    SourceRange,
    WeightsSource,
    host_bits_rule,
    ipv4_cidr_problem,
    rule,
    whole_number,
    world_rule,
)
from .sections import Section

# RFC 1918: what "internal" means where the cluster's VPC is not known.
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
# AWS allows VPCs from /16 to /28; a created cluster carves 2 public and 2 private subnets, and load
# balancers need public subnets of /27 or larger (components/vpc.py), so it needs a /23 or larger.
LARGEST_VPC_PREFIX, SMALLEST_VPC_PREFIX, SMALLEST_CREATED_VPC_PREFIX = 16, 28, 23
# Sane ceilings for counts: far above what one DeepSeek deployment uses, far below what overflows anything.
MAX_INSTANCES, MAX_PARALLEL, MAX_CONTEXT, MAX_VOLUME_GI = 100, 64, 1_048_576, 16_384

# ---------------------------------------------------------------- mode sections


class ServerlessOptions(Section):
    cross_region: bool | None = Field(
        None,
        description="Invoke through the geographic cross-region inference profile (us./eu./apac.). "
        "Default: on where the model has one; R1 is only offered that way.",
    )
    cost_profile: bool = Field(
        True, description="Create an application inference profile that carries the tags, for cost allocation."
    )


class EndpointAutoscaling(Section):
    min: Int = Field(1, ge=1, le=MAX_INSTANCES, description="Fewest instances.")
    max: Int = Field(4, ge=1, le=MAX_INSTANCES, description="Most instances.")
    target_invocations_per_instance: Int = Field(
        10, ge=1, le=100_000, description="Scale out above this many invocations per instance per minute."
    )


class EndpointSpec(Section):
    instance_type: Annotated[str, Field(max_length=64)] | None = Field(
        None, description="SageMaker instance type. Default: the catalog's choice for the model."
    )
    instance_count: Int = Field(1, ge=1, le=MAX_INSTANCES, description="Instances to start with.")
    autoscaling: EndpointAutoscaling | None = Field(
        None, description="Application Auto Scaling of the endpoint variant."
    )
    accept_eula: bool = Field(
        False, description="Accept the model's licence terms, where the Marketplace offer requires it."
    )
    kms_key: KmsKey = "auto"


class WeightsSpec(Section):
    source: WeightsSource = Field(
        description="Where the weights are: s3://bucket/prefix/, hf://org/repo (uploaded for you), or a local "
        "directory."
    )


class ClusterNodes(Section):
    min: Int = Field(1, ge=0, le=MAX_INSTANCES, description="Fewest GPU nodes.")
    max: Int = Field(4, ge=1, le=MAX_INSTANCES, description="Most GPU nodes.")


class ClusterSpec(Section):
    kubeconfig: Annotated[str, Field(min_length=1, max_length=4096)] | None = Field(
        None,
        description="Path to a kubeconfig for an existing cluster (any cloud or on-prem). Default: ~/.kube/config.",
    )
    context: Annotated[str, Field(min_length=1, max_length=1024)] | None = Field(
        None, description="The kubeconfig context to use. Default: the current context."
    )
    create: Literal["eks"] | None = Field(None, description="`eks` creates a GPU EKS cluster for this deployment.")
    kubernetes_version: str = Field(
        "1.36",
        pattern=patterns.KUBERNETES_VERSION,
        description="Kubernetes version of a created EKS cluster (default: the newest in EKS standard support the "
        "catalog confirms).",
    )
    node_instance_type: Annotated[str, Field(max_length=64)] | None = Field(
        None, description="GPU node instance type of a created cluster. Default: the planner's choice."
    )
    nodes: ClusterNodes = Field(default_factory=ClusterNodes, description="GPU node group size of a created cluster.")
    capacity_type: Literal["on-demand", "spot"] = Field("on-demand", description="on-demand or spot GPU nodes.")
    endpoint_public_cidrs: list[EndpointCidr] = Field(
        default_factory=list,
        max_length=40,
        description="IPv4 CIDRs that may reach the created cluster's API endpoint (at most 40); empty keeps the "
        "endpoint private. 0.0.0.0/0, or ranges that together cover the internet, are refused.",
    )
    vpc_cidr: (
        Annotated[
            str, Field(max_length=64), WithJsonSchema({"type": "string", "maxLength": 64, "pattern": patterns.VPC_CIDR})
        ]
        | None
    ) = Field(
        None,
        description="The cluster's VPC (IPv4 CIDR). A created cluster: the VPC to create, /16 to /23 (default "
        "10.42.0.0/16). An existing cluster: the VPC its load balancers live in; an internal endpoint admits "
        "clients from it by default, and the NetworkPolicy admits load-balancer health checks from it "
        "(default: the private ranges 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16).",
    )

    @field_validator("endpoint_public_cidrs")
    @classmethod
    def _not_the_world(cls, cidrs: list[str]) -> list[str]:
        world_rule(
            cidrs,
            "together these ranges open the cluster API to the whole internet (0.0.0.0/0); list only your own ranges",
        )
        return cidrs

    @field_validator("vpc_cidr")
    @classmethod
    def _vpc_cidr(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return value
        if ipv4_cidr_problem(value, "10.42.0.0/16", patterns.VPC_CIDR):
            if ipv4_cidr_problem(value, "10.42.0.0/16") is None:  # a CIDR block, but not a VPC's size
                raise ValueError(
                    f"'{value}' cannot be a VPC: AWS allows /{LARGEST_VPC_PREFIX} to /{SMALLEST_VPC_PREFIX}"
                )
            raise ValueError(f"{ipv4_cidr_problem(value, '10.42.0.0/16')} (the VPC's IPv4 CIDR block)")
        host_bits_rule(value)
        if info.data.get("create") and ipaddress.IPv4Network(value).prefixlen > SMALLEST_CREATED_VPC_PREFIX:
            raise rule(
                f"'{value}' is too small for a created cluster's two public and two private subnets; "
                f"give a /{SMALLEST_CREATED_VPC_PREFIX} or larger, such as 10.42.0.0/16"
            )
        return value

    @model_validator(mode="after")
    def _one_cluster(self) -> ClusterSpec:
        if self.create and (self.kubeconfig or self.context):
            raise rule("give either `create: eks` or `kubeconfig`/`context` for an existing cluster, not both")
        return self


GpuType = Literal["A10G", "L4", "L40S", "A100-40GB", "A100-80GB", "H100", "H200"]


class GpuSpec(Section):
    type: GpuType | None = Field(
        None,
        description="GPU of an existing cluster's nodes (A10G, L4, L40S, A100-40GB, A100-80GB, H100, H200). On a "
        "created EKS cluster it follows node_instance_type.",
    )
    count: Annotated[int, Field(ge=1, le=16), BeforeValidator(whole_number)] | Literal["auto"] = Field(
        "auto", description="GPUs per node a replica uses; auto = the planner's choice."
    )


class ServingAutoscaling(Section):
    min: Int = Field(1, ge=0, le=MAX_INSTANCES, description="Fewest replicas.")
    max: Int = Field(4, ge=1, le=MAX_INSTANCES, description="Most replicas.")
    target_waiting_requests: Int = Field(
        5,
        ge=1,
        le=10_000,
        description="Scale out when this many requests wait in vLLM's queue (vllm:num_requests_waiting).",
    )
    prometheus_address: str = Field(
        "http://prometheus-operated.monitoring.svc:9090",
        max_length=2048,
        pattern=patterns.HTTP_URL,
        description="Prometheus that scrapes vLLM's metrics; KEDA reads the queue length from it.",
    )


class WeightsCache(Section):
    size_gi: Int = Field(
        200, ge=10, le=MAX_VOLUME_GI, description="Size of each weights cache volume, in GiB (at most 16384, EBS's)."
    )
    storage_class: str | None = Field(
        None,
        pattern=patterns.STORAGE_CLASS,
        max_length=253,
        description="StorageClass of the weights cache. An existing cluster: default its default class (`deploy "
        "plan` says which); with volume: shared it must name a ReadWriteMany class (EFS, FSx for Lustre). A created "
        "EKS cluster: the name of the class the tool creates, an encrypted gp3 EBS class (an EFS class for "
        "volume: shared); default gp3 (efs).",
    )
    volume: Literal["auto", "ephemeral", "persistent", "shared"] = Field(
        "auto",
        description="How pods hold the cache. ephemeral: a volume per pod, made and deleted with the pod (a replaced "
        "pod downloads the weights again, and may start in any zone). persistent: a volume per pod that outlives it "
        "(StatefulSet or LeaderWorkerSet claim templates), so a restarted pod loads from its cache, but stays in its "
        "volume's zone. shared: one ReadWriteMany volume that every pod mounts, filled once (EFS on a created "
        "cluster). auto: persistent for models that span nodes, ephemeral otherwise.",
    )


class TlsSpec(Section):
    certificate_arn: str = Field(
        max_length=2048,
        pattern=patterns.ACM_CERTIFICATE_ARN,
        description="An ACM certificate in the deployment's region (arn:aws:acm:REGION:ACCOUNT:certificate/ID); the "
        "load balancer serves HTTPS on port 443 with it and forwards to vLLM inside the VPC.",
    )


class ServingSpec(Section):
    engine: Literal["vllm"] = Field("vllm", description="The inference server.")
    image: Image | None = Field(
        None, description="Container image, pinned to a tag or digest. Default: the catalog's pinned vLLM image."
    )
    namespace: Namespace = Field(
        "deepseek",
        description="Kubernetes namespace the deployment creates (not default, kube-* or an add-on's namespace).",
    )
    replicas: Int = Field(1, ge=1, le=MAX_INSTANCES, description="Model replicas (each spans pipeline_parallel nodes).")
    gpu: GpuSpec = Field(default_factory=GpuSpec, description="The GPUs each replica gets.")
    tensor_parallel: Annotated[int, Field(ge=1, le=MAX_PARALLEL), BeforeValidator(whole_number)] | Literal["auto"] = (
        Field("auto", description="Tensor-parallel size; auto = GPUs per node.")
    )
    pipeline_parallel: Annotated[int, Field(ge=1, le=MAX_PARALLEL), BeforeValidator(whole_number)] | Literal["auto"] = (
        Field("auto", description="Pipeline-parallel size; auto = nodes a replica spans.")
    )
    max_model_len: Annotated[int, Field(ge=1, le=MAX_CONTEXT), BeforeValidator(whole_number)] | Literal["auto"] = Field(
        "auto", description="Context length; auto = the largest whose KV cache fits."
    )
    gpu_memory_utilization: float = Field(0.90, gt=0.3, le=0.98, description="Share of GPU memory vLLM may use.")
    quantization: Literal["none", "fp8", "awq"] = Field(
        "none", description="Weight quantization: none (native dtype), fp8 or awq."
    )
    prefix_caching: bool = Field(True, description="vLLM automatic prefix caching.")
    autoscaling: ServingAutoscaling | None = Field(None, description="Scale replicas on vLLM's queue length (KEDA).")
    api_key: bool = Field(
        True, description="Require an API key; it is generated and kept as a Kubernetes Secret and a Pulumi secret."
    )
    weights_cache: WeightsCache = Field(
        default_factory=WeightsCache,
        description="Where vLLM keeps the downloaded weights: a volume per pod, or one volume all pods share.",
    )
    expose: Literal["cluster-ip", "load-balancer", "ingress"] = Field(
        "cluster-ip",
        description="How the endpoint is reachable: cluster-ip (inside the cluster only), load-balancer (an AWS "
        "Network Load Balancer) or ingress (an AWS Application Load Balancer), both through the AWS Load Balancer "
        "Controller and internal unless public is true.",
    )
    public: bool = Field(
        False,
        description="load-balancer/ingress: internet-facing only when true; otherwise internal, reachable from the "
        "VPC. A public endpoint needs api_key: true and source_ranges.",
    )
    source_ranges: list[SourceRange] = Field(
        default_factory=list,
        max_length=50,
        validate_default=True,
        description="IPv4 CIDRs that may connect through the load balancer (loadBalancerSourceRanges); the "
        "NetworkPolicy admits only these and the load balancer's health checks. Required when public; 0.0.0.0/0 is "
        "refused; at most 50. Default for an internal endpoint: cluster.vpc_cidr, else the private ranges.",
    )
    tls: TlsSpec | None = Field(
        None, description="TLS where the endpoint leaves the cluster (load-balancer/ingress): an ACM certificate."
    )
    hf_token_env: Optional[EnvName] = Field(
        None,
        description="Name of the environment variable that holds a Hugging Face token at deploy time (never the token "
        "itself).",
    )
    service_monitor: bool = Field(False, description="Create a Prometheus Operator ServiceMonitor for vLLM's /metrics.")

    @field_validator("public")
    @classmethod
    def _public_endpoint(cls, public: bool, info: ValidationInfo) -> bool:
        if public and info.data.get("expose") == "cluster-ip":
            raise rule(
                "public: true needs expose: load-balancer (or ingress); a cluster-ip endpoint never leaves the cluster"
            )
        if public and info.data.get("api_key") is False:
            raise rule(
                "a public endpoint must require an API key: set api_key: true (or public: false for an internal "
                "load balancer)"
            )
        return public

    @field_validator("source_ranges")
    @classmethod
    def _source_ranges(cls, ranges: list[str], info: ValidationInfo) -> list[str]:
        if ranges and info.data.get("expose") == "cluster-ip":
            raise rule(
                "source_ranges applies to expose: load-balancer or ingress; a cluster-ip endpoint is reachable only "
                "inside the cluster"
            )
        if info.data.get("public") and not ranges:
            raise rule(
                "a public endpoint needs source_ranges, the IPv4 CIDRs of the clients that may connect, for example "
                "source_ranges: [203.0.113.0/24] (0.0.0.0/0, the whole internet, is refused)"
            )
        world_rule(ranges, "together these ranges cover the whole internet (0.0.0.0/0); list only your clients' ranges")
        return ranges

    @field_validator("tls")
    @classmethod
    def _tls(cls, tls: TlsSpec | None, info: ValidationInfo) -> TlsSpec | None:
        if tls is not None and info.data.get("expose") == "cluster-ip":
            raise rule(
                "tls applies where the endpoint leaves the cluster: set expose: load-balancer or ingress, or remove tls"
            )
        return tls


def weights_cache_problem(cluster: ClusterSpec, serving: ServingSpec) -> tuple[tuple[str, ...], str] | None:
    """A weights cache the cluster cannot provide, as (spec path, message); None when it can."""
    cache = serving.weights_cache
    if cache.volume == "shared" and not cluster.create and cache.storage_class is None:
        return (
            ("serving", "weights_cache", "volume"),
            "volume: shared on an existing cluster needs storage_class naming a ReadWriteMany StorageClass (an EFS "
            "or FSx for Lustre class, e.g. storage_class: efs-sc); EBS-backed default classes cannot share a volume",
        )
    return None
