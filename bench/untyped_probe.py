"""Probe: how fast could `deploy plan` be if resources were registered without the typed provider classes?

    python bench/untyped_probe.py [--runs N] [EXAMPLE ...]

The typed SDK classes (pulumi_aws.bedrock.Guardrail, pulumi_kubernetes.core.v1.Service, ...) cost
their service package's import: every Args and output type of the service, built at import time.
A program could instead register each resource by its type token through one generic factory,
`pulumi.CustomResource(type_token, name, props, opts)`, with the inputs the typed class would send.

For each example this script
1. captures, untimed, every registration of the real plan: type token, name, parent, custom,
   component or remote component, and the inputs exactly as the monitor received them (secrets kept as secrets), plus
   the program's outputs and notes;
2. times, against the floor `python -c "import pulumi_aws"` in interleaved pairs, the real
   `deploy plan EXAMPLE --json` and the same CLI command with the program replaced by a replay of
   those registrations: ComponentResource / CustomResource by type token, parents as recorded.
   The replay runs the real CLI, spec resolution, planner, cost and JSON output; it imports no
   pulumi_aws or pulumi_kubernetes module at all;
3. measures in one warm process the program's run time typed (second run, imports done) and
   replayed, so what the replay leaves out (the components' own Python, invokes, apply chains)
   can be added back as `adjusted`.

A prototype measurement only: the components are unchanged. Run it with the CLI as the console
script would (the lead's exit-time change, if applied, is in effect for both).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
SIG_KEY = "4dabf18193072939515e22adb298388d"


# --- capture (in a child process) -------------------------------------------------------------


def capture(spec: str, out: str) -> None:
    """Run the real plan, keeping every registration and the program's outputs and notes."""
    from deepseek_deploy.stacks.run import recorder

    monitors: list[Any] = []
    make_monitor = recorder._monitor

    def keep(mocks: Any) -> Any:
        monitor = make_monitor(mocks)
        record = monitor._record

        def record_with_kind(request: Any, urn: str, inputs: Any) -> None:
            record(request, urn, inputs)
            monitor.records[-1]["custom"] = bool(request.custom)
            monitor.records[-1]["remote"] = bool(request.remote)

        monitor._record = record_with_kind
        monitors.append(monitor)
        return monitor

    recorder._monitor = keep
    from deepseek_deploy.cli.plan import plan_document

    document = plan_document(spec)
    monitor = monitors[0]
    registrations = [
        {
            "type": r["type"],
            "name": r["name"],
            "parent": monitor.names.get(r["parent_urn"]),
            "custom": r.get("custom", True),
            "remote": r.get("remote", False),
            "inputs": r["inputs"],
        }
        for r in monitor.records
    ]
    payload = {"registrations": registrations, "outputs": document["outputs"], "notes": document["notes"]}
    Path(out).write_text(json.dumps(payload, default=str), encoding="utf-8")


# --- replay (the timed child process) -----------------------------------------------------------


def _secrets(value: Any) -> Any:
    """Inputs as the typed class would pass them: recorded secrets become secret Outputs again."""
    import pulumi

    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return pulumi.Output.secret(value.get("value"))
        return {key: _secrets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_secrets(item) for item in value]
    return value


def replay_program(payload: dict[str, Any]) -> Any:
    """Register every captured resource through the generic factories; returns the outputs."""
    import pulumi

    created: dict[str, pulumi.Resource] = {}
    for r in payload["registrations"]:
        parent = created.get(r["parent"]) if r["parent"] else None
        opts = pulumi.ResourceOptions(parent=parent) if parent is not None else None
        if r["custom"]:
            resource: pulumi.Resource = pulumi.CustomResource(r["type"], r["name"], _secrets(r["inputs"]), opts)
        elif r["remote"]:  # a multi-language component (kubernetes yaml/v2 ConfigFile) sends its inputs
            resource = pulumi.ComponentResource(r["type"], r["name"], _secrets(r["inputs"]), opts, remote=True)
        else:
            resource = pulumi.ComponentResource(r["type"], r["name"], None, opts)
        created[r["name"]] = resource
    outputs = {}
    for key, value in payload["outputs"].items():
        outputs[key] = pulumi.Output.secret(value) if value == "[secret]" else value
        pulumi.export(key, outputs[key])
    return outputs


def replay(capture_file: str, argv: list[str]) -> int:
    """`deploy ARGV` with the program replaced by the replay."""
    payload = json.loads(Path(capture_file).read_text(encoding="utf-8"))
    from deepseek_deploy.stacks.build import program

    class Built:
        def __init__(self) -> None:
            self.outputs = replay_program(payload)
            self.notes = list(payload["notes"])

    program.build = lambda deployment: Built()  # dry_run imports `build` from here at call time
    from deepseek_deploy.cli.main import main

    sys.argv = ["deploy", *argv]
    return main()


