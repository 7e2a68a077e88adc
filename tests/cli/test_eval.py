"""`deploy eval` (CLI.md) against local OpenAI-compatible servers: scores that match a hand count for a fixed
dataset, side by side; a gateway's tier shares, cost saved and quality kept; one JSON document or the table on
stdout, progress on stderr, the report files; exit 2 with FILE:LINE:COL for a bad dataset, exit 1 over the
cost cap before any request, and no Pulumi when pointed by hand.

`eval` is registered on the real app for these tests only (cli/main.py registers it for good)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import pytest

from deepseek_deploy.stacks.measure.eval_metrics import price_of
from tests.stacks.measure.test_eval_run import DATASET, FAST_REPLIES, FAST_SCORES, STRONG_REPLIES, ScriptedServer

FAST_SPEC = "name: fast\nmodel: deepseek-v3.1\nmode: serverless\nregion: us-west-2\n"
STRONG_SPEC = "name: strong\nmodel: deepseek-r1\nmode: serverless\nregion: us-west-2\n"
GATEWAY_SPEC = "name: front\nmodel: deepseek-r1\nmode: serverless\nregion: us-west-2\n"  # stands in for kind: gateway


@pytest.fixture
def deploy(cli, monkeypatch):
    from deepseek_deploy.cli import lifecycle, main
    from deepseek_deploy.cli.eval import command

    def refuse(*args, **kwargs):
        raise AssertionError("eval touched the Pulumi engine")

    monkeypatch.setattr(lifecycle, "_stack_outputs", refuse)
    added = "eval" not in {c.name for c in main.app.registered_commands}
    if added:
        main.app.command("eval")(command)
    yield cli
    if added:
        main.app.registered_commands.pop()


@pytest.fixture
def files(tmp_path, write_spec):
    dataset = tmp_path / "fixed.jsonl"
    rows = [{"prompt": p.text, "answer": p.answer, "match": p.match} for p in DATASET]
    dataset.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return {
        "dataset": str(dataset),
        "fast": write_spec(FAST_SPEC, "fast.yaml"),
        "strong": write_spec(STRONG_SPEC, "strong.yaml"),
        "front": write_spec(GATEWAY_SPEC, "front.yaml"),
    }


def per_1k(replies: dict[str, str], model: str) -> float:
    """By hand: the fake counts whitespace-separated words as tokens (prompt: the user message)."""
    price = price_of(model, "serverless")
    costs = [
        (len(prompt.split()) * price.input_per_1m + len(reply.split(" ")) * price.output_per_1m) / 1e6
        for prompt, reply in replies.items()
    ]
    return 1000 * sum(costs) / len(costs)


def test_side_by_side_scores_match_the_hand_count(deploy, files):
    with ScriptedServer(replies=FAST_REPLIES) as fast, ScriptedServer(replies=STRONG_REPLIES) as strong:
        result = deploy(
            "eval", files["fast"], files["strong"], "--dataset", files["dataset"], "--json",
            "--endpoint", fast.base_url, "--endpoint", strong.base_url, "--api-key", "test-key",
        )  # fmt: skip
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert document["dataset"] == files["dataset"]
    first, second = document["results"]
    assert (first["deployment"], first["mode"], first["model"]) == ("fast", "openai", "deepseek-v3.1")
    assert first["score"] == sum(FAST_SCORES) / 6 == 0.5 and first["n"] == 6 and first["errors"] == 0
    assert second["deployment"] == "strong" and second["score"] == 1.0 and second["n"] == 6
    assert first["cost_per_1k_requests_usd"] == pytest.approx(per_1k(FAST_REPLIES, "deepseek-v3.1"), abs=1e-6)
    assert second["cost_per_1k_requests_usd"] == pytest.approx(per_1k(STRONG_REPLIES, "deepseek-r1"), abs=1e-6)
    for entry in document["results"]:
        assert set(entry) >= {"deployment", "mode", "model", "score", "n", "cost_per_1k_requests_usd", "latency_ms"}
        assert set(entry["latency_ms"]) == {"p50", "p95"} and entry["tiers"] == {} and len(entry["ci"]) == 2
    assert "estimated spend $0.0000" in result.err and "fast: score 0.5 over 6" in result.err


def test_a_gateway_reports_tier_shares_cost_saved_and_quality_kept(deploy, files):
    # The gateway stand-in sends rows 0, 1, 4 to "fast" (which gets them right) and the rest to "strong".
    served = {p.text: ("fast" if i in (0, 1, 4) else "strong") for i, p in enumerate(DATASET)}
    replies = {text: (FAST_REPLIES if tier == "fast" else STRONG_REPLIES)[text] for text, tier in served.items()}
    with (
        ScriptedServer(replies=replies, tiers=served) as front,
        ScriptedServer(replies=FAST_REPLIES) as fast,
        ScriptedServer(replies=STRONG_REPLIES) as strong,
    ):
        result = deploy(
            "eval", files["front"], files["fast"], files["strong"], "--dataset", files["dataset"], "--json",
            "--endpoint", front.base_url, "--endpoint", fast.base_url, "--endpoint", strong.base_url,
            "--api-key", "test-key",
        )  # fmt: skip
    assert result.code == 0, result.err
    gateway = json.loads(result.out)["results"][0]
    assert gateway["score"] == 1.0
    assert gateway["tiers"] == {
        "fast": {"share": 0.5, "requests": 3, "score": 1.0},
        "strong": {"share": 0.5, "requests": 3, "score": 1.0},
    }
    by_tier = {"fast": {}, "strong": {}}
    for text, tier in served.items():
        by_tier[tier][text] = replies[text]
    mine = (per_1k(by_tier["fast"], "deepseek-v3.1") + per_1k(by_tier["strong"], "deepseek-r1")) / 2
    theirs = per_1k(STRONG_REPLIES, "deepseek-r1")
    assert gateway["cost_per_1k_requests_usd"] == pytest.approx(mine, abs=1e-6)
    assert gateway["gateway"]["strongest"] == "strong" and gateway["gateway"]["quality_kept"] == 1.0
    assert gateway["gateway"]["cost_saved_per_1k_usd"] == pytest.approx(theirs - mine, abs=1e-5)


GATEWAY_OVER_NAMED_TIERS = """\
kind: gateway
name: front
region: us-west-2
tiers: {fast: tier-fast.yaml, strong: tier-strong.yaml}
routing: {strategy: classifier, default: fast, escalate_to: strong, threshold: 0.5}
host: {platform: ecs-fargate}
"""


@pytest.fixture
def named_gateway(write_spec) -> tuple[str, list[str]]:
    """A real gateway spec whose tiers' stacks are named unlike the tiers: (gateway file, tier files)."""
    write_spec(FAST_SPEC.replace("name: fast", "name: front-fast"), "tier-fast.yaml")
    write_spec(STRONG_SPEC.replace("name: strong", "name: front-strong"), "tier-strong.yaml")
    gateway_spec = write_spec(GATEWAY_OVER_NAMED_TIERS, "front.yaml")
    tier_files = [str(Path(gateway_spec).with_name(name)) for name in ("tier-fast.yaml", "tier-strong.yaml")]
    return gateway_spec, tier_files


