"""The engine wrapper: settings, and what it hands the Automation API (patched at that boundary)."""

from __future__ import annotations

import types
from importlib import metadata

import pulumi.automation as real
import pytest

from deepseek_deploy.stacks.run import engine as eng
from deepseek_deploy.stacks.spec.loader import load_text

from ...conftest import MINIMAL

SPEC = load_text(MINIMAL["serverless"]).spec
ENV = {"HOME": "/home/u", "PULUMI_CONFIG_PASSPHRASE": "correct horse", "AWS_REGION": "us-west-2", "UNRELATED": "x"}


def test_defaults_are_a_per_user_file_backend_the_dev_stack_and_the_passphrase():
    settings = eng.resolve(SPEC, env=ENV)
    assert settings.backend_url == "file:///home/u/.local/state/deepseek-deploy/pulumi"
    assert (settings.project, settings.stack, settings.secrets_provider) == ("deepseek-bot", "dev", None)
    assert settings.config == {"aws:region": "us-west-2"}
    assert "UNRELATED" not in settings.env and settings.env["PULUMI_CONFIG_PASSPHRASE"] == "correct horse"
    assert "correct horse" not in repr(settings) and "correct horse" not in str(settings.describe())


def test_flags_beat_the_environment_and_the_environment_beats_defaults():
    env = {**ENV, "PULUMI_BACKEND_URL": "s3://team-state", "XDG_STATE_HOME": "/state", "AWS_PROFILE": "dev"}
    assert eng.resolve(SPEC, env=env).backend_url == "s3://team-state"
    settings = eng.resolve(SPEC, env=env, backend="file:///tmp/x", stack="prod", aws_profile="ops")
    assert (settings.backend_url, settings.stack, settings.config["aws:profile"]) == ("file:///tmp/x", "prod", "ops")
    assert eng.state_dir({"XDG_STATE_HOME": "/state"}) == "/state/deepseek-deploy/pulumi"


def test_a_bad_backend_url_is_bad_input():
    with pytest.raises(eng.EngineError) as caught:
        eng.resolve(SPEC, env=ENV, backend="ftp://nope")
    assert caught.value.code == 2


@pytest.mark.parametrize(
    "env, flag, expected",
    [
        ({"PULUMI_CONFIG_PASSPHRASE_FILE": "/run/secret"}, None, None),
        ({}, "awskms://alias/state", "awskms://alias/state"),
        ({"PULUMI_BACKEND_URL": "https://api.pulumi.com"}, None, "default"),
    ],
)
def test_secrets_providers(env, flag, expected):
    assert eng.resolve(SPEC, env={"HOME": "/h", **env}, secrets=flag).secrets_provider == expected


@pytest.mark.parametrize("env", [{"HOME": "/h"}, {"HOME": "/h", "PULUMI_CONFIG_PASSPHRASE": ""}])
def test_no_or_an_empty_passphrase_is_refused(env):
    with pytest.raises(eng.EngineError) as caught:
        eng.resolve(SPEC, env=env)
    assert caught.value.code == 3 and "PULUMI_CONFIG_PASSPHRASE" in caught.value.message


def test_plugins_match_the_installed_sdk_packages():
    plugins = eng.plugin_versions()
    assert plugins["aws"] == metadata.version("pulumi-aws") and plugins["kubernetes"] == metadata.version(
        "pulumi-kubernetes"
    )


class FakeStack:
    def __init__(self, fail=None):
        self.calls, self.fail = [], fail
        self.workspace = types.SimpleNamespace(
            install_plugin=lambda name, version: self.calls.append(("plugin", name, version))
        )

    def set_all_config(self, config):
        self.calls.append(("config", {k: (v.value, v.secret) for k, v in config.items()}))

    def up(self, on_event=None):
        self.calls.append(("up",))
        if self.fail:
            raise self.fail
        outputs = {"invoke_model_id": real.OutputValue("arn:profile", False), "api_key": real.OutputValue("k", True)}
        return types.SimpleNamespace(summary=types.SimpleNamespace(resource_changes={"create": 31}), outputs=outputs)

    def cancel(self):
        self.calls.append(("cancel",))


def fake_automation(stack: FakeStack, received: dict):
    def create_or_select_stack(stack_name, project_name, program, opts):
        received.update(stack_name=stack_name, project_name=project_name, program=program, opts=opts)
        return stack

    return types.SimpleNamespace(
        LocalWorkspaceOptions=real.LocalWorkspaceOptions,
        ProjectSettings=real.ProjectSettings,
        ProjectBackend=real.ProjectBackend,
        ConfigValue=real.ConfigValue,
        errors=real.errors,
        create_or_select_stack=create_or_select_stack,
    )


