"""Monthly cost estimates from the catalog's prices; unknown prices stay unknown (null).

`estimate` prices this spec alone (`deploy plan` shows it); `compare` prices this spec, every other
mode that serves its model and the models that could replace it (`deploy cost`). Assumptions are
returned with every figure, and each line item is quantity x unit price from a named, dated source,
so a reader can redo the arithmetic. The pieces: the traffic profile and line items (cost_model),
prices and bandwidth (cost_facts), replicas from throughput (throughput, cost_bench), and the modes
(cost_modes, cost_self_hosted, cost_options).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import cost_options
from .cost_bench import BenchResult
from .cost_model import DAYS_PER_MONTH, HOURS_PER_MONTH, Usage

if TYPE_CHECKING:
    from .deployment import Deployment

__all__ = ["DAYS_PER_MONTH", "HOURS_PER_MONTH", "Usage", "compare", "estimate"]

PRICES = (
    "prices are estimates: on-demand list prices from the catalog, each with its source and as-of date; taxes, "
    "discounts, savings plans, free tiers and data transfer are not included"
)
DISTILLS = (
    "the R1-Distill models are smaller dense models distilled from R1: cheaper to serve, but less capable; "
    "compare answers with `deploy eval` before replacing the model"
)


def estimate(deployment: Deployment, usage: Usage | None = None) -> dict[str, Any]:
    """This spec's monthly cost: {"monthly_usd": float | None, "basis", "breakdown", "sources", "assumptions", ...}."""
    usage = usage or Usage()
    document = cost_options.spec_option(deployment, usage).as_dict(usage)
    document["assumptions"] = usage.as_dict()
    return document


def _assumptions(deployment: Deployment, usage: Usage, bench: BenchResult | None) -> dict[str, Any]:
    assumptions = usage.as_dict()
    assumptions.update(
        spec=deployment.loaded.path,
        region=deployment.spec.region,
        prices=PRICES,
        throughput=f"this spec: measured, from {bench.file}; the others: the planner's estimate"
        if bench
        else "the planner's estimate (decode bound by GPU memory bandwidth, an upper bound); pass --from-bench "
        "FILE to use measured throughput",
    )
    return assumptions


def _notes(deployment: Deployment, usage: Usage, bench: BenchResult | None, replaced: bool) -> list[str]:
    notes = [
        PRICES,
        f"traffic: {usage.as_dict()['traffic_model']}",
        f"this spec is in {deployment.spec.region}; each option uses the prices the catalog has and names their "
        "region (`prices for`, price_region in --json), which may be another region's",
    ]
    if bench and bench.mode and bench.mode != deployment.spec.mode:
        notes.append(f"{bench.file} measured a {bench.mode} endpoint; this spec is {deployment.spec.mode}")
    if replaced:
        notes.append(DISTILLS)
    return notes


def compare(deployment: Deployment, usage: Usage, bench: BenchResult | None = None) -> dict[str, Any]:
    """The `cost --json` document (CLI.md): {"assumptions", "options": [...], "notes"}."""
    usage.check()
    options = cost_options.options(deployment, usage, bench)
    replaced = bool(cost_options.replacements(deployment.model))
    return {
        "assumptions": _assumptions(deployment, usage, bench),
        "options": [option.as_dict(usage) for option in options],
        "notes": _notes(deployment, usage, bench, replaced),
    }