def eval_gateway(deploy, files, named_gateway, served: dict, replies: dict) -> list[dict]:
    """`deploy eval` of the gateway (a stand-in that answers `replies`, each from the tier `served` names)
    beside its two tiers; the results."""
    gateway_spec, tier_files = named_gateway
    with (
        ScriptedServer(replies=replies, tiers=served) as front,
        ScriptedServer(replies=FAST_REPLIES) as fast,
        ScriptedServer(replies=STRONG_REPLIES) as strong,
    ):
        result = deploy(
            "eval", gateway_spec, *tier_files, "--dataset", files["dataset"], "--json",
            "--endpoint", front.base_url, "--endpoint", fast.base_url, "--endpoint", strong.base_url,
            "--api-key", "test-key",
        )  # fmt: skip
    assert result.code == 0, result.err
    return json.loads(result.out)["results"]


def test_a_real_gateway_spec_is_priced_at_the_tier_that_served_each_request(deploy, files, named_gateway):
    """The answers name their tier ("fast"), not the tier's stack ("front-fast"): the tiers' rows go by the
    tier names, so the gateway's requests are priced and compared at the tier that served them."""
    served = {p.text: ("fast" if i in (0, 1, 4) else "strong") for i, p in enumerate(DATASET)}
    replies = {text: (FAST_REPLIES if tier == "fast" else STRONG_REPLIES)[text] for text, tier in served.items()}
    gateway, fast_row, strong_row = eval_gateway(deploy, files, named_gateway, served, replies)
    assert (gateway["deployment"], fast_row["deployment"], strong_row["deployment"]) == ("front", "fast", "strong")
    by_tier = {"fast": {}, "strong": {}}
    for text, tier in served.items():
        by_tier[tier][text] = replies[text]
    mine = (per_1k(by_tier["fast"], "deepseek-v3.1") + per_1k(by_tier["strong"], "deepseek-r1")) / 2
    assert gateway["cost_per_1k_requests_usd"] == pytest.approx(mine, abs=1e-6)
    assert gateway["gateway"]["strongest"] == "strong" and gateway["gateway"]["quality_kept"] == 1.0


