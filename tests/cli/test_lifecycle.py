"""Lifecycle commands at their real boundaries: no Pulumi CLI here, no AWS account."""

import json
import types

import pytest

from ..conftest import EXAMPLES

R1 = str(next(p for p in EXAMPLES if p.name == "r1-serverless.yaml"))


def test_up_without_a_pulumi_cli_exits_3_with_the_install_command(cli, no_pulumi):
    result = cli("up", R1, "--yes")
    assert result.code == 3 and "curl -fsSL https://get.pulumi.com" in result.err and "--install-pulumi" in result.err


def test_up_without_credentials_exits_3(cli, monkeypatch, tmp_path):
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "p")
    monkeypatch.setattr("botocore.utils.InstanceMetadataFetcher.retrieve_iam_role_credentials", lambda self: {})
    result = cli("up", R1, "--yes")
    assert result.code == 3 and "no AWS credentials" in result.err


def test_a_missing_kubeconfig_exits_3(cli, no_pulumi, write_spec, tmp_path):
    path = write_spec(
        "name: bot\nmodel: distill-qwen-7b\nmode: self-hosted\nregion: us-west-2\ncluster:\n  kubeconfig: "
        f"{tmp_path}/nope\n"
    )
    result = cli("up", path, "--yes")
    assert result.code == 3 and "kubeconfig" in result.err


def test_every_missing_prerequisite_is_reported_once_in_one_run(cli, no_pulumi, write_spec, tmp_path, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "PULUMI_CONFIG_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    path = write_spec(
        "name: bot\nmodel: distill-qwen-7b\nmode: self-hosted\nregion: us-west-2\ncluster:\n  kubeconfig: "
        f"{tmp_path}/nope\n"
    )
    result = cli("up", path, "--yes")
    assert result.code == 3 and "4 prerequisite(s) missing" in result.err
    for cause in ("no secrets provider", "no AWS credentials", "kubeconfig /", "Pulumi CLI is not installed"):
        assert result.err.count(cause) == 1, cause


class FakeEngine:
    """The engine at the CLI's boundary: the state's protected and retained resources, and the destroy call."""

    def __init__(self, protected=(), retained=()):
        from deepseek_deploy.stacks.run.engine import EngineSettings, Kept, Result

        self.settings = EngineSettings("deepseek-r1", "dev", "file:///state", None, {"aws:region": "us-west-2"}, {})
        self.command = None
        self.state = Kept(protected=list(protected), retained=list(retained))
        self.result = Result(summary={"delete": 12})
        self.destroyed: list[dict] = []

    def kept(self):
        return self.state

    def destroy(self, on_event=None, **options):
        self.destroyed.append(options)
        return self.result


class EvalStacks:
    """The engine of the eval stacks (`deploy eval --bedrock-job`): which exist, which were destroyed."""

    def __init__(self) -> None:
        self.existing: set[str] = set()
        self.destroyed: list[str] = []

    def engine(self, settings, program, command):
        from deepseek_deploy.stacks.errors import FAILED
        from deepseek_deploy.stacks.run.engine import EngineError, Result

        stacks = self

        class Engine:
            def __init__(self) -> None:
                self.settings = settings

            def outputs(self):
                if settings.project not in stacks.existing:
                    raise EngineError("no stack", FAILED)
                return Result(outputs={"bucket": "b"})

            def destroy(self, on_event=None, **options):
                stacks.destroyed.append(settings.project)
                return Result(summary={"delete": 4})

        return Engine()


@pytest.fixture
def engine(monkeypatch):
    """Make `open_engine` hand out the FakeEngine the test configures."""
    import deepseek_deploy.cli.lifecycle as lifecycle
    from deepseek_deploy.stacks.run import engine as eng

    made = FakeEngine()
    made.eval_stacks = EvalStacks()
    monkeypatch.setattr(eng, "Engine", made.eval_stacks.engine)
    loaded = types.SimpleNamespace(spec=types.SimpleNamespace(name="r1"))
    monkeypatch.setattr(lifecycle, "open_engine", lambda *a, **k: (loaded, made))
    return made


