"""Safe changes (issue 11 item 7): `protect: true` protects and keeps exactly the stateful resources, never the
compute; rollouts never wait for a spare GPU; and `plan` says what an update does to serving, and for how long."""

import math

import pytest

from deepseek_deploy.components import VllmArgs, VllmMultiNode, VllmService
from deepseek_deploy.components.vllm_pod import PULL_MARGIN_SECONDS, probes, startup_budget_seconds
from deepseek_deploy.stacks.run.dry_run import run_program
from deepseek_deploy.stacks.sizing.deployment import resolve_text

from ..conftest import MINIMAL
from .conftest import kept_names, one

PROTECT = "protect: true\n"
LOGGING = {"bot-kms-key", "bot-logging-logs", "bot-logging-invocations"}  # every Bedrock mode's own state
PROTECTED = {
    "serverless": LOGGING,
    "marketplace": LOGGING,  # the endpoint is compute: `destroy --force` deletes it
    "custom-import": LOGGING | {"bot-model-weights", "bot-model-import"},  # the weights and the imported model
}
EKS = (
    "name: bot\nmode: self-hosted\nregion: us-west-2\nmodel: distill-llama-8b\n"
    "cluster:\n  create: eks\n  node_instance_type: g6.2xlarge\n"
    "serving:\n  weights_cache: {volume: shared}\n"
    "access:\n  invoke_principals: [arn:aws:iam::123456789012:role/app]\n"
)


def plan(text: str):
    return run_program(resolve_text(text))


@pytest.mark.parametrize("mode", sorted(PROTECTED))
def test_protect_protects_and_keeps_exactly_the_stateful_resources(options, mode):
    notes = plan(MINIMAL[mode] + PROTECT).notes
    protected, retained = kept_names(options)
    assert protected == PROTECTED[mode] and retained == set()
    assert all(options[name]["retain_on_delete"] for name in protected)  # kept even if unprotected by hand
    assert any("`deploy destroy --force` deletes everything else and keeps them" in note for note in notes)


@pytest.mark.parametrize("text", [MINIMAL["custom-import"], EKS], ids=["custom-import", "eks"])
def test_without_protect_nothing_is_protected_or_kept(options, text):
    notes = plan(text).notes
    assert kept_names(options) == (set(), set())
    assert not any(note.startswith("protect: true") for note in notes)


def test_a_created_cluster_keeps_its_state_and_never_its_gpu_nodes(options):
    plan(EKS + PROTECT)
    protected, retained = kept_names(options)
    assert protected == {
        "bot-kms-key",  # the cluster's secrets key
        "bot-eks-cluster",
        "bot-eks-weights",  # the EFS file system of the shared weights cache
        "bot-api-key-secret-key",
        "bot-api-key-secret-secret",
        "bot-logs-kms-key",
        "bot-request-logs-group",
    }
    # In-cluster objects are retained, not protected: a protected object would keep, through the cluster's
    # provider, the GPU node group running after `destroy --force`.
    assert retained == {"bot-namespace", "bot-models"}
    assert not options["bot-eks-gpu"]["protect"] and not options["bot-eks-k8s"]["protect"]


def vllm_workload(run, cls=VllmService, **overrides):
    args = VllmArgs(namespace="deepseek", model="org/m", served_model_name="m", image="vllm:v1", tensor_parallel=1)
    return run(lambda: cls("bot", VllmArgs(**{**args.__dict__, **overrides})))


def test_protected_claims_outlive_their_statefulset_and_their_namespace(run, options):
    recording = vllm_workload(run, weights_volume="persistent", protect=True)
    spec = one(recording, "kubernetes:apps/v1:StatefulSet")["inputs"]["spec"]
    assert spec["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    assert options["bot-namespace"]["protect"] is None and options["bot-namespace"]["retain_on_delete"] is True


def test_group_caches_are_kept_with_their_namespace_under_protect(run, options):
    vllm_workload(run, VllmMultiNode, pipeline_parallel=2, protect=True)
    assert options["bot-namespace"]["retain_on_delete"] is True


def test_per_pod_ephemeral_volumes_keep_nothing(run, options):
    vllm_workload(run, protect=True)
    assert not options["bot-namespace"]["retain_on_delete"]


@pytest.mark.parametrize("volume", ["ephemeral", "persistent"])
def test_pulumi_waits_for_a_rollout_of_one_replica_at_a_time(run, options, volume):
    # Pulumi waits 10 minutes for a Deployment or StatefulSet by default: less than one large model's start.
    vllm_workload(run, weights_volume=volume, startup_seconds=1800, replicas=2, max_replicas=3)
    name = "bot-deployment" if volume == "ephemeral" else "bot-statefulset"
    each = math.ceil((startup_budget_seconds(1800) + PULL_MARGIN_SECONDS) / 60)  # 45 min of probe, 10 to pull
    assert options[name]["timeouts"] == (f"{each}m", f"{3 * each}m")  # an update replaces up to 3, one by one


# ---------------------------------------------------------------- what an update does to serving


def rollout_note(text: str) -> str:
    return next(note for note in plan(text).notes if note.startswith("updates:"))


def test_plan_says_a_single_replica_stops_serving_and_for_how_long():
    text = MINIMAL["self-hosted"]
    deployment = resolve_text(text)
    startup = deployment.serving.startup_seconds
    probe = probes(startup)["startupProbe"]
    note = rollout_note(text)
    assert "the Deployment replaces one pod at a time" in note and "no spare GPU is needed" in note
    assert "With 1 replica, serving stops during such an update" in note
    assert f"about {math.ceil(startup / 60)} min" in note
    assert f"allows {math.ceil(probe['failureThreshold'] * probe['periodSeconds'] / 60)} min" in note


def test_plan_says_several_replicas_keep_serving_while_each_restarts():
    note = rollout_note(MINIMAL["self-hosted"] + "serving:\n  replicas: 3\n")
    assert "With 3 replicas the endpoint keeps serving on 2 while each restarts" in note
    assert "serving stops" not in note


def test_plan_says_a_multi_node_group_restarts_as_a_whole():
    text = "name: bot\nmodel: r1\nmode: self-hosted\nregion: us-east-1\n"
    note = rollout_note(text + "cluster: {create: eks, node_instance_type: p5.48xlarge, nodes: {min: 2, max: 2}}\n")
    assert "the LeaderWorkerSet replaces one group of" in note and "less when it finds them in its kept cache" in note


def test_plan_says_a_new_marketplace_model_is_served_without_a_stop():
    note = rollout_note(MINIMAL["marketplace"])
    assert "creates it beside the old one, which keeps serving" in note and "Serving does not stop" in note
    assert "quota must allow 1 more ml.p4d.24xlarge instance" in note and "deletes the old one" in note


def test_plan_says_a_new_import_stops_the_model_until_it_completes():
    note = rollout_note(MINIMAL["custom-import"] + PROTECT)
    assert "the model does not serve until the new import completes (up to 120 min)" in note
    assert "with protect: true such a change fails" in note