def test_the_table_on_stdout_and_the_report_files(deploy, files, tmp_path):
    out = tmp_path / "report"
    with ScriptedServer(replies=FAST_REPLIES) as fast:
        result = deploy(
            "eval", files["fast"], "--dataset", files["dataset"], "--endpoint", fast.base_url, "--api-key",
            "test-key", "--out", str(out),
        )  # fmt: skip
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("deployment  mode    score") and lines[1].startswith("fast        openai  0.500")
    assert sorted(p.name for p in out.iterdir()) == ["eval.json", "report.md", "score-cost.png"]
    assert (out / "score-cost.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| fast | openai | 0.500 |" in (out / "report.md").read_text()
    assert f"wrote {out / 'report.md'}" in result.err


def test_a_bad_dataset_line_is_exit_2_with_its_position(deploy, files, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "a", "answer": "1", "match": "numeric"}\n{"prompt": "b", "match": "numeric"}\n')
    result = deploy("eval", files["fast"], "--dataset", str(bad), "--endpoint", "http://127.0.0.1:9/v1", "--json")
    assert result.code == 2
    error = json.loads(result.out)["error"]
    assert (error["file"], error["line"], error["column"]) == (str(bad), 2, 1) and "needs an `answer`" in error[
        "message"
    ]
    assert f"{bad}:2:1:" in result.err


def test_over_the_cost_cap_nothing_is_sent(deploy, files):
    result = deploy(
        "eval", files["strong"], "--model-id", "us.deepseek.r1-v1:0", "--dataset", "builtin:arithmetic",
        "--max-cost", "0.001",
    )  # fmt: skip
    assert result.code == 1
    assert "estimated spend $0." in result.err and "is over --max-cost $0.00" in result.err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--endpoint", "http://127.0.0.1:9/v1", "--endpoint", "http://127.0.0.1:9/v1"), "given 2 time(s) for 1"),
        (("--dataset", "builtin:nope"), "no such built-in set"),
        (("--concurrency", "99"), "--concurrency 99"),
        (("--judge-endpoint", "http://127.0.0.1:9/v1"), "needs --judge SPEC"),
        (("--wait",), "add --bedrock-job"),
    ],
)
def test_bad_options_are_exit_2(deploy, files, extra, message):
    result = deploy("eval", files["fast"], *extra)
    assert result.code == 2 and message in result.err


GATEWAY_AUTO = """\
# one endpoint over both tiers
kind: gateway
name: front
routing:
  strategy: classifier
  threshold: auto   # deploy eval --calibrate writes it
  default: fast
  escalate_to: strong
"""
UNPRICED_FAST = "name: fast\nmodel: distill-qwen-7b\nmode: self-hosted\nregion: us-west-2\n"
UNPRICED_STRONG = "name: strong\nmodel: distill-qwen-32b\nmode: self-hosted\nregion: us-west-2\n"
DIFFICULTY = [0.1, 0.2, 0.7, 0.5, 0.3, 0.9]  # per DATASET row; the fast tier is right on rows 0, 1, 4


