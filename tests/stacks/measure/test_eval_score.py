"""Scoring: reasoning cut first, exact / numeric / regex as documented, the judge read strictly, the
bootstrap interval seeded; and the datasets: user JSONL checked with FILE:LINE, built-ins reproducible."""

from __future__ import annotations

import json

import pytest

from deepseek_deploy.stacks.errors import BAD_INPUT, DeployError
from deepseek_deploy.stacks.measure import eval_data
from deepseek_deploy.stacks.measure.dataset import DatasetError, Prompt
from deepseek_deploy.stacks.measure.eval_score import (
    bootstrap_ci,
    exact,
    judge_prompt,
    numeric,
    parse_verdict,
    regex,
    score,
    strip_reasoning,
)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("<think>a\nb</think>\n\n42", "42"),
        ("plan </think> 42", "42"),  # the template opened the block in the prompt
        ("42 <think> still thinking", "42"),
        ("<THINK>x</THINK>yes", "yes"),
        ("no reasoning", "no reasoning"),
    ],
)
def test_reasoning_is_cut(text, kept):
    assert strip_reasoning(text) == kept


def test_exact_numeric_regex():
    assert exact(' "**Paris**." ', "paris") and exact("\\boxed{Au}", "Au") and not exact("Paris, France", "Paris")
    assert numeric("so 1,234 apples", "1234") and numeric("first 3 then 7", "7") and not numeric("first 7 then 3", "7")
    assert numeric("\\boxed{12} (not 13)", "12") and numeric("3.5000001", "3.5") and not numeric("3.51", "3.5")
    assert numeric("-0.5", "-.5") and not numeric("no number", "1")
    assert regex("It is Blue", "(?i)blue") and not regex("It is Blue", "blue")


def test_score_cuts_reasoning_and_leaves_judge_rows_to_the_judge():
    assert score(Prompt("q", "4", "numeric"), "<think>5</think>4") == 1.0
    assert score(Prompt("q", "4", "numeric"), "<think>4</think>5") == 0.0
    assert score(Prompt("q", None, "judge"), "anything") is None
    assert score(Prompt("q"), "no reference") is None


def test_the_judge_reply_is_read_strictly():
    assert [parse_verdict(f"SCORE: {n}") for n in range(1, 6)] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert parse_verdict("<think>hmm</think>\nverdict: PASS") == 1.0 and parse_verdict("VERDICT: fail") == 0.0
    for reply in ("SCORE: 6", "Score 4", "SCORE: 4\nbecause", "4", "", "SCORE: 4.5"):
        with pytest.raises(ValueError):
            parse_verdict(reply)


def test_the_judge_prompt_holds_rubric_question_reference_and_the_answer_without_reasoning():
    text = judge_prompt(eval_data.rubric(), Prompt("Why?", "Because.", "judge"), "<think>secret</think>Since.")
    assert (
        text.startswith("You are grading") and "## Question\nWhy?" in text and "## Reference answer\nBecause." in text
    )
    assert text.endswith("## Answer to grade\nSince.") and "secret" not in text
    assert "SCORE: <a whole number from 1 to 5>" in eval_data.rubric()


def test_bootstrap_interval_is_seeded_and_brackets_the_mean():
    values = [1.0] * 7 + [0.0] * 3
    low, high = bootstrap_ci(values, seed=1) or (None, None)
    assert bootstrap_ci(values, seed=1) == (low, high) and low is not None and high is not None
    assert 0.3 < low < 0.7 < high <= 1.0
    assert bootstrap_ci([1.0, 1.0, 1.0], seed=0) == (1.0, 1.0) and bootstrap_ci([], seed=0) is None


def test_user_jsonl_errors_name_file_and_line(tmp_path):
    good = {"prompt": "p", "answer": "1", "match": "numeric"}
    cases = [
        ({"prompt": "p", "match": "exact"}, "needs an `answer`"),
        ({"prompt": "p", "answer": "one", "match": "numeric"}, "is not a number"),
        ({"prompt": "p", "answer": "(", "match": "regex"}, "not a valid regular expression"),
    ]
    for bad, message in cases:
        path = tmp_path / "d.jsonl"
        path.write_text(json.dumps(good) + "\n\n" + json.dumps(bad) + "\n", encoding="utf-8")
        with pytest.raises(DatasetError) as raised:
            eval_data.load(str(path))
        assert raised.value.code == BAD_INPUT and raised.value.message.startswith(f"{path}:3:1: ")
        assert message in raised.value.message
    path.write_text(json.dumps(good) + "\n" + json.dumps({"prompt": "open", "match": "judge"}) + "\n")
    assert eval_data.load(str(path)).prompts == (Prompt("p", "1", "numeric"), Prompt("open", None, "judge"))


def test_builtin_sets_are_reproducible_and_exact():
    first, again, other = eval_data.load("builtin:arithmetic", 7), eval_data.load("builtin:arithmetic", 7), None
    other = eval_data.load("builtin:arithmetic", 8)
    assert first == again and first.prompts != other.prompts and len(first.prompts) == eval_data.GENERATED_SIZE
    units = eval_data.load("builtin:units", 3).prompts
    assert all(p.match == "numeric" and p.answer and p.answer.isdigit() for p in (*first.prompts, *units))
    kilometres = next(p for p in units if "kilometres" in p.text)
    amount = int(kilometres.text.split("says ")[1].split(" ")[0])
    assert kilometres.answer == str(amount * 1000)
    routing = eval_data.load("builtin:routing")
    assert len(routing.prompts) == len(routing.hard) == 24 and sum(bool(h) for h in routing.hard) == 12
    with pytest.raises(DeployError, match="builtin:arithmetic, builtin:units, builtin:routing"):
        eval_data.load("builtin:nope")


def test_a_generated_problem_is_answered_by_its_own_arithmetic():
    stock = eval_data.arithmetic(seed=5, size=1)[0]
    numbers = [int(w) for w in stock.text.replace(".", " ").split() if w.isdigit()]
    assert stock.answer == str(numbers[0] - numbers[1] + numbers[2])
