"""Run one fuzzed input through `deploy validate` and hold it to the bounds: an answer (a valid spec, or exit 2
with `FILE:LINE:COL:`), never a traceback, in under MAX_SECONDS and MAX_MEGABYTES; and keep the figures."""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

MAX_SECONDS = 2.0  # per input
MAX_MEGABYTES = 512  # per input: the peak resident memory it adds to the process (see `_Memory`)
HANG_SECONDS = 10  # a hard stop: an input still running by then is a hang, reported as one
LONG_RUN = "DEEPSEEK_FUZZ_EXAMPLES"  # fuzzed inputs in all; unset: the CI run
CI_EXAMPLES = 600


def examples() -> int:
    """Fuzzed inputs in all: DEEPSEEK_FUZZ_EXAMPLES for a long run, else the CI figure. They are shared out
    evenly among the strategies that feed `deploy validate`, and as many documents again are compared with the
    schema (tests/fuzz/test_schema_agreement.py)."""
    return int(os.environ.get(LONG_RUN) or CI_EXAMPLES)


def long_run() -> bool:
    return bool(os.environ.get(LONG_RUN))


@dataclass
class Figures:
    """What the fuzz tests measured, per property; printed at the end of the session (conftest.py)."""

    count: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    slowest: dict[str, float] = field(default_factory=dict)
    megabytes: dict[str, float] = field(default_factory=dict)
    outcomes: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, name: str, seconds: float, megabytes: float, outcome: str) -> None:
        self.count[name] = self.count.get(name, 0) + 1
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds
        self.slowest[name] = max(self.slowest.get(name, 0.0), seconds)
        self.megabytes[name] = max(self.megabytes.get(name, 0.0), megabytes)
        tally = self.outcomes.setdefault(name, {})
        tally[outcome] = tally.get(outcome, 0) + 1


FIGURES = Figures()
_FOLDER = tempfile.mkdtemp(prefix="deepseek-fuzz-")
_TIERS = Path(__file__).resolve().parents[2] / "examples" / "hybrid"
for _tier in _TIERS.glob("*.yaml"):  # a fuzzed gateway spec names these tier files, next to it
    if _tier.name != "assistant.yaml":
        (Path(_FOLDER) / _tier.name).write_bytes(_tier.read_bytes())
POSITION = re.compile(r"^(?P<file>.+?):(?P<line>[1-9][0-9]*):(?P<column>[1-9][0-9]*): ")


class _Memory:
    """The peak resident memory one input adds: Linux resets the process's high-water mark (VmHWM) on
    `echo 5 > /proc/self/clear_refs`; VmHWM after the input less VmRSS before it is what the input took, C
    allocations (libyaml, pydantic-core) included. Where /proc cannot do that, tracemalloc's peak of Python
    allocations stands in."""

    STATUS, CLEAR = Path("/proc/self/status"), Path("/proc/self/clear_refs")

    def __init__(self) -> None:
        self.process_peak = 0.0  # MB: the largest VmHWM seen while fuzzing
        try:
            self.CLEAR.write_text("5")
            self.proc = "VmHWM" in self.STATUS.read_text()
        except OSError:
            self.proc = False

    def _read(self, key: str) -> float:
        match = re.search(rf"^{key}:\s+([0-9]+) kB", self.STATUS.read_text(), re.MULTILINE)
        return int(match.group(1)) / 1024 if match else 0.0

    def start(self) -> float:
        if not self.proc:
            tracemalloc.start()
            return 0.0
        self.CLEAR.write_text("5")
        return self._read("VmRSS")

    def stop(self, before: float) -> float:
        if not self.proc:
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            return peak
        high = self._read("VmHWM")
        self.process_peak = max(self.process_peak, high)
        return max(0.0, high - before)


MEMORY = _Memory()


class Hang(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise Hang(f"no answer within {HANG_SECONDS} s")


@dataclass(frozen=True)
class Answer:
    code: int
    out: str
    err: str
    seconds: float
    megabytes: float


def validate(content: str | bytes, name: str) -> Answer:
    """`deploy --debug validate FILE` in-process (--debug: a crash raises instead of exiting 1), measured."""
    from deepseek_deploy.cli.main import main

    path = os.path.join(_FOLDER, "spec.yaml")
    with open(path, "wb") as handle:
        handle.write(content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content)
    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    rss = MEMORY.start()
    started = time.perf_counter()
    try:
        signal.alarm(HANG_SECONDS)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--debug", "validate", path])
    finally:
        signal.alarm(0)
        seconds = time.perf_counter() - started
        megabytes = MEMORY.stop(rss)
        signal.signal(signal.SIGALRM, previous)
    answer = Answer(code, out.getvalue(), err.getvalue(), seconds, megabytes)
    if name != "warm-up":
        FIGURES.add(name, seconds, megabytes, {0: "valid", 2: "refused"}.get(code, f"exit {code}"))
    return answer


def assert_answered(answer: Answer) -> None:
    """A valid spec (exit 0), or exit 2 with every error at FILE:LINE:COL; no traceback; within the bounds."""
    assert answer.code in (0, 2), (answer.code, answer.err[-2000:])
    assert "Traceback" not in answer.err + answer.out
    if answer.code == 2:  # every line on stderr is a diagnostic at its place: FILE:LINE:COL: message
        lines = answer.err.splitlines()
        assert lines and all(POSITION.match(line) for line in lines), answer.err[-2000:]
    assert answer.seconds < MAX_SECONDS, f"{answer.seconds:.2f} s"
    assert answer.megabytes < MAX_MEGABYTES, f"{answer.megabytes:.0f} MB"