def test_calibrate_picks_the_hand_computed_threshold_and_writes_it(deploy, files, write_spec, monkeypatch, tmp_path):
    from deepseek_deploy.components.gateway import scorer

    monkeypatch.setattr(scorer, "score", lambda prompt: DIFFICULTY[[p.text for p in DATASET].index(prompt)])
    gateway = write_spec(GATEWAY_AUTO, "gateway.yaml")
    fast_spec, strong_spec = write_spec(UNPRICED_FAST, "f.yaml"), write_spec(UNPRICED_STRONG, "s.yaml")
    with ScriptedServer(replies=FAST_REPLIES) as fast, ScriptedServer(replies=STRONG_REPLIES) as strong:
        result = deploy(
            "eval", gateway, fast_spec, strong_spec, "--dataset", files["dataset"], "--calibrate", "--json",
            "--endpoint", fast.base_url, "--endpoint", strong.base_url, "--api-key", "test-key",
            "--out", str(tmp_path / "out"),
        )  # fmt: skip
    assert result.code == 0, result.err
    calibration = json.loads(result.out)["calibration"]
    # By hand. Seed 0 fits on rows 1, 2, 4 (difficulty 0.2, 0.7, 0.3; fast right, wrong, right) and holds out
    # rows 0, 3, 5. Unpriced tiers: the fast one costs 0 per request, the strong one 1. On the fit rows:
    #   threshold 0.0: quality 1, cost 1 | 0.2: 1, 2/3 | 0.3: 1, 1/3 | 0.7: 2/3, 0
    # 0.95 of the strong tier's quality (1) rules out 0.7; the cheapest of the rest is 0.3.
    assert calibration["threshold"] == 0.3 and calibration["met"] is True
    assert [p["threshold"] for p in calibration["curve"]] == [0.0, 0.2, 0.3, 0.7]
    assert calibration["fit"] == {
        "threshold": 0.3,
        "quality": 1.0,
        "cost_per_request": 0.33333333,
        "strong_share": 0.3333,
    }
    # Held out at 0.3: row 0 (0.1) -> fast, right; rows 3 (0.5) and 5 (0.9) -> strong, right.
    assert calibration["held_out"]["quality"] == 1.0 and calibration["held_out"]["strong_share"] == 0.6667
    written = Path(gateway).read_text(encoding="utf-8")
    assert "  threshold: 0.3   # deploy eval --calibrate writes it\n" in written
    assert f"  # threshold calibrated by `deploy eval --calibrate` on {files['dataset']}, " in written
    assert written.startswith("# one endpoint over both tiers\n")
    assert (tmp_path / "out" / "calibration.png").exists() and "wrote threshold 0.3 into" in result.err


def test_calibrate_refuses_before_any_request_without_threshold_auto(deploy, files, write_spec):
    gateway = write_spec(GATEWAY_AUTO.replace("auto", "0.5"), "gateway.yaml")
    result = deploy(
        "eval", gateway, files["fast"], files["strong"], "--calibrate", "--endpoint", "http://127.0.0.1:9/v1"
    )
    assert result.code == 2 and f"{gateway}:6:14: routing.threshold is 0.5, not auto" in result.err
    result = deploy("eval", files["fast"], files["strong"], "--calibrate")
    assert result.code == 2 and "GATEWAY FAST STRONG" in result.err


