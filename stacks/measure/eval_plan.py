"""`deploy eval`: the spend estimate first (stopping over `--max-cost`), then every deployment on the same
prompts, then the side-by-side document.

A deployment is a name (the spec's), the target to call, and the mode its requests are priced as:
the spec's own mode, so a local stand-in named by hand (`--endpoint`) for a serverless spec is priced
as that serverless deployment would be, while the spend estimate prices what the run really calls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from ..call.target import Target
from ..errors import FAILED, DeployError
from . import eval_metrics, eval_report
from .dataset import Prompt
from .eval_data import Dataset
from .eval_run import Caps, Judge, Row, run_target
from .limits import Load
from .price import Estimate, estimate

Notify = Callable[[str], None]


@dataclass(frozen=True)
class Deployment:
    name: str
    target: Target
    price_mode: str


def spend(deployments: Sequence[Deployment], prompts: Sequence[Prompt], caps: Caps, judge: Optional[Judge]) -> Estimate:
    """An upper bound of what the run bills: every prompt to every deployment with a full answer, plus one
    judge call per `match: judge` row and deployment. Unknown when any price is unknown."""
    sent = list(prompts)[: caps.requests]
    parts = [estimate(d.target, Load((1,), len(sent), None, caps.max_tokens), sent) for d in deployments]
    judged = [p for p in sent if p.match == "judge"]
    if judge is not None and judged:
        asks = [Prompt(judge.rubric + p.text + (p.answer or "") + "x" * 4 * caps.max_tokens) for p in judged]
        load = Load((1,), len(judged) * len(deployments), None, judge.max_tokens)
        parts.append(estimate(judge.target, load, asks))
    unknown = [part.basis for part in parts if part.usd is None]
    if unknown:
        return Estimate(None, "; ".join(dict.fromkeys(unknown)))
    return Estimate(sum(part.usd or 0.0 for part in parts), "; ".join(dict.fromkeys(part.basis for part in parts)))


def check_budget(spent: Estimate, max_cost_usd: Optional[float]) -> None:
    if max_cost_usd is not None and spent.usd is not None and spent.usd > max_cost_usd:
        raise DeployError(
            f"estimated spend ${spent.usd:.2f} is over --max-cost ${max_cost_usd:.2f} ({spent.basis}); lower "
            "--requests or --max-tokens, or raise --max-cost",
            FAILED,
        )


def run(
    deployments: Sequence[Deployment],
    dataset: Dataset,
    caps: Caps,
    *,
    judge: Optional[Judge] = None,
    seed: int = 0,
    estimated_usd: Optional[float] = None,
    strongest: Optional[str] = None,
    notify: Optional[Notify] = None,
) -> tuple[dict[str, Any], dict[str, list[Row]]]:
    """Each deployment in turn on the same prompts: the `eval --json` document, and the rows per deployment."""
    prices = {d.name: eval_metrics.price_of(d.target.model, d.price_mode) for d in deployments}
    results = []
    kept: dict[str, list[Row]] = {}
    for deployment in deployments:
        if notify:
            notify(
                f"{deployment.name}: {min(caps.requests, len(dataset.prompts))} prompts to {deployment.target.endpoint}"
            )
        rows = kept[deployment.name] = run_target(deployment.target, dataset.prompts, caps, judge=judge, notify=notify)
        summary = eval_metrics.summarize(
            deployment.name,
            deployment.target.mode,
            deployment.target.model,
            rows,
            price=prices[deployment.name],
            tier_prices=prices,
            seed=seed,
        )
        if notify:
            notify(f"{deployment.name}: score {summary['score']} over {summary['n']}, {summary['errors']} errors")
        results.append(summary)
    eval_metrics.with_gateways(results, strongest)
    document = eval_report.document(
        dataset.name, results, seed=seed, max_tokens=caps.max_tokens, estimated_cost_usd=estimated_usd
    )
    return document, kept
