"""A bench's result: the `bench --json` document (CLI.md), the table, the Markdown report and the plot."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

from ..errors import BAD_INPUT, MISSING_PREREQUISITE, DeployError
from .stats import Level, Slo

COLUMNS = (
    ("conc", lambda lv: str(lv["concurrency"])),
    ("reqs", lambda lv: str(lv["requests"])),
    ("errors", lambda lv: f"{lv['errors']} ({lv['throttles']} throttled)" if lv["throttles"] else str(lv["errors"])),
    ("ttft p50/p95/p99 ms", lambda lv: _triple(lv["ttft_ms"])),
    ("itl p50/p95/p99 ms", lambda lv: _triple(lv["itl_ms"])),
    ("tpot p50 ms", lambda lv: _ms(lv["tpot_ms"]["p50"])),
    ("e2e p50/p95/p99 ms", lambda lv: _triple(lv["e2e_ms"])),
    ("out tok/s", lambda lv: f"{lv['output_tokens_per_s']:.1f}"),
    ("req/s", lambda lv: f"{lv['requests_per_s']:.2f}"),
    ("goodput/s", lambda lv: f"{lv['goodput_per_s']:.2f}"),
)


def document(
    endpoint: str,
    mode: str,
    levels: Sequence[Level],
    *,
    slo: Slo,
    api: str,
    max_tokens: int,
    estimated_cost_usd: Optional[float],
) -> dict[str, Any]:
    """`{"endpoint", "mode", "levels": [...]}` (CLI.md) plus how it was measured."""
    return {
        "endpoint": endpoint,
        "mode": mode,
        "api": api,
        "max_tokens": max_tokens,
        "slo": slo.as_json(),
        "estimated_cost_usd": None if estimated_cost_usd is None else round(estimated_cost_usd, 4),
        "levels": [level.summary() for level in levels],
    }


def _ms(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def _triple(dist: dict[str, Optional[float]]) -> str:
    return "/".join(_ms(dist[k]) for k in ("p50", "p95", "p99"))


def table(doc: dict[str, Any]) -> list[str]:
    """The levels as aligned text columns (never cut: piped output keeps whole lines)."""
    rows = [[name for name, _ in COLUMNS]] + [[cell(lv) for _, cell in COLUMNS] for lv in doc["levels"]]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]


def markdown(doc: dict[str, Any], title: str, plot_name: Optional[str]) -> str:
    slo = doc["slo"]
    bounds = [f"{name} <= {slo[key]:g} ms" for key, name in (("ttft_ms", "TTFT"), ("tpot_ms", "TPOT")) if slo[key]]
    header = "| " + " | ".join(name for name, _ in COLUMNS) + " |"
    lines = [
        f"# Bench: {title}",
        "",
        f"- endpoint: `{doc['endpoint']}` ({doc['mode']}, {doc['api']})",
        f"- answers capped at {doc['max_tokens']} tokens; streamed",
        f"- goodput SLO: {', '.join(bounds) if bounds else 'none (goodput = successful requests/s)'}",
        f"- estimated cost: {_usd(doc['estimated_cost_usd'])}",
        "",
        header,
        "|" + "---|" * len(COLUMNS),
        *("| " + " | ".join(cell(lv) for _, cell in COLUMNS) + " |" for lv in doc["levels"]),
        "",
        "TTFT: time to the first streamed token (reasoning included). ITL: time between streamed chunks. "
        "TPOT: (end-to-end - TTFT) / (output tokens - 1). Percentiles are over requests (ITL: over all "
        "gaps). Throughput is over each level's wall time.",
    ]
    errors = [(lv["concurrency"], lv["first_error"]) for lv in doc["levels"] if lv["first_error"]]
    if errors:
        lines += ["", "## Errors", "", *(f"- concurrency {c}: first error: {e}" for c, e in errors)]
    if plot_name:
        lines += ["", f"![latency against throughput]({plot_name})"]
    return "\n".join(lines) + "\n"


def _usd(value: Optional[float]) -> str:
    return "unknown" if value is None else f"${value:,.4f}"


def out_folder(directory: str) -> Path:
    """`--out DIR`, created if needed; a folder that cannot be made is bad input, said with the reason."""
    folder = Path(directory)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DeployError(f"--out {directory}: cannot create it ({error})", BAD_INPUT) from None
    return folder


def write_json(path: Path, doc: dict[str, Any]) -> None:
    """The `--json` document as a file: indented, keys sorted, as the command prints it."""
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend (no display: a file, in CI as on a laptop), or a DeployError
    that says how to install it. Every `--out` plot (bench, eval, calibration) starts here."""
    try:
        import matplotlib
    except ImportError:
        message = "--out draws its plot with matplotlib: pip install matplotlib"
        raise DeployError(message, MISSING_PREREQUISITE) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot(doc: dict[str, Any], path: Path, title: str) -> None:
    """Latency against throughput, one point per concurrency level (PNG, matplotlib's Agg backend)."""
    plt = pyplot()

    levels = [lv for lv in doc["levels"] if lv["ttft_ms"]["p50"] is not None]
    x = [lv["output_tokens_per_s"] for lv in levels]
    figure, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    for ax, key, name in zip(
        axes, ("ttft_ms", "itl_ms", "e2e_ms"), ("time to first token", "inter-token latency", "end-to-end"), strict=True
    ):
        for quantile, style in (("p50", "o-"), ("p95", "s--"), ("p99", "^:")):
            ax.plot(x, [lv[key][quantile] for lv in levels], style, label=quantile)
        for lv, xi in zip(levels, x, strict=True):
            if lv[key]["p50"] is not None:  # none measured (e.g. no gap between chunks): nothing to label
                ax.annotate(f"c={lv['concurrency']}", (xi, lv[key]["p50"]), textcoords="offset points", xytext=(4, 6))
        ax.set_title(name)
        ax.set_xlabel("output tokens/s (all requests)")
        ax.set_ylabel("ms")
        top = max(lv[key][q] or 0 for lv in levels for q in ("p50", "p95", "p99"))
        ax.set_ylim(0, top * 1.3 or 1)  # from zero, so small differences do not look like cliffs
        ax.grid(True, alpha=0.3)
        ax.legend()
    figure.suptitle(f"{title}: latency against throughput per concurrency level")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
