"""`deploy cost`: the table, the `cost --json` document (CLI.md) and bad input, through the CLI."""

import json

import pytest

from ..conftest import EXAMPLES

R1 = str(next(p for p in EXAMPLES if p.name == "r1-serverless.yaml"))
PROFILE = ("--requests-per-day", "1000", "--input-tokens", "500", "--output-tokens", "2000")
OPTION_KEYS = {
    "mode",
    "hardware",
    "monthly_usd",
    "breakdown",
    "model",
    "this_spec",
    "usd_per_1m_output_tokens",
    "sources",
    "basis",
    "throughput_basis",
}


def test_cost_json_has_the_contract_shape_and_the_hand_computed_figure(cli):
    result = cli("cost", R1, *PROFILE, "--json")
    assert result.code == 0 and result.err == ""
    document = result.json()
    assert list(document) == sorted(document) and {"assumptions", "options"} <= set(document)
    assert document["assumptions"]["requests_per_day"] == 1000 and document["assumptions"]["hours_per_month"] == 730
    assert "estimates" in document["assumptions"]["prices"]
    for option in document["options"]:
        assert set(option) >= OPTION_KEYS, option
        assert option["throughput_basis"] in ("bench", "planner estimate", None)
        assert all(set(source) >= {"url", "as_of"} for source in option["sources"])
    first = document["options"][0]
    assert first["this_spec"] and first["mode"] == "serverless" and first["monthly_usd"] == 349.03
    assert result.out == json.dumps(document, indent=2, sort_keys=True) + "\n"  # one document, sorted keys


def test_cost_table_goes_to_stdout_and_notes_to_stderr(cli):
    result = cli("cost", R1, *PROFILE)
    assert result.code == 0
    assert "estimates, not quotes" in result.out and "$349.03" in result.out and "$5.74" in result.out
    assert "https://github.com/BerriAI/litellm/pull/9108 (as of 2026-11-23" in result.out
    assert "deepseek-r1-distill-llama-70b" in result.out  # the distills that could replace R1
    assert "note: " not in result.out and "note: prices are estimates" in result.err
    longest = max(len(line) for line in result.out.splitlines())
    assert longest > 200  # piped: the table is never cut to a terminal's width


def test_from_bench_is_used_and_said(cli, tmp_path):
    bench = tmp_path / "bench.json"
    levels = [{"concurrency": 16, "requests": 50, "errors": 0, "output_tokens_per_s": 3000}]
    bench.write_text(json.dumps({"endpoint": "x", "mode": "self-hosted", "levels": levels}), encoding="utf-8")
    spec = str(next(p for p in EXAMPLES if p.name == "distill-qwen-14b-self-hosted-public-lb.yaml"))
    result = cli(
        "cost", spec, "--requests-per-day", "100000", "--output-tokens", "2000", "--from-bench", str(bench), "--json"
    )
    assert result.code == 0, result.err
    document = result.json()
    mine = document["options"][0]
    assert mine["this_spec"] and mine["throughput_basis"] == "bench" and mine["replicas"] == 3
    assert str(bench) in document["assumptions"]["throughput"]
    assert all(o["throughput_basis"] != "bench" for o in document["options"][1:])


@pytest.mark.parametrize(
    "args, message",
    [
        (("--requests-per-day", "-5"), "--requests-per-day must be 0 or more"),
        (("--output-tokens", "-1"), "--output-tokens must be 0 or more"),
        (("--active-hours", "0"), "--active-hours"),
    ],
)
def test_negative_numbers_are_bad_input(cli, args, message):
    result = cli("cost", R1, *args, "--json")
    assert result.code == 2 and "Traceback" not in result.err
    assert message in result.json()["error"]["message"]


def test_bad_bench_files_are_bad_input_with_where_to_fix(cli, tmp_path):
    missing = cli("cost", R1, "--from-bench", str(tmp_path / "none.json"))
    assert missing.code == 2 and "none.json: cannot read it" in missing.err and "bench" in missing.err
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    result = cli("cost", R1, "--from-bench", str(broken), "--json")
    assert result.code == 2 and "broken.json:1:2: not JSON" in result.json()["error"]["message"]
    shapeless = tmp_path / "shapeless.json"
    shapeless.write_text('{"levels": [{"concurrency": 1}]}', encoding="utf-8")
    result = cli("cost", R1, "--from-bench", str(shapeless))
    assert result.code == 2 and "levels[0].output_tokens_per_s" in result.err and "Traceback" not in result.err


def test_a_bad_spec_is_bad_input(cli, write_spec):
    path = write_spec("name: bot\nmodel: r1\nmode: custom-import\nregion: us-west-2\n")
    result = cli("cost", path)
    assert result.code == 2 and "spec.yaml:" in result.err
