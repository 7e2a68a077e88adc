"""`deploy eval` (CLI.md) against local OpenAI-compatible servers: scores that match a hand count for a fixed
dataset, side by side; a gateway's tier shares, cost saved and quality kept; one JSON document or the table on
stdout, progress on stderr, the report files; exit 2 with FILE:LINE:COL for a bad dataset, exit 1 over the
cost cap before any request, and no Pulumi when pointed by hand.

`eval` is registered on the real app for these tests only (cli/main.py registers it for good)."""

from __future__ import annotations

import json
from pathlib import Path

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
    assert result.code == 2 and "expected one `threshold: auto`" in result.err
    result = deploy("eval", files["fast"], "--calibrate")
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
