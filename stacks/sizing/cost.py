"""Monthly cost estimates from the catalog's prices; unknown prices stay unknown (null).

Assumptions are explicit and returned with the estimate, so a reader can redo the arithmetic.
Every figure comes from the resolved deployment: its offer, hardware and replica range.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from .. import catalog
from ..spec.models import SelfHostedSpec

if TYPE_CHECKING:
    from .deployment import Deployment

HOURS_PER_MONTH = 730
DAYS_PER_MONTH = 30


@dataclass(frozen=True)
class Usage:
    requests_per_day: int = 1000
    input_tokens: int = 1000
    output_tokens: int = 1000
    # For pay-per-use custom import: hours a day the model is busy (it scales to zero when idle).
    active_hours_per_day: float = 8


def estimate(deployment: Deployment, usage: Usage | None = None) -> dict[str, Any]:
    """{"monthly_usd": float | None, "basis": str, "breakdown": {...}, "sources": [...], "assumptions": {...}}"""
    usage = usage or Usage()
    result: dict[str, Any] = {"monthly_usd": None, "assumptions": asdict(usage), "breakdown": {}, "sources": []}
    by_mode = {
        "serverless": _serverless,
        "marketplace": _marketplace,
        "custom-import": _custom_import,
        "self-hosted": _self_hosted,
    }
    result.update(by_mode[deployment.spec.mode](deployment, usage))
    return result


def _serverless(deployment: Deployment, usage: Usage) -> dict[str, Any]:
    price = deployment.offer.price
    if not price:
        return {}
    tokens_in = usage.requests_per_day * usage.input_tokens * DAYS_PER_MONTH / 1e6
    tokens_out = usage.requests_per_day * usage.output_tokens * DAYS_PER_MONTH / 1e6
    breakdown = {
        "input_tokens": round(tokens_in * price.input_per_1m, 2),
        "output_tokens": round(tokens_out * price.output_per_1m, 2),
    }
    return {
        "monthly_usd": round(sum(breakdown.values()), 2),
        "breakdown": breakdown,
        "basis": "per token",
        "sources": [_source(price.source)],
    }


def _marketplace(deployment: Deployment, _usage: Usage) -> dict[str, Any]:
    instance_type = str(deployment.instance_type)
    count = deployment.replicas.initial if deployment.replicas else 1
    basis = f"{count} x {instance_type}, always on"
    hourly = catalog.load().sagemaker_prices.get(instance_type)
    if not hourly:
        return {"basis": basis, "unknown": f"the catalog has no SageMaker price for {instance_type}"}
    amount = round(hourly.usd_hour * count * HOURS_PER_MONTH, 2)
    return {
        "basis": basis,
        "monthly_usd": amount,
        "breakdown": {"instances": amount},
        "sources": [_source(hourly.source)],
    }


def _custom_import(deployment: Deployment, usage: Usage) -> dict[str, Any]:
    cmus = deployment.offer.cmus
    price = catalog.load().custom_import_price
    basis = (
        f"{cmus or '?'} custom model units per copy, billed in {price.billing_window_minutes}-minute windows while "
        "active"
    )
    if not cmus:
        return {
            "basis": basis,
            "unknown": f"the catalog does not know how many custom model units {deployment.model.id} takes",
        }
    minutes = usage.active_hours_per_day * 60 * DAYS_PER_MONTH
    windows = math.ceil(minutes / price.billing_window_minutes)
    amount = round(cmus * price.usd_per_cmu_minute * windows * price.billing_window_minutes, 2)
    return {
        "basis": basis,
        "monthly_usd": amount,
        "breakdown": {"model_units": amount},
        "sources": [_source(price.source)],
    }


def _self_hosted(deployment: Deployment, _usage: Usage) -> dict[str, Any]:
    plan = deployment.serving
    assert plan is not None and deployment.replicas is not None
    cluster = deployment.spec.cluster if isinstance(deployment.spec, SelfHostedSpec) else None
    created_min = cluster.nodes.min if cluster and cluster.create else 0  # a created node group never goes lower
    nodes = max(plan.nodes_per_replica * deployment.replicas.min, created_min)
    instance = deployment.instance
    if instance is None:
        return {
            "basis": f"{plan.gpus_per_replica} x {plan.gpu_type} per replica on your cluster",
            "unknown": "an existing cluster's node prices are not known to the catalog",
        }
    if instance.ec2_usd_hour is None or instance.price_source is None:
        return {
            "basis": f"{nodes} x {plan.instance_type}, always on",
            "unknown": f"the catalog has no EC2 price for {plan.instance_type}",
        }
    gpu_nodes = round(instance.ec2_usd_hour * nodes * HOURS_PER_MONTH, 2)
    return {
        "monthly_usd": gpu_nodes,
        "breakdown": {"gpu_nodes": gpu_nodes},
        "sources": [_source(instance.price_source)],
        "basis": f"{nodes} x {plan.instance_type} on-demand, always on; "
        "EKS control plane, system nodes and storage not included",
    }


def _source(key: str) -> dict[str, str | None]:
    source = catalog.source(key)
    return {"url": source.url, "as_of": source.as_of, "confidence": source.confidence}
