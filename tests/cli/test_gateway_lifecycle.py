"""A gateway's lifecycle at its real boundaries (the engine faked, no Pulumi CLI here): its tiers' stacks
must exist first, `--with-tiers` brings them up in order, and the result says how to call it."""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from ..conftest import REPO

HYBRID = REPO / "examples" / "hybrid" / "assistant.yaml"


class Stacks:
    """Every stack the fake engine knows: project -> outputs; and the order of `up` calls."""

    def __init__(self) -> None:
        self.outputs: dict[str, dict] = {}
        self.ups: list[str] = []

    def engine(self, settings, program, command):
        from deepseek_deploy.stacks.errors import FAILED
        from deepseek_deploy.stacks.run.engine import EngineError, Result

        stacks = self

        class FakeEngine:
            resumed = False

            def __init__(self) -> None:
                self.settings = settings

            def outputs(self):
                if settings.project not in stacks.outputs:
                    raise EngineError(f"no stack named '{settings.stack}' found", FAILED)
                return Result(outputs=stacks.outputs[settings.project])

            def up(self, on_event=None):
                stacks.ups.append(settings.project)
                made = {"endpoint": f"http://{settings.project}.internal/v1", "api_keys": {"backend": "k"}}
                stacks.outputs[settings.project] = made
                return Result(summary={"create": 3}, outputs=made, secret_outputs={"api_keys"})

        return FakeEngine()


@pytest.fixture
def stacks(monkeypatch, no_pulumi, tmp_path):
    from deepseek_deploy.stacks.run import engine

    (tmp_path / ".kube").mkdir()
    (tmp_path / ".kube" / "config").write_text("apiVersion: v1\nkind: Config\n")
    made = Stacks()
    monkeypatch.setattr(engine, "find_pulumi", lambda install, automation=None: types.SimpleNamespace())
    monkeypatch.setattr(engine, "Engine", made.engine)
    return made


def test_up_refuses_a_gateway_whose_tier_stacks_are_missing_and_names_each(cli, stacks):
    stacks.outputs["deepseek-assistant-reasoning"] = {"invoke_model_id": "us.deepseek.r1-v1:0"}
    result = cli("up", str(HYBRID), "--yes")
    assert result.code == 3 and stacks.ups == []  # nothing was created
    assert "tier 'fast'" in result.err and "deepseek-assistant-fast/dev is not deployed" in result.err
    assert "--with-tiers" in result.err and "tier 'reasoning'" not in result.err


def test_up_with_tiers_brings_the_tiers_up_first_then_the_gateway(cli, stacks):
    result = cli("up", str(HYBRID), "--yes", "--with-tiers")
    assert result.code == 0, result.err
    assert stacks.ups == ["deepseek-assistant-fast", "deepseek-assistant-reasoning", "deepseek-assistant"]
    assert "deepseek-assistant/dev is up" in result.out and "deploy chat GATEWAY.yaml" in result.out
    assert "'k'" not in result.out and "[secret]" in result.out  # the keys stay secret


def test_up_of_a_gateway_whose_tiers_are_up_touches_only_the_gateway(cli, stacks):
    stacks.outputs["deepseek-assistant-fast"] = {"invoke_model_id": "arn:aws:bedrock:us-west-2:1:imported-model/x"}
    stacks.outputs["deepseek-assistant-reasoning"] = {"invoke_model_id": "us.deepseek.r1-v1:0"}
    result = cli("up", str(HYBRID), "--yes")
    assert result.code == 0, result.err
    assert stacks.ups == ["deepseek-assistant"]


def test_with_tiers_on_a_single_deployment_is_bad_input(cli, stacks):
    result = cli("up", str(REPO / "examples" / "r1-serverless.yaml"), "--yes", "--with-tiers")
    assert result.code == 2 and "gateway spec" in result.err and stacks.ups == []


def test_a_gateway_is_called_like_any_openai_compatible_endpoint(cli, stacks):
    from tests.fakes.openai_server import FakeOpenAIServer

    with FakeOpenAIServer(answer="routed answer", api_key="gw-key") as server:
        result = cli("invoke", str(HYBRID), "Hello", "--endpoint", server.base_url, "--api-key", "gw-key", "--json")
    assert result.code == 0, result.err
    assert "routed answer" in result.out
    sent = server.received("/chat/completions")[0]
    assert sent.body["model"] == "assistant"  # any name: the gateway's routing picks the tier


