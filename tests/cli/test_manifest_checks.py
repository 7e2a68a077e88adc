"""`deploy plan --manifests` output for every self-hosted example and the gateway on Kubernetes: valid objects
(kubernetes-validate, against the OpenAPI schema), clean under checkov but for the justified skips in
tests/checkov_skips.yaml, and safe to apply: load balancers internal unless the spec says public, no
NetworkPolicy open to the internet unless public, no ReadWriteOnce claim shared by pods, and every
StorageClass either made by the plan or named by the spec."""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import venv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from ..conftest import EXAMPLES, REPO

# Every example that makes Kubernetes objects: the self-hosted deployments and the gateway hosted on Kubernetes.
SELF_HOSTED = [p for p in EXAMPLES if "self-hosted" in p.name] + [REPO / "examples" / "hybrid" / "assistant.yaml"]
CHECKOV = "checkov==3.3.30"  # pinned: its checks change between releases
TOOLS = Path(os.environ.get("DEEPSEEK_DEPLOY_TOOLS", REPO / ".venv-tools"))
# Custom resources whose schemas ship with their operators, not with Kubernetes.
CUSTOM_KINDS = {"LeaderWorkerSet", "ScaledObject", "ServiceMonitor"}


@dataclass(frozen=True)
class Written:
    directory: Path
    spec: dict[str, Any]  # the example, as YAML
    objects: list[dict[str, Any]]

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [o for o in self.objects if o["kind"] == kind]


@pytest.fixture(scope="module", params=SELF_HOSTED, ids=lambda p: p.name)
def manifests(request, tmp_path_factory) -> Written:
    from deepseek_deploy.cli.main import main

    out = tmp_path_factory.mktemp(request.param.stem)
    assert main(["plan", str(request.param), "--manifests", str(out)]) == 0
    objects = [yaml.safe_load(path.read_text()) for path in sorted(out.glob("*.yaml"))]
    return Written(out, yaml.safe_load(request.param.read_text()), objects)


def test_every_object_validates_against_the_kubernetes_schema(manifests):
    version = kubernetes_validate.latest_version()
    checked = 0
    for path in sorted(manifests.directory.glob("*.yaml")):
        document = yaml.safe_load(path.read_text())
        if document["kind"] in CUSTOM_KINDS:
            assert document["apiVersion"] in (
                "leaderworkerset.x-k8s.io/v1",
                "keda.sh/v1alpha1",
                "monitoring.coreos.com/v1",
            )
            assert document["metadata"]["name"] and document["spec"]
            continue
        kubernetes_validate.validate(document, version, strict=True)
        checked += 1
    assert checked >= 5


@pytest.fixture(scope="session")
def checkov() -> str:
    """checkov in a virtualenv of its own: it pins an old boto3 that must not replace ours."""
    binary = TOOLS / "checkov" / "bin" / "checkov"
    if not binary.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(TOOLS / "checkov")
        subprocess.run(
            [str(TOOLS / "checkov" / "bin" / "python"), "-m", "pip", "install", "-q", CHECKOV], check=True, timeout=900
        )
    return str(binary)


def skips() -> dict[str, str]:
    return yaml.safe_load((REPO / "tests" / "checkov_skips.yaml").read_text()) or {}


def test_checkov_finds_no_unjustified_failure(manifests, checkov):
    skipped = skips()
    command = [
        checkov,
        "-d",
        str(manifests.directory),
        "--framework",
        "kubernetes",
        "--skip-download",
        "--output",
        "json",
        "--compact",
    ]
    if skipped:
        command += ["--skip-check", ",".join(skipped)]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=600, env={**os.environ, "BC_SKIP_MAPPING": "TRUE"}
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    report = json.loads(result.stdout) if result.stdout.strip() else {}
    reports = report if isinstance(report, list) else [report]
    failed = [
        f"{c['check_id']} {c['check_name']} ({Path(c['file_path']).name})"
        for r in reports
        for c in r.get("results", {}).get("failed_checks", [])
    ]
    assert failed == [], "checkov failures (fix them, or justify each in tests/checkov_skips.yaml):\n" + "\n".join(
        failed
    )
    passed = sum(r.get("summary", {}).get("passed", 0) for r in reports)
    assert passed > 20, "checkov checked almost nothing: is the kubernetes framework running?"


def _serving(written: Written) -> dict[str, Any]:
    return written.spec.get("serving") or {}


def test_load_balancers_are_internal_under_the_aws_controller_unless_the_spec_says_public(manifests):
    prefix = "service.beta.kubernetes.io/aws-load-balancer-"
    public = bool(_serving(manifests).get("public"))
    for service in manifests.of_kind("Service"):
        if service["spec"]["type"] != "LoadBalancer":
            continue
        annotations = service["metadata"].get("annotations") or {}
        # `nlb` goes to the in-tree controller, which ignores the scheme: only `external` reaches the LBC.
        assert annotations.get(f"{prefix}type") == "external", service["metadata"]["name"]
        assert annotations.get(f"{prefix}nlb-target-type") in ("ip", "instance")
        assert annotations.get(f"{prefix}scheme") == ("internet-facing" if public else "internal")
        assert "0.0.0.0/0" not in service["spec"].get("loadBalancerSourceRanges", ["0.0.0.0/0"])
    for ingress in manifests.of_kind("Ingress"):
        annotations = ingress["metadata"]["annotations"]
        assert annotations["alb.ingress.kubernetes.io/scheme"] == ("internet-facing" if public else "internal")


