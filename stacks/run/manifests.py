"""Kubernetes objects of a plan as YAML files, one per object, ready for `kubectl apply -f DIR`.

Secret values never leave the stack: a Secret is written with a placeholder to replace (or
create it with `kubectl create secret`). Helm releases and remote manifests are not objects;
they are listed so the reader installs them first.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from .recorder import SECRET
from .tracked_files import write_tracked

PLACEHOLDER = "REPLACE-ME"
# The hashes of what was written, to spot later edits. Not .json/.yaml: `kubectl apply -f DIR` reads those.
RECORD = ".deepseek-deploy-manifests.hashes"
# Apply order: namespaces and storage first, workloads last.
ORDER = (
    "Namespace",
    "StorageClass",
    "Secret",
    "ServiceAccount",
    "ConfigMap",
    "PersistentVolumeClaim",
    "Service",
    "Ingress",
    "DaemonSet",
    "Deployment",
    "StatefulSet",
    "LeaderWorkerSet",
    "PodDisruptionBudget",
    "NetworkPolicy",
    "ScaledObject",
    "ServiceMonitor",
    "PrometheusRule",
)
NOT_OBJECTS = ("kubernetes:helm.sh/v3:Release", "kubernetes:yaml/v2:ConfigFile")


@dataclass
class Manifests:
    files: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)  # files holding placeholders
    not_written: list[str] = field(default_factory=list)  # helm releases, remote manifests


def kubernetes_objects(resources: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(objects, other kubernetes resources) of a plan's resource list."""
    objects: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    for resource in resources:
        if not resource["type"].startswith("kubernetes:"):
            continue
        (others if resource["type"] in NOT_OBJECTS else objects).append(resource)
    return objects, others


def _unmask(value: Any) -> tuple[Any, bool]:
    if value == SECRET:
        return PLACEHOLDER, True
    if isinstance(value, dict):
        found = False
        result = {}
        for key, item in value.items():
            result[key], hit = _unmask(item)
            found = found or hit
        return result, found
    if isinstance(value, list):
        pairs = [_unmask(item) for item in value]
        return [item for item, _ in pairs], any(hit for _, hit in pairs)
    return value, False


def document(resource: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The object as `kubectl` expects it: apiVersion, kind, metadata first."""
    inputs = dict(resource["inputs"])
    head = {key: inputs.pop(key) for key in ("apiVersion", "kind", "metadata") if key in inputs}
    body, has_secret = _unmask({**head, **inputs})
    return body, has_secret


def files(resources: list[dict[str, Any]]) -> tuple[dict[str, str], Manifests]:
    """Each Kubernetes object as a YAML file (name -> text), in apply order; nothing is written."""
    import yaml

    objects, others = kubernetes_objects(resources)
    objects.sort(
        key=lambda r: (
            ORDER.index(r["inputs"].get("kind")) if r["inputs"].get("kind") in ORDER else len(ORDER),
            r["name"],
        )
    )
    texts: dict[str, str] = {}
    result = Manifests()
    for index, resource in enumerate(objects, start=1):
        body, has_secret = document(resource)
        kind = str(body.get("kind", "object")).lower()
        filename = f"{index:02d}-{kind}-{re.sub(r'[^a-z0-9-]', '-', resource['name'])}.yaml"
        header = f"# {resource['type']} {resource['name']}, written by `deploy plan --manifests`.\n"
        if has_secret:
            header += (
                f"# Replace every {PLACEHOLDER} before applying; deepseek-deploy never writes secret values to files.\n"
            )
            result.secrets.append(filename)
        texts[filename] = header + yaml.safe_dump(body, sort_keys=False, default_flow_style=False)
        result.files.append(filename)
    for resource in others:
        inputs = resource["inputs"]
        what = (
            inputs.get("file")
            or f"helm chart {inputs.get('chart')} {inputs.get('version', '(unpinned)')} from "
            f"{inputs.get('repositoryOpts', {}).get('repo', '?')}"
        )
        result.not_written.append(f"{resource['name']}: {what}")
    return texts, result


def write(resources: list[dict[str, Any]], directory: str, force: bool = False) -> Manifests:
    """Write the objects into `directory`; a file edited since the last write is never overwritten
    without `force` (a Secret whose placeholders were filled in, a hand-tuned object)."""
    texts, result = files(resources)
    write_tracked(directory, texts, record=RECORD, since="`deploy plan --manifests` wrote it", force=force)
    result.files = [os.path.join(directory, name) for name in result.files]
    result.secrets = [os.path.join(directory, name) for name in result.secrets]
    return result
