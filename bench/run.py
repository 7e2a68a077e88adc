"""Time the CLI against the floor of `python -c "import pulumi_aws"` and print the ratios.

    python bench/run.py [--runs N]

Each command runs in a fresh process, N times; the median counts. Targets (issue 5):
validate <= 1.5x the floor, plan of one spec <= 3x, a program of 100 deployments <= 30x.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLES = sorted((HERE.parent / "examples").glob("*.yaml"))
TARGETS = {"validate": 1.5, "plan": 3.0, "100 deployments": 30.0}


def deploy_command() -> list[str]:
    script = shutil.which("deploy", path=os.path.dirname(sys.executable)) or shutil.which("deploy")
    return [script] if script else [sys.executable, "-m", "deepseek_deploy.cli.main"]


def timed(command: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per command (median)")
    parser.add_argument("--deployments", type=int, default=100, help="deployments in the composed program")
    args = parser.parse_args()
    deploy = deploy_command()

    floor = timed([sys.executable, "-c", "import pulumi_aws"], args.runs)
    rows: list[tuple[str, float, str]] = [("deploy --help", timed([*deploy, "--help"], args.runs), "")]
    for example in EXAMPLES:
        rows.append((f"validate {example.name}", timed([*deploy, "validate", str(example)], args.runs), "validate"))
    for example in EXAMPLES:
        rows.append((f"plan {example.name}", timed([*deploy, "plan", str(example), "--json"], args.runs), "plan"))
    rows.append(
        (
            f"{args.deployments} deployments (bench/hundred.py)",
            timed([sys.executable, str(HERE / "hundred.py"), str(args.deployments)], 1),
            "100 deployments",
        )
    )

    print(f"floor: python -c 'import pulumi_aws' = {floor:.2f} s (median of {args.runs})")
    print(f"{'command':<52} {'seconds':>8} {'x floor':>8}  target")
    for name, seconds, kind in rows:
        ratio = seconds / floor
        target = TARGETS.get(kind)
        verdict = "" if target is None else f"<= {target:g}x {'PASS' if ratio <= target else 'MISS'}"
        print(f"{name:<52} {seconds:>8.2f} {ratio:>8.1f}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
