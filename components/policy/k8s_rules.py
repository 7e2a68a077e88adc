"""Kubernetes: pod security, resources, probes and images of every pod template, and, over the whole
stack, the NetworkPolicies, PodDisruptionBudgets and load balancers around the workloads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .core import Resource, as_list, dig, known

Finding = tuple[Resource | None, str]

WORKLOADS = (
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:apps/v1:ReplicaSet",
    "kubernetes:batch/v1:Job",
    "kubernetes:batch/v1:CronJob",
    "kubernetes:core/v1:Pod",
    "kubernetes:leaderworkerset.x-k8s.io/v1:LeaderWorkerSet",
)
# Workloads a drain evicts; DaemonSet pods are left in place, Jobs run to completion.
REPLICATED = (
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:ReplicaSet",
    "kubernetes:leaderworkerset.x-k8s.io/v1:LeaderWorkerSet",
)
BATCH = ("kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob")
HELM = ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Chart")
SERVICE = "kubernetes:core/v1:Service"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
MOVING_TAGS = {"latest", "stable", "main", "master", "nightly", "edge", "dev", "develop", "head", "current", "lts"}


def templates(resource: Resource) -> list[tuple[str, Mapping[str, Any]]]:
    """(role, pod template) of a workload; the role is `pod`, or `leader`/`worker` for a LeaderWorkerSet."""
    spec = resource.inputs.get("spec")
    kind = resource.type.rsplit(":", 1)[-1]
    if kind == "Pod":
        found = [("pod", {"metadata": resource.inputs.get("metadata"), "spec": spec})]
    elif kind == "CronJob":
        found = [("pod", dig(spec, "jobTemplate", "spec", "template"))]
    elif kind == "LeaderWorkerSet":
        lws = dig(spec, "leaderWorkerTemplate")
        found = [("leader", dig(lws, "leaderTemplate")), ("worker", dig(lws, "workerTemplate"))]
    else:
        found = [("pod", dig(spec, "template"))]
    return [(role, template) for role, template in found if isinstance(template, Mapping)]


def containers(template: Mapping[str, Any], init: bool = True) -> list[Mapping[str, Any]]:
    spec = template.get("spec")
    fields = ("containers", "initContainers") if init else ("containers",)
    return [c for f in fields for c in as_list(dig(spec, f)) if isinstance(c, Mapping)]


def _each_container(resource: Resource, init: bool = True) -> Iterable[tuple[str, Mapping, Mapping]]:
    for role, template in templates(resource):
        for container in containers(template, init):
            where = f"{'' if role == 'pod' else role + ' '}container {container.get('name', '?')}"
            yield where, template, container


def _effective(template: Mapping[str, Any], container: Mapping[str, Any], key: str) -> Any:
    own = dig(container, "securityContext", key)
    return own if own is not None else dig(template, "spec", "securityContext", key)


def non_root_findings(resource: Resource) -> Iterable[str]:
    """DD-K8S-001: containers run as a non-root user."""
    for where, template, container in _each_container(resource):
        user = _effective(template, container, "runAsUser")
        non_root = _effective(template, container, "runAsNonRoot")
        if user == 0 or not (non_root is True or (isinstance(user, int) and user > 0)):
            yield f"{where} may run as root (securityContext.runAsNonRoot: true, runAsUser > 0)"


def read_only_findings(resource: Resource) -> Iterable[str]:
    """DD-K8S-002: containers have a read-only root filesystem."""
    for where, _, container in _each_container(resource):
        if dig(container, "securityContext", "readOnlyRootFilesystem") is not True:
            yield f"{where} has a writable root filesystem (securityContext.readOnlyRootFilesystem: true)"


def escalation_findings(resource: Resource) -> Iterable[str]:
    """DD-K8S-003: no privileged containers and no privilege escalation."""
    for where, _, container in _each_container(resource):
        context = dig(container, "securityContext") or {}
        if dig(context, "privileged") is True:
            yield f"{where} is privileged"
        if dig(context, "allowPrivilegeEscalation") is not False:
            yield f"{where} may escalate privileges (securityContext.allowPrivilegeEscalation: false)"


def limits_findings(resource: Resource) -> Iterable[str]:
    """DD-K8S-004: containers have CPU and memory limits."""
    for where, _, container in _each_container(resource):
        limits = dig(container, "resources", "limits") or {}
        missing = [r for r in ("cpu", "memory") if not dig(limits, r)]
        if missing:
            yield f"{where} has no {' or '.join(missing)} limit (resources.limits)"


def probe_findings(resource: Resource) -> Iterable[str]:
    """DD-K8S-005: serving containers have readiness and liveness probes (LeaderWorkerSet: on the leader)."""
    if resource.type in BATCH:
        return
    for role, template in templates(resource):
        if role == "worker":
            continue  # the group is probed through its leader and restarted as one
        for container in containers(template, init=False):
            missing = [p for p in ("readinessProbe", "livenessProbe") if not container.get(p)]
            if missing:
                yield f"container {container.get('name', '?')} has no {' or '.join(missing)}"


def _unpinned_image(image: Any) -> str | None:
    if not isinstance(image, str) or not known(image):
        return None
    if "@sha256:" in image:
        return None
    name = image.rsplit("/", 1)[-1]
    tag = name.split(":", 1)[1] if ":" in name else ""
    if not tag:
        return "has no tag (it means `latest`)"
    if tag.lower() in MOVING_TAGS or not any(ch.isdigit() for ch in tag):
        return f"uses the moving tag `{tag}`"
    return None


def pinning_findings(resource: Resource) -> Iterable[str]:
    """DD-K8S-006: images pinned by a version tag or digest; Helm charts by an exact version."""
    if resource.type in HELM:
        version = str(resource.inputs.get("version") or "")
        if not version or any(ch in version for ch in "*^~><x|") or version == "latest":
            yield f"chart {resource.inputs.get('chart', '?')} is not pinned to an exact version"
        return
    for where, _, container in _each_container(resource):
        problem = _unpinned_image(container.get("image"))
        if problem:
            yield f"{where} image {container.get('image')} {problem}; pin a version tag or a digest"


# ---------------------------------------------------------------- selection


def namespace(resource: Resource) -> str | None:
    value = dig(resource.inputs, "metadata", "namespace")
    if value is None:
        return "default"
    return value if isinstance(value, str) and known(value) else None


def selects(selector: Any, labels: Mapping[str, Any]) -> bool:
    """A LabelSelector (matchLabels and matchExpressions) against a pod's labels; `{}` selects every pod."""
    if not isinstance(selector, Mapping):
        return False
    match = selector.get("matchLabels") or {}
    if any(labels.get(k) != v for k, v in match.items()):
        return False
    for expression in as_list(selector.get("matchExpressions")):
        key, operator, values = dig(expression, "key"), dig(expression, "operator"), as_list(dig(expression, "values"))
        present = key in labels
        if (
            (operator == "In" and labels.get(key) not in values)
            or (operator == "NotIn" and present and labels.get(key) in values)
            or (operator == "Exists" and not present)
            or (operator == "DoesNotExist" and present)
        ):
            return False
    return True


