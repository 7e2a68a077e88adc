"""`deploy validate`: exit codes, streams and the JSON shape of CLI.md."""

from ..conftest import EXAMPLES, MINIMAL


def test_all_examples_validate(cli):
    result = cli("validate", *map(str, EXAMPLES))
    assert result.code == 0 and "error" not in result.err  # the verdicts are the result: stdout
    assert result.out.count("valid (") == len(EXAMPLES)


def test_bad_input_exits_2_with_file_line_col_on_stderr(cli, write_spec):
    path = write_spec("name: bot\nmodel: deepseek-r1\nmode: custom-import\nregion: us-west-2\n")
    result = cli("validate", path)
    assert result.code == 2 and result.out == f"✗ {path}: invalid\n"
    assert f"{path}:3:7: deepseek-r1 is not available with mode custom-import" in result.err
    assert "Traceback" not in result.err


def test_json_reports_every_error_with_position(cli, write_spec):
    good = write_spec(MINIMAL["serverless"], "good.yaml")
    bad = write_spec("name: bot\nmodel: r1\nmode: serverless\nregoin: us-west-2\n", "bad.yaml")
    result = cli("validate", good, bad, "--json")
    assert result.code == 2 and result.err == ""
    document = result.json()
    assert document["valid"] is False
    assert {e["file"] for e in document["errors"]} == {bad}
    for error in document["errors"]:
        assert {"file", "line", "column", "message"} <= set(error)
    assert [f["valid"] for f in document["files"]] == [True, False]


def test_json_success_document(cli, write_spec):
    result = cli("validate", write_spec(MINIMAL["marketplace"]), "--json")
    assert result.code == 0
    assert result.json()["valid"] is True and result.json()["errors"] == []


def test_warnings_do_not_fail_validation(cli, write_spec):
    result = cli("validate", write_spec("name: bot\nmodel: v3\nmode: serverless\nregion: eu-north-1\n"))
    assert result.code == 0 and ":4:9: warning: " in result.err


def test_a_missing_file_exits_2_with_a_position(cli, tmp_path):
    missing = str(tmp_path / "nope.yaml")
    result = cli("validate", missing)
    assert result.code == 2 and f"{missing}:1:1: no such file" in result.err


def test_no_arguments_is_a_usage_error(cli):
    assert cli("validate").code == 2


def test_paths_with_brackets_are_printed_verbatim(cli, tmp_path):
    from ..conftest import MINIMAL as specs

    path = tmp_path / "[prod] spec.yaml"
    path.write_text(specs["serverless"])
    result = cli("validate", str(path))
    assert result.code == 0 and f"{path}: valid" in result.out


# ---------------------------------------------------------------- gateways (issue 13)

HYBRID = EXAMPLES[0].parent / "hybrid"


def test_the_hybrid_gateway_example_validates(cli):
    result = cli("validate", str(HYBRID / "assistant.yaml"))
    assert result.code == 0 and result.err == ""
    assert result.out == f"✓ {HYBRID / 'assistant.yaml'}: valid (gateway over fast, reasoning, us-west-2)\n"


def test_gateways_and_deployments_validate_together_in_json(cli):
    paths = [str(HYBRID / "assistant.yaml"), str(EXAMPLES[0]), str(HYBRID / "r1-serverless.yaml")]
    result = cli("validate", *paths, "--json")
    assert result.code == 0
    files = result.json()["files"]
    assert [f["kind"] for f in files] == ["gateway", "deployment", "deployment"]
    assert files[0]["tiers"] == {
        "fast": str(HYBRID / "distill-qwen-14b-custom-import.yaml"),
        "reasoning": str(HYBRID / "r1-serverless.yaml"),
    }


def test_a_broken_gateway_exits_2_with_file_line_col(cli, tmp_path):
    for tier in ("distill-qwen-14b-custom-import.yaml", "r1-serverless.yaml"):
        (tmp_path / tier).write_text((HYBRID / tier).read_text())
    text = (HYBRID / "assistant.yaml").read_text().replace("escalate_to: reasoning", "escalate_to: reasonnig")
    path = tmp_path / "assistant.yaml"
    path.write_text(text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "escalate_to: reasonnig" in row)
    result = cli("validate", str(path), str(HYBRID / "r1-serverless.yaml"))
    assert result.code == 2 and "Traceback" not in result.err
    assert f"{path}:{line}:16: routing.escalate_to: 'reasonnig' is not a tier of this gateway; did you mean " in (
        result.err
    )
    assert (
        result.out
        == f"✗ {path}: invalid\n✓ {HYBRID / 'r1-serverless.yaml'}: valid (deepseek-r1, serverless, us-west-2)\n"
    )


def test_a_gateway_whose_tier_file_is_missing_exits_2_naming_the_tier(cli, tmp_path):
    path = tmp_path / "assistant.yaml"
    path.write_text((HYBRID / "assistant.yaml").read_text())
    result = cli("validate", str(path))
    assert result.code == 2
    assert f"{path}:8:9: tier 'fast': distill-qwen-14b-custom-import.yaml does not exist" in result.err
    assert f"{path}:9:14: tier 'reasoning': r1-serverless.yaml does not exist" in result.err
