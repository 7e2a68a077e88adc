"""The tree passes ruff (lint and format) and mypy, with the settings in pyproject.toml.

They run as tests so the README's one test command (and `.ci/run`) checks them too;
`pytest -m lint` runs them alone.
"""

import os
import subprocess
import sys

import pytest

from .conftest import REPO

pytestmark = pytest.mark.lint
BIN = os.path.dirname(sys.executable)
PACKAGES = ("stacks", "components", "cli", "templates")


def run(*command: str, cwd=REPO, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, env=env)


def test_ruff_lint():
    result = run(os.path.join(BIN, "ruff"), "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format():
    result = run(os.path.join(BIN, "ruff"), "format", "--check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy(tmp_path):
    # The folders install as deepseek_deploy.<folder> (setuptools package-dir); mypy needs that
    # layout on disk to name the modules, so it reads them through links in a temporary tree.
    package = tmp_path / "deepseek_deploy"
    package.mkdir()
    for folder in PACKAGES:
        (package / folder).symlink_to(REPO / folder, target_is_directory=True)
    env = {**os.environ, "MYPYPATH": str(tmp_path)}
    command = [
        os.path.join(BIN, "mypy"),
        "--config-file",
        str(REPO / "pyproject.toml"),
        "--cache-dir",
        str(tmp_path / ".cache"),
    ]
    for folder in ("stacks", "components", "cli"):
        command += ["-p", f"deepseek_deploy.{folder}"]
    result = run(*command, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