def pod_labels(resource: Resource) -> list[Mapping[str, Any]]:
    return [dig(template, "metadata", "labels") or {} for _, template in templates(resource)]


def _covered(resources: Sequence[Resource], workload: Resource, kind: str, selector_path: tuple[str, ...]) -> bool:
    space = namespace(workload)
    candidates = [r for r in resources if r.type == kind and namespace(r) == space]
    return all(
        any(selects(dig(c.inputs, *selector_path), labels) for c in candidates) for labels in pod_labels(workload)
    )


def network_policy_findings(resources: Sequence[Resource]) -> Iterable[Finding]:
    """DD-K8S-007: a NetworkPolicy selects the pods of every workload."""
    for workload in (r for r in resources if r.type in WORKLOADS and namespace(r) is not None):
        if not _covered(resources, workload, NETWORK_POLICY, ("spec", "podSelector")):
            yield workload, f"no NetworkPolicy in namespace {namespace(workload)} selects these pods"


def _blocks_drains(pdb: Resource, workload: Resource) -> bool:
    spec = pdb.inputs.get("spec") or {}
    replicas = dig(workload.inputs, "spec", "replicas")
    minimum = spec.get("minAvailable")
    if spec.get("maxUnavailable") in (0, "0", "0%") or minimum == "100%":
        return True
    return isinstance(minimum, int) and isinstance(replicas, int) and minimum >= replicas


def disruption_budget_findings(resources: Sequence[Resource]) -> Iterable[Finding]:
    """DD-K8S-008: a PodDisruptionBudget covers every replicated workload, without blocking node drains."""
    for workload in (r for r in resources if r.type in REPLICATED and namespace(r) is not None):
        if not _covered(resources, workload, PDB, ("spec", "selector")):
            yield workload, f"no PodDisruptionBudget in namespace {namespace(workload)} selects these pods"
            continue
        space, labels = namespace(workload), pod_labels(workload)
        budgets = [r for r in resources if r.type == PDB and namespace(r) == space]
        for pdb in budgets:
            chosen = any(selects(dig(pdb.inputs, "spec", "selector"), pod) for pod in labels)
            if chosen and _blocks_drains(pdb, workload):
                yield (
                    pdb,
                    f"PodDisruptionBudget {pdb.name} allows no disruption of {workload.name}: drains wait forever",
                )
