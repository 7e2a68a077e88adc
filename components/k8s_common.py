"""What every workload component on Kubernetes makes the same way (vLLM, the gateway): the disruption
budget and network policy around its pods, and the dependencies its caller asked for."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Optional

import pulumi

from ._base import child

if TYPE_CHECKING:  # the typed SDKs for the checker; at run time, components.sdk picks the path
    import pulumi_kubernetes as k8s
else:
    from .sdk import k8s


def depends_on(opts: Optional[pulumi.ResourceOptions]) -> list[Any]:
    """The caller's `depends_on`, as a list, for the first child (the namespace) to wait on."""
    found = opts.depends_on if opts is not None else None
    if found is None:
        return []
    return list(found) if isinstance(found, (list, tuple)) else [found]


def restricted_namespace(
    parent: pulumi.Resource,
    name: str,
    namespace: str,
    labels: Mapping[str, str],
    opts: Optional[pulumi.ResourceOptions],
    retain_on_delete: Optional[bool] = None,
) -> k8s.core.v1.Namespace:
    """The workload's namespace, enforcing the "restricted" Pod Security Standard; it waits for the caller's
    `depends_on`, and every object named in it waits for it. `retain_on_delete` is set only when given."""
    extra = {} if retain_on_delete is None else {"retain_on_delete": retain_on_delete}
    return k8s.core.v1.Namespace(
        f"{name}-namespace",
        metadata={"name": namespace, "labels": {"pod-security.kubernetes.io/enforce": "restricted", **labels}},
        opts=child(parent, depends_on=depends_on(opts), **extra),
    )


def guard_pods(
    parent: pulumi.Resource,
    name: str,
    meta: Mapping[str, Any],
    selector: Mapping[str, str],
    rules: Mapping[str, Any],
) -> None:
    """A PodDisruptionBudget and a NetworkPolicy (ingress and egress `rules`) for the pods of `selector`."""
    # maxUnavailable (not minAvailable): a node drain can always evict a pod, one at a time.
    # https://kubernetes.io/docs/tasks/run-application/configure-pdb/
    k8s.policy.v1.PodDisruptionBudget(
        f"{name}-pdb",
        metadata={**meta, "name": name},
        spec={"maxUnavailable": 1, "selector": {"matchLabels": dict(selector)}},
        opts=child(parent),
    )
    k8s.networking.v1.NetworkPolicy(
        f"{name}-network",
        metadata={**meta, "name": name},
        spec={"podSelector": {"matchLabels": dict(selector)}, "policyTypes": ["Ingress", "Egress"], **rules},
        opts=child(parent),
    )


def restricted_context(uid: int) -> dict[str, Any]:
    """A container security context meeting the Pod Security Standards' "restricted" profile, which the
    namespaces enforce. https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted"""
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def restricted_pod_context(uid: int) -> dict[str, Any]:
    """The pod's side of the same profile: a non-root user and group, which also own mounted volumes."""
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "fsGroup": uid,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def cluster_ip_service(
    parent: pulumi.Resource, name: str, meta: Mapping[str, Any], selector: Mapping[str, str], port: int
) -> k8s.core.v1.Service:
    """The in-cluster endpoint of the pods of `selector`, on one HTTP port."""
    return k8s.core.v1.Service(
        f"{name}-service",
        metadata={**meta, "name": name},
        spec={
            "type": "ClusterIP",
            "selector": dict(selector),
            "ports": [{"name": "http", "port": port, "targetPort": port, "protocol": "TCP"}],
        },
        opts=child(parent),
    )
