"""Monthly cost estimates from the catalog's prices; unknown prices stay unknown (null).

Assumptions are explicit and returned with the estimate, so a reader can redo the arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Optional

from .. import catalog
from ..spec.models import BaseSpec, CustomImportSpec, MarketplaceSpec, SelfHostedSpec, ServerlessSpec

HOURS_PER_MONTH = 730
DAYS_PER_MONTH = 30


@dataclass(frozen=True)
class Usage:
    requests_per_day: int = 1000
    input_tokens: int = 1000
    output_tokens: int = 1000
    # For pay-per-use custom import: hours a day the model is busy (it scales to zero when idle).
    active_hours_per_day: float = 8


def estimate(spec: BaseSpec, usage: Usage = Usage()) -> dict[str, Any]:
    """{"monthly_usd": float | None, "basis": str, "breakdown": {...}, "sources": [...], "assumptions": {...}}"""
    model = catalog.model(spec.model)
    result: dict[str, Any] = {"monthly_usd": None, "assumptions": asdict(usage), "breakdown": {}, "sources": []}
    if isinstance(spec, ServerlessSpec):
        price = model.offer("serverless").price
        if price:
            tokens_in = usage.requests_per_day * usage.input_tokens * DAYS_PER_MONTH / 1e6
            tokens_out = usage.requests_per_day * usage.output_tokens * DAYS_PER_MONTH / 1e6
            breakdown = {
                "input_tokens": round(tokens_in * price.input_per_1m, 2),
                "output_tokens": round(tokens_out * price.output_per_1m, 2),
            }
            result.update(
                monthly_usd=round(sum(breakdown.values()), 2),
                breakdown=breakdown,
                basis="per token",
                sources=[_source(price.source)],
            )
    elif isinstance(spec, MarketplaceSpec):
        instance_type = spec.endpoint.instance_type or model.offer("marketplace").default_instance
        hourly = catalog.load().sagemaker_prices.get(instance_type)
        count = spec.endpoint.instance_count
        result["basis"] = f"{count} x {instance_type}, always on"
        if hourly:
            result.update(
                monthly_usd=round(hourly.usd_hour * count * HOURS_PER_MONTH, 2),
                breakdown={"instances": round(hourly.usd_hour * count * HOURS_PER_MONTH, 2)},
                sources=[_source(hourly.source)],
            )
        else:
            result["unknown"] = f"the catalog has no SageMaker price for {instance_type}"
    elif isinstance(spec, CustomImportSpec):
        offer = model.offer("custom-import")
        price = catalog.load().custom_import_price
        result["basis"] = (
            f"{offer.cmus or '?'} custom model units per copy, billed in {price.billing_window_minutes}-minute windows while active"
        )
        if offer.cmus:
            minutes = usage.active_hours_per_day * 60 * DAYS_PER_MONTH
            windows = math.ceil(minutes / price.billing_window_minutes)
            amount = offer.cmus * price.usd_per_cmu_minute * windows * price.billing_window_minutes
            result.update(
                monthly_usd=round(amount, 2),
                breakdown={"model_units": round(amount, 2)},
                sources=[_source(price.source)],
            )
        else:
            result["unknown"] = f"the catalog does not know how many custom model units {model.id} takes"
    elif isinstance(spec, SelfHostedSpec):
        from .planner import plan_serving

        plan = plan_serving(spec)
        replicas = spec.serving.autoscaling.min if spec.serving.autoscaling else spec.serving.replicas
        nodes = max(plan.nodes_per_replica * replicas, spec.cluster.nodes.min if spec.cluster.create else 0)
        instance = catalog.instance(plan.instance_type) if plan.instance_type else None
        if instance is None:
            result["basis"] = f"{plan.gpus_per_replica} x {plan.gpu_type} per replica on your cluster"
            result["unknown"] = "an existing cluster's node prices are not known to the catalog"
        elif instance.ec2_usd_hour is None:
            result["basis"] = f"{nodes} x {plan.instance_type}, always on"
            result["unknown"] = f"the catalog has no EC2 price for {plan.instance_type}"
        else:
            gpu_nodes = round(instance.ec2_usd_hour * nodes * HOURS_PER_MONTH, 2)
            result.update(
                monthly_usd=gpu_nodes,
                breakdown={"gpu_nodes": gpu_nodes},
                sources=[_source(instance.price_source)],
                basis=f"{nodes} x {plan.instance_type} on-demand, always on; EKS control plane, system nodes and storage not included",
            )
    return result


def _source(key: str) -> dict[str, Optional[str]]:
    source = catalog.source(key)
    return {"url": source.url, "as_of": source.as_of, "confidence": source.confidence}
