"""`deploy plan`: the offline dry run through the CLI."""

import json

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
    assert {"aws:bedrock/guardrail:Guardrail", "aws:bedrock/inferenceProfile:InferenceProfile", "aws:iam/policy:Policy",
            "aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration", "aws:budgets/budget:Budget"} <= types
    assert document["cost"]["monthly_usd"] > 0 and document["cost"]["sources"][0]["url"].startswith("https://")


def test_plan_shows_the_deny_statement_of_an_enforced_guardrail(cli):
    document = cli("plan", R1, "--json").json()
    policy = json.loads(next(r for r in document["resources"] if r["type"] == "aws:iam/policy:Policy")["inputs"]["policy"])
    assert any(s["Effect"] == "Deny" and s["Sid"] == "DenyInvokeWithoutThisGuardrail" for s in policy["Statement"])
    human = cli("plan", R1)
    assert human.code == 0 and "support-bot-access-invoke" in human.err and "Nothing was created" in human.err


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


def test_self_hosted_is_refused_plainly_for_now(cli, write_spec):
    result = cli("plan", write_spec(MINIMAL["self-hosted"]))
    assert result.code == 1 and "self-hosted" in result.err and "Traceback" not in result.err


def test_manifests_for_a_bedrock_mode_says_there_are_none(cli, tmp_path):
    result = cli("plan", R1, "--manifests", str(tmp_path / "m"))
    assert result.code == 0 and "creates no Kubernetes objects" in result.err
