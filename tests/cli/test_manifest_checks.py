"""`deploy plan --manifests` output for every self-hosted example: valid Kubernetes objects
(kubernetes-validate, against the OpenAPI schema) and clean under checkov, but for the
justified skips in tests/checkov_skips.yaml."""

from __future__ import annotations

import json
import os
import subprocess
import venv
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from ..conftest import EXAMPLES, REPO

SELF_HOSTED = [p for p in EXAMPLES if "self-hosted" in p.name]
CHECKOV = "checkov==3.3.30"  # pinned: its checks change between releases
TOOLS = Path(os.environ.get("DEEPSEEK_DEPLOY_TOOLS", REPO / ".venv-tools"))
# Custom resources whose schemas ship with their operators, not with Kubernetes.
CUSTOM_KINDS = {"LeaderWorkerSet", "ScaledObject", "ServiceMonitor"}


@pytest.fixture(scope="module", params=SELF_HOSTED, ids=lambda p: p.name)
def manifests(request, tmp_path_factory):
    from deepseek_deploy.cli.main import main

    out = tmp_path_factory.mktemp(request.param.stem)
    assert main(["plan", str(request.param), "--manifests", str(out)]) == 0
    return out


def test_every_object_validates_against_the_kubernetes_schema(manifests):
    version = kubernetes_validate.latest_version()
    checked = 0
    for path in sorted(manifests.glob("*.yaml")):
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
        str(manifests),
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
