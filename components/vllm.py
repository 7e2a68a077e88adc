"""vLLM on Kubernetes: VllmService (a replica on one node) and VllmMultiNode (a LeaderWorkerSet
whose replica spans several nodes, for the 671B models), with the namespace, secrets, weights cache,
Services, PodDisruptionBudget, NetworkPolicy and KEDA autoscaling around them.

The pod is built by the pure functions in `vllm_pod` (re-exported here), the weights cache by
`vllm_storage` and the exposure (load balancer, NetworkPolicy sources) by `vllm_exposure`; this
module only turns them into Kubernetes objects. Dependencies given in `opts.depends_on` (the
cluster's add-ons: CRDs, storage classes, the load balancer controller) come before every object.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

import pulumi

from ._base import child
from .k8s_common import cluster_ip_service, guard_pods, restricted_namespace

if TYPE_CHECKING:  # the typed SDKs for the checker; at run time, components.sdk picks the path
    import pulumi_kubernetes as k8s
else:
    from .sdk import k8s
from .vllm_exposure import (
    alb_annotations,
    check_exposure,
    ingress_spec,
    network_policy_rules,
    nlb_annotations,
    nlb_service_spec,
)
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
    rollout_timeouts,
    vllm_args,
    waiting_requests_query,
    worker_command,
)
from .vllm_storage import (
    GROUP_RETENTION,
    claim_spec,
    claim_templates,
    keeps_volumes,
    pod_volume,
    stateful_set_retention,
    weights_volume,
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
    "most_replicas",
    "network_policy_rules",
    "pod_spec",
    "probes",
    "vllm_args",
    "waiting_requests_query",
    "worker_command",
]
LEADER_INDEX = {"leaderworkerset.sigs.k8s.io/worker-index": "0"}
# Rollouts never wait for a spare GPU: each old replica goes before its successor comes (no surge), one at a
# time, so the others keep serving. Recreate would stop them all at once; a surge would need a free GPU node.
# https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#rolling-update-deployment
DEPLOYMENT_STRATEGY = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}
# LeaderWorkerSet: one whole group at a time, the old one removed first.
# https://github.com/kubernetes-sigs/lws/blob/main/docs/examples/sample/README.md (Rollout Strategy)
GROUP_ROLLOUT = {"type": "RollingUpdate", "rollingUpdateConfiguration": {"maxUnavailable": 1, "maxSurge": 0}}


class _VllmBase(pulumi.ComponentResource):
    """Namespace, secrets, weights cache, Services, PDB, NetworkPolicy and autoscaling around a workload."""

    service_name: pulumi.Output[str]
    namespace: pulumi.Output[str]
    api_key: Optional[pulumi.Output[str]]
    endpoint: pulumi.Output[str]
    external_endpoint: Optional[pulumi.Output[Optional[str]]]
    weights_volume: str

    def _common(
        self, name: str, args: VllmArgs, multi_node: bool, opts: Optional[pulumi.ResourceOptions]
    ) -> tuple[dict[str, Any], dict[str, str], str, Optional[dict[str, Any]]]:
        """Everything around the workload; returns its metadata, labels, secret name and `models` volume."""
        check_exposure(args)
        self.weights_volume = weights_volume(args, multi_node=multi_node)
        labels = {APP_LABEL: name, "app.kubernetes.io/part-of": "deepseek-deploy", **args.labels}
        selector = {APP_LABEL: name}
        # With protect, destroy leaves it (and the kept weights caches in it) in the cluster.
        kept = keeps_volumes(args, self.weights_volume)
        namespace = restricted_namespace(self, name, args.namespace, args.labels, opts, retain_on_delete=kept)
        # Every object names the namespace through its output, so each waits for it (and for `depends_on`).
        meta = {"namespace": namespace.metadata["name"], "labels": labels}
        secret_name = self._secrets(name, args, meta)
        claim_name = f"{name}-models"
        if self.weights_volume == "shared":
            self._shared_claim(claim_name, args, meta)
        service_selector = {**selector, **(LEADER_INDEX if multi_node else {})}
        service = self._service(name, meta, service_selector)
        self.external_endpoint = self._exposure(name, args, meta, service_selector)
        guard_pods(self, name, meta, selector, network_policy_rules(selector, args, multi_node=multi_node))
        if args.service_monitor:
            self._service_monitor(name, meta, selector)
        self.namespace = namespace.metadata["name"]
        self.service_name = service.metadata["name"]
        self.endpoint = pulumi.Output.concat(
            "http://", service.metadata["name"], ".", namespace.metadata["name"], f".svc.cluster.local:{PORT}/v1"
        )
        return meta, labels, secret_name, pod_volume(args, self.weights_volume, labels, claim_name)

    def _secrets(self, name: str, args: VllmArgs, meta: dict[str, Any]) -> str:
        """A generated API key and the Hugging Face token, in one Secret (made only if either is wanted)."""
        secret_name = f"{name}-secrets"
        secret_data: dict[str, Any] = {}
        self.api_key = None
        if args.api_key:
            from .sdk import random

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

    def _shared_claim(self, claim_name: str, args: VllmArgs, meta: dict[str, Any]) -> None:
        """One ReadWriteMany claim that every pod mounts: the weights are downloaded once for all."""
        k8s.core.v1.PersistentVolumeClaim(
            claim_name,
            metadata={**meta, "name": claim_name},
            spec=claim_spec(args, "ReadWriteMany"),
            opts=child(self, retain_on_delete=args.protect),
        )

    def _service(self, name: str, meta: dict[str, Any], selector: dict[str, str]) -> k8s.core.v1.Service:
        """The in-cluster endpoint; a multi-node group is reached through its leader."""
        return cluster_ip_service(self, name, meta, selector, PORT)

    def _exposure(
        self, name: str, args: VllmArgs, meta: dict[str, Any], selector: dict[str, str]
    ) -> Optional[pulumi.Output[Optional[str]]]:
        """An NLB Service or an ALB Ingress (a separate object, so the in-cluster Service never changes
        hands between load balancer controllers); returns its URL once the controller has made it."""
        scheme = "https" if args.certificate_arn else "http"
        if args.expose == "load-balancer":
            exposed: Any = k8s.core.v1.Service(
                f"{name}-lb",
                metadata={**meta, "name": f"{name}-lb", "annotations": nlb_annotations(args)},
                spec=nlb_service_spec(args, selector),
                opts=child(self),
            )
            port = "" if args.certificate_arn else f":{PORT}"  # HTTPS on 443
        elif args.expose == "ingress":
            exposed = k8s.networking.v1.Ingress(
                f"{name}-ingress",
                metadata={**meta, "name": name, "annotations": alb_annotations(args)},
                spec=ingress_spec(name),
                opts=child(self),
            )
            port = ""
        else:
            return None
        return exposed.status.apply(lambda status: _url(status, scheme, port))

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


def _url(status: Any, scheme: str, port: str) -> Optional[str]:
    """The load balancer's URL from a Service or Ingress status, or None before it exists."""
    ingress = getattr(getattr(status, "load_balancer", None), "ingress", None) or []
    host = next((entry.hostname or entry.ip for entry in ingress if entry.hostname or entry.ip), None)
    return f"{scheme}://{host}{port}/v1" if host else None


