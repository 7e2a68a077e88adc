"""Cross-field rules: can the cloud serve this model, in this mode, in this region, on this hardware?

Each rule looks at a parsed spec and its catalog model and returns problems tied to the key
that causes them, so `deployment.resolve` can point at the right line. Errors stop the command;
warnings (facts the catalog could not confirm) are shown and let it go on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from .. import catalog
from ..spec.mode_sections import weights_cache_problem
from ..spec.models import BaseSpec, CustomImportSpec, MarketplaceSpec, SelfHostedSpec, ServerlessSpec
from ..spec.names import name_problem
from . import capacity

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    path: tuple
    message: str
    severity: Severity = "error"


def _modes_serving(model: catalog.Model) -> str:
    return ", ".join(model.supported_modes)


def derived_names(spec: BaseSpec, model: catalog.Model) -> Iterable[Problem]:
    """`name` prefixes IAM roles, Helm releases and more: refused when one of them would be too long."""
    problem = name_problem(spec)
    if problem:
        yield Problem(("name",), f"name: {problem}")


def mode_offers_model(spec: BaseSpec, model: catalog.Model) -> Iterable[Problem]:
    offer = model.offer(spec.mode)
    if not offer.available:
        yield Problem(
            ("mode",),
            f"{model.id} is not available with mode {spec.mode}: {offer.reason}. "
            f"Modes that serve {model.id}: {_modes_serving(model)}",
        )


def region_offers_model(spec: BaseSpec, model: catalog.Model) -> Iterable[Problem]:
    offer = model.offer(spec.mode)
    if not offer.available or offer.regions is None or spec.region in offer.regions:
        return
    where = ", ".join(offer.regions)
    if offer.regions_confidence == "unconfirmed":
        yield Problem(
            ("region",),
            f"the catalog cannot confirm that {spec.mode} offers {model.id} in {spec.region} "
            f"(known to work: {where}); `deploy up` will fail there if AWS does not offer it",
            "warning",
        )
    else:
        yield Problem(
            ("region",),
            f"{model.id} in mode {spec.mode} is not offered in {spec.region}; regions that offer it: {where}",
        )


def serverless_profile(spec: BaseSpec, model: catalog.Model) -> Iterable[Problem]:
    if not isinstance(spec, ServerlessSpec):
        return
    offer = model.offer("serverless")
    if not offer.available:
        return
    wanted = spec.serverless.cross_region
    if wanted is False and not offer.in_region:
        profiles = ", ".join(offer.profiles.values())
        yield Problem(
            ("serverless", "cross_region"),
            f"{spec.model} is only served through its cross-region inference profile ({profiles}); remove "
            "cross_region or set it to true",
        )
    if wanted is True and not offer.profiles:
        yield Problem(
            ("serverless", "cross_region"),
            f"{spec.model} on Bedrock has no cross-region inference profile, only in-region invocation; remove "
            "cross_region or set it to false",
        )


def guardrail_enforcement(spec: BaseSpec, model: catalog.Model) -> Iterable[Problem]:
    guardrail = spec.effective_guardrail
    if guardrail is None or not guardrail.enforce:
        return
    if spec.mode == "marketplace":
        yield Problem(
            ("guardrail", "enforce"),
            "enforce cannot apply to a Marketplace endpoint: Bedrock attaches guardrails to those only through the "
            "ApplyGuardrail API, so IAM has no guardrail condition to check. Set enforce: false; `deploy invoke` "
            "still applies the guardrail",
        )
    elif spec.mode == "self-hosted":
        yield Problem(
            ("guardrail", "enforce"),
            "enforce needs a Bedrock-hosted model (serverless or custom-import); a vLLM endpoint is not invoked "
            "through Bedrock. Set enforce: false",
        )


def guardrail_has_a_policy(spec: BaseSpec, model: catalog.Model) -> Iterable[Problem]:
    """Bedrock refuses a guardrail with nothing to check."""
    guardrail = spec.effective_guardrail
    if guardrail is None:
        return
    filters = guardrail.content_filters.model_dump().values()
    if all(strength == "none" for strength in filters) and not (
        guardrail.denied_topics or guardrail.blocked_words or guardrail.managed_word_lists or guardrail.pii
    ):
        yield Problem(
            ("guardrail",),
            "the guardrail checks nothing: every content filter is none and there are no topics, words or PII rules. "
            "Set a filter strength, add a rule, or turn it off with `guardrail: false`",
        )


def _fit_alternatives(
    model: catalog.Model, candidates: list[str] | None, quantization: str, utilization: float, max_nodes: int
) -> str:
    fits = capacity.instances_that_fit(
        model, candidates, quantization=quantization, utilization=utilization, max_nodes=max_nodes
    )
    if not fits:
        return "none of the catalog's instance types"
    return ", ".join(fit.describe() for fit in fits[:5])


def marketplace_instance(spec: BaseSpec, model: catalog.Model) -> Iterable[Problem]:
    if not isinstance(spec, MarketplaceSpec) or spec.endpoint.instance_type is None:
        return
    offer = model.offer("marketplace")
    if not offer.available:
        return
    name = spec.endpoint.instance_type
    path = ("endpoint", "instance_type")
    offered = list(offer.instances or ())
    if not name.startswith("ml."):
        yield Problem(path, f"SageMaker instance types start with 'ml.'; did you mean 'ml.{name}'?")
        return
    if catalog.instance(name) is None:
        hint = catalog.did_you_mean(name, offered + [f"ml.{n}" for n in catalog.load().instances])
        yield Problem(
            path,
            f"'{name}' is not a GPU instance type the catalog knows{hint} Offered for {model.id}: {', '.join(offered)}",
        )
        return
    fit = capacity.fit_on(model, name)
    if not fit.fits:
        yield Problem(
            path,
            f"{name} is too small for {model.id}: {fit.weights_gib:.0f} GiB of weights plus KV cache need more than "
            "its GPUs hold. "
            f"Instance types that fit: {_fit_alternatives(model, offered, 'none', 0.9, 1)}",
        )
    elif name not in offered:
        yield Problem(
            path,
            f"{name} is not among the instance types the catalog lists for {model.id} ({', '.join(offered)}); "
            "the Marketplace offer may reject it",
            "warning",
        )


def marketplace_kms(spec: BaseSpec, model: catalog.Model) -> Iterable[Problem]:
    if not isinstance(spec, MarketplaceSpec):
        return
    offer = model.offer("marketplace")
    name = spec.endpoint.instance_type or offer.default_instance
    instance = catalog.instance(name) if name else None
    if instance is not None and instance.local_nvme and spec.endpoint.kms_key not in ("auto", "none"):
        yield Problem(
            ("endpoint", "kms_key"),
            f"{name} has local NVMe storage, and SageMaker rejects a KMS volume key on such instances. "
            "Use kms_key: auto (the tool then skips the volume key) or an instance type without local storage",
        )


def _range(low: int, high: int, path: tuple, what: str) -> Iterable[Problem]:
    if low > high:
        yield Problem(path, f"{what}: min ({low}) is larger than max ({high})")


def scaling_ranges(spec: BaseSpec, model: catalog.Model) -> Iterable[Problem]:
    if isinstance(spec, MarketplaceSpec) and spec.endpoint.autoscaling:
        scaling = spec.endpoint.autoscaling
        yield from _range(scaling.min, scaling.max, ("endpoint", "autoscaling", "min"), "endpoint autoscaling")
        if not scaling.min <= spec.endpoint.instance_count <= scaling.max:
            yield Problem(
                ("endpoint", "instance_count"),
                f"instance_count {spec.endpoint.instance_count} is outside autoscaling min..max "
                f"({scaling.min}..{scaling.max})",
            )
    if isinstance(spec, SelfHostedSpec):
        yield from _range(spec.cluster.nodes.min, spec.cluster.nodes.max, ("cluster", "nodes", "min"), "cluster nodes")
        if spec.serving.autoscaling:
            replicas = spec.serving.autoscaling
            yield from _range(replicas.min, replicas.max, ("serving", "autoscaling", "min"), "serving autoscaling")


def eks_version(spec: BaseSpec, model: catalog.Model) -> Iterable[Problem]:
    if not isinstance(spec, SelfHostedSpec) or spec.cluster.create != "eks":
        return
    facts = catalog.load().kubernetes
    version = spec.cluster.kubernetes_version
    support = facts.eks_versions.get(version)
    path = ("cluster", "kubernetes_version")
    if support is None:
        known = ", ".join(facts.eks_versions)
        yield Problem(
            path,
            f"the catalog does not know EKS version {version} (known: {known}); `deploy up` fails if EKS does not "
            "offer it",
            "warning",
        )
    elif support == "extended":
        yield Problem(
            path,
            f"EKS {version} is in extended support, which AWS charges extra for; {facts.default_version} is in "
            "standard support",
            "warning",
        )
    if not spec.cluster.endpoint_public_cidrs:
        yield Problem(
            ("cluster",),
            "endpoint_public_cidrs is empty, so the cluster API is private: run `deploy up` from inside the VPC, or "
            "list your network's CIDRs",
            "warning",
        )


# ---------------------------------------------------------------- sections every mode accepts, on self-hosted
# Each key a self-hosted spec accepts takes effect (build/self_hosted_ops.py) or is refused here. Defaults
# are not refused: a rule fires only on a key the user wrote (pydantic's model_fields_set).


def _ships_request_logs(spec: SelfHostedSpec) -> bool:
    return spec.cluster.create == "eks" and spec.observability.invocation_logs is True


def self_hosted_invocation_logs(spec: BaseSpec, model: catalog.Model) -> Iterable[Problem]:
    if not isinstance(spec, SelfHostedSpec):
        return
    observability = spec.observability
    refused = False
    if "invocation_logs" in observability.model_fields_set and not _ships_request_logs(spec):
        refused = observability.invocation_logs is not False
        if observability.invocation_logs == "shared":
            yield Problem(
                ("observability", "invocation_logs"),
                "`shared` is for Bedrock invocation logging, one setting per account and region; a vLLM endpoint "
                "is not invoked through Bedrock and ships its own request log. Use true (on a cluster created with "
                "cluster.create: eks) or false",
            )
        elif observability.invocation_logs is True:
            yield Problem(
                ("observability", "invocation_logs"),
                "deepseek-deploy ships vLLM's request log to CloudWatch Logs only on a cluster it creates "
                f"(cluster.create: eks). On an existing cluster, collect namespace {spec.serving.namespace}'s "
                "container logs with the cluster's own log pipeline and set invocation_logs: false",
            )
    if "log_retention_days" in observability.model_fields_set and not refused and not _ships_request_logs(spec):
        yield Problem(
            ("observability", "log_retention_days"),
            "log_retention_days is how long the request logs are kept, and this spec ships none (they are shipped "
            "with cluster.create: eks and invocation_logs: true). Remove log_retention_days",
        )


def self_hosted_alarms(spec: BaseSpec, model: catalog.Model) -> Iterable[Problem]:
    if not isinstance(spec, SelfHostedSpec) or "alarms" not in spec.observability.model_fields_set:
        return
    alarms = spec.observability.alarms
    if not spec.serving.service_monitor:
        yield Problem(
            ("observability", "alarms"),
            "a vLLM endpoint's alarms are Prometheus alert rules (a PrometheusRule) on vLLM's own metrics, so they "
            "need the Prometheus Operator scraping vLLM. Set serving.service_monitor: true (the cluster must run "
            "the Prometheus Operator), or remove alarms",
        )
    if alarms.email is not None:
        yield Problem(
            ("observability", "alarms", "email"),
            "a vLLM endpoint's alerts go to the cluster's Alertmanager, which decides who is notified; "
            "deepseek-deploy cannot subscribe an email there. Remove email and route the alerts labelled "
            f"deepseek_deploy_stack={spec.name} in Alertmanager",
        )


def self_hosted_dashboard(spec: BaseSpec, model: catalog.Model) -> Iterable[Problem]:
    observability = spec.observability
    if isinstance(spec, SelfHostedSpec) and "dashboard" in observability.model_fields_set and observability.dashboard:
        yield Problem(
            ("observability", "dashboard"),
            "there is no CloudWatch dashboard for a vLLM endpoint: its metrics are in Prometheus "
            "(serving.service_monitor), not in CloudWatch. Remove dashboard or set it to false",
        )


def self_hosted_invoke_principals(spec: BaseSpec, model: catalog.Model) -> Iterable[Problem]:
    if isinstance(spec, SelfHostedSpec) and spec.access.invoke_principals and not spec.serving.api_key:
        yield Problem(
            ("access", "invoke_principals"),
            "invoke_principals are granted read access to the endpoint's API key in AWS Secrets Manager, and with "
            "serving.api_key: false there is none: anyone who reaches the endpoint may call it. Set "
            "serving.api_key: true, or remove invoke_principals",
        )


def custom_import_weights(spec: BaseSpec, base_dir: str | None = None) -> Iterable[Problem]:
    if not isinstance(spec, CustomImportSpec) or spec.weights is None:
        return
    source = spec.weights.source
    if "://" in source:
        return
    path = os.path.expanduser(source)
    if base_dir and not os.path.isabs(path):
        path = os.path.join(base_dir, path)
    if not os.path.isdir(path):
        yield Problem(
            ("weights", "source"),
            f"local weights directory '{source}' does not exist (paths are relative to the spec file)",
        )
    elif not os.path.isfile(os.path.join(path, "config.json")):
        yield Problem(
            ("weights", "source"),
            f"'{source}' has no config.json; give a Hugging Face model directory (config.json, tokenizer, "
            "*.safetensors)",
        )


def self_hosted_weights_cache(spec: BaseSpec, model: catalog.Model) -> Iterable[Problem]:
    """A cache the cluster cannot provide (a shared volume with no ReadWriteMany class named)."""
    if not isinstance(spec, SelfHostedSpec):
        return
    problem = weights_cache_problem(spec.cluster, spec.serving)
    if problem is not None:
        path, message = problem
        yield Problem(path, f"serving.weights_cache.volume: {message}")


RULES: tuple[Callable[[BaseSpec, catalog.Model], Iterable[Problem]], ...] = (
    derived_names,
    mode_offers_model,
    region_offers_model,
    serverless_profile,
    guardrail_enforcement,
    guardrail_has_a_policy,
    marketplace_instance,
    marketplace_kms,
    scaling_ranges,
    eks_version,
    self_hosted_invocation_logs,
    self_hosted_alarms,
    self_hosted_dashboard,
    self_hosted_invoke_principals,
    self_hosted_weights_cache,
)


def check(spec: BaseSpec, model: catalog.Model, base_dir: str | None = None) -> list[Problem]:
    """Every problem the cross-field rules find, errors and warnings (the planner's come from `deployment`)."""
    problems: list[Problem] = []
    for rule in RULES:
        problems.extend(rule(spec, model))
    problems.extend(custom_import_weights(spec, base_dir))
    return problems