def test_model_id_is_refused_for_a_gateway(cli, stacks):
    result = cli("invoke", str(HYBRID), "Hello", "--model-id", "us.deepseek.r1-v1:0")
    assert result.code == 2 and "--endpoint" in result.err


def test_paths_in_the_error_are_the_tier_files(tmp_path: Path):
    from deepseek_deploy.stacks.run.engine import EngineSettings
    from deepseek_deploy.stacks.run.gateway_tiers import missing_tiers, tier_settings
    from deepseek_deploy.stacks.sizing.gateway import resolve_gateway_file

    gateway = resolve_gateway_file(str(HYBRID))
    settings = EngineSettings("deepseek-assistant", "prod", "s3://state", None, {"aws:region": "us-west-2"}, {})
    tiers = tier_settings(gateway, settings)
    assert {t: (s.project, s.stack, s.backend_url) for t, s in tiers.items()} == {
        "fast": ("deepseek-assistant-fast", "prod", "s3://state"),
        "reasoning": ("deepseek-assistant-reasoning", "prod", "s3://state"),
    }
    found = missing_tiers(gateway, settings, lambda s: {})
    assert [f.message.split(":")[0] for f in found] == ["tier 'fast'", "tier 'reasoning'"]
    assert "distill-qwen-14b-custom-import.yaml" in found[0].message


def test_the_usage_line_says_which_tier_answered_when_a_gateway_says_so():
    from deepseek_deploy.cli.invoke import usage_line

    answer = types.SimpleNamespace(
        input_tokens=10, output_tokens=20, latency_ms=136.0, ttft_ms=134.0, ttfa_ms=135.0, served_by="fast"
    )
    assert usage_line(answer).endswith("first answer token 135 ms · answered by tier fast]")
    assert "tier" not in usage_line(types.SimpleNamespace(**{**vars(answer), "served_by": None}))


def test_rotate_key_replaces_exactly_that_keys_resource(cli, stacks, monkeypatch):
    stacks.outputs["deepseek-assistant-fast"] = {"invoke_model_id": "arn:aws:bedrock:us-west-2:1:imported-model/x"}
    stacks.outputs["deepseek-assistant-reasoning"] = {"invoke_model_id": "us.deepseek.r1-v1:0"}
    replaced: list = []
    made = stacks.engine

    def engine(settings, program, command):
        fake = made(settings, program, command)
        up = fake.up

        def up_with(on_event=None, replace=()):
            replaced.extend(replace)
            return up(on_event)

        fake.up = up_with
        return fake

    from deepseek_deploy.stacks.run import engine as eng

    monkeypatch.setattr(eng, "Engine", engine)
    result = cli("up", str(HYBRID), "--yes", "--rotate-key", "backend")
    assert result.code == 0, result.err
    assert replaced == [
        "urn:pulumi:dev::deepseek-assistant::deepseek-deploy:gateway:GatewayKeys$"
        "random:index/randomPassword:RandomPassword::assistant-keys-backend"
    ]


def test_the_rotated_urn_is_the_one_the_program_registers():
    from deepseek_deploy.components.gateway_keys import GatewayKeys, GatewayKeysArgs
    from deepseek_deploy.stacks.build.gateway import key_urn
    from deepseek_deploy.stacks.run.recorder import record

    recording = record(
        lambda: GatewayKeys("assistant-keys", GatewayKeysArgs(names=("backend",))).key_urns["backend"],
        project="deepseek-assistant",
        stack="prod",
    )
    assert recording.value == key_urn("deepseek-assistant", "prod", "assistant", "backend")


def test_rotating_a_key_the_gateway_does_not_have_is_bad_input(cli, stacks):
    result = cli("up", str(HYBRID), "--yes", "--rotate-key", "frontend")
    assert result.code == 2 and "its keys: backend, batch" in result.err and stacks.ups == []
