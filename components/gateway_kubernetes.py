"""The gateway on Kubernetes: LiteLLM's proxy (one OpenAI-compatible endpoint in front of several tiers) as
a hardened Deployment, with its files in a ConfigMap, its secrets in a Secret, a service account for AWS
credentials (IRSA, or EKS Pod Identity associated by the caller), a ClusterIP Service, a
PodDisruptionBudget, a NetworkPolicy and CPU autoscaling.

The data plane (LiteLLM's config.yaml, our gateway.json and the hook modules) is built elsewhere
(`components.gateway`) and handed in as file contents; this module only hosts it. The pod and the policy
are pure functions of `GatewayKubernetesArgs`, checked without a cluster.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

import pulumi

from ._base import child
from .gateway_kubernetes_pod import (
    APP_LABEL,
    CHECKSUM_ANNOTATION,
    CONFIG_DIR,
    DEPLOYMENT_STRATEGY,
    IRSA_ANNOTATION,
    PORT,
    TYPE,
    GatewayKubernetesArgs,
    autoscaled,
    check_args,
    container,
    file_key,
    files_checksum,
    hpa_spec,
    litellm_command,
    network_policy_rules,
    pod_spec,
    probes,
    secret_key,
)
from .k8s_common import cluster_ip_service, guard_pods, restricted_namespace

if TYPE_CHECKING:  # the typed SDKs for the checker; at run time, components.sdk picks the path
    import pulumi_kubernetes as k8s
else:
    from .sdk import k8s

__all__ = [
    "CHECKSUM_ANNOTATION",
    "CONFIG_DIR",
    "PORT",
    "GatewayKubernetesArgs",
    "GatewayOnKubernetes",
    "check_args",
    "container",
    "files_checksum",
    "hpa_spec",
    "litellm_command",
    "network_policy_rules",
    "pod_spec",
    "probes",
]


class GatewayOnKubernetes(pulumi.ComponentResource):
    """LiteLLM's proxy in its own namespace, reached in the cluster at `endpoint`."""

    namespace: pulumi.Output[str]
    service_name: pulumi.Output[str]
    endpoint: pulumi.Output[str]

    def __init__(self, name: str, args: GatewayKubernetesArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__(TYPE, name, None, opts)
        check_args(args)
        labels = {
            APP_LABEL: name,
            "app.kubernetes.io/component": "gateway",
            "app.kubernetes.io/part-of": "deepseek-deploy",
            **args.labels,
        }
        selector = {APP_LABEL: name}
        namespace = restricted_namespace(self, name, args.namespace, args.labels, opts)
        # Every object names the namespace through its output, so each waits for it.
        meta = {"namespace": namespace.metadata["name"], "labels": labels}
        deployment = self._workload(name, args, meta, selector)
        service = cluster_ip_service(self, name, meta, selector, PORT)
        self._policies(name, args, meta, selector, deployment)
        self.namespace = namespace.metadata["name"]
        self.service_name = service.metadata["name"]
        self.endpoint = pulumi.Output.concat(
            "http://", service.metadata["name"], ".", namespace.metadata["name"], f".svc.cluster.local:{PORT}/v1"
        )
        self.register_outputs(
            {"namespace": self.namespace, "service_name": self.service_name, "endpoint": self.endpoint}
        )

    def _workload(
        self, name: str, args: GatewayKubernetesArgs, meta: dict[str, Any], selector: dict[str, str]
    ) -> k8s.apps.v1.Deployment:
        """The files, the secret variables, the service account and the Deployment that mounts them."""
        config_map = k8s.core.v1.ConfigMap(
            f"{name}-files",
            metadata={**meta, "name": f"{name}-files"},
            data={file_key(file): content for file, content in args.files.items()},
            opts=child(self),
        )
        secret_name = f"{name}-env"
        if args.secret_env:
            k8s.core.v1.Secret(
                f"{name}-env",
                metadata={**meta, "name": secret_name},
                type="Opaque",
                string_data={secret_key(key): pulumi.Output.secret(value) for key, value in args.secret_env.items()},
                opts=child(self),
            )
        account_meta: dict[str, Any] = {**meta, "name": name}
        if args.role_arn is not None:
            # IAM roles for service accounts: the annotation names the role the pods assume.
            # https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html
            account_meta["annotations"] = {IRSA_ANNOTATION: args.role_arn}
        account = k8s.core.v1.ServiceAccount(
            f"{name}-account", metadata=account_meta, automount_service_account_token=False, opts=child(self)
        )
        keys = sorted(args.files)
        checksum = pulumi.Output.all(*(args.files[key] for key in keys)).apply(
            lambda values: files_checksum(dict(zip(keys, values, strict=True)))
        )
        spec: dict[str, Any] = {
            "selector": {"matchLabels": selector},
            "strategy": DEPLOYMENT_STRATEGY,
            "template": {
                "metadata": {"labels": meta["labels"], "annotations": {CHECKSUM_ANNOTATION: checksum}},
                "spec": pod_spec(args, selector, account.metadata["name"], config_map.metadata["name"], secret_name),
            },
        }
        if not autoscaled(args):
            # With an autoscaler, the Deployment leaves the count to it: a `replicas` here would reset the
            # scaled count on every update. https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
            # ("Migrating Deployments and StatefulSets to horizontal autoscaling")
            spec["replicas"] = args.replicas
        return k8s.apps.v1.Deployment(
            f"{name}-deployment", metadata={**meta, "name": name}, spec=spec, opts=child(self)
        )

    def _policies(
        self,
        name: str,
        args: GatewayKubernetesArgs,
        meta: dict[str, Any],
        selector: dict[str, str],
        deployment: k8s.apps.v1.Deployment,
    ) -> None:
        """Disruption budget, network policy and, when it scales, the autoscaler."""
        guard_pods(self, name, meta, selector, network_policy_rules(args))
        if autoscaled(args):
            k8s.autoscaling.v2.HorizontalPodAutoscaler(
                f"{name}-autoscaler",
                metadata={**meta, "name": name},
                spec=hpa_spec(name, args),
                opts=child(self, depends_on=[deployment]),
            )
