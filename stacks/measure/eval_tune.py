"""`deploy eval --calibrate`, end to end: both tiers' scored rows and each prompt's difficulty become the
samples `eval_calibrate` fits on; the result is a JSON section, the cost/quality curve as a PNG, and the
number written into the gateway spec in place of `threshold: auto`.

The difficulty score is a plain input (a function of the prompt): the gateway's own scorer, passed in by
the caller, so this module depends on neither the gateway spec model nor its hook modules. A request's
cost is its token usage at the tier's catalog price; when a tier has no token price, the fast tier costs
0 and the strong one 1 per request, so "least cost" becomes "fewest requests escalated".
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Optional

from ..catalog import TokenPrice
from ..errors import BAD_INPUT, DeployError
from . import eval_calibrate
from .dataset import Prompt
from .eval_calibrate import Calibration, Point, Sample
from .eval_gateway import threshold_position
from .eval_metrics import request_cost
from .eval_run import Row


def samples(
    prompts: Sequence[Prompt],
    fast: Sequence[Row],
    strong: Sequence[Row],
    difficulty: Callable[[str], float],
    prices: tuple[Optional[TokenPrice], Optional[TokenPrice]],
) -> list[Sample]:
    """One sample per prompt both tiers answered and scored."""
    by_index = {row.index: row for row in strong}
    found = []
    priced = prices[0] is not None and prices[1] is not None
    for row in fast:
        other = by_index.get(row.index)
        if other is None or row.score is None or other.score is None:
            continue
        fast_cost = request_cost(row, prices[0]) if priced else 0.0
        strong_cost = request_cost(other, prices[1]) if priced else 1.0
        found.append(
            Sample(
                difficulty=min(1.0, max(0.0, float(difficulty(prompts[row.index].text)))),
                fast_ok=row.score,
                strong_ok=other.score,
                fast_cost=fast_cost or 0.0,
                strong_cost=strong_cost or 0.0,
            )
        )
    return found


LABELS_FILE = "scorer-labels.jsonl"


def right(score: float) -> bool:
    """A scored answer counts as right only at full marks (a partial judge grade is not right)."""
    return score >= 1.0 - eval_calibrate.EPSILON


def labels(prompts: Sequence[Prompt], fast: Sequence[Row], strong: Sequence[Row]) -> list[dict[str, Any]]:
    """One `{"prompt", "label"}` per prompt both tiers answered and scored, in the fast tier's order: label 1
    when the fast tier's answer was wrong and the strong tier's right, else 0 (the label
    components/gateway/scorer.py fits its weights on)."""
    by_index = {row.index: row for row in strong}
    found = []
    for row in fast:
        other = by_index.get(row.index)
        if other is None or row.score is None or other.score is None:
            continue
        label = int(not right(row.score) and right(other.score))
        found.append({"prompt": prompts[row.index].text, "label": label})
    return found


def write_labels(folder: Path, rows: Sequence[dict[str, Any]]) -> Path:
    """FOLDER/scorer-labels.jsonl, one row a line, for `python -m deepseek_deploy.components.gateway.scorer`."""
    from .report import out_folder

    path = out_folder(str(folder)) / LABELS_FILE
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def _point(point: Optional[Point]) -> Optional[dict[str, float]]:
    if point is None:
        return None
    return {
        "threshold": point.threshold,
        "quality": round(point.quality, 4),
        "cost_per_request": round(point.cost, 8),
        "strong_share": round(point.strong_share, 4),
    }


def section(found: Calibration, target: float, spec: Optional[str], dataset: str) -> dict[str, Any]:
    """The `calibration` section of `eval --json`."""
    return {
        "spec": spec,
        "dataset": dataset,
        "target_quality": target,
        "threshold": found.threshold,
        "met": found.met,
        "strong_quality": {"fit": found.strong_quality_fit, "held_out": found.strong_quality_held_out},
        "fit": _point(found.fit),
        "held_out": _point(found.held_out),
        "curve": [_point(p) for p in found.curve],
    }


def write_back(spec: str, threshold: float, dataset: str, today: Optional[datetime.date] = None) -> None:
    """The number in place of `threshold: auto` in the gateway spec file, comments kept."""
    path = Path(spec)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise DeployError(f"{spec}: cannot read it ({error})", BAD_INPUT) from None
    line, column = threshold_position(text, spec)  # from the parsed YAML, not a text search
    date = (today or datetime.date.today()).isoformat()
    path.write_text(eval_calibrate.write_threshold(text, line, column, threshold, dataset, date), encoding="utf-8")


def plot(found: Calibration, path: Path, title: str) -> None:
    """The cost/quality curve the threshold was chosen from, the pick marked (PNG, Agg)."""
    from .report import pyplot

    plt = pyplot()

    figure, axes = plt.subplots(figsize=(7, 5))
    axes.plot([p.cost for p in found.curve], [p.quality for p in found.curve], "o-", label="thresholds (fit split)")
    for point in found.curve:
        axes.annotate(f"{point.threshold:g}", (point.cost, point.quality), textcoords="offset points", xytext=(4, 4))
    axes.plot([found.fit.cost], [found.fit.quality], "r*", markersize=14, label=f"chosen: {found.threshold:g}")
    axes.set_xlabel("cost per request (USD, or share escalated when unpriced)")
    axes.set_ylabel("quality")
    axes.grid(True, alpha=0.3)
    axes.legend()
    axes.set_title(title)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
