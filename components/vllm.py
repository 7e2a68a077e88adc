"""vLLM on Kubernetes: VllmService (a replica on one node) and VllmMultiNode (a LeaderWorkerSet
whose replica spans several nodes, for the 671B models), with the namespace, secrets, weights cache,
Service, PodDisruptionBudget, NetworkPolicy and KEDA autoscaling around them.

The pod itself is built by the pure functions in `vllm_pod` (re-exported here); this module only
turns it into Kubernetes objects.
"""

from __future__ import annotations

from typing import Any, Optional

import pulumi
import pulumi_kubernetes as k8s

from ._base import child
from .vllm_pod import (
    APP_LABEL,
    MULTI_NODE_SCRIPT,
    PORT,
    UID,
    Autoscaling,
    VllmArgs,
    container,
    leader_command,
    most_replicas,
    pod_spec,
    probes,
    vllm_args,
    waiting_requests_query,
    worker_command,
)

__all__ = [
    "APP_LABEL",
    "MULTI_NODE_SCRIPT",
    "PORT",
    "UID",
    "Autoscaling",
    "VllmArgs",
    "VllmMultiNode",
    "VllmService",
    "container",
    "leader_command",
    "pod_spec",
    "probes",
    "vllm_args",
    "waiting_requests_query",
    "worker_command",
]


def network_policy_rules(selector: dict[str, str], *, load_balancer: bool, multi_node: bool) -> dict[str, Any]:
    """Ingress to the API port only; egress to DNS and HTTPS; leader and workers may talk freely."""
    ingress_from: list[dict[str, Any]] = [{"namespaceSelector": {}}]
    if load_balancer:
        ingress_from.append({"ipBlock": {"cidr": "0.0.0.0/0"}})  # the NLB keeps client addresses; it is internal
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
    return {"ingress": rules_in, "egress": rules_out}


class _VllmBase(pulumi.ComponentResource):
    """Namespace, secrets, weights cache, Service, PDB, NetworkPolicy and autoscaling around a workload."""

    service_name: pulumi.Output[str]
    namespace: pulumi.Output[str]
    api_key: Optional[pulumi.Output[str]]
    endpoint: pulumi.Output[str]

    def _common(self, name: str, args: VllmArgs, multi_node: bool) -> tuple[dict[str, str], str, str]:
        """Everything around the workload; returns its labels, secret name and weights claim name."""
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
        secret_name = self._secrets(name, args, meta)
        claim_name = self._weights_cache(name, args, meta, multi_node)
        service = self._service(name, args, meta, selector, multi_node)
        # maxUnavailable (not minAvailable): a node drain can always evict the pod.
        k8s.policy.v1.PodDisruptionBudget(
            f"{name}-pdb",
            metadata={**meta, "name": name},
            spec={"maxUnavailable": 1, "selector": {"matchLabels": selector}},
            opts=child(self),
        )
        k8s.networking.v1.NetworkPolicy(
            f"{name}-network",
            metadata={**meta, "name": name},
            spec={
                "podSelector": {"matchLabels": selector},
                "policyTypes": ["Ingress", "Egress"],
                **network_policy_rules(selector, load_balancer=_load_balanced(args), multi_node=multi_node),
            },
            opts=child(self),
        )
        if args.service_monitor:
            self._service_monitor(name, meta, selector)
        self.namespace = namespace.metadata["name"]
        self.service_name = service.metadata["name"]
        self.endpoint = pulumi.Output.concat(
            "http://", service.metadata["name"], ".", namespace.metadata["name"], f".svc.cluster.local:{PORT}/v1"
        )
        return labels, secret_name, claim_name

    def _secrets(self, name: str, args: VllmArgs, meta: dict[str, Any]) -> str:
        """A generated API key and the Hugging Face token, in one Secret (made only if either is wanted)."""
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
        return secret_name

    def _weights_cache(self, name: str, args: VllmArgs, meta: dict[str, Any], multi_node: bool) -> str:
        """The volume vLLM downloads weights to; shared (ReadWriteMany) when several pods mount it."""
        claim_name = f"{name}-models"
        many = most_replicas(args) > 1 or multi_node
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
        return claim_name

    def _service(
        self, name: str, args: VllmArgs, meta: dict[str, Any], selector: dict[str, str], multi_node: bool
    ) -> k8s.core.v1.Service:
        """ClusterIP, or an internal NLB; a multi-node group is reached through its leader."""
        load_balanced = _load_balanced(args)
        annotations = (
            {
                "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
                "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
            }
            if load_balanced
            else {}
        )
        service_selector = {**selector, **({"leaderworkerset.sigs.k8s.io/worker-index": "0"} if multi_node else {})}
        return k8s.core.v1.Service(
            f"{name}-service",
            metadata={**meta, "name": name, "annotations": annotations},
            spec={
                "type": "LoadBalancer" if load_balanced else "ClusterIP",
                "selector": service_selector,
                "ports": [{"name": "http", "port": PORT, "targetPort": PORT, "protocol": "TCP"}],
            },
            opts=child(self),
        )

    def _service_monitor(self, name: str, meta: dict[str, Any], selector: dict[str, str]) -> None:
        """Prometheus Operator scrapes vLLM's /metrics (KEDA's autoscaling reads them back)."""
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
                "replicas": args.replicas,
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
                "replicas": args.replicas,
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


def _load_balanced(args: VllmArgs) -> bool:
    return args.expose == "load-balancer"
