"""vLLM on Kubernetes: VllmService (a replica on one node) and VllmMultiNode (a LeaderWorkerSet
whose replica spans several nodes, for the 671B models).

The pod spec is built by pure functions (`vllm_args`, `container`, `pod_spec`) so it can be
checked without a cluster; the components only turn it into Kubernetes objects.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_kubernetes as k8s

from ._base import child

PORT = 8000
APP_LABEL = "app.kubernetes.io/name"
UID = 10001  # unprivileged, above host UIDs; every writable path is a mounted volume


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
    replicas: int = 1
    autoscaling: Optional[Autoscaling] = None
    api_key: bool = True
    hf_token: Optional[pulumi.Input[str]] = None  # a secret Output; never a plain string in state
    weights_cache_gi: int = 200
    storage_class: str = "gp3"
    expose: str = "cluster-ip"  # cluster-ip | load-balancer | ingress
    service_monitor: bool = False
    node_selector: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)


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
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": UID,
            "runAsGroup": UID,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
    }
    if command is not None:
        spec["command"] = command
    else:
        spec["command"] = ["vllm", "serve"]
        spec["args"] = vllm_args(args)
    if with_probes:
        spec.update(probes(args.startup_seconds))
    return spec


def pod_spec(args: VllmArgs, secret_name: str, claim_name: str, containers: list[dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "terminationGracePeriodSeconds": 60,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": UID,
            "runAsGroup": UID,
            "fsGroup": UID,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
        "containers": containers,
        "volumes": [
            {"name": "models", "persistentVolumeClaim": {"claimName": claim_name}},
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


class _VllmBase(pulumi.ComponentResource):
    """Namespace, secrets, weights cache, Service, PDB, NetworkPolicy and autoscaling around a workload."""

    service_name: pulumi.Output[str]
    namespace: pulumi.Output[str]
    api_key: Optional[pulumi.Output[str]]
    endpoint: pulumi.Output[str]

    def _common(self, name: str, args: VllmArgs, multi_node: bool) -> tuple[dict[str, str], str, str]:
        labels = {APP_LABEL: name, "app.kubernetes.io/part-of": "deepseek-deploy", **args.labels}
        selector = {APP_LABEL: name}
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata={
                "name": args.namespace,
                "labels": {"pod-security.kubernetes.io/enforce": "restricted", **args.labels},
            },
            opts=child(self),
        )
        meta = {"namespace": namespace.metadata["name"], "labels": labels}
        secret_name = f"{name}-secrets"
        secret_data: dict[str, Any] = {}
        self.api_key = None
        if args.api_key:
            import pulumi_random as random

            key = random.RandomPassword(f"{name}-api-key", length=48, special=False, opts=child(self))
            self.api_key = key.result
            secret_data["api-key"] = key.result
        if args.hf_token is not None:
            secret_data["hf-token"] = pulumi.Output.secret(args.hf_token)
        if secret_data:
            k8s.core.v1.Secret(
                f"{name}-secrets",
                metadata={**meta, "name": secret_name},
                type="Opaque",
                string_data=secret_data,
                opts=child(self),
            )
        claim_name = f"{name}-models"
        many = (args.autoscaling.max if args.autoscaling else args.replicas) > 1 or multi_node
        k8s.core.v1.PersistentVolumeClaim(
            f"{name}-models",
            metadata={**meta, "name": claim_name},
            spec={
                "accessModes": ["ReadWriteMany" if many else "ReadWriteOnce"],
                "storageClassName": args.storage_class,
                "resources": {"requests": {"storage": f"{args.weights_cache_gi}Gi"}},
            },
            opts=child(self),
        )
        service_type = "LoadBalancer" if args.expose == "load-balancer" else "ClusterIP"
        annotations = (
            {
                "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
                "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
            }
            if service_type == "LoadBalancer"
            else {}
        )
        service_selector = {**selector, **({"leaderworkerset.sigs.k8s.io/worker-index": "0"} if multi_node else {})}
        service = k8s.core.v1.Service(
            f"{name}-service",
            metadata={**meta, "name": name, "annotations": annotations},
            spec={
                "type": service_type,
                "selector": service_selector,
                "ports": [{"name": "http", "port": PORT, "targetPort": PORT, "protocol": "TCP"}],
            },
            opts=child(self),
        )
        # maxUnavailable (not minAvailable): a node drain can always evict the pod.
        k8s.policy.v1.PodDisruptionBudget(
            f"{name}-pdb",
            metadata={**meta, "name": name},
            spec={"maxUnavailable": 1, "selector": {"matchLabels": selector}},
            opts=child(self),
        )
        ingress_from: list[dict[str, Any]] = [{"namespaceSelector": {}}]
        if service_type == "LoadBalancer":
            ingress_from.append(
                {"ipBlock": {"cidr": "0.0.0.0/0"}}
            )  # the NLB keeps client addresses; the scheme is internal
        rules_in = [{"from": ingress_from, "ports": [{"protocol": "TCP", "port": PORT}]}]
        rules_out: list[dict[str, Any]] = [
            {
                "to": [{"namespaceSelector": {}}],
                "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
            },
            {"ports": [{"protocol": "TCP", "port": 443}]},  # model downloads from Hugging Face
        ]
        if multi_node:  # leader and workers talk Ray and NCCL on many ports
            rules_in.append({"from": [{"podSelector": {"matchLabels": selector}}]})
            rules_out.append({"to": [{"podSelector": {"matchLabels": selector}}]})
        k8s.networking.v1.NetworkPolicy(
            f"{name}-network",
            metadata={**meta, "name": name},
            spec={
                "podSelector": {"matchLabels": selector},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": rules_in,
                "egress": rules_out,
            },
            opts=child(self),
        )
        if args.service_monitor:
            k8s.apiextensions.CustomResource(
                f"{name}-metrics",
                api_version="monitoring.coreos.com/v1",
                kind="ServiceMonitor",
                metadata={**meta, "name": name},
                spec={
                    "selector": {"matchLabels": selector},
                    "endpoints": [{"port": "http", "path": "/metrics", "interval": "15s"}],
                },
                opts=child(self),
            )
        self.namespace = namespace.metadata["name"]
        self.service_name = service.metadata["name"]
        self.endpoint = pulumi.Output.concat(
            "http://", service.metadata["name"], ".", namespace.metadata["name"], f".svc.cluster.local:{PORT}/v1"
        )
        return labels, secret_name, claim_name

    def _autoscale(self, name: str, args: VllmArgs, meta: dict[str, Any], target: dict[str, str]) -> None:
        scaling = args.autoscaling
        if scaling is None:
            return
        # KEDA on vLLM's own queue: CPU-based HPA cannot see a GPU server's load.
        k8s.apiextensions.CustomResource(
            f"{name}-autoscaler",
            api_version="keda.sh/v1alpha1",
            kind="ScaledObject",
            metadata={**meta, "name": name},
            spec={
                "scaleTargetRef": target,
                "minReplicaCount": scaling.min,
                "maxReplicaCount": scaling.max,
                "cooldownPeriod": 600,  # GPU replicas are slow to start: scale in slowly
                "triggers": [
                    {
                        "type": "prometheus",
                        "metadata": {
                            "serverAddress": scaling.prometheus_address,
                            "query": waiting_requests_query(args.namespace, name),
                            "threshold": str(scaling.target_waiting_requests),
                        },
                    }
                ],
            },
            opts=child(self),
        )


class VllmService(_VllmBase):
    """A vLLM Deployment whose replicas each fit on one node (tensor parallel inside the node)."""

    def __init__(self, name: str, args: VllmArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("deepseek-deploy:self-hosted:VllmService", name, None, opts)
        labels, secret_name, claim_name = self._common(name, args, multi_node=False)
        meta = {"namespace": args.namespace, "labels": labels}
        deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata={**meta, "name": name},
            spec={
                "replicas": args.autoscaling.min if args.autoscaling else args.replicas,
                "selector": {"matchLabels": {APP_LABEL: name}},
                # Recreate: a rolling update would wait forever for a spare GPU node.
                "strategy": {"type": "Recreate"},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": pod_spec(args, secret_name, claim_name, [container(args, secret_name)]),
                },
            },
            opts=child(self, depends_on=[]),
        )
        self._autoscale(name, args, meta, {"apiVersion": "apps/v1", "kind": "Deployment", "name": name})
        self.register_outputs({"endpoint": self.endpoint, "deployment": deployment.metadata["name"]})


MULTI_NODE_SCRIPT = "/vllm-workspace/examples/online_serving/multi-node-serving.sh"


def leader_command(args: VllmArgs) -> list[str]:
    """Start Ray's head, then serve; Kubernetes expands $(LWS_GROUP_SIZE) before the shell runs."""
    serve = shlex.join(["vllm", "serve", *vllm_args(args, multi_node=True)])
    return ["sh", "-c", f"bash {MULTI_NODE_SCRIPT} leader --ray_cluster_size=$(LWS_GROUP_SIZE) && exec {serve}"]


