"""`deploy eval GATEWAY --calibrate --out DIR` also writes DIR/scorer-labels.jsonl: per prompt both tiers scored,
label 1 when the fast tier was wrong and the strong tier right (components/gateway/scorer.py's label), else 0.
Counted by hand on a small case, then end to end: the file appears and the scorer's fitter reads it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from deepseek_deploy.components.gateway import scorer
from deepseek_deploy.stacks.measure.dataset import Prompt
from deepseek_deploy.stacks.measure.eval_run import Row
from deepseek_deploy.stacks.measure.eval_tune import LABELS_FILE, labels, write_labels
from tests.cli.test_eval import (
    DIFFICULTY,
    GATEWAY_FULL,
    UNPRICED_FAST,
    UNPRICED_STRONG,
)
from tests.stacks.measure.test_eval_run import DATASET, FAST_REPLIES, FAST_SCORES, STRONG_REPLIES, ScriptedServer

PROMPTS = tuple(Prompt(f"q{i}", "1", "numeric") for i in range(8))


def test_labels_by_hand():
    fast = [
        Row(0, score=0.0),  # fast wrong, strong right: 1
        Row(1, score=1.0),  # both right: 0
        Row(2, score=0.0),  # both wrong: 0
        Row(3, score=1.0),  # fast right, strong wrong: 0
        Row(4, score=0.5),  # a partial grade is not right; strong right: 1
        Row(5, score=None),  # fast unscored: left out
        Row(6, score=0.0),  # strong never answered: left out
        Row(7, score=0.0),  # strong only partly right: 0
    ]
    strong = [Row(0, score=1.0), Row(1, score=1.0), Row(2, score=0.0), Row(3, score=0.0), Row(4, score=1.0)]
    strong += [Row(5, score=1.0), Row(7, score=0.5)]
    assert labels(PROMPTS, fast, strong) == [
        {"prompt": "q0", "label": 1},
        {"prompt": "q1", "label": 0},
        {"prompt": "q2", "label": 0},
        {"prompt": "q3", "label": 0},
        {"prompt": "q4", "label": 1},
        {"prompt": "q7", "label": 0},
    ]


def test_written_labels_are_what_the_scorer_reads(tmp_path):
    rows = [{"prompt": "naïve question?", "label": 1}, {"prompt": "two\nlines", "label": 0}]
    path = write_labels(tmp_path / "out", rows)
    assert path == tmp_path / "out" / LABELS_FILE
    assert scorer.read_labelled(path) == [("naïve question?", 1), ("two\nlines", 0)]


@pytest.fixture
def deploy(cli, monkeypatch):
    from deepseek_deploy.cli import lifecycle

    def refuse(*args, **kwargs):
        raise AssertionError("eval touched the Pulumi engine")

    monkeypatch.setattr(lifecycle, "_stack_outputs", refuse)
    return cli


def test_calibrate_with_out_writes_labels_the_fitter_reads(deploy, write_spec, monkeypatch, tmp_path):
    dataset = tmp_path / "fixed.jsonl"
    dataset.write_text(
        "".join(json.dumps({"prompt": p.text, "answer": p.answer, "match": p.match}) + "\n" for p in DATASET)
    )
    monkeypatch.setattr(scorer, "score", lambda prompt: DIFFICULTY[[p.text for p in DATASET].index(prompt)])
    write_spec(UNPRICED_FAST, "f.yaml"), write_spec(UNPRICED_STRONG, "s.yaml")
    gateway = write_spec(GATEWAY_FULL, "gateway.yaml")
    out = tmp_path / "out"
    with ScriptedServer(replies=FAST_REPLIES) as fast, ScriptedServer(replies=STRONG_REPLIES) as strong:
        result = deploy(
            "eval", gateway, "--dataset", str(dataset), "--calibrate", "--out", str(out),
            "--endpoint", f"fast={fast.base_url}", "--endpoint", f"strong={strong.base_url}", "--api-key", "test-key",
        )  # fmt: skip
    assert result.code == 0, result.err
    path = out / LABELS_FILE
    assert f"wrote {path}" in result.err
    # The strong tier is right everywhere, so the label is exactly "the fast tier was wrong".
    expected = [(p.text, int(s < 1)) for p, s in zip(DATASET, FAST_SCORES, strict=True)]
    assert (
        scorer.read_labelled(path)
        == expected
        == [(p.text, y) for p, y in zip(DATASET, [0, 0, 1, 1, 0, 1], strict=True)]
    )
    monkeypatch.undo()  # the real scorer again
    fitted = scorer.fit_and_evaluate(scorer.read_labelled(path), source="labels")
    assert fitted.fitted and len(fitted.weights) == len(scorer.FEATURES)
    command = [sys.executable, "-m", "deepseek_deploy.components.gateway.scorer", str(path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    weights = json.loads(done.stdout)
    assert weights["fitted"] is True and weights["features"] == list(scorer.FEATURES)
