"""Resolving a gateway (issue 13): each tier's spec file, relative to the gateway's, through the same resolver."""

import os

import pytest

from deepseek_deploy.stacks.sizing.deployment import Deployment
from deepseek_deploy.stacks.sizing.gateway import is_gateway_file, resolve_gateway_file
from deepseek_deploy.stacks.spec.loader import SpecError

from ...conftest import MINIMAL, REPO

HYBRID = REPO / "examples" / "hybrid"
GATEWAY = """\
kind: gateway
name: gw
region: us-west-2
tiers:
  fast: tiers/fast.yaml
  reasoning: tiers/reasoning.yaml
routing: {strategy: classifier, default: fast, escalate_to: reasoning}
host: {platform: ecs-fargate}
"""
FAST = "name: gw-fast\nmodel: distill-qwen-14b\nmode: custom-import\nregion: us-west-2\n"
REASONING = MINIMAL["serverless"].replace("name: bot", "name: gw-reasoning")


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "tiers").mkdir()
    (tmp_path / "tiers" / "fast.yaml").write_text(FAST)
    (tmp_path / "tiers" / "reasoning.yaml").write_text(REASONING)
    (tmp_path / "gw.yaml").write_text(GATEWAY)
    return tmp_path


def refused(path) -> list:
    with pytest.raises(SpecError) as raised:
        resolve_gateway_file(str(path))
    return raised.value.diagnostics


def test_the_hybrid_example_resolves_both_tiers():
    gateway = resolve_gateway_file(str(HYBRID / "assistant.yaml"))
    assert list(gateway.tiers) == ["fast", "reasoning"] and gateway.warnings == ()
    fast, reasoning = gateway.tiers["fast"], gateway.tiers["reasoning"]
    assert isinstance(fast, Deployment) and fast.model.id == "deepseek-r1-distill-qwen-14b"
    assert fast.spec.mode == "custom-import" and reasoning.model.id == "deepseek-r1"
    assert reasoning.spec.mode == "serverless" and reasoning.serverless is not None


def test_tiers_are_relative_to_the_gateway_file_not_the_working_directory(folder, monkeypatch, tmp_path_factory):
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    gateway = resolve_gateway_file(str(folder / "gw.yaml"))
    assert gateway.tiers["fast"].loaded.path == str(folder / "tiers" / "fast.yaml")
    monkeypatch.chdir(folder)
    assert resolve_gateway_file("gw.yaml").tiers["fast"].loaded.path == os.path.join("tiers", "fast.yaml")


def test_a_missing_tier_file_names_the_tier_at_its_line(folder):
    (folder / "tiers" / "fast.yaml").unlink()
    [error] = refused(folder / "gw.yaml")
    assert (error.file, error.line, error.column) == (str(folder / "gw.yaml"), 5, 9)
    assert f"tier 'fast': tiers/fast.yaml does not exist ({folder / 'tiers' / 'fast.yaml'})" in error.message


def test_an_invalid_tier_reports_the_gateway_line_and_the_tier_files_own_diagnostics(folder):
    (folder / "tiers" / "reasoning.yaml").write_text(REASONING.replace("mode: serverless", "mode: custom-import"))
    first, second = refused(folder / "gw.yaml")
    assert (first.file, first.line, first.column) == (str(folder / "gw.yaml"), 6, 14)
    assert "tier 'reasoning': tiers/reasoning.yaml is not a valid spec (1 error, below)" in first.message
    assert (second.file, second.line, second.column) == (str(folder / "tiers" / "reasoning.yaml"), 3, 7)
    assert "deepseek-r1 is not available with mode custom-import" in second.message


def test_a_gateway_cannot_nest_a_gateway(folder):
    (folder / "tiers" / "fast.yaml").write_text(GATEWAY)
    [error] = refused(folder / "gw.yaml")
    assert (error.line, error.column) == (5, 9)
    assert "tier 'fast': tiers/fast.yaml is a gateway spec; a tier is a single deployment" in error.message


