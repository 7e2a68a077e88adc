"""The sections of one mode each: serverless options, the Marketplace endpoint, custom-import
weights, and the self-hosted cluster and vLLM server.
"""

from __future__ import annotations

import re
from typing import Literal, Optional

from pydantic import Field, field_validator, model_validator

from .sections import Cidr, KmsKey, Section

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
    min: int = Field(1, ge=1, description="Fewest instances.")
    max: int = Field(4, ge=1, description="Most instances.")
    target_invocations_per_instance: int = Field(
        10, ge=1, description="Scale out above this many invocations per instance per minute."
    )


class EndpointSpec(Section):
    instance_type: str | None = Field(
        None, description="SageMaker instance type. Default: the catalog's choice for the model."
    )
    instance_count: int = Field(1, ge=1, description="Instances to start with.")
    autoscaling: EndpointAutoscaling | None = Field(
        None, description="Application Auto Scaling of the endpoint variant."
    )
    accept_eula: bool = Field(
        False, description="Accept the model's licence terms, where the Marketplace offer requires it."
    )
    kms_key: KmsKey = "auto"


class WeightsSpec(Section):
    source: str = Field(
        description="Where the weights are: s3://bucket/prefix/, hf://org/repo (uploaded for you), or a local "
        "directory."
    )

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        if value.startswith("s3://"):
            if not re.match(r"^s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/.*)?$", value):
                raise ValueError(f"'{value}' is not an S3 URI (expected s3://bucket/prefix/)")
        elif value.startswith("hf://"):
            if not re.match(r"^hf://[\w.\-]+/[\w.\-]+$", value):
                raise ValueError(f"'{value}' is not a Hugging Face repo (expected hf://org/name)")
        elif "://" in value:
            raise ValueError(f"'{value}' uses an unsupported scheme; use s3://, hf:// or a local directory")
        return value


class ClusterNodes(Section):
    min: int = Field(1, ge=0, description="Fewest GPU nodes.")
    max: int = Field(4, ge=1, description="Most GPU nodes.")


class ClusterSpec(Section):
    kubeconfig: str | None = Field(
        None,
        description="Path to a kubeconfig for an existing cluster (any cloud or on-prem). Default: ~/.kube/config.",
    )
    context: str | None = Field(None, description="The kubeconfig context to use. Default: the current context.")
    create: Literal["eks"] | None = Field(None, description="`eks` creates a GPU EKS cluster for this deployment.")
    kubernetes_version: str = Field(
        "1.35",
        pattern=r"^1\.\d{2}$",
        description="Kubernetes version of a created EKS cluster (default: the newest in EKS standard support the "
        "catalog confirms).",
    )
    node_instance_type: str | None = Field(
        None, description="GPU node instance type of a created cluster. Default: the planner's choice."
    )
    nodes: ClusterNodes = Field(default_factory=ClusterNodes, description="GPU node group size of a created cluster.")
    capacity_type: Literal["on-demand", "spot"] = Field("on-demand", description="on-demand or spot GPU nodes.")
    endpoint_public_cidrs: list[Cidr] = Field(
        default_factory=list,
        description="CIDRs that may reach the created cluster's API endpoint; empty keeps the endpoint private.",
    )

    @model_validator(mode="after")
    def _one_cluster(self) -> ClusterSpec:
        if self.create and (self.kubeconfig or self.context):
            raise ValueError("give either `create: eks` or `kubeconfig`/`context` for an existing cluster, not both")
        return self


GpuType = Literal["A10G", "L4", "L40S", "A100-40GB", "A100-80GB", "H100", "H200"]


class GpuSpec(Section):
    type: GpuType | None = Field(
        None,
        description="GPU of an existing cluster's nodes (A10G, L4, L40S, A100-40GB, A100-80GB, H100, H200). On a "
        "created EKS cluster it follows node_instance_type.",
    )
    count: int | Literal["auto"] = Field(
        "auto", description="GPUs per node a replica uses; auto = the planner's choice."
    )


class ServingAutoscaling(Section):
    min: int = Field(1, ge=0, description="Fewest replicas.")
    max: int = Field(4, ge=1, description="Most replicas.")
    target_waiting_requests: int = Field(
        5, ge=1, description="Scale out when this many requests wait in vLLM's queue (vllm:num_requests_waiting)."
    )
    prometheus_address: str = Field(
        "http://prometheus-operated.monitoring.svc:9090",
        pattern=r"^https?://\S+$",
        description="Prometheus that scrapes vLLM's metrics; KEDA reads the queue length from it.",
    )


class WeightsCache(Section):
    size_gi: int = Field(200, ge=10, description="Size of the persistent weights cache volume, in GiB.")
    storage_class: str = Field("gp3", description="StorageClass of the weights cache volume.")


class ServingSpec(Section):
    engine: Literal["vllm"] = Field("vllm", description="The inference server.")
    image: str | None = Field(
        None, description="Container image, pinned to a tag or digest. Default: the catalog's pinned vLLM image."
    )
    namespace: str = Field(
        "deepseek", pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=63, description="Kubernetes namespace."
    )
    replicas: int = Field(1, ge=1, description="Model replicas (each spans pipeline_parallel nodes).")
    gpu: GpuSpec = Field(default_factory=GpuSpec, description="The GPUs each replica gets.")
    tensor_parallel: int | Literal["auto"] = Field("auto", description="Tensor-parallel size; auto = GPUs per node.")
    pipeline_parallel: int | Literal["auto"] = Field(
        "auto", description="Pipeline-parallel size; auto = nodes a replica spans."
    )
    max_model_len: int | Literal["auto"] = Field(
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
        default_factory=WeightsCache, description="Persistent volume that caches the weights."
    )
    expose: Literal["cluster-ip", "load-balancer", "ingress"] = Field(
        "cluster-ip", description="How the endpoint is reachable."
    )
    hf_token_env: Optional[str] = Field(
        None,
        pattern=r"^[A-Z_][A-Z0-9_]*$",
        description="Name of the environment variable that holds a Hugging Face token at deploy time (never the token "
        "itself).",
    )
    service_monitor: bool = Field(False, description="Create a Prometheus Operator ServiceMonitor for vLLM's /metrics.")

    @field_validator("image")
    @classmethod
    def _pinned(cls, image: str | None) -> str | None:
        if image is not None:
            name = image.rsplit("/", 1)[-1]
            if "@sha256:" not in image and (":" not in name or name.endswith(":latest")):
                raise ValueError(
                    f"'{image}' is not pinned; give a version tag or digest (e.g. vllm/vllm-openai:v0.11.0)"
                )
        return image
