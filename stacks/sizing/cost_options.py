"""The options `deploy cost` compares: this spec as written, every other mode that serves its model, and,
for a 671B model, the R1-Distill models in each mode they are offered in.

This spec's option reads the resolved deployment (its hardware, replica range and serving plan) and
uses a bench result when one is given. The other options use the catalog's default hardware and the
planner's estimate: a created EKS cluster for self-hosted, the default instance for Marketplace.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .. import catalog
from ..spec.models import MarketplaceSpec, SelfHostedSpec
from . import capacity, cost_modes, cost_self_hosted, planner, throughput
from .cost_bench import BenchResult
from .cost_model import Option, Usage
from .cost_self_hosted import Cluster
from .throughput import Hardware, Throughput

if TYPE_CHECKING:
    from .deployment import Deployment

MODES = ("serverless", "marketplace", "custom-import", "self-hosted")
ANY_COUNT = 10_000  # an alternative scales to what the traffic needs


def plan_hardware(model: catalog.Model, plan: planner.ServingPlan) -> Hardware:
    return Hardware(
        gpu=plan.gpu_type,
        gpus=plan.gpus_per_replica,
        tensor_parallel=plan.tensor_parallel,
        weights_gib=plan.weights_gib,
        kv_bytes_per_token=plan.kv_bytes_per_token,
        tokens_in_cache=plan.max_tokens_in_cache,
        mla=model.mla is not None,
    )


def instance_hardware(model: catalog.Model, instance_type: str) -> Hardware | None:
    """A Marketplace instance sized like the planner sizes a node: the model's weights in its native dtype."""
    instance = catalog.instance(instance_type)
    if instance is None:
        return None
    fit = capacity.fit_on(model, instance_type)
    if not fit.fits:
        return None
    return Hardware(
        gpu=instance.gpu,
        gpus=instance.gpus,
        tensor_parallel=fit.tensor_parallel,
        weights_gib=fit.weights_gib,
        kv_bytes_per_token=capacity.kv_bytes_per_token(model),
        tokens_in_cache=fit.max_tokens,
        mla=model.mla is not None,
    )


def estimated(hardware: Hardware | None, usage: Usage, what: str) -> Throughput:
    if hardware is None:
        return Throughput(None, "planner estimate", f"unknown: the catalog cannot size {what}")
    return throughput.decode_estimate(hardware, usage)


def _marketplace(deployment: Deployment, usage: Usage, bench: BenchResult | None) -> Option:
    model, instance_type = deployment.model, str(deployment.instance_type)
    rate = (
        throughput.measured(bench)
        if bench
        else estimated(instance_hardware(model, instance_type), usage, instance_type)
    )
    replicas = deployment.replicas
    scaling = (replicas.min, replicas.max) if replicas else (1, 1)
    return cost_modes.marketplace(model, instance_type, scaling, usage, rate, this_spec=True)


def _self_hosted(deployment: Deployment, usage: Usage, bench: BenchResult | None) -> Option:
    spec, plan = deployment.spec, deployment.serving
    assert isinstance(spec, SelfHostedSpec) and plan is not None
    rate = (
        throughput.measured(bench)
        if bench
        else throughput.decode_estimate(plan_hardware(deployment.model, plan), usage)
    )
    created = spec.cluster.create is not None
    cluster = Cluster(
        created=created,
        nodes_min=spec.cluster.nodes.min if created else 0,
        version=spec.cluster.kubernetes_version,
        spot=spec.cluster.capacity_type == "spot",
        expose=spec.serving.expose,
        volume=spec.serving.weights_cache.volume,
    )
    replicas = deployment.replicas
    scaling = (replicas.min, replicas.max) if replicas else (1, 1)
    return cost_self_hosted.self_hosted(deployment.model.id, plan, cluster, scaling, usage, rate, this_spec=True)


def spec_option(deployment: Deployment, usage: Usage, bench: BenchResult | None = None) -> Option:
    """This spec as written: its hardware and replica range; a bench result when given."""
    mode = deployment.spec.mode
    if mode == "serverless":
        ignored = ("priced per token: the bench result does not change it",) if bench else ()
        return cost_modes.serverless(deployment.model, usage, this_spec=True, notes=ignored)
    if mode == "custom-import":
        return cost_modes.custom_import(
            deployment.model, usage, throughput.measured(bench) if bench else None, this_spec=True
        )
    if isinstance(deployment.spec, MarketplaceSpec):
        return _marketplace(deployment, usage, bench)
    return _self_hosted(deployment, usage, bench)


def _self_hosted_default(model: catalog.Model, region: str, usage: Usage) -> Option:
    spec = SelfHostedSpec.model_validate(
        {"name": "cost", "model": model.id, "mode": "self-hosted", "region": region, "cluster": {"create": "eks"}}
    )
    try:
        plan = planner.plan_serving(spec, model)
    except planner.PlanError as error:
        return Option(model.id, "self-hosted", "?", "nodes + EKS control plane + storage", unknown=error.message)
    rate = throughput.decode_estimate(plan_hardware(model, plan), usage)
    cluster = Cluster(created=True, version=spec.cluster.kubernetes_version)
    return cost_self_hosted.self_hosted(model.id, plan, cluster, (1, ANY_COUNT), usage, rate)


def default_option(model: catalog.Model, mode: str, region: str, usage: Usage) -> Option:
    """`mode` for `model` on the catalog's default hardware, sized by the planner's estimate."""
    if mode == "serverless":
        option = cost_modes.serverless(model, usage)
    elif mode == "custom-import":
        option = cost_modes.custom_import(model, usage, None)
    elif mode == "marketplace":
        instance_type = str(model.offer(mode).default_instance)
        rate = estimated(instance_hardware(model, instance_type), usage, instance_type)
        option = cost_modes.marketplace(model, instance_type, (1, ANY_COUNT), usage, rate)
    else:
        option = _self_hosted_default(model, region, usage)
    regions = model.offer(mode).regions
    if regions and region not in regions:
        where = f"the catalog lists {mode} for {model.id} in {', '.join(regions)}, not {region}"
        return replace(option, notes=(*option.notes, where))
    return option


def replacements(model: catalog.Model) -> list[catalog.Model]:
    """For a 671B mixture-of-experts model, the R1-Distill models (dense, distilled from R1), smallest first."""
    if model.mla is None:
        return []
    distills = [m for m in catalog.models() if m.reasoning and m.base_model is not None]
    return sorted(distills, key=lambda m: m.params_b)


def options(deployment: Deployment, usage: Usage, bench: BenchResult | None = None) -> list[Option]:
    """This spec first, then the model's other modes, then its replacements, each mode in MODES order."""
    model, region = deployment.model, deployment.spec.region
    found = [spec_option(deployment, usage, bench)]
    found += [default_option(model, m, region, usage) for m in MODES if m != deployment.spec.mode and _offers(model, m)]
    for other in replacements(model):
        found += [default_option(other, m, region, usage) for m in MODES if _offers(other, m)]
    return found


def _offers(model: catalog.Model, mode: str) -> bool:
    return mode in model.supported_modes