def test_a_tier_in_another_region_is_a_warning(folder):
    (folder / "tiers" / "fast.yaml").write_text(FAST.replace("us-west-2", "us-east-1"))
    [warning] = resolve_gateway_file(str(folder / "gw.yaml")).warnings
    assert (warning.line, warning.column, warning.severity) == (5, 9, "warning")
    assert "tier 'fast' runs in us-east-1 and the gateway in us-west-2" in warning.message


def test_stacks_must_not_collide(folder):
    (folder / "tiers" / "fast.yaml").write_text(FAST.replace("gw-fast", "gw"))
    (folder / "tiers" / "reasoning.yaml").write_text(REASONING.replace("gw-reasoning", "gw"))
    first, second = refused(folder / "gw.yaml")
    assert (first.line, second.line) == (5, 6)
    assert "tier 'fast' has the gateway's name 'gw'; each needs a stack of its own" in first.message
    assert "tier 'reasoning' has the gateway's name 'gw'" in second.message
    (folder / "tiers" / "fast.yaml").write_text(FAST.replace("gw-fast", "same"))
    (folder / "tiers" / "reasoning.yaml").write_text(REASONING.replace("gw-reasoning", "same"))
    [error] = refused(folder / "gw.yaml")
    assert (error.line, error.column) == (6, 14)
    assert "tiers 'fast' and 'reasoning' are both named 'same'" in error.message


def test_a_deployment_is_not_a_gateway(folder):
    [error] = refused(folder / "tiers" / "fast.yaml")
    assert "not a gateway spec (no kind: gateway)" in error.message


def test_is_gateway_file_reads_only_the_kind(folder):
    assert is_gateway_file(str(folder / "gw.yaml"))
    assert not is_gateway_file(str(folder / "tiers" / "fast.yaml"))
    assert not is_gateway_file(str(folder / "nope.yaml"))
    (folder / "broken.yaml").write_text("kind: [gateway\n")
    assert not is_gateway_file(str(folder / "broken.yaml"))
    (folder / "list.yaml").write_text("- kind: gateway\n")
    assert not is_gateway_file(str(folder / "list.yaml"))


def test_the_example_folder_has_what_the_gateway_names():
    names = {path.name for path in HYBRID.glob("*.yaml")}
    assert names == {
        "assistant.yaml",
        "assistant-fargate.yaml",
        "distill-qwen-14b-custom-import.yaml",
        "r1-serverless.yaml",
    }
    gateways = sorted(path.name for path in HYBRID.glob("*.yaml") if is_gateway_file(str(path)))
    assert gateways == ["assistant-fargate.yaml", "assistant.yaml"]


@pytest.mark.parametrize("tier", ["/dev/zero", "fifo", "a\\x00b", "x" * 4000])
def test_hostile_tier_paths_are_refused_at_the_tier_line(folder, tier):
    os.mkfifo(folder / "fifo")
    (folder / "gw.yaml").write_text(GATEWAY.replace("tiers/fast.yaml", f'"{tier}"'))
    diagnostics = refused(folder / "gw.yaml")
    assert (diagnostics[0].line, diagnostics[0].column) == (5, 9)
    assert diagnostics[0].message.startswith("tier 'fast': ") and len(diagnostics[0].message) < 300


def test_a_tier_that_enforces_its_own_guardrail_is_refused_at_its_line(folder):
    (folder / "tiers" / "reasoning.yaml").write_text(REASONING + "guardrail: {enforce: true}\n")
    found = refused(folder / "gw.yaml")
    assert [d.line for d in found] == [6]  # `reasoning:` under tiers
    assert "enforces its own guardrail" in found[0].message and "guardrail: false" in found[0].message


def test_an_ecs_gateway_cannot_reach_a_cluster_internal_vllm_tier(folder):
    (folder / "tiers" / "fast.yaml").write_text(MINIMAL["self-hosted"].replace("name: bot", "name: gw-fast"))
    found = refused(folder / "gw.yaml")
    assert [d.line for d in found] == [5] and "cluster-ip" in found[0].message
    assert "host.platform: kubernetes" in found[0].message
    (folder / "gw.yaml").write_text(GATEWAY.replace("ecs-fargate", "kubernetes"))
    assert list(resolve_gateway_file(str(folder / "gw.yaml")).tiers) == ["fast", "reasoning"]
