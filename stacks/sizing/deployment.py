"""The resolved deployment: every decision about a spec, made once.

Loading a spec yields a `Deployment`: the catalog model and offer, the hardware, the replica
range, the serving plan (self-hosted), the KMS choice, where the weights come from, the notes
and the warnings. The program builder, the cost estimate, `plan`'s summary and `--manifests`
read it; none of them looks the model up again or re-runs the planner.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from .. import catalog
from ..spec.loader import Diagnostic, LoadedSpec, SpecError, load_spec, load_text
from ..spec.models import BaseSpec, CustomImportSpec, MarketplaceSpec, SelfHostedSpec, ServerlessSpec
from . import rules
from .planner import PlanError, ServingPlan, plan_serving
from .replicas import Replicas, replica_range


@dataclass(frozen=True)
class ServerlessRoute:
    """How a serverless model is invoked: in-region, or through a geographic inference profile."""

    model_id: str
    profile_id: str | None
    destination_regions: tuple[str, ...]


@dataclass(frozen=True)
class Deployment:
    loaded: LoadedSpec
    model: catalog.Model
    offer: catalog.ModeOffer
    instance_type: str | None  # the Marketplace instance, or a created cluster's GPU node type
    replicas: Replicas | None  # Marketplace instances or vLLM replicas
    serving: ServingPlan | None  # self-hosted only
    model_kms: str  # "auto" (the deployment's key), "none" (AWS-managed) or a key ARN
    serverless: ServerlessRoute | None
    weights_source: str | None  # custom-import: s3://, hf:// or an absolute local directory
    notes: tuple[str, ...]
    warnings: tuple[Diagnostic, ...]

    @property
    def spec(self) -> BaseSpec:
        return self.loaded.spec

    @property
    def base_dir(self) -> str | None:
        return self.loaded.base_dir

    @property
    def instance(self) -> catalog.Instance | None:
        return catalog.instance(self.instance_type) if self.instance_type else None

    def summary(self) -> dict[str, Any]:
        """The choices made (hardware, ids, parallelism): `plan --json`'s `planner` key."""
        spec, offer = self.spec, self.offer
        summary: dict[str, Any] = {"model": self.model.id, "mode": spec.mode}
        if self.serverless is not None:
            summary.update(model_id=offer.model_id, profiles=offer.profiles, regions=list(offer.regions or ()))
        elif isinstance(spec, MarketplaceSpec):
            instance = self.instance
            summary.update(
                hub_model_id=offer.hub_model_id,
                hub_version=offer.hub_version,
                instance_type=self.instance_type,
                instance_count=spec.endpoint.instance_count,
                gpu_type=instance.gpu if instance else None,
                gpus_per_instance=instance.gpus if instance else None,
            )
        elif isinstance(spec, CustomImportSpec):
            shown = spec.weights.source if spec.weights else f"hf://{self.model.hf_repo}"  # as written, not absolute
            summary.update(weights_source=shown, custom_model_units=offer.cmus)
        elif self.serving is not None:
            summary.update(self.serving.as_dict())
        return summary


def _serverless_route(spec: ServerlessSpec, offer: catalog.ModeOffer) -> ServerlessRoute:
    wanted = spec.serverless.cross_region
    use_profile = wanted if wanted is not None else bool(offer.profiles)
    geography = next(iter(offer.profiles), None)
    if not (use_profile and geography):
        return ServerlessRoute(str(offer.model_id), None, ())
    return ServerlessRoute(str(offer.model_id), offer.profiles[geography], tuple(offer.regions or ()))


def _marketplace_kms(spec: MarketplaceSpec, instance_type: str, notes: list[str]) -> str:
    """SageMaker rejects a volume KMS key on instances with local NVMe: skip it there, and say so."""
    setting = spec.endpoint.kms_key
    instance = catalog.instance(instance_type)
    if setting == "none" or (instance is not None and instance.local_nvme is False):
        return setting
    why = (
        "has local NVMe storage"
        if instance and instance.local_nvme
        else "may have local storage (the catalog cannot confirm it has none)"
    )
    notes.append(
        f"{instance_type} {why}, and SageMaker rejects a volume KMS key there: "
        "the endpoint uses AWS-managed volume encryption"
    )
    return "none"


