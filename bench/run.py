"""Time the CLI against the floor of `python -c "import pulumi_aws"`, side by side, and print one table.

    python bench/run.py [--runs N] [--program-runs M] [--counts 1,10,100,200] [--only REGEX] [--markdown]
                        [--deploy "COMMAND"]

`--deploy` times another command in place of the deploy script, for an A/B of a variant, e.g.
`--deploy "/other/venv/bin/deploy"`; PYTHONPATH=DIR runs the package from another tree.

How it measures (issue #9):

* Every measured command runs in a fresh process, paired with a run of the floor: floor then
  command, or command then floor, alternating. Machine noise then hits both halves of a pair.
  `x floor` is the median over the pairs of (command seconds / floor seconds); `seconds` is the
  median of the command's own runs. The floor row is the median of every floor run.
* `peak MB` is the child's peak resident set (ru_maxrss from os.wait4), the largest of its runs;
  `cpu s` its user + system CPU seconds (all threads), median.
* Before timing, each command runs once untimed, so bytecode caches and the page cache are warm,
  as for an installed package. Children run without PYTHONDONTWRITEBYTECODE (bytecode goes to
  the usual, git-ignored __pycache__ folders); the floor's pulumi_aws has its bytecode from pip.
* `N deployments` is bench/hundred.py N: N serverless deployments built in one process under the
  mock recorder. Its marginal cost per deployment at N is (C(N) - C(P)) / (N - P), with P the
  previous count in --counts and C the median CPU seconds of the process, so at 200 it is
  (C(200) - C(100)) / 100 and at 10 it is (C(10) - C(1)) / 9. CPU rather than wall time: on a
  shared machine the difference of two wall times is mostly noise. Cost is linear if
  marginal(largest) <= 1.2 x marginal(10). Programs under 100 deployments get --runs pairs,
  larger ones --program-runs.

Targets: `validate` <= 1.2x the floor, `plan --json` <= 3x for every example, 100 deployments
<= 25x, and linear cost. A command that exits non-zero is reported as FAIL with its last error line.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
FLOOR = [sys.executable, "-c", "import pulumi_aws"]
TARGETS = {"validate": 1.2, "plan": 3.0}
PROGRAM_TARGET = (100, 25.0)  # (deployments, x floor)
LINEAR_TOLERANCE = 1.2  # marginal cost at the largest count <= 1.2 x the marginal cost at 10


@dataclass
class Sample:
    seconds: float  # wall
    cpu: float  # user + system, all threads
    peak_kib: int
    code: int
    error: str = ""


@dataclass
class Row:
    name: str
    kind: str  # "floor", "info", "validate", "plan", "program"
    runs: list[Sample] = field(default_factory=list)
    floors: list[Sample] = field(default_factory=list)
    count: int = 0  # deployments, for "program" rows
    marginal: float | None = None
    target: str = ""
    verdict: str = ""

    @property
    def seconds(self) -> float:
        return statistics.median(s.seconds for s in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.runs)

    @property
    def floor_seconds(self) -> float:
        return statistics.median(s.seconds for s in self.floors) if self.floors else self.seconds

    @property
    def ratio(self) -> float:
        if not self.floors:
            return 1.0
        return statistics.median(run.seconds / floor.seconds for run, floor in zip(self.runs, self.floors, strict=True))

    @property
    def peak_mib(self) -> float:
        return max(s.peak_kib for s in self.runs) / 1024

    @property
    def failed(self) -> Sample | None:
        return next((s for s in self.runs if s.code != 0), None)


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode; so does the floor
    return env


def run_once(command: list[str], env: dict[str, str]) -> Sample:
    """One run in a fresh process: wall seconds, peak RSS of that process (os.wait4) and exit code."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = code = os.waitstatus_to_exitcode(status)
        error = ""
        if code != 0:
            err.seek(0)
            lines = [line for line in err.read().decode(errors="replace").splitlines() if line.strip()]
            error = lines[-1].strip() if lines else ""
    return Sample(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, code, error)


def measure(row: Row, command: list[str], runs: int, env: dict[str, str], warmup: bool) -> Row:
    if warmup:
        run_once(command, env)
    for i in range(runs):
        if i % 2 == 0:
            row.floors.append(run_once(FLOOR, env))
            row.runs.append(run_once(command, env))
        else:
            row.runs.append(run_once(command, env))
            row.floors.append(run_once(FLOOR, env))
        if row.runs[-1].code != 0:
            break  # a failing command is reported, not timed further
    return row


def deploy_command() -> list[str]:
    script = shutil.which("deploy", path=os.path.dirname(sys.executable)) or shutil.which("deploy")
    return [script] if script else [sys.executable, "-c", "from deepseek_deploy.cli.main import main; main()"]


