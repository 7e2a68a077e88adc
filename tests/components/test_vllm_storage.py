"""The weights cache (issue 10 item 2): each pod gets its own ReadWriteOnce volume (ephemeral, or kept by a
claim template), or every pod mounts one ReadWriteMany volume; no ReadWriteOnce claim is ever shared, and
rollouts never wait for a spare GPU."""

import pytest

from deepseek_deploy.components import Autoscaling, VllmArgs, VllmMultiNode, VllmService

from .conftest import of_type, one

ARGS = {
    "namespace": "deepseek",
    "model": "org/model",
    "served_model_name": "m",
    "image": "vllm:v1",
    "tensor_parallel": 1,
}
SCALING = Autoscaling(1, 4, 5, "http://prometheus:9090")


def vllm(run, cls=VllmService, **overrides):
    args = VllmArgs(**{**ARGS, **overrides})
    return run(lambda: cls("bot", args))


def models_volume(pod: dict) -> dict:
    return next(v for v in pod["volumes"] if v["name"] == "models")


def test_by_default_each_pod_of_a_scaled_deployment_gets_its_own_volume(run):
    recording = vllm(run, replicas=2, autoscaling=SCALING, storage_class="gp3")
    assert of_type(recording, "kubernetes:core/v1:PersistentVolumeClaim") == []  # nothing shared
    workload = one(recording, "kubernetes:apps/v1:Deployment")["inputs"]["spec"]
    # No surge, one pod at a time: a rollout never waits for a spare GPU, and the other replicas keep serving.
    assert workload["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}
    claim = models_volume(workload["template"]["spec"])["ephemeral"]["volumeClaimTemplate"]["spec"]
    assert claim["accessModes"] == ["ReadWriteOnce"] and claim["storageClassName"] == "gp3"
    assert claim["resources"]["requests"]["storage"] == "200Gi"


def test_without_a_storage_class_the_cluster_default_provisions_the_volume(run):
    workload = one(vllm(run), "kubernetes:apps/v1:Deployment")["inputs"]["spec"]
    claim = models_volume(workload["template"]["spec"])["ephemeral"]["volumeClaimTemplate"]["spec"]
    assert "storageClassName" not in claim


def test_a_persistent_cache_is_a_statefulset_claim_template_that_rolls_without_surge(run):
    recording = vllm(run, replicas=2, autoscaling=SCALING, weights_volume="persistent", storage_class="gp3")
    assert of_type(recording, "kubernetes:apps/v1:Deployment") == []
    workload = one(recording, "kubernetes:apps/v1:StatefulSet")["inputs"]["spec"]
    assert workload["updateStrategy"] == {"type": "RollingUpdate"} and workload["podManagementPolicy"] == "Parallel"
    assert [t["metadata"]["name"] for t in workload["volumeClaimTemplates"]] == ["models"]
    assert workload["volumeClaimTemplates"][0]["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert workload["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Delete", "whenScaled": "Retain"}
    assert all(v["name"] != "models" for v in workload["template"]["spec"]["volumes"])  # the template provides it
    target = one(recording, "kubernetes:keda.sh/v1alpha1:ScaledObject")["inputs"]["spec"]["scaleTargetRef"]
    assert target == {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "bot"}


def test_a_shared_cache_is_one_read_write_many_claim(run):
    recording = vllm(run, replicas=3, weights_volume="shared", storage_class="efs")
    claim = one(recording, "kubernetes:core/v1:PersistentVolumeClaim")["inputs"]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"] and claim["spec"]["storageClassName"] == "efs"
    pod = one(recording, "kubernetes:apps/v1:Deployment")["inputs"]["spec"]["template"]["spec"]
    assert models_volume(pod) == {"name": "models", "persistentVolumeClaim": {"claimName": claim["metadata"]["name"]}}


def test_a_multi_node_group_keeps_a_volume_per_pod_and_replaces_groups_one_at_a_time(run):
    recording = vllm(run, VllmMultiNode, pipeline_parallel=2, storage_class="gp3")
    spec = one(recording, "kubernetes:leaderworkerset.x-k8s.io/v1:LeaderWorkerSet")["inputs"]["spec"]
    template = spec["leaderWorkerTemplate"]
    assert template["volumeClaimTemplates"][0]["spec"]["accessModes"] == ["ReadWriteOnce"]
    # A group restart deletes the workers' StatefulSet: Retain keeps their caches for the next one.
    assert template["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    for role in ("leaderTemplate", "workerTemplate"):
        assert all(v["name"] != "models" for v in template[role]["spec"]["volumes"])
    assert spec["rolloutStrategy"]["rollingUpdateConfiguration"] == {"maxUnavailable": 1, "maxSurge": 0}
    assert of_type(recording, "kubernetes:core/v1:PersistentVolumeClaim") == []


def test_an_unknown_volume_kind_is_refused(run):
    with pytest.raises(ValueError, match="weights_volume"):
        vllm(run, weights_volume="nfs")
