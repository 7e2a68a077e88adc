"""VllmArgs, a vLLM workload's settings, and the pod built from them by pure functions: the
`vllm serve` flags, the container with its probes, the pod spec and the multi-node leader and worker
commands. They are checked without a cluster; `vllm.py` turns them into Kubernetes objects.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi

from .k8s_common import restricted_context, restricted_pod_context

PORT = 8000
APP_LABEL = "app.kubernetes.io/name"
UID = 10001  # unprivileged, above host UIDs; every writable path is a mounted volume
MULTI_NODE_SCRIPT = "/vllm-workspace/examples/online_serving/multi-node-serving.sh"


@dataclass(frozen=True)
class Autoscaling:
    min: int
    max: int
    target_waiting_requests: int
    prometheus_address: str


@dataclass(frozen=True)
class VllmArgs:
    namespace: str
    model: str  # Hugging Face repo
    served_model_name: str
    image: str
    tensor_parallel: int
    pipeline_parallel: int = 1
    max_model_len: int = 4096
    gpu_memory_utilization: float = 0.90
    quantization: Optional[str] = None  # fp8 | awq
    reasoning_parser: Optional[str] = None
    prefix_caching: bool = True
    cpu: int = 4
    memory_gi: int = 16
    shm_gi: int = 2
    startup_seconds: int = 900
    replicas: int = 1  # replicas to start with (with autoscaling, KEDA then keeps min..max)
    max_replicas: Optional[int] = None  # the most that ever run; default: autoscaling.max, else replicas
    autoscaling: Optional[Autoscaling] = None
    api_key: bool = True
    hf_token: Optional[pulumi.Input[str]] = None  # a secret Output; never a plain string in state
    weights_cache_gi: int = 200
    storage_class: Optional[str] = None  # None: the cluster's default StorageClass
    # auto | ephemeral (a volume per pod, deleted with it) | persistent (per pod, kept: claim templates)
    # | shared (one ReadWriteMany claim); auto = persistent for multi-node groups, else ephemeral.
    weights_volume: str = "auto"
    expose: str = "cluster-ip"  # cluster-ip | load-balancer (an NLB) | ingress (an ALB), through the LBC
    public: bool = False  # internet-facing load balancer; needs api_key and source_ranges
    source_ranges: Sequence[str] = ()  # who may connect through the load balancer; () = the private ranges
    load_balancer_ranges: Sequence[str] = ()  # the load balancer's subnets (health checks); () = the private ranges
    certificate_arn: Optional[str] = None  # ACM certificate: TLS on port 443 at the load balancer
    service_monitor: bool = False
    node_selector: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    # Keep the weights caches on destroy: claims kept by their workload, and the namespace that holds them.
    protect: bool = False


def most_replicas(args: VllmArgs) -> int:
    """The most replicas that can run at once: it decides whether pods share the weights cache."""
    if args.max_replicas is not None:
        return args.max_replicas
    return args.autoscaling.max if args.autoscaling else args.replicas


def vllm_args(args: VllmArgs, *, multi_node: bool = False) -> list[str]:
    """The `vllm serve` arguments the planner's choices translate to."""
    flags = [
        "--model",
        args.model,
        "--served-model-name",
        args.served_model_name,
        "--host",
        "0.0.0.0",
        "--port",
        str(PORT),
        "--download-dir",
        "/models",
        "--tensor-parallel-size",
        str(args.tensor_parallel),
        "--max-model-len",
        str(args.max_model_len),
        "--gpu-memory-utilization",
        f"{args.gpu_memory_utilization:.2f}",
    ]
    if args.pipeline_parallel > 1:
        flags += ["--pipeline-parallel-size", str(args.pipeline_parallel)]
    if multi_node:
        flags += ["--distributed-executor-backend", "ray"]
    if args.reasoning_parser:
        flags += ["--reasoning-parser", args.reasoning_parser]
    flags += ["--enable-prefix-caching"] if args.prefix_caching else ["--no-enable-prefix-caching"]
    if args.quantization:
        flags += ["--quantization", args.quantization]
    return flags


def _env(args: VllmArgs, secret_name: str) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = [
        # Every cache goes to mounted volumes: the root filesystem is read-only.
        {"name": "HOME", "value": "/cache"},
        {"name": "HF_HOME", "value": "/models/hf"},
        {"name": "XDG_CACHE_HOME", "value": "/cache"},
        {"name": "VLLM_CACHE_ROOT", "value": "/cache/vllm"},
        {"name": "TRITON_CACHE_DIR", "value": "/cache/triton"},
        {"name": "HF_HUB_ENABLE_HF_TRANSFER", "value": "0"},
    ]
    if args.api_key:
        env.append({"name": "VLLM_API_KEY", "valueFrom": {"secretKeyRef": {"name": secret_name, "key": "api-key"}}})
    if args.hf_token is not None:
        env.append({"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": secret_name, "key": "hf-token"}}})
    return env


