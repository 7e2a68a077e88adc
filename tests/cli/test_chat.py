"""`deploy chat` driven through a pipe, as a script would: history without reasoning, /reset, /exit, end of input,
Ctrl-C, and a failing endpoint."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from tests.fakes.openai_server import FakeOpenAIServer

from ..conftest import MINIMAL, REPO

MAIN = "import sys; from deepseek_deploy.cli.main import main; sys.exit(main())"


@pytest.fixture
def fake():
    with FakeOpenAIServer(reasoning_tokens=2, output_tokens=3, api_key="sk-secret") as server:
        yield server


@pytest.fixture
def chat(write_spec, fake):
    spec = write_spec(MINIMAL["self-hosted"])
    command = [sys.executable, "-c", MAIN, "chat", spec, "--endpoint", fake.base_url, "--api-key", "sk-secret"]

    def run(lines: str) -> subprocess.CompletedProcess:
        return subprocess.run(command, input=lines, capture_output=True, text=True, cwd=REPO, timeout=60, check=False)

    run.command = command  # type: ignore[attr-defined]
    return run


def messages(fake: FakeOpenAIServer) -> list[list[dict]]:
    return [r.body["messages"] for r in fake.received("/chat/completions")]


def test_history_keeps_answers_without_reasoning_and_reset_clears_it(chat, fake):
    done = chat("one\ntwo\n/reset\nthree\n")
    assert done.returncode == 0, done.stderr
    answer = {"role": "assistant", "content": "t0 t1 t2"}  # no "r0 r1": reasoning is never sent back
    assert messages(fake) == [
        [{"role": "user", "content": "one"}],
        [{"role": "user", "content": "one"}, answer, {"role": "user", "content": "two"}],
        [{"role": "user", "content": "three"}],
    ]
    assert done.stdout == "t0 t1 t2 \n" * 3  # streamed answers on stdout, nothing else
    usage = [line.rsplit("] ", 1)[1] for line in done.stderr.splitlines() if "out tokens" in line]
    assert usage == ["turn 1", "turn 2", "turn 1"] and "(history cleared)" in done.stderr
    assert "r0 r1" in done.stderr and "sk-secret" not in done.stdout + done.stderr


def test_exit_ends_the_session_and_blank_lines_and_unknown_commands_are_harmless(chat, fake):
    done = chat("\n/nope\nhi\n/exit\nnever sent\n")
    assert done.returncode == 0 and len(messages(fake)) == 1 and "unknown command /nope" in done.stderr


def test_a_failing_endpoint_ends_a_piped_session_with_exit_1(chat, fake):
    fake.fail_status = 500
    done = chat("hi\nagain\n")
    assert done.returncode == 1 and "HTTP 500" in done.stderr and len(messages(fake)) == 1


def test_ctrl_c_exits_130(chat):
    process = subprocess.Popen(chat.command, stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    assert process.stderr is not None and "chatting with" in process.stderr.readline()
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 130
    process.stdin.close()  # type: ignore[union-attr]
    process.stderr.close()
