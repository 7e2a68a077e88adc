"""`deploy check`: every example passes with no error (warnings shown); a spec or a plan crafted to break a rule
fails with that rule's id; `--skip RULE=REASON` records the reason; the output keeps CLI.md's contract."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from deepseek_deploy.components.policy import BY_ID

from ..conftest import EXAMPLES, MINIMAL

SECRET = "sk-live-0123456789abcdef"


def path_of(name: str) -> str:
    return str(next(p for p in EXAMPLES if p.name == name))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_passes_with_no_error(cli, path):
    result = cli("check", str(path), "--json")
    assert result.code == 0, result.out
    document = result.json()
    assert set(document) == {"passed", "failed", "skipped"}
    assert [f for f in document["failed"] if f["severity"] == "error"] == []
    for failure in document["failed"]:
        assert set(failure) == {"rule", "severity", "resource", "message", "fix"}
    for skip in document["skipped"]:
        assert set(skip) == {"rule", "reason"} and skip["reason"]
    assert document["passed"] and set(document["passed"]).isdisjoint(f["rule"] for f in document["failed"])


def test_warnings_are_shown_on_stdout_and_do_not_fail(cli):
    result = cli("check", path_of("v3-serverless.yaml"))
    assert result.code == 0
    assert "! DD-GR-002 warning: aws:iam/policy:Policy::v3-chat-access-invoke" in result.out
    assert "! DD-COST-001 warning" in result.out and "fix: " in result.out
    assert "0 errors, 2 warnings" in result.out


def test_json_is_one_document_and_nothing_else(cli):
    result = cli("check", path_of("r1-serverless.yaml"), "--json")
    assert result.code == 0 and result.err == ""
    assert result.json()["failed"] == []


# ---------------------------------------------------------------- specs crafted to break a rule

SPECS = {
    "no guardrail, no logs": (
        "name: bot\nmodel: deepseek-r1\nmode: serverless\nregion: us-west-2\nguardrail: false\n"
        "observability: {invocation_logs: false}\n",
        {"DD-GR-001": "error", "DD-LOG-001": "error", "DD-COST-001": "warning", "DD-GR-002": "warning"},
    ),
    "public without TLS": (
        MINIMAL["self-hosted"]
        + "cluster: {create: eks}\nserving: {expose: load-balancer, public: true, api_key: true, "
        "source_ranges: [203.0.113.0/24]}\n",
        {"DD-LB-002": "warning"},
    ),
    "guardrail not enforced": (MINIMAL["custom-import"], {"DD-GR-002": "warning", "DD-COST-001": "warning"}),
}


@pytest.mark.parametrize("case", SPECS)
def test_a_spec_crafted_to_break_a_rule_fails_with_its_id(cli, write_spec, case):
    text, expected = SPECS[case]
    result = cli("check", write_spec(text), "--json")
    found = {(f["rule"], f["severity"]) for f in result.json()["failed"]}
    assert set(expected.items()) <= found
    assert result.code == (1 if "error" in expected.values() else 0)


def test_a_spec_that_shares_invocation_logging_records_the_skip(cli, write_spec):
    text = MINIMAL["serverless"] + "observability: {invocation_logs: shared}\n"
    document = cli("check", write_spec(text), "--json").json()
    reasons = {s["rule"]: s["reason"] for s in document["skipped"]}
    assert "invocation_logs: shared" in reasons["DD-LOG-001"] and "DD-LOG-001" not in document["passed"]


# ---------------------------------------------------------------- plans crafted to break each rule


@cache
def plan_of(name: str) -> str:
    from deepseek_deploy.cli.plan import plan_document

    return json.dumps(plan_document(path_of(name)))


Resources = list[dict[str, Any]]


def find(resources: Resources, type_: str, name_end: str = "") -> dict[str, Any]:
    return next(r for r in resources if r["type"] == type_ and r["name"].endswith(name_end))


def drop(type_: str, name_end: str = "") -> Callable[[Resources], None]:
    def mutate(resources: Resources) -> None:
        resources.remove(find(resources, type_, name_end))

    return mutate


def edit_policy(type_: str, name_end: str, change: Callable[[list[dict]], None], key: str = "policy") -> Callable:
    def mutate(resources: Resources) -> None:
        holder = find(resources, type_, name_end)["inputs"]
        if key == "inline":
            holder = holder["inlinePolicies"][0]
        document = json.loads(holder["policy" if key == "inline" else key])
        change(document["Statement"])
        holder["policy" if key == "inline" else key] = json.dumps(document)

    return mutate


def edit(type_: str, name_end: str, change: Callable[[dict], None]) -> Callable[[Resources], None]:
    def mutate(resources: Resources) -> None:
        change(find(resources, type_, name_end)["inputs"])

    return mutate


def vllm(change: Callable[[dict], None]) -> Callable[[dict], None]:
    return lambda inputs: change(inputs["spec"]["template"]["spec"]["containers"][0])


def set_statement(index: int, **values: Any) -> Callable[[list[dict]], None]:
    return lambda statements: statements[index].update(values)


POLICY, ROLE = "aws:iam/policy:Policy", "aws:iam/role:Role"
DEPLOYMENT, SERVICE = "kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service"
SERVERLESS, QWEN = "r1-serverless.yaml", "distill-qwen-14b-self-hosted-public-lb.yaml"
LB_ANNOTATIONS = ("metadata", "annotations")

# rule id -> (example whose plan is broken, the change)
BREAKS: dict[str, tuple[str, Callable[[Resources], None]]] = {
    "DD-IAM-001": (SERVERLESS, edit_policy(ROLE, "logging-role", set_statement(0, Resource="*"), key="inline")),
    "DD-IAM-002": (
        SERVERLESS,
        edit_policy(POLICY, "invoke", set_statement(0, Resource=["arn:aws:bedrock:*::foundation-model/*"])),
    ),
    "DD-IAM-003": (
        SERVERLESS,
        edit_policy(
            ROLE, "logging-role", set_statement(0, Resource="arn:aws:logs:us-west-2:${account_id}:*"), key="inline"
        ),
    ),
    "DD-GR-001": (SERVERLESS, lambda rs: [rs.remove(r) for r in list(rs) if "guardrail" in r["type"].lower()]),
    "DD-GR-002": (SERVERLESS, edit_policy(POLICY, "invoke", lambda statements: statements.pop())),
    "DD-LOG-001": (SERVERLESS, drop("aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration")),
    "DD-S3-001": (SERVERLESS, drop("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")),
    "DD-S3-002": (
        SERVERLESS,
        drop("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"),
    ),
    "DD-S3-003": (
        SERVERLESS,
        edit(
            "aws:s3/bucketVersioning:BucketVersioning",
            "",
            lambda i: i["versioningConfiguration"].update(status="Suspended"),
        ),
    ),
    "DD-S3-004": (
        SERVERLESS,
        edit_policy("aws:s3/bucketPolicy:BucketPolicy", "", lambda statements: statements.pop(0)),
    ),
    "DD-KMS-001": (SERVERLESS, edit("aws:kms/key:Key", "", lambda i: i.update(enableKeyRotation=False))),
    "DD-ENC-001": (QWEN, edit("aws:efs/fileSystem:FileSystem", "", lambda i: i.update(encrypted=False))),
    "DD-EKS-001": (
        QWEN,
        edit("aws:eks/cluster:Cluster", "", lambda i: i["vpcConfig"].update(publicAccessCidrs=["0.0.0.0/0"])),
    ),
    "DD-EKS-002": (QWEN, edit("aws:eks/cluster:Cluster", "", lambda i: i.pop("encryptionConfig"))),
    "DD-EC2-001": (
        QWEN,
        edit("aws:ec2/launchTemplate:LaunchTemplate", "", lambda i: i["metadataOptions"].update(httpTokens="optional")),
    ),
    "DD-K8S-001": (
        QWEN,
        edit(DEPLOYMENT, "", vllm(lambda c: c["securityContext"].update(runAsNonRoot=False, runAsUser=0))),
    ),
    "DD-K8S-002": (
        QWEN,
        edit(DEPLOYMENT, "", vllm(lambda c: c["securityContext"].update(readOnlyRootFilesystem=False))),
    ),
    "DD-K8S-003": (
        QWEN,
        edit(DEPLOYMENT, "", vllm(lambda c: c["securityContext"].update(allowPrivilegeEscalation=True))),
    ),
    "DD-K8S-004": (QWEN, edit(DEPLOYMENT, "", vllm(lambda c: c["resources"].pop("limits")))),
    "DD-K8S-005": (QWEN, edit(DEPLOYMENT, "", vllm(lambda c: c.pop("readinessProbe")))),
    "DD-K8S-006": (QWEN, edit(DEPLOYMENT, "", vllm(lambda c: c.update(image="vllm/vllm-openai:latest")))),
    "DD-K8S-007": (QWEN, drop("kubernetes:networking.k8s.io/v1:NetworkPolicy", "-network")),
    "DD-K8S-008": (QWEN, drop("kubernetes:policy/v1:PodDisruptionBudget")),
    "DD-LB-001": (QWEN, edit(SERVICE, "-lb", lambda i: i["spec"].pop("loadBalancerSourceRanges"))),
    "DD-LB-002": (
        QWEN,
        edit(
            SERVICE,
            "-lb",
            lambda i: i["metadata"]["annotations"].pop("service.beta.kubernetes.io/aws-load-balancer-ssl-cert"),
        ),
    ),
    "DD-COST-001": (SERVERLESS, drop("aws:budgets/budget:Budget")),
}


def write_plan(tmp_path, example: str, change: Callable[[Resources], None]) -> str:
    document = json.loads(plan_of(example))
    change(document["resources"])
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def test_every_rule_has_a_crafted_plan():
    assert set(BREAKS) == set(BY_ID)


@pytest.mark.parametrize("rule_id", sorted(BREAKS))
def test_a_plan_crafted_to_break_a_rule_fails_with_its_id(cli, tmp_path, rule_id):
    example, change = BREAKS[rule_id]
    result = cli("check", write_plan(tmp_path, example, change), "--json")
    document = result.json()
    rule = BY_ID[rule_id]
    assert rule_id in {f["rule"] for f in document["failed"]}, document["failed"]
    assert all(f["severity"] == rule.severity for f in document["failed"] if f["rule"] == rule_id)
    assert result.code == (1 if rule.severity == "error" else 0)
    unbroken = cli("check", write_plan(tmp_path, example, lambda resources: None), "--json").json()
    assert rule_id not in {f["rule"] for f in unbroken["failed"]}


def test_a_public_load_balancer_in_front_of_a_server_without_a_key_fails(cli, tmp_path):
    def no_key(resources: Resources) -> None:
        container = find(resources, DEPLOYMENT)["inputs"]["spec"]["template"]["spec"]["containers"][0]
        container["env"] = [e for e in container["env"] if e["name"] != "VLLM_API_KEY"]

    result = cli("check", write_plan(tmp_path, QWEN, no_key), "--json")
    assert result.code == 1
    assert any(f["rule"] == "DD-LB-001" and "requires no API key" in f["message"] for f in result.json()["failed"])


def test_secret_values_never_appear_in_the_report(cli, tmp_path):
    def leak(resources: Resources) -> None:
        find(resources, "kubernetes:core/v1:Secret")["inputs"]["stringData"] = {"api-key": SECRET}
        container = find(resources, DEPLOYMENT)["inputs"]["spec"]["template"]["spec"]["containers"][0]
        container["env"] = [{"name": "VLLM_API_KEY", "value": SECRET}]
        container["args"] = [*container["args"], "--api-key", SECRET]

    path = write_plan(tmp_path, QWEN, leak)
    for args in (("--json",), ()):
        result = cli("check", path, *args)
        assert result.code == 1 and "DD-LB-001" in result.out
        assert SECRET not in result.out + result.err


def test_the_generated_key_and_a_deploy_time_token_never_appear(cli, write_spec, monkeypatch):
    """The real dry run, with the mock answering the API key and the token coming from the environment."""
    from deepseek_deploy.stacks.run import recorder

    token, key = "hf_CANARYcheckNEVERprint1234567890", "CANARY-check-key-NEVER-print-0987"
    monkeypatch.setenv("HF_TOKEN_FOR_CHECK", token)
    real = recorder._mocks

    def canary_mocks(region):
        mocks = real(region)
        plain_new_resource = mocks.new_resource

        def new_resource(args):
            name, state = plain_new_resource(args)
            if args.typ == "random:index/randomPassword:RandomPassword":
                state = {**state, "result": key}
            return name, state

        mocks.new_resource = new_resource
        return mocks

    monkeypatch.setattr(recorder, "_mocks", canary_mocks)
    text = Path(path_of(QWEN)).read_text(encoding="utf-8")
    spec = write_spec(text.replace("serving:\n", "serving:\n  hf_token_env: HF_TOKEN_FOR_CHECK\n", 1))
    for args in (("check", spec, "--json"), ("check", spec), ("--debug", "check", spec)):
        result = cli(*args)
        assert result.code == 0, result.out
        assert token not in result.out + result.err and key not in result.out + result.err


# ---------------------------------------------------------------- --skip


def test_skip_records_the_reason_and_lifts_the_failure(cli, write_spec):
    spec = write_spec(SPECS["no guardrail, no logs"][0])
    result = cli(
        "check", spec, "--json", "--skip", "DD-GR-001=the caller applies its own guardrail", "--skip", "dd-log-001=SIEM"
    )
    assert result.code == 0, result.out
    document = result.json()
    reasons = {s["rule"]: s["reason"] for s in document["skipped"]}
    assert reasons["DD-GR-001"] == "the caller applies its own guardrail" and reasons["DD-LOG-001"] == "SIEM"
    judged = {f["rule"] for f in document["failed"]} | set(document["passed"])
    assert not {"DD-GR-001", "DD-LOG-001"} & judged


@pytest.mark.parametrize(
    ("value", "says"), [("DD-NOPE-001=why", "unknown rule"), ("DD-COST-001", "say why"), ("DD-COST-001=  ", "say why")]
)
def test_a_bad_skip_is_bad_input(cli, value, says):
    result = cli("check", path_of("r1-serverless.yaml"), "--json", "--skip", value)
    assert result.code == 2
    assert says in result.json()["error"]["message"]


def test_help_documents_the_skip_format(cli):
    result = cli("check", "--help")
    assert result.code == 0 and "RULE=REASON" in result.out


# ---------------------------------------------------------------- bad input


def test_a_bad_spec_is_bad_input_with_its_position(cli, write_spec):
    result = cli("check", write_spec("name: bot\nmodel: r1\nmode: custom-import\nregion: us-west-2\n"), "--json")
    assert result.code == 2 and result.json()["error"]["line"] == 3


def test_a_plan_document_of_the_wrong_shape_is_bad_input(cli, tmp_path):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"resources": {"not": "a list"}}), encoding="utf-8")
    result = cli("check", str(path), "--json")
    assert result.code == 2 and "resources" in result.json()["error"]["message"]


def test_the_plan_check_runs_over_is_the_plan_deploy_plan_builds(cli, tmp_path):
    document = copy.deepcopy(json.loads(plan_of(SERVERLESS)))
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    from_plan = cli("check", str(path), "--json").json()
    from_spec = cli("check", path_of(SERVERLESS), "--json").json()
    assert from_plan == from_spec