def probes(startup_seconds: int) -> dict[str, Any]:
    """A startup probe sized to the model's load time; liveness and readiness with room under load."""
    check = {"httpGet": {"path": "/health", "port": PORT}}
    period = 10
    return {
        # 1.5x the planner's load-time estimate, and never under 5 minutes.
        "startupProbe": {
            **check,
            "periodSeconds": period,
            "timeoutSeconds": 5,
            "failureThreshold": max(30, math.ceil(startup_seconds * 1.5 / period)),
        },
        "livenessProbe": {**check, "periodSeconds": 30, "timeoutSeconds": 10, "failureThreshold": 5},
        "readinessProbe": {**check, "periodSeconds": period, "timeoutSeconds": 5, "failureThreshold": 3},
    }


def startup_budget_seconds(startup_seconds: int) -> int:
    """How long the startup probe lets a replica take to become ready."""
    probe = probes(startup_seconds)["startupProbe"]
    return int(probe["failureThreshold"] * probe["periodSeconds"])


# Scheduling and pulling the vLLM image (~10 GB) come before the startup probe's clock starts.
PULL_MARGIN_SECONDS = 600


def rollout_timeouts(args: VllmArgs) -> pulumi.CustomTimeouts:
    """How long Pulumi waits for the workload to be ready. It waits 10 minutes by default
    (https://www.pulumi.com/registry/packages/kubernetes/api-docs/apps/v1/deployment/), less than one replica
    of a large model takes; a create starts every replica at once, an update replaces them one at a time."""
    each = startup_budget_seconds(args.startup_seconds) + PULL_MARGIN_SECONDS
    return pulumi.CustomTimeouts(
        create=f"{math.ceil(each / 60)}m", update=f"{math.ceil(each * most_replicas(args) / 60)}m"
    )


def container(
    args: VllmArgs,
    secret_name: str,
    *,
    command: Optional[list[str]] = None,
    with_probes: bool = True,
    gpus: Optional[int] = None,
) -> dict[str, Any]:
    gpus = gpus if gpus is not None else args.tensor_parallel
    resources = {"cpu": str(args.cpu), "memory": f"{args.memory_gi}Gi", "nvidia.com/gpu": str(gpus)}
    spec: dict[str, Any] = {
        "name": "vllm",
        "image": args.image,
        "imagePullPolicy": "IfNotPresent",
        "env": _env(args, secret_name),
        "ports": [{"name": "http", "containerPort": PORT, "protocol": "TCP"}],
        # Requests = limits: the pod gets Guaranteed QoS and is the last to be evicted.
        "resources": {"requests": resources, "limits": resources},
        "volumeMounts": [
            {"name": "models", "mountPath": "/models"},
            {"name": "shm", "mountPath": "/dev/shm"},
            {"name": "cache", "mountPath": "/cache"},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
        "securityContext": restricted_context(UID),
    }
    if command is not None:
        spec["command"] = command
    else:
        spec["command"] = ["vllm", "serve"]
        spec["args"] = vllm_args(args)
    if with_probes:
        spec.update(probes(args.startup_seconds))
    return spec


def pod_spec(
    args: VllmArgs, secret_name: str, models_volume: Optional[dict[str, Any]], containers: list[dict[str, Any]]
) -> dict[str, Any]:
    """The pod; `models_volume` is None when a claim template of the workload provides the `models` volume."""
    spec: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "terminationGracePeriodSeconds": 60,
        "securityContext": restricted_pod_context(UID),
        "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
        "containers": containers,
        "volumes": [
            *([models_volume] if models_volume else []),
            # NCCL and vLLM's workers exchange tensors through /dev/shm; the default 64 MiB is far too small.
            {"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": f"{args.shm_gi}Gi"}},
            {"name": "cache", "emptyDir": {"sizeLimit": "20Gi"}},
            {"name": "tmp", "emptyDir": {"sizeLimit": "10Gi"}},
        ],
    }
    if args.node_selector:
        spec["nodeSelector"] = dict(args.node_selector)
    return spec


def waiting_requests_query(namespace: str, app: str) -> str:
    return f'sum(vllm:num_requests_waiting{{namespace="{namespace}",service="{app}"}})'


def leader_command(args: VllmArgs) -> list[str]:
    """Start Ray's head, then serve; Kubernetes expands $(LWS_GROUP_SIZE) before the shell runs."""
    serve = shlex.join(["vllm", "serve", *vllm_args(args, multi_node=True)])
    return ["sh", "-c", f"bash {MULTI_NODE_SCRIPT} leader --ray_cluster_size=$(LWS_GROUP_SIZE) && exec {serve}"]


def worker_command() -> list[str]:
    return ["sh", "-c", f"bash {MULTI_NODE_SCRIPT} worker --ray_address=$(LWS_LEADER_ADDRESS)"]
