"""The fuzz run's figures, printed at the end of the session: inputs, outcomes, the slowest input, the most
memory one input took, the total time. DEEPSEEK_FUZZ_REPORT=FILE also writes them as JSON."""

from __future__ import annotations

import json
import os
from typing import Any

from .harness import FIGURES, MEMORY, examples, long_run


def figures() -> dict[str, Any]:
    per_property = {
        name: {
            "inputs": FIGURES.count[name],
            "outcomes": FIGURES.outcomes[name],
            "max_seconds": round(FIGURES.slowest[name], 3),
            "max_megabytes": round(FIGURES.megabytes[name], 2),
            "total_seconds": round(FIGURES.seconds[name], 1),
        }
        for name in sorted(FIGURES.count)
    }
    return {
        "examples_per_property": examples(),
        "long_run": long_run(),
        "inputs": sum(FIGURES.count.values()),
        "process_peak_megabytes": round(MEMORY.process_peak, 1),
        "properties": per_property,
    }


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES.count:
        return
    report = figures()
    terminalreporter.section("fuzz figures")
    for name, row in report["properties"].items():
        measured = (
            f"; slowest {row['max_seconds']} s, most memory added {row['max_megabytes']} MB, "
            f"total {row['total_seconds']} s"
            if name.startswith("validate")
            else ""
        )
        terminalreporter.write_line(f"{name}: {row['inputs']} inputs {row['outcomes']}{measured}")
    terminalreporter.write_line(
        f"{report['inputs']} inputs in all; process peak resident memory {report['process_peak_megabytes']} MB"
    )
    if os.environ.get("DEEPSEEK_FUZZ_REPORT"):
        with open(os.environ["DEEPSEEK_FUZZ_REPORT"], "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2, sort_keys=True)
