"""`deploy plan`: the offline dry run through the CLI."""

import json
from pathlib import Path

from ..conftest import EXAMPLES, MINIMAL

R1 = str(next(p for p in EXAMPLES if p.name == "r1-serverless.yaml"))


def test_plan_json_has_the_contract_shape(cli):
    result = cli("plan", R1, "--json")
    assert result.code == 0 and result.err == ""
    document = result.json()
    assert {"stack", "mode", "model", "resources", "planner", "cost"} <= set(document)
    assert document["stack"] == "dev" and document["mode"] == "serverless" and document["model"] == "deepseek-r1"
    for resource in document["resources"]:
        assert set(resource) == {"type", "name", "parent", "inputs"}
    types = {r["type"] for r in document["resources"]}
    assert {
        "aws:bedrock/guardrail:Guardrail",
        "aws:bedrock/inferenceProfile:InferenceProfile",
        "aws:iam/policy:Policy",
        "aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration",
        "aws:budgets/budget:Budget",
    } <= types
    assert document["cost"]["monthly_usd"] > 0 and document["cost"]["sources"][0]["url"].startswith("https://")


def test_plan_shows_the_deny_statement_of_an_enforced_guardrail(cli):
    document = cli("plan", R1, "--json").json()
    policy = json.loads(
        next(r for r in document["resources"] if r["type"] == "aws:iam/policy:Policy")["inputs"]["policy"]
    )
    assert any(s["Effect"] == "Deny" and s["Sid"] == "DenyInvokeWithoutThisGuardrail" for s in policy["Statement"])
    human = cli("plan", R1)
    assert human.code == 0 and "support-bot-access-invoke" in human.out and "Nothing was created" in human.err
    assert "estimated cost" in human.out and "note: " in human.err and "note: " not in human.out


def test_plan_of_every_bedrock_example(cli):
    for path in EXAMPLES:
        if "self-hosted" in path.name:
            continue
        result = cli("plan", str(path), "--json")
        assert result.code == 0, (path.name, result.err)
        assert len(result.json()["resources"]) > 20


def test_plan_needs_no_credentials(cli, monkeypatch):
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    assert cli("plan", R1, "--json").code == 0


def test_a_bad_spec_exits_2_with_positions(cli, write_spec):
    path = write_spec("name: bot\nmodel: r1\nmode: custom-import\nregion: us-west-2\n")
    result = cli("plan", path)
    assert result.code == 2 and f"{path}:3:7:" in result.err


def test_self_hosted_plans_carry_the_planner_figures(cli, write_spec):
    document = cli("plan", write_spec(MINIMAL["self-hosted"]), "--json").json()
    planner = document["planner"]
    for key in (
        "instance_type",
        "gpu_type",
        "gpus_per_replica",
        "tensor_parallel",
        "pipeline_parallel",
        "max_model_len",
        "weights_gib",
        "kv_cache_gib",
        "kv_bytes_per_token",
    ):
        assert key in planner
    assert planner["gpu_type"] == "L4" and planner["tensor_parallel"] == 1


def test_manifests_for_a_bedrock_mode_says_there_are_none(cli, tmp_path):
    result = cli("plan", R1, "--manifests", str(tmp_path / "m"))
    assert result.code == 0 and "creates no Kubernetes objects" in result.err


def test_manifests_are_written_one_object_per_file_without_secret_values(cli, tmp_path):
    import yaml

    path = str(next(p for p in EXAMPLES if p.name == "r1-self-hosted-eks.yaml"))
    out = tmp_path / "manifests"
    result = cli("plan", path, "--manifests", str(out))
    assert result.code == 0 and "wrote" in result.err
    files = sorted(out.glob("*.yaml"))
    assert {p.name for p in out.iterdir()} - {p.name for p in files} == {".deepseek-deploy-manifests.hashes"}
    kinds = [yaml.safe_load(f.read_text())["kind"] for f in files]
    assert kinds[0] == "Namespace" and "LeaderWorkerSet" in kinds and "DaemonSet" in kinds
    secret = yaml.safe_load(next(f for f in files if "secret" in f.name).read_text())
    assert secret["stringData"] == {"api-key": "REPLACE-ME"}
    assert "lws/releases/download" in result.err  # the remote manifest to install first is named


def test_plan_resolves_the_model_and_runs_the_planner_once(cli, monkeypatch):
    """One resolved deployment feeds the build, cost, summary and manifests: nothing recomputes it."""
    import sys

    from deepseek_deploy.stacks import catalog
    from deepseek_deploy.stacks.sizing import deployment, planner

    calls = {"model": 0, "plan_serving": 0}
    real_model, real_plan = catalog.model, planner.plan_serving

    def counted_model(name):
        calls["model"] += 1
        return real_model(name)

    def counted_plan(*args, **kwargs):
        calls["plan_serving"] += 1
        return real_plan(*args, **kwargs)

    monkeypatch.setattr(catalog, "model", counted_model)
    monkeypatch.setattr(planner, "plan_serving", counted_plan)
    monkeypatch.setattr(deployment, "plan_serving", counted_plan)
    eks = str(next(p for p in EXAMPLES if p.name == "r1-self-hosted-eks.yaml"))
    manifests = cli("plan", eks, "--json", "--manifests", str(Path(cli.tmp) / "m"))
    assert manifests.code == 0, manifests.err
    assert calls == {"model": 1, "plan_serving": 1}
    # No other module kept its own reference to the planner, which would escape the count.
    holders = [
        name
        for name, module in list(sys.modules.items())
        if name.startswith("deepseek_deploy") and getattr(module, "plan_serving", None) is real_plan
    ]
    assert holders == []


def test_manifests_never_overwrite_an_edited_file_without_force(cli, tmp_path):
    path = str(next(p for p in EXAMPLES if p.name == "distill-qwen-32b-self-hosted.yaml"))
    out = tmp_path / "manifests"
    assert cli("plan", path, "--manifests", str(out)).code == 0
    secret = next(out.glob("*-secret-*.yaml"))
    filled = secret.read_text().replace("REPLACE-ME", "my-real-key")
    secret.write_text(filled)  # the user filled in the placeholder
    again = cli("plan", path, "--manifests", str(out))
    assert again.code == 2 and secret.name in again.err and "--force" in again.err
    assert secret.read_text() == filled  # kept
    unedited = cli("plan", path, "--manifests", str(tmp_path / "fresh"))
    assert unedited.code == 0  # a fresh folder is fine, and re-running over unedited files is too
    assert cli("plan", path, "--manifests", str(tmp_path / "fresh")).code == 0
    forced = cli("plan", path, "--manifests", str(out), "--force")
    assert forced.code == 0 and "REPLACE-ME" in secret.read_text() and "my-real-key" not in secret.read_text()
