"""The difficulty scorer: features, the unfitted default, the fitting code and AUROC.

The rows below are a SYNTHETIC SMOKE SET written for this test: they check that the fitting code
learns a separable signal, and say nothing about which prompts a real fast tier gets wrong.
"""

from __future__ import annotations

import json
import time

import pytest

from deepseek_deploy.components.gateway import scorer

SMOKE_EASY = ["Hi there", "What is the capital of Spain?", "Translate 'cat' to French", "Say hello", "Name a colour"]
SMOKE_HARD = [
    "Prove step by step that sqrt(2) is irrational, and explain why each step holds.",
    "Derive the closed form of 1 + 2 + ... + n = n(n+1)/2 and justify it by induction?",
    "```python\ndef f(x):\n    return x * 2\n```\nWhy is this slow? Analyze the complexity.",
    "1) Solve 3x + 7 = 22. 2) Prove x > 4. 3) Explain why the solution is unique?",
    "Compare the trade-offs of two algorithms for 10^6 items and calculate the cost step by step.",
]
SMOKE = [(p, 0) for p in SMOKE_EASY] + [(p, 1) for p in SMOKE_HARD]


def test_features_are_in_range_and_rise_with_difficulty():
    for prompt, _ in SMOKE:
        assert all(0.0 <= x <= 1.0 for x in scorer.features(prompt))
    assert scorer.score(SMOKE_HARD[0]) > scorer.score(SMOKE_EASY[0])
    assert scorer.score("") == 0.0


def test_the_shipped_weights_say_they_are_unfitted():
    shipped = json.loads(scorer.WEIGHTS_FILE.read_text())
    assert shipped["fitted"] is False and shipped["features"] == list(scorer.FEATURES)
    weights = scorer.load_weights()
    assert not weights.fitted and weights.source.startswith("unfitted")
    prompt = SMOKE_HARD[3]
    assert scorer.score(prompt) == pytest.approx(sum(scorer.features(prompt)) / len(scorer.FEATURES))


def test_scoring_takes_well_under_a_millisecond():
    prompt = SMOKE_HARD[2] * 20
    start = time.perf_counter()
    for _ in range(200):
        scorer.score(prompt)
    assert (time.perf_counter() - start) / 200 < 0.005


def test_fit_learns_the_smoke_set_and_round_trips(tmp_path):
    weights = scorer.fit(SMOKE, source="synthetic smoke set")
    assert weights.fitted and len(weights.weights) == len(scorer.FEATURES)
    scores = [scorer.score(p, weights) for p, _ in SMOKE]
    assert scorer.auroc(scores, [y for _, y in SMOKE]) == 1.0
    path = tmp_path / "w.json"
    path.write_text(json.dumps(weights.to_json()))
    assert scorer.load_weights(path) == weights


def test_fit_and_evaluate_reports_a_held_out_auroc(tmp_path):
    rows = SMOKE * 4
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text("\n".join(json.dumps({"prompt": p, "label": y}) for p, y in rows))
    fitted = scorer.fit_and_evaluate(scorer.read_labelled(labelled), source="smoke")
    assert fitted.fitted and "32 train, 8 held out" in fitted.source
    assert fitted.auroc_held_out is not None and 0.0 <= fitted.auroc_held_out <= 1.0


def test_auroc_by_hand():
    assert scorer.auroc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75
    assert scorer.auroc([0.5, 0.5], [0, 1]) == 0.5
    with pytest.raises(ValueError):
        scorer.auroc([0.1], [1])
    with pytest.raises(ValueError):
        scorer.fit([("a", 1)])
