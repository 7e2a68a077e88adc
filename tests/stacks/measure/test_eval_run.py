"""Running a dataset against local OpenAI-compatible servers: each prompt once, bounded, answers scored with
their reasoning cut, failures counted as errors; the score matches a hand count. `ScriptedServer` answers
per prompt (and names a tier per prompt, as a gateway does); tests/cli/test_eval.py uses it too."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from deepseek_deploy.stacks.call.target import Target
from deepseek_deploy.stacks.errors import BAD_INPUT, DeployError
from deepseek_deploy.stacks.measure.dataset import Prompt
from deepseek_deploy.stacks.measure.eval_run import Caps, Judge, plan_caps, run_target
from tests.fakes.openai_server import FakeOpenAIServer, _OpenAIHandler


class _ScriptedHandler(_OpenAIHandler):
    """Answers `fake.replies[prompt]` (the newest user message); names `fake.tiers[prompt]` in x-deepseek-tier."""

    def _plan(self, body: dict[str, Any]) -> tuple[list[str], list[str], str]:
        users = [m for m in body.get("messages") or [] if m.get("role") == "user"]
        prompt = str(users[-1]["content"]) if users else ""
        self._tier = self.fake.tiers.get(prompt, self.fake.tier)
        reply = self.fake.replies.get(prompt, self.fake.answer if self.fake.answer is not None else "no idea")
        words = reply.split(" ")
        return [], [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)], "stop"

    def end_headers(self) -> None:
        tier = getattr(self, "_tier", None)
        if tier:
            self.send_header("x-deepseek-tier", tier)
        super().end_headers()


@dataclass
class ScriptedServer(FakeOpenAIServer):
    replies: dict[str, str] = field(default_factory=dict)
    tiers: dict[str, str] = field(default_factory=dict)
    tier: str | None = None

    handler = _ScriptedHandler


# A fixed dataset and a "fast" server that gets exactly rows 0, 1 and 4 right (hand count: 3 of 6).
DATASET = (
    Prompt("What is 2 + 2?", "4", "numeric"),
    Prompt("What is the capital of France?", "Paris", "exact"),
    Prompt("What colour is the sky?", "(?i)blue", "regex"),
    Prompt("What is 10 times 10?", "100", "numeric"),
    Prompt("What is half of 7?", "3.5", "numeric"),
    Prompt("Which is the largest planet?", "Jupiter", "exact"),
)
FAST_REPLIES = {
    "What is 2 + 2?": "<think> maybe 5 </think> The answer is 4.",  # right once the reasoning is cut
    "What is the capital of France?": "paris.",  # right: case and final full stop do not count
    "What colour is the sky?": "Grey today.",  # wrong
    "What is 10 times 10?": "1,000",  # wrong: reads as 1000
    "What is half of 7?": "It is 3.5000001",  # right: within the relative tolerance
    "Which is the largest planet?": "Saturn",  # wrong
}
STRONG_REPLIES = {
    "What is 2 + 2?": "4",
    "What is the capital of France?": "Paris",
    "What colour is the sky?": "Blue",
    "What is 10 times 10?": "\\boxed{100}",
    "What is half of 7?": "3.5",
    "Which is the largest planet?": "Jupiter",
}
FAST_SCORES = [1.0, 1.0, 0.0, 0.0, 1.0, 0.0]


def aimed(fake: FakeOpenAIServer, model: str = "deepseek-r1") -> Target:
    return Target(mode="openai", model=model, region="us-east-1", base_url=fake.base_url, api_key="test-key")


def test_every_prompt_once_scored_as_counted_by_hand():
    with ScriptedServer(replies=FAST_REPLIES, ttft_s=0.01) as fake:
        rows = run_target(aimed(fake), DATASET, Caps(concurrency=3))
        sent = fake.received("/chat/completions")
    assert len(sent) == 6 and {s.body["messages"][-1]["content"] for s in sent} == set(FAST_REPLIES)
    assert all(s.body["stream"] is True and s.body["temperature"] == 0.0 for s in sent)
    assert [r.index for r in rows] == list(range(6))
    assert [r.score for r in rows] == FAST_SCORES
    assert rows[0].answer is not None and rows[0].answer.reasoning == "maybe 5"
    assert all(r.answer and r.answer.ttfa_ms is not None for r in rows)


def test_the_request_cap_and_the_time_cap_bound_the_run():
    with ScriptedServer(replies=STRONG_REPLIES) as fake:
        capped = run_target(aimed(fake), DATASET, Caps(concurrency=1, requests=2))
        ticks = iter([0.0, 0.0, 0.0, 99.0, 99.0, 99.0, 99.0, 99.0])
        timed = run_target(aimed(fake), DATASET, Caps(concurrency=1, duration_s=10), clock=lambda: next(ticks, 99.0))
    assert [r.score for r in capped] == [1.0, 1.0]
    assert len(timed) == 2  # no request starts after the deadline


def test_a_failing_endpoint_is_an_error_not_a_wrong_answer():
    with ScriptedServer(replies=STRONG_REPLIES, fail_status=500, fail_count=1) as fake:
        rows = run_target(aimed(fake), DATASET[:2], Caps(concurrency=1))
    assert rows[0].answer is None and rows[0].score is None and rows[0].error
    assert rows[1].score == 1.0


def test_judge_rows_are_graded_by_the_judge_with_the_rubric():
    judged = (Prompt("Explain DNS in one line.", None, "judge"), Prompt("Say hi.", None, "judge"))
    with (
        ScriptedServer(answer="DNS maps names to addresses.") as model,
        ScriptedServer(answer="<think> fine </think> SCORE: 4") as judge,
    ):
        rows = run_target(aimed(model), judged[:1], Caps(), judge=Judge(aimed(judge), "RUBRIC TEXT"))
        asked = judge.received("/chat/completions")[0].body["messages"][-1]["content"]
        judge.answer = "I think it deserves a 4"
        bad = run_target(aimed(model), judged[1:], Caps(), judge=Judge(aimed(judge), "RUBRIC TEXT"))
        unjudged = run_target(aimed(model), judged[1:], Caps())
    assert rows[0].score == 0.75 and rows[0].judge_error is None
    assert asked.startswith("RUBRIC TEXT") and "DNS maps names to addresses." in asked
    assert bad[0].score is None and "SCORE" in (bad[0].judge_error or "")
    assert unjudged[0].score is None and unjudged[0].judge_error == "no --judge given"


@pytest.mark.parametrize(
    ("args", "flag"),
    [((0, 10, 60.0, 64), "--concurrency"), ((4, 5000, 60.0, 64), "--requests"), ((4, 10, 0.0, 64), "--duration")],
)
def test_caps_are_checked(args, flag):
    with pytest.raises(DeployError) as raised:
        plan_caps(*args)
    assert raised.value.code == BAD_INPUT and raised.value.message.startswith(flag)