# --- warm in-process run times ------------------------------------------------------------------


def warm_times(spec: str, capture_file: str) -> tuple[float, float]:
    """The program's run time in one warm process: typed (second run) and replayed."""
    from deepseek_deploy.stacks.build.program import build
    from deepseek_deploy.stacks.run.recorder import record
    from deepseek_deploy.stacks.sizing.deployment import resolve_file

    deployment = resolve_file(spec)
    payload = json.loads(Path(capture_file).read_text(encoding="utf-8"))
    region, name = deployment.spec.region, deployment.spec.name

    def typed() -> Any:
        return build(deployment).outputs

    samples: dict[str, list[float]] = {"typed": [], "replay": []}
    record(typed, project=f"deepseek-{name}", region=region)  # imports
    for _ in range(5):
        for kind, program in (("typed", typed), ("replay", lambda: replay_program(payload))):
            start = time.process_time()
            record(program, project=f"deepseek-{name}", region=region)
            samples[kind].append(time.process_time() - start)
    return statistics.median(samples["typed"]), statistics.median(samples["replay"])


# --- the measurement ----------------------------------------------------------------------------


def run_once(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    _, status, _ = os.wait4(process.pid, 0)
    return time.perf_counter() - start, os.waitstatus_to_exitcode(status)


def deploy_script() -> str:
    return str(Path(sys.executable).parent / "deploy")


def measure(examples: list[Path], runs: int) -> int:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    floor = [sys.executable, "-c", "import pulumi_aws"]
    print(
        f"{'example':<40} {'floor':>6} {'typed':>6} {'x':>5} {'untyped':>8} {'x':>5} "
        f"{'warm typed':>10} {'warm replay':>11} {'adjusted':>8} {'x':>5}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for example in examples:
            path = str(example.relative_to(ROOT))
            capture_file = os.path.join(tmp, example.stem + ".json")
            done = subprocess.run(
                [sys.executable, __file__, "--capture", path, capture_file], env=env, cwd=ROOT, capture_output=True
            )
            if done.returncode != 0:
                print(f"{example.name:<40} capture failed: {done.stderr.decode().strip().splitlines()[-1:]}")
                continue
            typed = [deploy_script(), "plan", path, "--json"]
            untyped = [sys.executable, __file__, "--replay", capture_file, "plan", path, "--json"]
            for command in (floor, typed, untyped):
                run_once(command, env)  # warm caches
            samples: dict[str, list[float]] = {"floor": [], "typed": [], "untyped": []}
            codes = set()
            for i in range(runs):
                order = [("floor", floor), ("typed", typed), ("untyped", untyped)]
                for kind, command in order if i % 2 == 0 else reversed(order):
                    seconds, code = run_once(command, env)
                    samples[kind].append(seconds)
                    codes.add(code)
            warm = subprocess.run(
                [sys.executable, __file__, "--warm", path, capture_file], env=env, cwd=ROOT, capture_output=True
            )
            warm_typed, warm_replay = (float(x) for x in warm.stdout.decode().split())
            f = statistics.median(samples["floor"])
            t = statistics.median(samples["typed"])
            u = statistics.median(samples["untyped"])
            adjusted = u + max(0.0, warm_typed - warm_replay)
            note = "" if codes == {0} else f"  exit codes {sorted(codes)}"
            print(
                f"{example.name:<40} {f:6.2f} {t:6.2f} {t / f:5.2f} {u:8.2f} {u / f:5.2f} "
                f"{warm_typed:10.3f} {warm_replay:11.3f} {adjusted:8.2f} {adjusted / f:5.2f}{note}",
                flush=True,
            )
    print(
        "\nseconds are medians of interleaved runs; x = / floor. warm: the program's run time (CPU s) in a"
        "\nwarm process. adjusted = untyped + (warm typed - warm replay): the replay plus what it leaves out."
    )
    return 0


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--capture":
        capture(sys.argv[2], sys.argv[3])
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "--replay":
        return replay(sys.argv[2], sys.argv[3:])
    if len(sys.argv) > 1 and sys.argv[1] == "--warm":
        print(*warm_times(sys.argv[2], sys.argv[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="interleaved runs per command (median)")
    parser.add_argument("examples", nargs="*", help="spec files (default: examples/*.yaml)")
    args = parser.parse_args()
    examples = [Path(e).resolve() for e in args.examples] or sorted((ROOT / "examples").glob("*.yaml"))
    return measure(examples, args.runs)


if __name__ == "__main__":
    sys.exit(main())
