"""Lifecycle commands at their real boundaries: no Pulumi CLI here, no AWS account."""

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


def test_destroy_refuses_without_yes_off_a_terminal(cli, no_pulumi, monkeypatch):
    import deepseek_deploy.cli.lifecycle as lifecycle

    monkeypatch.setattr(
        lifecycle,
        "open_engine",
        lambda *a, **k: (
            type("L", (), {"spec": None})(),
            type("E", (), {"settings": type("S", (), {"stack": "dev"})})(),
        ),
    )
    result = cli("destroy", R1)
    assert result.code == 2 and "--yes" in result.err


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
