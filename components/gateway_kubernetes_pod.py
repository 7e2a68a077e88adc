"""The gateway's pod and policies on Kubernetes as pure functions of `GatewayKubernetesArgs`, checked
without a cluster; `gateway_kubernetes.py` turns them into objects."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi

from .gateway.config import PROCESS_ENV
from .k8s_common import restricted_context, restricted_pod_context

TYPE = "deepseek-deploy:gateway:GatewayOnKubernetes"
PORT = 4000  # LiteLLM's default port
APP_LABEL = "app.kubernetes.io/name"
UID = 10001  # unprivileged, above host UIDs; the image's files are world-readable, /tmp is the only writable path
# The ConfigMap's files, mounted read-only as one folder: LiteLLM resolves `custom_auth` and the callbacks
# (`auth.user_api_key_auth`, `hooks.handler`) as modules in the folder of the config file, and the hooks
# find gateway.json and scorer_weights.json next to themselves.
CONFIG_DIR = "/etc/deepseek-gateway"
CONFIG_FILE = "config.yaml"
CHECKSUM_ANNOTATION = "deepseek-deploy/files-sha256"
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
# Unauthenticated probe endpoints; neither calls a model. https://docs.litellm.ai/docs/proxy/health
LIVENESS_PATH = "/health/liveliness"
READINESS_PATH = "/health/readiness"
# The EKS Pod Identity agent on each node (IPv4 and IPv6 clusters), where pods of an associated service account
# get their AWS credentials. https://docs.aws.amazon.com/eks/latest/userguide/pod-id-agent-setup.html
POD_IDENTITY_AGENT = ("169.254.170.23/32", "fd00:ec2::23/128")
# A ConfigMap key: https://kubernetes.io/docs/concepts/configuration/configmap/ ("data" keys)
_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Never fewer ready pods than asked during a rollout: one extra pod comes up before an old one goes.
# https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#rolling-update-deployment
DEPLOYMENT_STRATEGY = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}


@dataclass(frozen=True)
class GatewayKubernetesArgs:
    namespace: str  # made by the component
    image: str  # the pinned LiteLLM image, e.g. ghcr.io/berriai/litellm:v1.108.7
    files: Mapping[str, pulumi.Input[str]]  # file name -> content: config.yaml, gateway.json and the hook files
    env: Mapping[str, str] = field(default_factory=dict)  # plain environment (added to gateway PROCESS_ENV)
    secret_env: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)  # name -> secret value
    replicas: int = 2  # with autoscaling, the fewest replicas
    max_replicas: Optional[int] = None  # the most the autoscaler runs; default 3 x replicas; = replicas: none
    target_cpu_percent: int = 70  # the autoscaler's CPU utilisation target (of the CPU request)
    # IAM role for the pods through IRSA (Bedrock / SageMaker tiers). Or leave it None and associate the service
    # account (named like the component) with a role through EKS Pod Identity.
    role_arn: Optional[pulumi.Input[str]] = None
    client_ranges: Sequence[str] = ()  # CIDRs admitted besides the cluster's pods (e.g. a VPC's clients)
    egress_ports: Sequence[int] = (8000,)  # in-cluster tiers' ports (vLLM: 8000)
    labels: Mapping[str, str] = field(default_factory=dict)
    node_selector: Mapping[str, str] = field(default_factory=dict)
    cpu_request: str = "1"
    cpu_limit: str = "2"
    memory_request: str = "2Gi"
    memory_limit: str = "2Gi"


def check_args(args: GatewayKubernetesArgs) -> None:
    """A ValueError for settings that cannot run, or that would open the gateway wider than asked."""
    if CONFIG_FILE not in args.files:
        raise ValueError(f"files must include {CONFIG_FILE}")
    for name in args.files:
        if not _KEY.match(name):
            raise ValueError(f"file name {name!r} is not a valid ConfigMap key (letters, digits, '-', '_', '.')")
    for name in (*args.env, *args.secret_env):
        if not _ENV_NAME.match(name):
            raise ValueError(f"{name!r} is not an environment variable name")
    for kind, names, key in (
        ("file", list(args.files), file_key),
        ("secret variable", list(args.secret_env), secret_key),
    ):
        keys = [key(name) for name in names]
        if len(set(keys)) < len(keys):
            raise ValueError(f"two {kind} names differ only in '_' against '-' or in case: {sorted(names)}")
    both = sorted(set(args.env) & set(args.secret_env))
    if both:
        raise ValueError(f"{', '.join(both)} given both as plain and as secret environment")
    if args.replicas < 1:
        raise ValueError("replicas must be at least 1")
    if args.max_replicas is not None and args.max_replicas < args.replicas:
        raise ValueError(f"max_replicas ({args.max_replicas}) is below replicas ({args.replicas})")
    for cidr in args.client_ranges:
        if ipaddress.ip_network(cidr, strict=True).prefixlen == 0:
            raise ValueError(f"{cidr} admits the whole internet; name the clients' ranges")
    for port in args.egress_ports:
        if not 0 < port < 65536:
            raise ValueError(f"egress port {port} is out of range")


# ConfigMap and Secret keys carry no underscore: registered by type token (`deploy plan`), keys of nested maps
# go through components.sdk's name translation, which camel-cases `a_b` to `aB`. The volume's `items` give
# each file its real name; each variable reads its own key.
def file_key(name: str) -> str:
    """A file's ConfigMap key: `scorer_weights.json` -> `scorer-weights.json`."""
    return name.replace("_", "-")


