"""An eval's result: the `eval --json` document (CLI.md), the side-by-side table, the Markdown report and the
plot of score against cost per 1,000 requests (matplotlib, Agg, imported only when drawing)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

FILES = ("eval.json", "report.md", "score-cost.png")


def document(
    dataset: str, results: Sequence[dict[str, Any]], *, seed: int, max_tokens: int, estimated_cost_usd: Optional[float]
) -> dict[str, Any]:
    return {
        "dataset": dataset,
        "seed": seed,
        "max_tokens": max_tokens,
        "estimated_cost_usd": None if estimated_cost_usd is None else round(estimated_cost_usd, 4),
        "results": list(results),
    }


def _num(value: Optional[float], fmt: str = ".3f") -> str:
    return "-" if value is None else format(value, fmt)


def _ci(result: dict[str, Any]) -> str:
    ci = result["ci"]
    return "-" if ci is None else f"{ci[0]:.3f}-{ci[1]:.3f}"


def _tiers(result: dict[str, Any]) -> str:
    shares = ", ".join(f"{name} {tier['share']:.0%}" for name, tier in result["tiers"].items())
    gateway = result.get("gateway")
    if gateway and gateway["quality_kept"] is not None:
        shares += f"; kept {gateway['quality_kept']:.0%} of {gateway['strongest']}"
    if gateway and gateway["cost_saved_share"] is not None:
        shares += f", saved {gateway['cost_saved_share']:.0%}"
    return shares or "-"


COLUMNS = (
    ("deployment", lambda r: str(r["deployment"])),
    ("mode", lambda r: str(r["mode"])),
    ("score", lambda r: _num(r["score"])),
    ("95% CI", _ci),
    ("n", lambda r: str(r["n"])),
    ("errors", lambda r: str(r["errors"])),
    ("$/1k req", lambda r: _num(r["cost_per_1k_requests_usd"], ".4f")),
    ("p50/p95 ms", lambda r: f"{_num(r['latency_ms']['p50'], '.0f')}/{_num(r['latency_ms']['p95'], '.0f')}"),
    ("ttfa p50 ms", lambda r: _num(r["ttfa_ms"]["p50"], ".0f")),
    ("guardrail", lambda r: str(r["interventions"])),
    ("tiers", _tiers),
)


def table(doc: dict[str, Any]) -> list[str]:
    rows = [[name for name, _ in COLUMNS]] + [[cell(r) for _, cell in COLUMNS] for r in doc["results"]]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    return ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]


def calibration_lines(section: Optional[dict[str, Any]]) -> list[str]:
    """`--calibrate`'s pick in words: the threshold, its quality and cost on the fit and held-out splits."""
    if not section:
        return []

    def said(point: Optional[dict[str, Any]], strong: Optional[float]) -> str:
        if point is None:
            return "-"
        kept = f" ({point['quality'] / strong:.0%} of the strong tier's)" if strong else ""
        return (
            f"quality {point['quality']:.3f}{kept}, {point['strong_share']:.0%} escalated, "
            f"{point['cost_per_request']:.6g} per request"
        )

    strong = section["strong_quality"]
    return [
        "",
        f"threshold {section['threshold']:g} (target {section['target_quality']:g} of the strong tier's quality"
        + ("" if section["met"] else "; not reachable, best quality taken")
        + f") written into {section['spec']}",
        f"  fit:      {said(section['fit'], strong['fit'])}",
        f"  held out: {said(section['held_out'], strong['held_out'])}",
    ]


def markdown(doc: dict[str, Any], plot_name: Optional[str]) -> str:
    lines = [
        f"# Eval: {doc['dataset']}",
        "",
        f"- answers capped at {doc['max_tokens']} tokens; reasoning removed before scoring",
        f"- score: mean over scored answers, with a seeded bootstrap 95% interval (seed {doc['seed']})",
        "- cost per 1,000 requests: the measured token usage at the catalog's token prices ('-': no token price)",
        f"- estimated spend before the run: {_num(doc['estimated_cost_usd'], '.4f')} USD",
        "",
        "| " + " | ".join(name for name, _ in COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
        *("| " + " | ".join(cell(r) for _, cell in COLUMNS) + " |" for r in doc["results"]),
    ]
    errors = [(r["deployment"], r["first_error"]) for r in doc["results"] if r["first_error"]]
    if errors:
        lines += ["", "## Errors", "", *(f"- {name}: first error: {error}" for name, error in errors)]
    if doc.get("calibration"):
        lines += ["", "## Calibration", "", "```", *calibration_lines(doc["calibration"])[1:], "```"]
    if plot_name:
        lines += ["", f"![score against cost per 1,000 requests]({plot_name})"]
    return "\n".join(lines) + "\n"


def plot(doc: dict[str, Any], path: Path) -> None:
    """Score against cost per 1,000 requests, one point per deployment with its CI as an error bar."""
    from .report import pyplot

    plt = pyplot()

    figure, axes = plt.subplots(figsize=(7, 5))
    for result in doc["results"]:
        if result["score"] is None:
            continue
        x = result["cost_per_1k_requests_usd"] or 0.0
        ci = result["ci"] or [result["score"], result["score"]]
        below, above = result["score"] - ci[0], ci[1] - result["score"]
        axes.errorbar([x], [result["score"]], yerr=[[below], [above]], fmt="o", capsize=4)
        axes.annotate(result["deployment"], (x, result["score"]), textcoords="offset points", xytext=(5, 5))
    axes.set_xlabel("USD per 1,000 requests (0: no token price)")
    axes.set_ylabel("score")
    axes.set_ylim(0, 1.05)
    axes.grid(True, alpha=0.3)
    axes.set_title(f"{Path(doc['dataset']).name}: score against cost per 1,000 requests")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def write(doc: dict[str, Any], directory: str) -> list[Path]:
    """eval.json, report.md and the plot into DIR (created); returns the paths written."""
    from .report import out_folder, write_json

    data, report, png = (out_folder(directory) / name for name in FILES)
    write_json(data, doc)
    plotted = any(r["score"] is not None for r in doc["results"])
    if plotted:
        plot(doc, png)
    report.write_text(markdown(doc, png.name if plotted else None), encoding="utf-8")
    return [data, report, png] if plotted else [data, report]
