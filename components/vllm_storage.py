"""The weights cache of a vLLM workload: which volume each pod gets, as pure functions over `VllmArgs`.

- ephemeral: a generic ephemeral volume per pod. It is made with the pod and deleted with it, so a
  replaced pod downloads the weights again, but it is never tied to a zone it cannot get a GPU in.
- persistent: a claim template (StatefulSet, or LeaderWorkerSet claim templates, LWS v0.8+): a volume
  per pod that outlives the pod, so a restarted pod loads from its cache; it stays in its volume's zone.
- shared: one ReadWriteMany claim that every pod mounts (EFS, FSx for Lustre), filled once for all.

No ReadWriteOnce claim is ever mounted by more than one pod.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .vllm_pod import VllmArgs

VOLUMES = ("ephemeral", "persistent", "shared")
VOLUME_NAME = "models"


def weights_volume(args: VllmArgs, *, multi_node: bool) -> str:
    """The volume kind: as asked, or for `auto` persistent for multi-node groups (all of a replica's
    nodes share a zone, and hundreds of GB are slow to download again), ephemeral otherwise."""
    if args.weights_volume == "auto":
        return "persistent" if multi_node else "ephemeral"
    if args.weights_volume not in VOLUMES:
        raise ValueError(f"weights_volume must be auto, {', '.join(VOLUMES)}; got {args.weights_volume!r}")
    return args.weights_volume


def claim_spec(args: VllmArgs, access_mode: str) -> dict[str, Any]:
    """A claim's spec; without a storage class the cluster's default class provisions it."""
    spec: dict[str, Any] = {
        "accessModes": [access_mode],
        "resources": {"requests": {"storage": f"{args.weights_cache_gi}Gi"}},
    }
    if args.storage_class:
        spec["storageClassName"] = args.storage_class
    return spec


def ephemeral_volume(args: VllmArgs, labels: Mapping[str, str]) -> dict[str, Any]:
    """A per-pod volume whose claim the pod owns (Kubernetes generic ephemeral volumes)."""
    template = {"metadata": {"labels": dict(labels)}, "spec": claim_spec(args, "ReadWriteOnce")}
    return {"name": VOLUME_NAME, "ephemeral": {"volumeClaimTemplate": template}}


def shared_volume(claim_name: str) -> dict[str, Any]:
    return {"name": VOLUME_NAME, "persistentVolumeClaim": {"claimName": claim_name}}


def claim_templates(args: VllmArgs, labels: Mapping[str, str]) -> list[dict[str, Any]]:
    """The `volumeClaimTemplates` that give each pod its own kept volume."""
    return [{"metadata": {"name": VOLUME_NAME, "labels": dict(labels)}, "spec": claim_spec(args, "ReadWriteOnce")}]


def pod_volume(args: VllmArgs, kind: str, labels: Mapping[str, str], claim_name: str) -> dict[str, Any] | None:
    """The pod template's `models` volume; None where a claim template provides it."""
    if kind == "ephemeral":
        return ephemeral_volume(args, labels)
    if kind == "shared":
        return shared_volume(claim_name)
    return None


# StatefulSet: a deleted workload takes its volumes along; a scaled-in pod's volume waits for the next scale-out.
STATEFUL_SET_RETENTION = {"whenDeleted": "Delete", "whenScaled": "Retain"}
# LeaderWorkerSet: a group restart deletes the workers' StatefulSet; Retain keeps their caches for the new
# one (deleting the namespace on destroy removes them, unless protect keeps the namespace: `keeps_volumes`).
GROUP_RETENTION = {"whenDeleted": "Retain", "whenScaled": "Retain"}
# With protect, nothing deletes a kept claim: the next workload of the same name mounts it again.
KEEP_ALL = {"whenDeleted": "Retain", "whenScaled": "Retain"}


def stateful_set_retention(args: VllmArgs) -> dict[str, str]:
    """The StatefulSet's `persistentVolumeClaimRetentionPolicy`: its volumes outlive it under protect."""
    return dict(KEEP_ALL if args.protect else STATEFUL_SET_RETENTION)


def keeps_volumes(args: VllmArgs, kind: str) -> bool:
    """Whether destroy must leave the namespace (and the claims in it) in place: protect with a kept cache.

    Deleting a namespace deletes its claims. The namespace is retained, not protected: a protected
    resource keeps everything it depends on under `destroy --exclude-protected`, and an in-cluster object
    depends on the cluster's provider, which waits for the GPU nodes, so those would be kept running too.
    """
    return args.protect and kind in ("persistent", "shared")