def secret_key(variable: str) -> str:
    """A variable's Secret key: `LITELLM_MASTER_KEY` -> `litellm-master-key`."""
    return variable.replace("_", "-").lower()


def most_replicas(args: GatewayKubernetesArgs) -> int:
    return args.max_replicas if args.max_replicas is not None else 3 * args.replicas


def autoscaled(args: GatewayKubernetesArgs) -> bool:
    return most_replicas(args) > args.replicas


def files_checksum(files: Mapping[str, str]) -> str:
    """A digest of every file's name and content: on the pod template, so a changed file rolls the pods
    (a mounted ConfigMap is refreshed in place, but LiteLLM reads its config only at start)."""
    canonical = json.dumps(dict(sorted(files.items())), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def litellm_command() -> list[str]:
    """The proxy on all addresses, port 4000, reading config.yaml from the mounted folder (the working
    directory too). One worker: the autoscaler adds pods instead."""
    return ["litellm", "--config", f"{CONFIG_DIR}/{CONFIG_FILE}", "--host", "0.0.0.0", "--port", str(PORT)]


def environment(args: GatewayKubernetesArgs, secret_name: str) -> list[dict[str, Any]]:
    """Plain variables, then each secret one from the Secret by reference: no secret value in the pod spec."""
    plain = {
        **PROCESS_ENV,
        # The root filesystem is read-only: no bytecode next to the mounted modules, caches under /tmp.
        "PYTHONDONTWRITEBYTECODE": "1",
        "HOME": "/tmp",
        "XDG_CACHE_HOME": "/tmp/.cache",
        **args.env,
    }
    env: list[dict[str, Any]] = [
        {"name": key, "value": value} for key, value in plain.items() if key not in args.secret_env
    ]
    env += [
        {"name": key, "valueFrom": {"secretKeyRef": {"name": secret_name, "key": secret_key(key)}}}
        for key in sorted(args.secret_env)
    ]
    return env


def probes() -> dict[str, Any]:
    """Startup and liveness on /health/liveliness (the process is up), readiness on /health/readiness
    (it serves; 503 while shutting down), both unauthenticated: https://docs.litellm.ai/docs/proxy/health."""
    alive = {"httpGet": {"path": LIVENESS_PATH, "port": PORT}}
    ready = {"httpGet": {"path": READINESS_PATH, "port": PORT}}
    return {
        # Up to 3 minutes to import LiteLLM and load the config; the other probes wait for it.
        # https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/#startup-probe
        "startupProbe": {**alive, "periodSeconds": 5, "timeoutSeconds": 3, "failureThreshold": 36},
        "livenessProbe": {**alive, "periodSeconds": 15, "timeoutSeconds": 5, "failureThreshold": 4},
        "readinessProbe": {**ready, "periodSeconds": 10, "timeoutSeconds": 5, "failureThreshold": 3},
    }


def container(args: GatewayKubernetesArgs, secret_name: str) -> dict[str, Any]:
    return {
        "name": "litellm",
        "image": args.image,
        "imagePullPolicy": "IfNotPresent",
        # The command replaces the image's entrypoint script, so the flags are exactly these.
        "command": litellm_command(),
        "workingDir": CONFIG_DIR,
        "env": environment(args, secret_name),
        "ports": [{"name": "http", "containerPort": PORT, "protocol": "TCP"}],
        "resources": {
            "requests": {"cpu": args.cpu_request, "memory": args.memory_request},
            "limits": {"cpu": args.cpu_limit, "memory": args.memory_limit},
        },
        "volumeMounts": [
            {"name": "files", "mountPath": CONFIG_DIR, "readOnly": True},
            # LiteLLM's temporary files (e.g. the tiktoken cache); nothing else is written without a database.
            {"name": "tmp", "mountPath": "/tmp"},
        ],
        # The Pod Security Standards' "restricted" profile, which the namespace enforces.
        # https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
        "securityContext": restricted_context(UID),
        **probes(),
    }


def topology_spread(selector: Mapping[str, str]) -> list[dict[str, Any]]:
    """Replicas spread over nodes and zones, preferred rather than required so a small cluster still
    schedules them; tainted nodes (GPU nodes) the pod cannot use do not count as places to spread to.
    https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/"""
    return [
        {
            "maxSkew": 1,
            "topologyKey": key,
            "whenUnsatisfiable": "ScheduleAnyway",
            "nodeTaintsPolicy": "Honor",
            "labelSelector": {"matchLabels": dict(selector)},
        }
        for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
    ]


def pod_spec(
    args: GatewayKubernetesArgs, selector: Mapping[str, str], service_account: str, config_map: str, secret_name: str
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "serviceAccountName": service_account,
        # The pod never calls the Kubernetes API. IRSA does not need this token: the EKS Pod Identity webhook
        # adds its own projected token volume (audience sts.amazonaws.com) to pods of an annotated account.
        # https://docs.aws.amazon.com/eks/latest/userguide/pod-configuration.html
        "automountServiceAccountToken": False,
        # Time to finish answers in flight after SIGTERM (long generations stream for a while).
        "terminationGracePeriodSeconds": 60,
        "securityContext": restricted_pod_context(UID),
        "topologySpreadConstraints": topology_spread(selector),
        "containers": [container(args, secret_name)],
        "volumes": [
            {
                "name": "files",
                "configMap": {
                    "name": config_map,
                    "items": [{"key": file_key(name), "path": name} for name in sorted(args.files)],
                    "defaultMode": 0o444,
                },
            },
            {"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}},
        ],
    }
    if args.node_selector:
        spec["nodeSelector"] = dict(args.node_selector)
    return spec


def network_policy_rules(args: GatewayKubernetesArgs) -> dict[str, Any]:
    """Ingress to port 4000 only, from the cluster's pods and the named client ranges; egress to DNS, to
    HTTPS anywhere (AWS APIs: STS, Bedrock, SageMaker; hosted tiers), to the node's EKS Pod Identity agent
    and to in-cluster tiers' ports.
    https://kubernetes.io/docs/concepts/services-networking/network-policies/"""
    sources: list[dict[str, Any]] = [{"namespaceSelector": {}}]
    sources += [{"ipBlock": {"cidr": cidr}} for cidr in args.client_ranges]
    egress: list[dict[str, Any]] = [
        {
            "to": [{"namespaceSelector": {}}],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        },
        {"ports": [{"protocol": "TCP", "port": 443}]},
        {
            "to": [{"ipBlock": {"cidr": cidr}} for cidr in POD_IDENTITY_AGENT],
            "ports": [{"protocol": "TCP", "port": 80}],
        },
    ]
    if args.egress_ports:
        egress.append(
            {
                "to": [{"namespaceSelector": {}}],
                "ports": [{"protocol": "TCP", "port": port} for port in args.egress_ports],
            }
        )
    return {
        "ingress": [{"from": sources, "ports": [{"protocol": "TCP", "port": PORT}]}],
        "egress": egress,
    }


def hpa_spec(name: str, args: GatewayKubernetesArgs) -> dict[str, Any]:
    """CPU-based autoscaling between `replicas` and `max_replicas`: the proxy is CPU-bound (JSON, hooks).
    https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/"""
    return {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
        "minReplicas": args.replicas,
        "maxReplicas": most_replicas(args),
        "metrics": [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": args.target_cpu_percent},
                },
            }
        ],
    }
