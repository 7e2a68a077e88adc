"""`--json` (CLI.md): stdout holds exactly one JSON document (NDJSON for up/preview/destroy), in
success and in failure, and the same spec planned twice gives the same bytes."""

import json
import subprocess
import sys

import pytest

from ..conftest import EXAMPLES, MINIMAL

EKS = str(next(p for p in EXAMPLES if p.name == "r1-self-hosted-eks.yaml"))


def one_document(text: str) -> object:
    return json.loads(text)  # raises on anything but exactly one JSON document


@pytest.mark.parametrize(
    "args",
    [("models", "--json"), ("validate", EKS, "--json"), ("plan", EKS, "--json"), ("schema",)],
    ids=lambda a: a[0],
)
def test_success_is_one_json_document(cli, args):
    result = cli(*args)
    assert result.code == 0
    one_document(result.out)


@pytest.mark.parametrize("command", ["plan", "validate", "outputs", "status", "preview", "up", "destroy", "refresh"])
def test_bad_input_is_one_json_error_document(cli, write_spec, command):
    bad = write_spec("name: bot\nmodel: r1\nmode: custom-import\nregion: us-west-2\n")
    result = cli(command, bad, "--json")
    assert result.code == 2
    document = one_document(result.out)
    if command == "validate":
        assert document["valid"] is False and document["errors"][0]["line"] == 3
    else:
        error = document["error"]
        assert (error["code"], error["file"], error["line"], error["column"]) == (2, bad, 3, 7)
        assert "not available with mode custom-import" in error["message"]


@pytest.mark.parametrize("command", ["outputs", "status", "preview", "up", "destroy"])
def test_a_missing_prerequisite_is_one_json_error_document(cli, write_spec, no_pulumi, command):
    result = cli(command, write_spec(MINIMAL["serverless"]), "--json", "--yes" if command == "destroy" else "--json")
    assert result.code == 3
    assert one_document(result.out)["error"]["code"] == 3


def test_a_usage_error_with_json_is_a_json_error(cli):
    result = cli("plan", "--json")
    assert result.code == 2 and "Missing argument" in one_document(result.out)["error"]["message"]


def test_the_same_spec_planned_twice_gives_identical_bytes(tmp_path):
    def plan() -> bytes:
        command = [sys.executable, "-c", "import sys; from deepseek_deploy.cli.main import main; sys.exit(main())"]
        done = subprocess.run([*command, "plan", EKS, "--json"], capture_output=True, check=True)
        return done.stdout

    first, second = plan(), plan()
    assert first == second and json.loads(first)["resources"]