def test_a_judge_grades_open_rows(deploy, files, write_spec, tmp_path):
    dataset = tmp_path / "open.jsonl"
    dataset.write_text('{"prompt": "Explain DNS.", "match": "judge"}\n{"prompt": "What is 2 + 2?", "answer": "4"}\n')
    with (
        ScriptedServer(replies={"Explain DNS.": "Names to addresses.", "What is 2 + 2?": "4"}) as model,
        ScriptedServer(answer="VERDICT: PASS") as judge,
    ):
        result = deploy(
            "eval", files["fast"], "--dataset", str(dataset), "--json", "--endpoint", model.base_url,
            "--api-key", "test-key", "--judge", files["strong"], "--judge-endpoint", judge.base_url,
            "--judge-api-key", "test-key",
        )  # fmt: skip
        asked = judge.received("/chat/completions")
    assert result.code == 0, result.err
    entry = json.loads(result.out)["results"][0]
    assert entry["score"] == 1.0 and entry["n"] == 2 and len(asked) == 1
    assert "Names to addresses." in asked[0].body["messages"][-1]["content"]


# The gateway names its tiers: `deploy eval gateway.yaml --calibrate`, each tier's endpoint given as TIER=URL.
GATEWAY_FULL = """\
# the front door of both tiers
kind: gateway
name: front
region: us-west-2
tiers:
  fast: f.yaml      # the distill
  strong: s.yaml
routing:
  strategy: classifier
  default: fast
  escalate_to: strong
  # threshold: auto  (a comment is not the key)
  threshold: "auto"   # deploy eval --calibrate writes it
host: {platform: kubernetes}
"""


@pytest.fixture
def gateway_files(files, write_spec, monkeypatch):
    from deepseek_deploy.components.gateway import scorer

    monkeypatch.setattr(scorer, "score", lambda prompt: DIFFICULTY[[p.text for p in DATASET].index(prompt)])
    write_spec(UNPRICED_FAST, "f.yaml"), write_spec(UNPRICED_STRONG, "s.yaml")
    return write_spec(GATEWAY_FULL, "gateway.yaml")


@pytest.mark.parametrize("named", [True, False])
def test_calibrate_reads_the_tiers_from_the_gateway_spec(deploy, files, gateway_files, named):
    with ScriptedServer(replies=FAST_REPLIES) as fast, ScriptedServer(replies=STRONG_REPLIES) as strong:
        # named: given in the other order, the names decide; plain: default then escalate_to
        urls = [f"strong={strong.base_url}", f"fast={fast.base_url}"] if named else [fast.base_url, strong.base_url]
        result = deploy(
            "eval", gateway_files, "--dataset", files["dataset"], "--calibrate", "--json",
            "--endpoint", urls[0], "--endpoint", urls[1], "--api-key", "test-key",
        )  # fmt: skip
        assert len(fast.received("/chat/completions")) == 6 and len(strong.received("/chat/completions")) == 6
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert [r["deployment"] for r in document["results"]] == ["fast", "strong"]
    calibration = document["calibration"]
    # The same hand computation as the GATEWAY FAST STRONG form above: 0.3, quality 1 at a third escalated.
    assert calibration["threshold"] == 0.3 and calibration["met"] is True and calibration["spec"] == gateway_files
    assert calibration["fit"]["cost_per_request"] == 0.33333333 and calibration["held_out"]["strong_share"] == 0.6667
    written = Path(gateway_files).read_text(encoding="utf-8")
    assert written == GATEWAY_FULL.replace(
        '  threshold: "auto"   #',
        f"  # threshold calibrated by `deploy eval --calibrate` on {files['dataset']}, "
        f"{__import__('datetime').date.today().isoformat()}\n  threshold: 0.3   #",
    )


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        (("strategy: classifier", "strategy: fixed"), (9, 13), "strategy is fixed"),
        (('threshold: "auto"', "threshold: 0.4"), (13, 14), "routing.threshold is 0.4, not auto"),
        (('  threshold: "auto"   # deploy eval --calibrate writes it\n', ""), (8, 1), "threshold is not written"),
    ],
)
def test_calibrate_refuses_a_gateway_it_cannot_calibrate(deploy, files, gateway_files, change, where, message):
    Path(gateway_files).write_text(GATEWAY_FULL.replace(*change), encoding="utf-8")
    result = deploy("eval", gateway_files, "--calibrate", "--json", "--endpoint", "http://127.0.0.1:9/v1")
    assert result.code == 2, result.err
    error = json.loads(result.out)["error"]
    assert (error["file"], error["line"], error["column"]) == (gateway_files, *where) and message in error["message"]
    assert f"{gateway_files}:{where[0]}:{where[1]}:" in result.err


