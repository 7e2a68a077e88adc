"""A rendered project installs from its own requirements.txt on a machine without deepseek-deploy.

The test installs the project's wheel into a fresh virtual environment with no package index
(--no-index), from the project folder as Pulumi does, and runs the project's program under the
mock runtime with that copy. The pinned third-party packages cannot be downloaded in a test, so
they are lent from this environment's site-packages; the test checks that the copy of
deepseek-deploy in use is the wheel's, and that every other line pins what is installed here.
"""

import json
import os
import subprocess
import sys
import sysconfig
from importlib import metadata

import pytest

from ..conftest import EXAMPLES

pytestmark = pytest.mark.slow
SPEC = next(p for p in EXAMPLES if p.name == "r1-serverless.yaml")
PROGRAM = """
import json, runpy, sys
import deepseek_deploy.stacks as stacks
from deepseek_deploy.stacks.run.recorder import record
recording = record(lambda: runpy.run_path("__main__.py") and None, project="deepseek-support-bot", region="us-west-2")
print(json.dumps({"stacks": stacks.__file__, "resources": recording.resources}))
"""


def test_the_rendered_project_installs_and_runs_from_its_own_wheel(cli, tmp_path):
    project, fresh = tmp_path / "project", tmp_path / "fresh"
    assert cli("render", str(SPEC), "-o", str(project)).code == 0
    lines = [line for line in (project / "requirements.txt").read_text().splitlines() if line and line[0] != "#"]
    wheel = [line for line in lines if line.endswith(".whl")]
    assert len(wheel) == 1
    for line in lines:
        if line not in wheel:
            name, version = line.split("==")
            assert metadata.version(name) == version, line

    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(fresh)], check=True)
    python = str(fresh / "bin" / "python")
    install = [sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", wheel[0]]
    installed = subprocess.run(install, cwd=project, capture_output=True, text=True, check=False)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True
    ).stdout.strip()
    with open(
        os.path.join(site, "lent.pth"), "w"
    ) as handle:  # the third-party packages, lent (see the module docstring)
        handle.write(sysconfig.get_paths()["purelib"] + "\n")

    run = subprocess.run([python, "-c", PROGRAM], cwd=project, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.splitlines()[-1])
    assert result["stacks"].startswith(str(fresh))  # the wheel's copy, not this checkout's
    planned = cli("plan", str(SPEC), "--json").json()["resources"]
    assert result["resources"] == planned