def judge(rows: list[Row]) -> None:
    """Fill in targets, verdicts and the marginal cost per deployment."""
    for row in rows:
        if row.failed:
            row.verdict = f"FAIL (exit {row.failed.code})"
        elif row.kind in TARGETS:
            row.target = f"<= {TARGETS[row.kind]:g}x"
            row.verdict = "PASS" if row.ratio <= TARGETS[row.kind] else "MISS"
    programs = [r for r in rows if r.kind == "program" and not r.failed]
    for previous, row in itertools.pairwise(programs):
        row.marginal = (row.cpu - previous.cpu) / (row.count - previous.count)
    for row in programs:
        if row.count == PROGRAM_TARGET[0]:
            row.target = f"<= {PROGRAM_TARGET[1]:g}x"
            row.verdict = "PASS" if row.ratio <= PROGRAM_TARGET[1] else "MISS"
    base = next((r for r in programs if r.count == 10 and r.marginal), None)
    last = programs[-1] if programs else None
    if base and last and last is not base and last.marginal is not None and last.count > base.count:
        limit = LINEAR_TOLERANCE * base.marginal
        linear = f"marginal <= {limit * 1000:.0f} ms ({LINEAR_TOLERANCE:g}x at 10)"
        verdict = "PASS" if last.marginal <= limit else "MISS"
        last.target = f"{last.target}; {linear}" if last.target else linear
        last.verdict = f"{last.verdict}; {verdict}" if last.verdict else verdict


HEADER = ("command", "seconds", "cpu s", "floor s", "x floor", "target", "result", "peak MB", "marginal cpu s/dep")


def cells(row: Row) -> tuple[str, ...]:
    if row.failed:
        return (row.name, "-", "-", "-", "-", row.target, f"{row.verdict}: {row.failed.error}"[:90], "-", "-")
    marginal = "" if row.marginal is None else f"{row.marginal:.3f}"
    return (
        row.name,
        f"{row.seconds:.2f}",
        f"{row.cpu:.2f}",
        f"{row.floor_seconds:.2f}",
        f"{row.ratio:.2f}",
        row.target,
        row.verdict,
        f"{row.peak_mib:.0f}",
        marginal,
    )


def render_text(rows: list[Row]) -> str:
    table = [HEADER, *(cells(r) for r in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADER))]
    right = {1, 2, 3, 4, 7, 8}
    out = []
    for line in table:
        out.append(
            "  ".join(cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(line))
        )
    return "\n".join(line.rstrip() for line in out)


def render_markdown(rows: list[Row]) -> str:
    def escape(text: str) -> str:
        return text.replace("|", "\\|")

    rule = "|" + "|".join("---" if i in (0, 5, 6) else "---:" for i in range(len(HEADER))) + "|"
    out = ["| " + " | ".join(HEADER) + " |", rule]
    for row in rows:
        values = list(cells(row))
        values[0] = f"`{values[0]}`"
        out.append("| " + " | ".join(escape(v) for v in values) + " |")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="pairs per CLI command (median; default 5)")
    parser.add_argument(
        "--program-runs", type=int, default=3, help="pairs per program of 100+ deployments (default 3; smaller: --runs)"
    )
    parser.add_argument("--counts", default="1,10,100,200", help="deployments in the composed program")
    parser.add_argument("--only", default="", help="measure only rows whose name matches this regex")
    parser.add_argument("--no-warmup", action="store_true", help="skip the untimed first run of each command")
    parser.add_argument("--deploy", default="", help="command to run instead of the deploy script (A/B of a variant)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown (for the README)")
    args = parser.parse_args()
    counts = sorted({int(n) for n in args.counts.split(",") if n.strip()})
    deploy, env, warmup = shlex.split(args.deploy) or deploy_command(), child_env(), not args.no_warmup
    only = re.compile(args.only) if args.only else None

    planned: list[tuple[Row, list[str], int]] = [(Row("deploy --help", "info"), [*deploy, "--help"], args.runs)]
    for example in EXAMPLES:
        path = str(example.relative_to(ROOT))
        planned.append((Row(f"deploy validate {path}", "validate"), [*deploy, "validate", path], args.runs))
        planned.append((Row(f"deploy plan {path} --json", "plan"), [*deploy, "plan", path, "--json"], args.runs))
    for count in counts:
        command = [sys.executable, str(HERE / "hundred.py"), str(count)]
        runs = args.runs if count < 100 else args.program_runs  # small programs are cheap: their difference is noisy
        planned.append((Row(f"{count} deployments (bench/hundred.py {count})", "program", count=count), command, runs))
    if only:
        planned = [p for p in planned if only.search(p[0].name)]

    started = time.perf_counter()
    rows: list[Row] = []
    for row, command, runs in planned:
        print(f"measuring {row.name} ...", file=sys.stderr, flush=True)
        rows.append(measure(row, command, runs, env, warmup))
    judge(rows)
    floors = [s for row in rows for s in row.floors]
    floor = Row("python -c 'import pulumi_aws' (floor)", "floor", runs=floors)
    table = [floor, *rows] if floors else rows

    print(render_markdown(table) if args.markdown else render_text(table))
    print(
        f"\n{len(floors)} floor runs, median {floor.seconds:.2f} s; "
        f"{args.runs} pairs per command, {args.program_runs} per program of 100+ deployments; "
        f"{time.perf_counter() - started:.0f} s in all; {os.cpu_count()} cores; Python {sys.version.split()[0]}"
    )
    return 1 if any(row.failed for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