def test_up_hands_the_automation_api_exactly_the_resolved_settings(monkeypatch):
    stack, received = FakeStack(), {}
    auto = fake_automation(stack, received)
    monkeypatch.setattr(eng, "_automation", lambda: auto)
    settings = eng.resolve(SPEC, env={**ENV, "XDG_STATE_HOME": "/tmp/dd-state-test"}, aws_profile="ops")
    program = lambda: None  # noqa: E731
    result = eng.Engine(settings, program, pulumi_command="CLI", automation=auto).up()
    opts = received["opts"]
    assert (received["stack_name"], received["project_name"], received["program"]) == ("dev", "deepseek-bot", program)
    assert (
        opts.project_settings.name == "deepseek-bot"
        and opts.project_settings.backend.url == "file:///tmp/dd-state-test/deepseek-deploy/pulumi"
    )
    assert (
        opts.secrets_provider is None
        and opts.env_vars["PULUMI_CONFIG_PASSPHRASE"] == "correct horse"
        and opts.pulumi_command == "CLI"
    )
    assert ("plugin", "aws", "v" + metadata.version("pulumi-aws")) in stack.calls
    assert ("config", {"aws:region": ("us-west-2", False), "aws:profile": ("ops", False)}) in stack.calls
    assert result.summary == {"create": 31} and result.secret_outputs == {"api_key"}


@pytest.mark.parametrize(
    "error, code, words",
    [
        (
            real.errors.ConcurrentUpdateError(
                real.CommandResult(stdout="", stderr="conflict: Another update is currently in progress.", code=255)
            ),
            1,
            "locked",
        ),
        (
            real.errors.CommandError(
                real.CommandResult(stdout="", stderr="error: getting secrets manager: incorrect passphrase", code=255)
            ),
            3,
            "passphrase",
        ),
        (
            real.errors.CommandError(
                real.CommandResult(stdout="", stderr="error: No valid credential sources found", code=255)
            ),
            3,
            "AWS credentials",
        ),
        (
            real.errors.CommandError(
                real.CommandResult(stdout="", stderr="aws:bedrock:Guardrail: ValidationException: bad topic", code=255)
            ),
            1,
            "bad topic",
        ),
    ],
)
def test_engine_errors_map_to_messages_and_exit_codes(monkeypatch, error, code, words):
    stack, received = FakeStack(fail=error), {}
    auto = fake_automation(stack, received)
    monkeypatch.setattr(eng, "_automation", lambda: auto)
    with pytest.raises(eng.EngineError) as caught:
        eng.Engine(eng.resolve(SPEC, env=ENV), lambda: None, pulumi_command="CLI", automation=auto).up()
    assert caught.value.code == code and words in caught.value.message


def test_ctrl_c_cancels_the_update_and_propagates(monkeypatch):
    stack = FakeStack(fail=KeyboardInterrupt())
    auto = fake_automation(stack, {})
    with pytest.raises(KeyboardInterrupt):
        eng.Engine(eng.resolve(SPEC, env=ENV), lambda: None, pulumi_command="CLI", automation=auto).up()
    assert ("cancel",) in stack.calls


def test_a_missing_cli_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))

    class Command:
        def __init__(self, root=None):
            raise FileNotFoundError("pulumi")

        @classmethod
        def install(cls):
            return "installed"

    auto = types.SimpleNamespace(PulumiCommand=Command)
    with pytest.raises(eng.EngineError) as caught:
        eng.find_pulumi(False, auto)
    assert (
        caught.value.code == 3
        and f"--version {metadata.version('pulumi')}" in caught.value.message
        and "--install-pulumi" in caught.value.message
    )
    assert eng.find_pulumi(True, auto) == "installed"


def test_up_after_an_interrupted_up_clears_pending_operations_and_resumes(monkeypatch):
    class Interrupted(FakeStack):
        def __init__(self):
            super().__init__()
            self.attempts = 0

        def up(self, on_event=None):
            self.attempts += 1
            if self.attempts == 1:
                raise real.errors.CommandError(
                    real.CommandResult(
                        stdout="", stderr="the current deployment has 2 resource(s) with pending operations", code=255
                    )
                )
            return super().up(on_event)

        def refresh(self, on_event=None, clear_pending_creates=False):
            self.calls.append(("refresh", clear_pending_creates))

    stack = Interrupted()
    auto = fake_automation(stack, {})
    engine = eng.Engine(eng.resolve(SPEC, env=ENV), lambda: None, pulumi_command="CLI", automation=auto)
    result = engine.up()
    assert ("refresh", True) in stack.calls and stack.attempts == 2 and engine.resumed
    assert result.summary == {"create": 31}


