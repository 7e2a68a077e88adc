"""bench/hybrid_standin.py: the stand-in tiers answer builtin:routing from the dataset file (fast: right exactly
on the easy prompts; reasoning: always right), and, with the real LiteLLM proxy (slow; skipped as the gateway
tests skip when its venv cannot be made), the report's numbers agree with each other."""

from __future__ import annotations

import importlib.util
import json
import sys
from types import ModuleType

import pytest

from deepseek_deploy.components.gateway import scorer
from deepseek_deploy.stacks.measure import eval_data, eval_score
from deepseek_deploy.stacks.measure.eval_tune import LABELS_FILE
from tests.components.gateway.stack import call

from .conftest import REPO


def _load() -> ModuleType:
    name = "hybrid_standin"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "bench" / "hybrid_standin.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up by name
        spec.loader.exec_module(module)
    return sys.modules[name]


standin = _load()


def test_the_answer_books_follow_the_dataset_marks():
    data = eval_data.load("builtin:routing", 0)
    fast, reasoning, hard = standin.answer_books()
    assert list(hard) == [p.text for p in data.prompts] and list(hard.values()) == list(data.hard)
    for prompt, marked in zip(data.prompts, data.hard, strict=True):
        assert eval_score.score(prompt, fast[prompt.text]) == (0.0 if marked else 1.0)
        assert eval_score.score(prompt, reasoning[prompt.text]) == 1.0


def test_a_stand_in_answers_the_last_user_message_from_its_book():
    book = {"What is 7 + 5? Answer with the number only.": "12"}
    with standin.StandIn(api_key=standin.KEY, reasoning_tokens=3, book=book) as fake:
        messages = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "anything else?"}]
        status, _, body = call(fake.url, "What is 7 + 5? Answer with the number only.", key=standin.KEY)
        assert status == 200 and body["choices"][0]["message"]["content"] == "12"
        assert body["usage"]["completion_tokens"] == 4  # 3 reasoning tokens and the answer
        status, _, body = call(fake.url, "ignored: `messages` below replaces it", key=standin.KEY, messages=messages)
        assert status == 200 and body["choices"][0]["message"]["content"] == standin.UNKNOWN


@pytest.mark.slow
def test_the_report_is_internally_consistent(tmp_path):
    examples = {name: (standin.EXAMPLES / name).read_text() for name in standin.SPECS.values()}
    found = standin.report(tmp_path, threshold=0.5, n=3, concurrency=8)
    results = {r["deployment"]: r for r in found.evaluation["results"]}
    gateway, fast, reasoning = results["assistant"], results["fast"], results["reasoning"]
    prompts, easy = len(found.hard), sum(not h for h in found.hard.values())
    assert all(r["n"] == prompts and r["errors"] == 0 for r in results.values())
    assert fast["score"] == round(easy / prompts, 4) and reasoning["score"] == 1.0
    tiers = gateway["tiers"]
    assert set(tiers) <= {"fast", "reasoning"} and sum(t["requests"] for t in tiers.values()) == prompts
    assert sum(t["share"] for t in tiers.values()) == pytest.approx(1.0, abs=1e-3)
    served = sum(t["requests"] * t["score"] for t in tiers.values())
    assert gateway["score"] == pytest.approx(served / prompts, abs=1e-4)
    assert tiers.get("reasoning", {"score": 1.0})["score"] == 1.0
    chosen = found.calibration["calibration"]
    # Again with the gateway at the calibrated threshold: it escalates exactly the prompts scored above it.
    again = {r["deployment"]: r for r in found.calibrated["results"]}["assistant"]
    above = sum(scorer.score(p) > chosen["threshold"] for p in found.hard)
    assert again["tiers"].get("reasoning", {"requests": 0})["requests"] == above
    assert sum(t["requests"] for t in again["tiers"].values()) == prompts and again["errors"] == 0
    assert chosen["threshold"] in [p["threshold"] for p in chosen["curve"]]
    copied = (tmp_path / "specs" / standin.SPECS["gateway"]).read_text()
    assert f"threshold: {round(chosen['threshold'], 4):g}" in copied  # written to 4 decimals
    assert {name: (standin.EXAMPLES / name).read_text() for name in standin.SPECS.values()} == examples
    rows = [json.loads(line) for line in (tmp_path / "calibrate" / LABELS_FILE).read_text().splitlines()]
    assert [(r["prompt"], r["label"]) for r in rows] == [(p, int(h)) for p, h in found.hard.items()]
    assert found.auroc["proxy_hard_marks"] == found.auroc["stand_in_labels"]  # the stand-ins fail exactly there
    assert 0.0 <= found.auroc["proxy_hard_marks"] <= 1.0
    for measured in found.overhead.values():
        assert measured["n"] == 3 and measured["direct_ms"] >= 50.0  # the fast stand-in's time to first token
        assert measured["overhead_ms"] == measured["gateway_ms"] - measured["direct_ms"]
    assert set(found.overhead) == {"guardrail", "no guardrail"}
    assert "PROXY label" in found.markdown and f"chosen threshold: {chosen['threshold']:g}" in found.markdown
