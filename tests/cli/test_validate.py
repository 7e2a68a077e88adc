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
