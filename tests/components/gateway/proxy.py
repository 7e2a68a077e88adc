"""The real LiteLLM proxy, run as a process on 127.0.0.1 in front of local fakes (test helper).

LiteLLM 1.108.7 cannot share the dev venv (`pip install -e .[test] litellm[proxy]==1.108.7` does not
resolve), so it lives in its own venv under `.cache/litellm-venv` (git-ignored), made on first use.
1.82.7 and 1.82.8 were compromised on PyPI (BerriAI/litellm#24518); the pin keeps well away from them.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from deepseek_deploy.components import gateway
from deepseek_deploy.components.gateway import config as gw
from deepseek_deploy.stacks import catalog

LITELLM = f"litellm[proxy]=={catalog.load().gateway.litellm_version}"  # the release the image runs
REPO = Path(__file__).resolve().parents[3]
VENV = REPO / ".cache" / "litellm-venv"
_OFFLINE_HINTS = (
    "No matching distribution",
    "Could not find a version",
    "NewConnectionError",
    "Network is unreachable",
)


def litellm_executable() -> Path:
    """The `litellm` command of the cached venv, installing it first if needed (skips when pip cannot reach
    an index)."""
    exe = VENV / "bin" / "litellm"
    marker = VENV / "installed.txt"
    if exe.exists() and marker.exists() and marker.read_text().strip() == LITELLM:
        return exe
    VENV.parent.mkdir(parents=True, exist_ok=True)
    ignore = VENV.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    result = subprocess.run(
        [str(VENV / "bin" / "pip"), "install", "-q", LITELLM], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        if any(hint in result.stderr for hint in _OFFLINE_HINTS):
            pytest.skip(f"pip cannot install {LITELLM} here: {result.stderr.strip().splitlines()[-1]}")
        raise RuntimeError(f"installing {LITELLM} failed:\n{result.stderr[-3000:]}")
    marker.write_text(LITELLM + "\n")
    return exe


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def deliver(folder: Path, config: dict, settings: dict) -> Path:
    """What the deploy does: config.yaml, gateway.json and the hook files in one folder."""
    source = Path(gateway.__file__).parent
    for name in gateway.HOOK_FILES:
        shutil.copy(source / name, folder / name)
    (folder / "config.yaml").write_text(json.dumps(config, indent=2))  # JSON is YAML
    (folder / "gateway.json").write_text(json.dumps(settings, indent=2))
    return folder / "config.yaml"


class Proxy:
    def __init__(self, config_path: Path, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = log_path.open("w")
        command = [str(litellm_executable()), "--config", str(config_path), "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--num_workers", "1"]
        self.process = subprocess.Popen(
            command, env=env, stdout=self._log, stderr=subprocess.STDOUT, cwd=config_path.parent
        )

    def wait_ready(self, timeout_s: float = 90.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"litellm exited {self.process.returncode}:\n{self.log()[-4000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/health/liveliness", timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"litellm did not start in {timeout_s} s:\n{self.log()[-4000:]}")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def events(self) -> list[dict]:
        lines = [line for line in self.log().splitlines() if '"logger": "deepseek_gateway"' in line]
        return [json.loads(line[line.index("{") :]) for line in lines]

    def wait_event(self, wanted: Callable[[dict], bool], timeout_s: float = 5.0) -> dict:
        """The last request-log event `wanted` accepts, waiting for it (logging runs after the answer)."""
        deadline = time.monotonic() + timeout_s
        while True:
            found = [e for e in self.events() if wanted(e)]
            if found or time.monotonic() > deadline:
                assert found, "no such event in the gateway log"
                return found[-1]
            time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log.close()


def base_env(**extra: str) -> dict[str, str]:
    """A clean environment: no inherited credentials or proxies; LiteLLM kept offline."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    env.update(gw.PROCESS_ENV)  # what the deployed container gets
    env.update(
        NO_PROXY="127.0.0.1,localhost",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-west-2",
        AWS_EC2_METADATA_DISABLED="true",
    )
    env.update(extra)
    return env
