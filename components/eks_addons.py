"""Software a created EKS cluster runs for vLLM, installed through the cluster's Kubernetes provider:
NVIDIA's device plugin, and KEDA, LeaderWorkerSet and the EFA device plugin when asked.

Every Helm chart and remote manifest is pinned to a version the caller passes (from the catalog).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Optional

import pulumi

if TYPE_CHECKING:  # the typed SDKs for the checker; at run time, components.sdk picks the path
    import pulumi_kubernetes as k8s
else:
    from .sdk import k8s

GPU_LABEL = "deepseek-deploy/gpu"
GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
# checkov findings that hold for NVIDIA's plugin by design, suppressed on this object only.
DEVICE_PLUGIN_CHECKOV_SKIPS = {
    "checkov.io/skip1": "CKV_K8S_23=needs root to create its socket in the kubelet's root-owned device-plugins "
    "directory",
    "checkov.io/skip2": "CKV_K8S_40=same as CKV_K8S_23; no escalation, all capabilities dropped, read-only root",
    "checkov.io/skip3": "CKV_K8S_8=the plugin serves no health endpoint; the kubelet watches its socket",
    "checkov.io/skip4": "CKV_K8S_9=the plugin serves no health endpoint; the kubelet watches its socket",
}


def check_chart(chart: Optional[Mapping[str, str]], what: str) -> Mapping[str, str]:
    """A Helm chart as {repo, name, version}, pinned; a ValueError names what is missing."""
    missing = [key for key in ("repo", "name", "version") if not (chart or {}).get(key)]
    if chart is None or missing:
        raise ValueError(f"the {what} chart needs a pinned repo, name and version (missing: {', '.join(missing)})")
    return chart


def helm_release(name: str, chart: Mapping[str, str], namespace: str, opts: pulumi.ResourceOptions, **extra: Any):
    """A Helm release of a pinned chart."""
    return k8s.helm.v3.Release(
        name,
        chart=chart["name"],
        version=chart["version"],
        repository_opts={"repo": chart["repo"]},
        namespace=namespace,
        opts=opts,
        **extra,
    )


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
                "tolerations": [GPU_TOLERATION],
                "containers": [container],
                "volumes": [{"name": "device-plugin", "hostPath": {"path": "/var/lib/kubelet/device-plugins"}}],
            },
        },
    }


def device_plugin(name: str, image: str, mofed: bool, in_cluster: pulumi.ResourceOptions) -> k8s.apps.v1.DaemonSet:
    """NVIDIA's device plugin, which makes `nvidia.com/gpu` schedulable, fenced off from the network."""
    plugin = k8s.apps.v1.DaemonSet(
        f"{name}-nvidia-device-plugin",
        metadata={
            "name": "nvidia-device-plugin-daemonset",
            "namespace": "kube-system",
            "annotations": DEVICE_PLUGIN_CHECKOV_SKIPS,
        },
        spec=device_plugin_daemonset(image, mofed=mofed),
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
    return plugin


def workload_add_ons(
    name: str,
    *,
    keda_chart: Optional[Mapping[str, str]],
    lws_manifest: Optional[str],
    efa_chart: Optional[Mapping[str, str]],
    in_cluster: pulumi.ResourceOptions,
) -> list[pulumi.Resource]:
    """KEDA, LeaderWorkerSet and the EFA device plugin, each when given; returns what was installed."""
    installed: list[pulumi.Resource] = []
    if keda_chart:
        chart = check_chart(keda_chart, "KEDA")
        installed.append(helm_release(f"{name}-keda", chart, "keda", in_cluster, create_namespace=True))
    if lws_manifest:
        installed.append(k8s.yaml.v2.ConfigFile(f"{name}-lws", file=lws_manifest, opts=in_cluster))
    if efa_chart:
        chart = check_chart(efa_chart, "EFA device plugin")
        installed.append(
            helm_release(f"{name}-efa", chart, "kube-system", in_cluster, values={"tolerations": [GPU_TOLERATION]})
        )
    return installed
