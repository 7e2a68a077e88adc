"""Per-deployment figures from the rows of one eval: score with its CI, cost per 1,000 requests, latency,
time to first answer token, guardrail interventions, and for a gateway the share each tier served.

Cost is each answered request's token usage times the catalog's token price for the deployment's
model and mode (`price_of`); a deployment the catalog has no token price for (self-hosted and
Marketplace bill by the hour, custom-import by the model copy) shows null, never a guess. A gateway's
request is priced at the price of the tier that served it (`x-deepseek-tier`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Optional

from .. import catalog
from ..call.answer import NONE
from ..catalog import TokenPrice
from .eval_run import Row
from .eval_score import bootstrap_ci, mean
from .stats import percentile


def price_of(model: str, mode: str) -> Optional[TokenPrice]:
    """The catalog's token price of `model` in `mode`; None when it bills otherwise or is unknown."""
    try:
        return catalog.model(model).token_price(mode)
    except Exception:  # a model named by hand that the catalog does not know
        return None


def request_cost(row: Row, price: Optional[TokenPrice]) -> Optional[float]:
    answer = row.answer
    if answer is None or price is None or answer.input_tokens is None or answer.output_tokens is None:
        return None
    return (answer.input_tokens * price.input_per_1m + answer.output_tokens * price.output_per_1m) / 1e6


def cost_per_1k(costs: Sequence[Optional[float]]) -> Optional[float]:
    """Mean cost of the answered requests x 1000; null when any of them is unpriced."""
    if not costs or any(c is None for c in costs):
        return None
    return round(1000 * sum(c for c in costs if c is not None) / len(costs), 6)


def _ms(values: Sequence[float]) -> dict[str, Optional[float]]:
    shown: dict[str, Optional[float]] = {}
    for name, q in (("p50", 50.0), ("p95", 95.0)):
        value = percentile(values, q)
        shown[name] = None if value is None else round(value, 1)
    return shown


def _round(value: Optional[float]) -> Optional[float]:
    return None if value is None else round(value, 4)


def summarize(
    deployment: str,
    mode: str,
    model: str,
    rows: Sequence[Row],
    *,
    price: Optional[TokenPrice],
    tier_prices: Optional[Mapping[str, Optional[TokenPrice]]] = None,
    seed: int = 0,
) -> dict[str, Any]:
    """One `results[]` entry of `eval --json` (CLI.md) plus ci, ttfa_ms, errors and interventions."""
    answered = [r for r in rows if r.answer is not None]
    scores = [r.score for r in answered if r.score is not None]
    ci = bootstrap_ci(scores, seed)
    served = [r.answer.served_by for r in answered if r.answer is not None]
    if any(served) and tier_prices is not None:
        costs = [request_cost(r, tier_prices.get(r.answer.served_by or "")) for r in answered if r.answer]
    else:
        costs = [request_cost(r, price) for r in answered]
    return {
        "deployment": deployment,
        "mode": mode,
        "model": model,
        "score": _round(mean(scores)),
        "ci": None if ci is None else [_round(ci[0]), _round(ci[1])],
        "n": len(scores),
        "requests": len(rows),
        "errors": len(rows) - len(answered),
        "unscored": len(answered) - len(scores),
        "first_error": next((r.error or r.judge_error for r in rows if r.error or r.judge_error), None),
        "cost_per_1k_requests_usd": cost_per_1k(costs),
        "latency_ms": _ms([r.answer.latency_ms for r in answered if r.answer]),
        "ttfa_ms": _ms([r.answer.ttfa_ms for r in answered if r.answer and r.answer.ttfa_ms is not None]),
        "interventions": sum(1 for r in answered if r.answer and r.answer.guardrail.action != NONE),
        "tiers": tier_shares(rows) if any(served) else {},
    }


def tier_shares(rows: Sequence[Row]) -> dict[str, Any]:
    """Per tier that served answers: its share of the answered requests, its count and its score."""
    answered = [r for r in rows if r.answer is not None]
    names = sorted({r.answer.served_by or "unknown" for r in answered if r.answer})
    shares: dict[str, Any] = {}
    for name in names:
        mine = [r for r in answered if r.answer and (r.answer.served_by or "unknown") == name]
        scores = [r.score for r in mine if r.score is not None]
        shares[name] = {
            "share": round(len(mine) / len(answered), 4),
            "requests": len(mine),
            "score": _round(mean(scores)),
        }
    return shares


def gateway_summary(gateway: Mapping[str, Any], strongest: Optional[Mapping[str, Any]]) -> dict[str, Any]:
    """Against sending everything to the strongest tier (evaluated on the same prompts): the cost saved per
    1,000 requests (and as a share) and the quality kept (gateway score / strongest tier's score)."""
    shown: dict[str, Any] = {
        "strongest": None if strongest is None else strongest["deployment"],
        "cost_saved_per_1k_usd": None,
        "cost_saved_share": None,
        "quality_kept": None,
    }
    if strongest is None:
        return shown
    mine, theirs = gateway["cost_per_1k_requests_usd"], strongest["cost_per_1k_requests_usd"]
    if mine is not None and theirs is not None:
        shown["cost_saved_per_1k_usd"] = round(theirs - mine, 6)
        shown["cost_saved_share"] = round((theirs - mine) / theirs, 4) if theirs else None
    if gateway["score"] is not None and strongest["score"]:
        shown["quality_kept"] = round(gateway["score"] / strongest["score"], 4)
    return shown


def strongest_of(results: Sequence[Mapping[str, Any]], tiers: Sequence[str]) -> Optional[Mapping[str, Any]]:
    """The strongest evaluated tier among the results whose deployment names a tier: the dearest per
    request (the tier a gateway escalates to), then the higher score; unpriced tiers rank by score."""
    named = [r for r in results if r["deployment"] in tiers and r["score"] is not None]
    if not named:
        return None

    def rank(result: Mapping[str, Any]) -> tuple[bool, float, float]:
        cost = result["cost_per_1k_requests_usd"]
        return cost is not None, cost or 0.0, result["score"]

    return max(named, key=rank)


def with_gateways(results: list[dict[str, Any]], strongest: Optional[str] = None) -> list[dict[str, Any]]:
    """Adds `gateway` (cost saved, quality kept) to every result whose answers name their tiers;
    `strongest` names the strong tier when the caller knows it (the gateway spec's `escalate_to`)."""
    for result in results:
        if result["tiers"]:
            others = [r for r in results if r is not result]
            tiers = [strongest] if strongest else list(result["tiers"])
            result["gateway"] = gateway_summary(result, strongest_of(others, tiers))
    return results