def test_no_network_policy_admits_the_internet_unless_the_spec_asks_for_a_public_endpoint(manifests):
    public = bool(_serving(manifests).get("public"))
    for policy in manifests.of_kind("NetworkPolicy"):
        for rule in policy["spec"].get("ingress", []):
            for peer in rule.get("from", []):
                cidr = peer.get("ipBlock", {}).get("cidr")
                if cidr is None:
                    continue
                assert cidr != "0.0.0.0/0", policy["metadata"]["name"]
                if not public:
                    assert ipaddress.ip_network(cidr).is_private, (policy["metadata"]["name"], cidr)


def _pods(written: Written, workload: dict[str, Any]) -> int:
    """The most pods a workload runs at once (KEDA's maximum when it scales it)."""
    replicas = workload["spec"].get("replicas", 1)
    for scaler in written.of_kind("ScaledObject"):
        if scaler["spec"]["scaleTargetRef"]["name"] == workload["metadata"]["name"]:
            replicas = max(replicas, scaler["spec"]["maxReplicaCount"])
    if workload["kind"] == "LeaderWorkerSet":
        return replicas * workload["spec"]["leaderWorkerTemplate"].get("size", 1)
    return replicas


def _pod_templates(workload: dict[str, Any]) -> list[dict[str, Any]]:
    if workload["kind"] == "LeaderWorkerSet":
        template = workload["spec"]["leaderWorkerTemplate"]
        return [template["leaderTemplate"], template["workerTemplate"]]
    return [workload["spec"]["template"]]


def test_no_read_write_once_claim_is_mounted_by_more_than_one_pod(manifests):
    claims = {c["metadata"]["name"]: c for c in manifests.of_kind("PersistentVolumeClaim")}
    created = {c["metadata"]["name"]: c for c in manifests.of_kind("StorageClass")}
    for workload in [o for o in manifests.objects if o["kind"] in ("Deployment", "StatefulSet", "LeaderWorkerSet")]:
        pods = _pods(manifests, workload)
        for template in _pod_templates(workload):
            for volume in template["spec"].get("volumes", []):
                name = volume.get("persistentVolumeClaim", {}).get("claimName")
                if name is None:
                    continue  # ephemeral or claim-template volumes are one per pod
                claim = claims[name]["spec"]
                if "ReadWriteOnce" in claim["accessModes"] or "ReadWriteOncePod" in claim["accessModes"]:
                    assert pods == 1 and workload["kind"] != "LeaderWorkerSet", (workload["metadata"]["name"], name)
                else:  # ReadWriteMany: a class that can share (EFS made here), or one the spec names for that
                    made = created.get(claim.get("storageClassName", ""))
                    cache = _serving(manifests).get("weights_cache") or {}
                    assert (made and made["provisioner"] == "efs.csi.aws.com") or (
                        cache.get("volume") == "shared" and cache.get("storage_class") == claim.get("storageClassName")
                    ), (name, claim.get("storageClassName"))


def _claim_specs(written: Written) -> list[dict[str, Any]]:
    found = [c["spec"] for c in written.of_kind("PersistentVolumeClaim")]
    for workload in written.objects:
        spec = workload.get("spec") or {}
        templates = spec.get("volumeClaimTemplates") or (spec.get("leaderWorkerTemplate") or {}).get(
            "volumeClaimTemplates", []
        )
        found += [t["spec"] for t in templates]
        if workload["kind"] in ("Deployment", "StatefulSet", "LeaderWorkerSet"):
            for template in _pod_templates(workload):
                for volume in template["spec"].get("volumes", []):
                    if "ephemeral" in volume:
                        found.append(volume["ephemeral"]["volumeClaimTemplate"]["spec"])
    return found


def test_every_claim_uses_a_storage_class_the_plan_creates_or_the_spec_names(manifests):
    created = {c["metadata"]["name"] for c in manifests.of_kind("StorageClass")}
    named = (_serving(manifests).get("weights_cache") or {}).get("storage_class")
    existing_cluster = not (manifests.spec.get("cluster") or {}).get("create")
    specs = _claim_specs(manifests)
    if manifests.spec.get("kind") == "gateway":  # the gateway keeps nothing on disk
        assert specs == []
        return
    assert specs, "the weights cache has no claim"
    for spec in specs:
        storage_class = spec.get("storageClassName")
        if storage_class is None:  # the existing cluster's default class, which `plan` names in a note
            assert existing_cluster and named is None
            continue
        assert storage_class in created or storage_class == named, storage_class
    for storage_class in manifests.of_kind("StorageClass"):
        if storage_class["provisioner"] == "ebs.csi.aws.com":
            assert storage_class["parameters"]["encrypted"] == "true"