def test_destroy_refuses_without_yes_off_a_terminal(cli, no_pulumi, engine):
    result = cli("destroy", R1)
    assert result.code == 2 and "--yes" in result.err and engine.destroyed == []


def test_destroy_refuses_a_stack_with_protected_resources_and_names_them(cli, no_pulumi, engine):
    engine.state.protected.extend(["aws:kms/key:Key bot-kms-key", "aws:s3/bucket:Bucket bot-logging-logs"])
    result = cli("destroy", R1, "--yes")
    assert result.code == 2 and engine.destroyed == []  # refused before anything is deleted, even with --yes
    assert "2 protected resource(s)" in result.err and "aws:kms/key:Key bot-kms-key" in result.err
    assert "deploy destroy --force" in result.err and "protect: false" in result.err


def test_destroy_force_deletes_the_rest_and_keeps_what_is_protected(cli, no_pulumi, engine):
    engine.state.protected.append("aws:eks/cluster:Cluster bot-eks-cluster")
    engine.state.retained.append("kubernetes:core/v1:Namespace bot-namespace")
    result = cli("destroy", R1, "--yes", "--force")
    assert result.code == 0 and engine.destroyed == [{"keep_protected": True}]
    assert "kept (protected" in result.err and "aws:eks/cluster:Cluster bot-eks-cluster" in result.err
    assert "left in the cloud" in result.err and "bot-namespace" in result.err


def test_destroy_of_an_unprotected_stack_needs_no_force(cli, no_pulumi, engine):
    result = cli("destroy", R1, "--yes", "--json")
    assert result.code == 0 and engine.destroyed == [{"keep_protected": False}]
    events = [json.loads(line) for line in result.out.splitlines()]
    assert events[-1] == {"event": "result", "changes": {"delete": 12}, "kept": []}


def test_destroy_help_says_protected_resources_are_kept(cli):
    result = cli("destroy", "--help")
    assert "--force" in result.out and "protected resources are kept" in " ".join(result.out.split())


def test_a_bad_spec_is_exit_2_before_anything_else(cli, write_spec):
    result = cli("up", write_spec("name: bot\nmodel: r1\nmode: custom-import\nregion: us-west-2\n"), "--yes")
    assert result.code == 2 and ":3:7:" in result.err


def test_ndjson_events_from_engine_events():
    import types

    from deepseek_deploy.cli.progress import event_record

    meta = types.SimpleNamespace(
        op=types.SimpleNamespace(value="create"),
        urn="urn:pulumi:dev::p::aws:kms/key:Key::bot-kms-key",
        type="aws:kms/key:Key",
    )
    empty = {
        "resource_pre_event": None,
        "res_outputs_event": None,
        "res_op_failed_event": None,
        "diagnostic_event": None,
        "summary_event": None,
    }
    started: dict = {}
    begin = event_record(
        types.SimpleNamespace(**{**empty, "resource_pre_event": types.SimpleNamespace(metadata=meta)}),
        started,
        now=10.0,
    )
    done = event_record(
        types.SimpleNamespace(**{**empty, "res_outputs_event": types.SimpleNamespace(metadata=meta)}), started, now=14.5
    )
    assert begin == {
        "event": "resource",
        "status": "started",
        "op": "create",
        "type": "aws:kms/key:Key",
        "name": "bot-kms-key",
    }
    assert done["status"] == "done" and done["elapsed_s"] == 4.5


def test_destroy_also_removes_the_stack_eval_bedrock_job_made(cli, no_pulumi, engine):
    engine.eval_stacks.existing.add("deepseek-r1-eval")
    result = cli("destroy", R1, "--yes")
    assert result.code == 0 and engine.eval_stacks.destroyed == ["deepseek-r1-eval"]
    assert "deepseek-r1-eval/dev (deploy eval --bedrock-job) destroyed" in result.err


def test_destroy_leaves_alone_an_eval_stack_that_was_never_made(cli, no_pulumi, engine):
    result = cli("destroy", R1, "--yes")
    assert result.code == 0 and engine.eval_stacks.destroyed == []