def _weights_source(spec: CustomImportSpec, model: catalog.Model, base_dir: str | None, notes: list[str]) -> str:
    source = spec.weights.source if spec.weights else f"hf://{model.hf_repo}"
    if not source.startswith("s3://"):
        notes.append(
            f"`deploy up` first uploads the weights from {source} to the deployment's bucket; "
            "an interrupted upload resumes"
        )
    if source.startswith(("s3://", "hf://")):
        return source
    return os.path.abspath(os.path.join(base_dir or os.getcwd(), os.path.expanduser(source)))


def _serving_plan(loaded: LoadedSpec, model: catalog.Model) -> ServingPlan:
    spec = loaded.spec
    assert isinstance(spec, SelfHostedSpec)
    try:
        return plan_serving(spec, model)
    except PlanError as error:
        raise SpecError([loaded.locate(error.path, error.message)]) from None


def resolve(loaded: LoadedSpec) -> Deployment:
    """Run the cross-field rules and the planner once; raise SpecError with every problem found."""
    spec = loaded.spec
    model = catalog.model(spec.model)
    offer = model.offer(spec.mode)
    diagnostics = [loaded.locate(p.path, p.message, p.severity) for p in rules.check(spec, model, loaded.base_dir)]
    if any(d.severity == "error" for d in diagnostics):
        raise SpecError(diagnostics)
    notes: list[str] = []
    replicas = replica_range(spec)
    serving = _serving_plan(loaded, model) if isinstance(spec, SelfHostedSpec) else None
    instance_type: str | None = serving.instance_type if serving else None
    model_kms = getattr(spec, "kms_key", "auto")
    if isinstance(spec, MarketplaceSpec):
        instance_type = spec.endpoint.instance_type or offer.default_instance
        model_kms = _marketplace_kms(spec, str(instance_type), notes)
    if isinstance(spec, ServerlessSpec) and offer.model_id_confidence == "third-party":
        notes.append(
            f"the Bedrock model id {offer.model_id} comes from a third-party source; "
            "`deploy up` fails cleanly if AWS does not know it"
        )
    weights = _weights_source(spec, model, loaded.base_dir, notes) if isinstance(spec, CustomImportSpec) else None
    return Deployment(
        loaded=loaded,
        model=model,
        offer=offer,
        instance_type=instance_type,
        replicas=replicas,
        serving=serving,
        model_kms=model_kms,
        serverless=_serverless_route(spec, offer) if isinstance(spec, ServerlessSpec) else None,
        weights_source=weights,
        notes=tuple(notes) + (serving.notes if serving else ()),
        warnings=tuple(diagnostics),
    )


def model_change(deployment: Deployment, recorded: dict[str, Any]) -> str | None:
    """A warning when the stack records another model than this spec now resolves to (an alias
    such as `v3` moved to a newer model), and whether the served weights change with it."""
    model = recorded.get("model")
    if not isinstance(model, str) or model in ("", deployment.model.id):
        return None
    served = deployment.model.served_id(deployment.spec.mode)
    if recorded.get("served_model") == served:
        return (
            f"the stack records model {model}; this spec resolves to {deployment.model.id}, "
            f"which serves the same {served}"
        )
    return (
        f"the stack serves {model}, but this spec now resolves to {deployment.model.id} ({served}): "
        f"`deploy up` would replace the weights. To keep serving them, write `model: {model}` "
        "(README: 'Migrating from 0.1.0')"
    )


def resolve_text(text: str, file: str = "<spec>", base_dir: str | None = None) -> Deployment:
    """Spec text -> the resolved deployment, or SpecError."""
    return resolve(load_text(text, file, base_dir))


def resolve_file(path: str) -> Deployment:
    """A spec file -> the resolved deployment, or SpecError."""
    return resolve(load_spec(path))