def test_calibrate_refuses_a_spec_that_is_not_a_gateway(deploy, files):
    result = deploy("eval", files["fast"], "--calibrate", "--json")
    assert result.code == 2 and "not a gateway spec" in json.loads(result.out)["error"]["message"]


def test_a_tier_given_neither_by_hand_nor_deployed_is_named_at_its_line(deploy, files, gateway_files, monkeypatch):
    from deepseek_deploy.cli import lifecycle
    from deepseek_deploy.stacks.errors import FAILED, DeployError

    def not_deployed(spec, *args):
        raise DeployError("stack dev of deepseek-strong does not exist", FAILED)

    monkeypatch.setattr(lifecycle, "_stack_outputs", not_deployed)
    result = deploy("eval", gateway_files, "--calibrate", "--json", "--endpoint", "fast=http://127.0.0.1:9/v1")
    assert result.code == 1, result.err
    error = json.loads(result.out)["error"]
    assert (error["file"], error["line"]) == (gateway_files, 7)
    assert "tier 'strong'" in error["message"] and "does not exist" in error["message"]


@pytest.mark.parametrize(
    ("urls", "message"),
    [
        (["http://127.0.0.1:9/v1"], "given 1 time(s) for 2 tier(s) (fast, strong)"),
        (["slow=http://127.0.0.1:9/v1"], "'slow' is not a calibrated tier"),
        (["fast=http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1"], "TIER=VALUE or none"),
    ],
)
def test_bad_tier_endpoints_are_exit_2(deploy, gateway_files, urls, message):
    args = [a for url in urls for a in ("--endpoint", url)]
    result = deploy("eval", gateway_files, "--calibrate", *args)
    assert result.code == 2 and message in result.err


# --bedrock-job: the Pulumi engine is the boundary (a fake one brings the eval stack "up"), S3 is moto's, and
# every Bedrock request goes through botocore's Stubber, which checks it against the bedrock service model.
EVAL_OUTPUTS = {
    "bucket": "deploy-eval-data",
    "role_arn": "arn:aws:iam::123456789012:role/fast-eval-role",
    "key_arn": "arn:aws:kms:us-west-2:123456789012:key/k",
}
JOB_ARN = "arn:aws:bedrock:us-west-2:123456789012:evaluation-job/{}"


def test_bedrock_job_without_pulumi_sends_nothing_and_says_what_up_says(deploy, files, no_pulumi):
    with ScriptedServer(replies=FAST_REPLIES) as fast:
        result = deploy(
            "eval", files["fast"], "--dataset", files["dataset"], "--endpoint", fast.base_url, "--api-key", "test-key",
            "--bedrock-job", "--json",
        )  # fmt: skip
        sent = fast.received("/chat/completions")
    up = deploy("up", files["fast"], "--yes")
    assert result.code == up.code == 3 and sent == []
    assert result.err == up.err and "curl -fsSL https://get.pulumi.com" in result.err
    error = json.loads(result.out)["error"]
    assert error["code"] == 3 and "prerequisite(s) missing; nothing was created" in error["message"]


class FakeEngine:
    made: ClassVar[list] = []

    def __init__(self, settings, program, command):
        self.settings, self.program, self.command = settings, program, command
        FakeEngine.made.append(self)

    def up(self, on_event=None):
        from deepseek_deploy.stacks.run.engine import Result

        return Result(outputs=dict(EVAL_OUTPUTS))


