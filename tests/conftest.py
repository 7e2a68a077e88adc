"""Shared test helpers: writing specs to disk and running the CLI in-process."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def cli(capsys, tmp_path):
    """Run `deploy ARGS...` in-process through the real entry point; returns code, stdout, stderr."""
    from deepseek_deploy.cli.main import main

    def run(*args: str) -> Result:
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    run.tmp = tmp_path  # type: ignore[attr-defined]
    return run


@pytest.fixture
def write_spec(tmp_path):
    """Write YAML text (dedented) to a file and return its path as a string."""

    def write(text: str, name: str = "spec.yaml") -> str:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return str(path)

    return write


@pytest.fixture
def no_pulumi(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "a passphrase")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    # The AWS half of the preflight is tested with Stubber (tests/stacks/run/test_preflight.py);
    # here it must not reach for the network.
    from deepseek_deploy.stacks.run import preflight

    monkeypatch.setattr(preflight, "aws_findings", lambda deployment, clients: [])


MINIMAL = {
    "serverless": "name: bot\nmodel: deepseek-r1\nmode: serverless\nregion: us-west-2\n",
    "marketplace": "name: bot\nmodel: distill-llama-70b\nmode: marketplace\nregion: us-west-2\n",
    "custom-import": "name: bot\nmodel: distill-llama-8b\nmode: custom-import\nregion: us-east-1\n",
    "self-hosted": "name: bot\nmodel: distill-qwen-7b\nmode: self-hosted\nregion: us-west-2\n",
}
