"""Bench datasets: JSONL with `prompt` required; a bad line stops with FILE:LINE:COL and exit 2."""

import pytest

from deepseek_deploy.stacks.errors import BAD_INPUT, DeployError
from deepseek_deploy.stacks.measure.dataset import BUILTIN, DatasetError, Prompt, load


def write(tmp_path, text):
    path = tmp_path / "prompts.jsonl"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_reads_every_prompt_and_skips_blank_lines(tmp_path):
    path = write(tmp_path, '{"prompt": "a"}\n\n{"prompt": "b", "answer": 42, "match": "numeric"}\n')
    assert load(path) == [Prompt("a"), Prompt("b", "42", "numeric")]


@pytest.mark.parametrize(
    ("text", "line", "column", "says"),
    [
        ('{"prompt": "a"}\n{"prompt": "b",}\n', 2, 16, "not valid JSON"),
        ('{"prompt": "a"}\n["b"]\n', 2, 1, "expected a JSON object"),
        ('{"answer": "a"}\n', 1, 1, "`prompt` is required"),
        ('{"prompt": "  "}\n', 1, 1, "`prompt` is required"),
        ('{"prompt": "a", "promt": "b"}\n', 1, 1, "unknown key 'promt'"),
        ('{"prompt": "a", "match": "fuzzy"}\n', 1, 1, "`match` 'fuzzy'"),
        ('{"prompt": "a", "answer": [1]}\n', 1, 1, "`answer` must be"),
        ("\n\n", 1, 1, "no prompts"),
    ],
)
def test_a_bad_line_names_its_position(tmp_path, text, line, column, says):
    path = write(tmp_path, text)
    with pytest.raises(DatasetError) as caught:
        load(path)
    error = caught.value
    assert error.code == BAD_INPUT
    assert error.message.startswith(f"{path}:{line}:{column}: ")
    assert says in error.message
    assert (error.diagnostics[0].line, error.diagnostics[0].column) == (line, column)


def test_a_missing_file_is_bad_input(tmp_path):
    with pytest.raises(DeployError) as caught:
        load(str(tmp_path / "nope.jsonl"))
    assert caught.value.code == BAD_INPUT
    assert "cannot read it" in caught.value.message


def test_builtin_prompts_are_short_and_distinct():
    assert len({p.text for p in BUILTIN}) == len(BUILTIN) >= 4
    assert all(len(p.text) < 200 for p in BUILTIN)