def worker_command() -> list[str]:
    return ["sh", "-c", f"bash {MULTI_NODE_SCRIPT} worker --ray_address=$(LWS_LEADER_ADDRESS)"]


class VllmMultiNode(_VllmBase):
    """A LeaderWorkerSet: each replica is a leader plus workers on `pipeline_parallel` nodes
    (tensor parallel inside a node, pipeline parallel across nodes). Needs LWS in the cluster."""

    def __init__(self, name: str, args: VllmArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("deepseek-deploy:self-hosted:VllmMultiNode", name, None, opts)
        labels, secret_name, claim_name = self._common(name, args, multi_node=True)
        meta = {"namespace": args.namespace, "labels": labels}
        leader = container(args, secret_name, command=leader_command(args))
        worker = container(args, secret_name, command=worker_command(), with_probes=False)
        k8s.apiextensions.CustomResource(
            f"{name}-group",
            api_version="leaderworkerset.x-k8s.io/v1",
            kind="LeaderWorkerSet",
            metadata={
                **meta,
                "name": name,
                "annotations": {
                    # Every pod of a replica in one zone: NCCL across zones is slow and costs transfer fees.
                    "leaderworkerset.sigs.k8s.io/exclusive-topology": "topology.kubernetes.io/zone",
                },
            },
            spec={
                "replicas": args.autoscaling.min if args.autoscaling else args.replicas,
                "startupPolicy": "LeaderCreated",
                "leaderWorkerTemplate": {
                    "size": args.pipeline_parallel,
                    # One failed pod restarts its whole group: a partial Ray cluster never recovers by itself.
                    "restartPolicy": "RecreateGroupOnPodRestart",
                    "leaderTemplate": {
                        "metadata": {"labels": labels},
                        "spec": pod_spec(args, secret_name, claim_name, [leader]),
                    },
                    "workerTemplate": {
                        "metadata": {"labels": labels},
                        "spec": pod_spec(args, secret_name, claim_name, [worker]),
                    },
                },
            },
            opts=child(self),
        )
        self._autoscale(
            name, args, meta, {"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet", "name": name}
        )
        self.register_outputs({"endpoint": self.endpoint})
