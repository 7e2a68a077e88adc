"""How many copies of the model run: one decision for every mode that has replicas."""

from __future__ import annotations

from dataclasses import dataclass

from ..spec.models import BaseSpec, MarketplaceSpec, SelfHostedSpec


@dataclass(frozen=True)
class Replicas:
    """Replicas (vLLM) or instances (Marketplace): the count to start with and the scaling range."""

    initial: int
    min: int
    max: int

    @property
    def scales(self) -> bool:
        return self.min != self.max


def replica_range(spec: BaseSpec) -> Replicas | None:
    """Autoscaling min/max when set, else the fixed count; None for modes without replicas."""
    if isinstance(spec, SelfHostedSpec):
        scaling = spec.serving.autoscaling
        if scaling:
            return Replicas(initial=scaling.min, min=scaling.min, max=scaling.max)
        return Replicas(spec.serving.replicas, spec.serving.replicas, spec.serving.replicas)
    if isinstance(spec, MarketplaceSpec):
        count, endpoint_scaling = spec.endpoint.instance_count, spec.endpoint.autoscaling
        if endpoint_scaling:
            return Replicas(initial=count, min=endpoint_scaling.min, max=endpoint_scaling.max)
        return Replicas(count, count, count)
    return None