@pytest.fixture
def aws(no_pulumi, monkeypatch):
    """A fake engine, moto's S3 with the eval bucket, and a stubbed bedrock client (both via cli.eval._clients)."""
    import boto3
    from botocore.stub import Stubber
    from moto import mock_aws

    from deepseek_deploy.cli import eval as eval_cli
    from deepseek_deploy.stacks.run import engine

    FakeEngine.made = []
    monkeypatch.setattr(engine, "find_pulumi", lambda install, automation=None: "pulumi")
    monkeypatch.setattr(engine, "Engine", FakeEngine)
    monkeypatch.setattr(eval_cli, "_stamp", lambda: "t1")
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-west-2")
        s3.create_bucket(Bucket=EVAL_OUTPUTS["bucket"], CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
        bedrock = boto3.client("bedrock", region_name="us-west-2")
        with Stubber(bedrock) as stubber:
            monkeypatch.setattr(eval_cli, "_clients", lambda region: (bedrock, s3))
            yield s3, stubber
            stubber.assert_no_pending_responses()


def job_state(name: str, status: str) -> dict:
    import datetime

    return {
        "jobName": name,
        "status": status,
        "jobArn": JOB_ARN.format(name),
        "roleArn": EVAL_OUTPUTS["role_arn"],
        "jobType": "Automated",
        "evaluationConfig": {
            "automated": {
                "datasetMetricConfigs": [
                    {
                        "taskType": "QuestionAndAnswer",
                        "dataset": {
                            "name": "d",
                            "datasetLocation": {"s3Uri": "s3://deploy-eval-data/datasets/d.jsonl"},
                        },
                        "metricNames": ["Builtin.Correctness"],
                    }
                ]
            }
        },
        "inferenceConfig": {"models": [{"precomputedInferenceSource": {"inferenceSourceIdentifier": "fast"}}]},
        "outputDataConfig": {"s3Uri": "s3://deploy-eval-data/results/"},
        "creationTime": datetime.datetime(2026, 12, 1),
    }


def expected_request(name: str, dataset: str) -> dict:
    from deepseek_deploy.stacks.measure.eval_bedrock import precomputed_request

    return precomputed_request(
        name=f"{name}-eval-t1",
        source=name,
        evaluator_model="mistral.mistral-large-2402-v1:0",
        role_arn=EVAL_OUTPUTS["role_arn"],
        dataset_name=dataset,
        dataset_s3=f"s3://deploy-eval-data/datasets/{name}-eval-t1.jsonl",
        output_s3="s3://deploy-eval-data/results/",
    )


def test_bedrock_jobs_start_wait_and_land_in_the_report(deploy, files, aws):
    s3, stubber = aws
    for name in ("fast", "strong"):
        request = expected_request(name, files["dataset"])
        stubber.add_response("create_evaluation_job", {"jobArn": JOB_ARN.format(f"{name}-eval-t1")}, request)
    for name in ("fast", "strong"):  # the wait: both completed at the first look
        stubber.add_response("get_evaluation_job", job_state(f"{name}-eval-t1", "Completed"))
    for name, score in (("fast", 0.5), ("strong", 1.0)):  # the fetch, and each job's result file
        stubber.add_response("get_evaluation_job", job_state(f"{name}-eval-t1", "Completed"))
        line = {"automatedEvaluationResult": {"scores": [{"metricName": "Correctness", "result": score}]}}
        key = f"results/{name}-eval-t1/u1/models/{name}/taskTypes/QuestionAndAnswer/datasets/d/f_output.jsonl"
        s3.put_object(Bucket="deploy-eval-data", Key=key, Body=json.dumps(line).encode())
    with ScriptedServer(replies=FAST_REPLIES) as fast, ScriptedServer(replies=STRONG_REPLIES) as strong:
        result = deploy(
            "eval", files["fast"], files["strong"], "--dataset", files["dataset"], "--json", "--api-key", "test-key",
            "--endpoint", fast.base_url, "--endpoint", strong.base_url, "--bedrock-job", "--wait", "--duration", "60",
        )  # fmt: skip
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert [r["score"] for r in document["results"]] == [0.5, 1.0]  # the local eval is still there
    assert document["bedrock_jobs"] == [
        {
            "deployment": "fast",
            "name": "fast-eval-t1",
            "arn": JOB_ARN.format("fast-eval-t1"),
            "status": "Completed",
            "metrics": {"Correctness": 0.5},
        },
        {
            "deployment": "strong",
            "name": "strong-eval-t1",
            "arn": JOB_ARN.format("strong-eval-t1"),
            "status": "Completed",
            "metrics": {"Correctness": 1.0},
        },
    ]
    uploaded = s3.get_object(Bucket="deploy-eval-data", Key="datasets/fast-eval-t1.jsonl")["Body"].read().decode()
    assert len(uploaded.splitlines()) == 6 and '"modelResponses"' in uploaded
    (engine,) = FakeEngine.made
    assert engine.settings.project == "deepseek-fast-eval" and engine.settings.stack == "dev"


def test_the_eval_stack_allows_exactly_the_evaluator(deploy, files, aws):
    """The program the engine gets: EvalAccess whose role invokes only the evaluator (both deployments are
    local endpoints, so their answers are graded)."""
    from deepseek_deploy.stacks.run.recorder import record

    _, stubber = aws
    stubber.add_response("create_evaluation_job", {"jobArn": JOB_ARN.format("fast-eval-t1")})
    with ScriptedServer(replies=FAST_REPLIES) as fast:
        result = deploy(
            "eval", files["fast"], "--dataset", files["dataset"], "--api-key", "test-key", "--endpoint", fast.base_url,
            "--bedrock-job",
        )  # fmt: skip
    assert result.code == 0, result.err
    assert f"deploy eval {files['fast']} --fetch {JOB_ARN.format('fast-eval-t1')}" in result.err
    assert f"bedrock job fast-eval-t1: InProgress ({JOB_ARN.format('fast-eval-t1')})" in result.out
    (engine,) = FakeEngine.made
    recording = record(engine.program, region="us-west-2")
    (role,) = [r for r in recording.resources if r["type"] == "aws:iam/role:Role"]
    statements = json.loads(role["inputs"]["inlinePolicies"][0]["policy"])["Statement"]
    invoke = next(s for s in statements if s["Sid"] == "InvokeEvaluatedModels")
    assert invoke["Resource"] == ["arn:aws:bedrock:us-west-2::foundation-model/mistral.mistral-large-2402-v1:0"]


def test_an_aws_refusal_is_exit_1_with_one_json_document(deploy, files, aws):
    _, stubber = aws
    stubber.add_client_error("create_evaluation_job", "AccessDeniedException", "not allowed to pass the role")
    with ScriptedServer(replies=FAST_REPLIES) as fast:
        result = deploy(
            "eval", files["fast"], "--dataset", files["dataset"], "--api-key", "test-key", "--endpoint", fast.base_url,
            "--bedrock-job", "--json",
        )  # fmt: skip
    assert result.code == 1
    error = json.loads(result.out)["error"]
    assert "starting the Bedrock evaluation jobs failed" in error["message"] and "AccessDenied" in error["message"]


def test_fetch_reports_a_job_started_earlier(deploy, files, aws):
    _, stubber = aws
    stubber.add_response("get_evaluation_job", job_state("fast-eval-t1", "InProgress"))
    result = deploy("eval", files["fast"], "--fetch", JOB_ARN.format("fast-eval-t1"), "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out) == {
        "bedrock_jobs": [{"name": "fast-eval-t1", "arn": JOB_ARN.format("fast-eval-t1"), "status": "InProgress"}]
    }


def test_the_cli_default_evaluator_is_the_flows():
    from deepseek_deploy.cli.eval import DEFAULT_EVALUATOR
    from deepseek_deploy.stacks.measure import eval_job

    assert DEFAULT_EVALUATOR == eval_job.DEFAULT_EVALUATOR


def test_a_gateway_that_served_only_its_fast_tier_is_still_compared_with_its_escalation_tier(
    deploy, files, named_gateway
):
    gateway = eval_gateway(deploy, files, named_gateway, {p.text: "fast" for p in DATASET}, FAST_REPLIES)[0]
    assert gateway["gateway"]["strongest"] == "strong"  # routing.escalate_to, not the only tier that answered
    assert gateway["gateway"]["quality_kept"] == 0.5  # the fast tier's 0.5 against the strong tier's 1.0