@pytest.mark.parametrize("operation", ["outputs", "refresh", "destroy"])
def test_operations_on_a_deployed_stack_select_it_and_never_create_one(monkeypatch, tmp_path, operation):
    created, selected = [], []

    def select_stack(stack_name, project_name, program, opts):
        selected.append(stack_name)
        raise real.errors.StackNotFoundError(real.CommandResult(stdout="", stderr="no stack named dev found", code=255))

    auto = fake_automation(FakeStack(), {})
    auto.create_or_select_stack = lambda **kwargs: created.append(kwargs)
    auto.select_stack = select_stack
    state = tmp_path / "state"
    settings = eng.resolve(SPEC, env={**ENV, "XDG_STATE_HOME": str(state)})
    engine = eng.Engine(settings, lambda: None, pulumi_command="CLI", automation=auto)

    # A backend folder that does not exist yet: refused before Pulumi runs, and the folder is not made.
    with pytest.raises(eng.EngineError) as caught:
        getattr(engine, operation)()
    assert caught.value.code == 1 and "stack dev of deepseek-bot does not exist" in caught.value.message
    assert str(state) in caught.value.message and not state.exists() and selected == [] and created == []

    # A backend that exists but has no such stack: selected, not created.
    (state / "deepseek-deploy" / "pulumi").mkdir(parents=True)
    with pytest.raises(eng.EngineError) as caught:
        getattr(engine, operation)()
    assert caught.value.code == 1 and "does not exist" in caught.value.message
    assert selected == ["dev"] and created == []


EXPORTED = real.Deployment(
    version=3,
    deployment={
        "resources": [
            {
                "urn": "urn:pulumi:dev::deepseek-bot::pulumi:pulumi:Stack::deepseek-bot-dev",
                "type": "pulumi:pulumi:Stack",
            },
            {
                "urn": "urn:pulumi:dev::deepseek-bot::deepseek-deploy:security:EncryptionKey$aws:kms/key:Key::"
                "bot-kms-key",
                "type": "aws:kms/key:Key",
                "protect": True,
                "retainOnDelete": True,
            },
            {
                "urn": "urn:pulumi:dev::deepseek-bot::kubernetes:core/v1:Namespace::bot-namespace",
                "type": "kubernetes:core/v1:Namespace",
                "retainOnDelete": True,
            },
            {"urn": "urn:pulumi:dev::deepseek-bot::aws:eks/nodeGroup:NodeGroup::bot-eks-gpu", "type": "x"},
            # The old half of an interrupted replacement: it is going away, so it keeps nothing.
            {"urn": "urn:pulumi:dev::deepseek-bot::aws:kms/key:Key::old", "type": "k", "protect": True, "delete": True},
        ]
    },
)


def test_the_state_says_what_a_destroy_keeps():
    kept = eng.kept_resources(EXPORTED)
    assert kept.protected == ["aws:kms/key:Key bot-kms-key"]
    assert kept.retained == ["kubernetes:core/v1:Namespace bot-namespace"]
    assert eng.kept_resources(real.Deployment(version=3, deployment={})) == eng.Kept()


class StateStack(FakeStack):
    def export_stack(self):
        self.calls.append(("export",))
        return EXPORTED

    def destroy(self, on_event=None, **options):
        self.calls.append(("destroy", options))
        return types.SimpleNamespace(summary=types.SimpleNamespace(resource_changes={"delete": 9}))


def selected_engine(stack, tmp_path):
    auto = fake_automation(stack, {})
    auto.select_stack = lambda stack_name, project_name, program, opts: stack
    (tmp_path / "deepseek-deploy" / "pulumi").mkdir(parents=True)
    settings = eng.resolve(SPEC, env={**ENV, "XDG_STATE_HOME": str(tmp_path)})
    return eng.Engine(settings, lambda: None, pulumi_command="CLI", automation=auto)


def test_destroy_keeps_protected_resources_only_when_asked(tmp_path):
    stack = StateStack()
    engine = selected_engine(stack, tmp_path)
    assert engine.kept().protected == ["aws:kms/key:Key bot-kms-key"] and ("export",) in stack.calls
    engine.destroy()
    result = engine.destroy(keep_protected=True)
    # Pulumi's own --exclude-protected: the protected resources and what they depend on stay, the rest goes.
    assert [c for c in stack.calls if c[0] == "destroy"] == [("destroy", {}), ("destroy", {"exclude_protected": True})]
    assert result.summary == {"delete": 9}