class VllmService(_VllmBase):
    """vLLM replicas that each fit on one node (tensor parallel inside the node): a Deployment, or a
    StatefulSet when each pod keeps its own weights cache (`weights_volume="persistent"`)."""

    def __init__(self, name: str, args: VllmArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("deepseek-deploy:self-hosted:VllmService", name, None, opts)
        meta, labels, secret_name, models = self._common(name, args, multi_node=False, opts=opts)
        template = {
            "metadata": {"labels": labels},
            "spec": pod_spec(args, secret_name, models, [container(args, secret_name)]),
        }
        selector = {"matchLabels": {APP_LABEL: name}}
        if self.weights_volume == "persistent":
            kind = "StatefulSet"
            workload: Any = k8s.apps.v1.StatefulSet(
                f"{name}-statefulset",
                metadata={**meta, "name": name},
                spec={
                    "replicas": args.replicas,
                    "serviceName": name,
                    "selector": selector,
                    # Pods start together; a rolling update deletes each pod before making its successor,
                    # so it never waits for a spare GPU.
                    "podManagementPolicy": "Parallel",
                    "updateStrategy": {"type": "RollingUpdate"},
                    "template": template,
                    "volumeClaimTemplates": claim_templates(args, labels),
                    "persistentVolumeClaimRetentionPolicy": stateful_set_retention(args),
                },
                opts=child(self, custom_timeouts=rollout_timeouts(args)),
            )
        else:
            kind = "Deployment"
            workload = k8s.apps.v1.Deployment(
                f"{name}-deployment",
                metadata={**meta, "name": name},
                spec={
                    "replicas": args.replicas,
                    "selector": selector,
                    "strategy": DEPLOYMENT_STRATEGY,
                    "template": template,
                },
                opts=child(self, custom_timeouts=rollout_timeouts(args)),
            )
        self._autoscale(name, args, meta, {"apiVersion": "apps/v1", "kind": kind, "name": name})
        self.register_outputs({"endpoint": self.endpoint, "workload": workload.metadata["name"]})


class VllmMultiNode(_VllmBase):
    """A LeaderWorkerSet: each replica is a leader plus workers on `pipeline_parallel` nodes
    (tensor parallel inside a node, pipeline parallel across nodes). Needs LWS v0.8+ in the cluster."""

    def __init__(self, name: str, args: VllmArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("deepseek-deploy:self-hosted:VllmMultiNode", name, None, opts)
        meta, labels, secret_name, models = self._common(name, args, multi_node=True, opts=opts)
        leader = container(args, secret_name, command=leader_command(args))
        worker = container(args, secret_name, command=worker_command(), with_probes=False)
        template: dict[str, Any] = {
            "size": args.pipeline_parallel,
            # One failed pod restarts its whole group: a partial Ray cluster never recovers by itself.
            "restartPolicy": "RecreateGroupOnPodRestart",
            "leaderTemplate": {"metadata": {"labels": labels}, "spec": pod_spec(args, secret_name, models, [leader])},
            "workerTemplate": {"metadata": {"labels": labels}, "spec": pod_spec(args, secret_name, models, [worker])},
        }
        if self.weights_volume == "persistent":
            template["volumeClaimTemplates"] = claim_templates(args, labels)
            template["persistentVolumeClaimRetentionPolicy"] = GROUP_RETENTION
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
                # One group at a time, the old one removed first: an update never needs spare GPU nodes.
                "rolloutStrategy": GROUP_ROLLOUT,
                "leaderWorkerTemplate": template,
            },
            opts=child(self),
        )
        self._autoscale(
            name, args, meta, {"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet", "name": name}
        )
        self.register_outputs({"endpoint": self.endpoint})
