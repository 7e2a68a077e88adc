"""The resolved gateway: its spec and each tier's resolved deployment, checked together.

A tier is a single deployment's spec file, relative to the gateway's file, resolved with the same
resolver as any spec (`deployment.resolve_file`). A problem with a tier is reported twice over: at the
gateway's line for that tier (naming it), and with the tier file's own diagnostics.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..spec.diagnostics import MAX_SHOWN
from ..spec.gateway import GatewaySpec
from ..spec.loader import Diagnostic, LoadedGateway, SpecError, load_any, read_kind
from .deployment import Deployment, resolve_file

__all__ = ["Gateway", "is_gateway_file", "resolve_gateway", "resolve_gateway_file", "tier_path"]


@dataclass(frozen=True)
class Gateway:
    loaded: LoadedGateway
    tiers: dict[str, Deployment] = field(hash=False)  # tier name -> its resolved deployment, in the spec's order
    warnings: tuple[Diagnostic, ...] = ()

    @property
    def spec(self) -> GatewaySpec:
        return self.loaded.spec

    @property
    def path(self) -> str:
        return self.loaded.path


def is_gateway_file(path: str) -> bool:
    """Whether the file is a gateway spec (`kind: gateway`); reads only its YAML, validates nothing."""
    return read_kind(path) == "gateway"


def tier_path(loaded: LoadedGateway, tier: str) -> str:
    """A tier's spec file, relative to the gateway's file: spelled from the gateway's path as given (so a
    relative gateway path gives a relative tier path in messages), or absolute where the file's folder is known
    only as `base_dir`."""
    written = os.path.expanduser(loaded.spec.tiers[tier])
    folder = os.path.dirname(loaded.path)
    if loaded.base_dir is not None and os.path.abspath(folder or ".") != loaded.base_dir:
        folder = loaded.base_dir
    return os.path.normpath(os.path.join(folder, written))


def _clip(text: str) -> str:
    return text if len(text) <= MAX_SHOWN else f"{text[: MAX_SHOWN - 3]}..."


def _resolve_tier(loaded: LoadedGateway, tier: str) -> tuple[Deployment | None, list[Diagnostic]]:
    """The tier's deployment, or the diagnostics that say why there is none (the gateway's first)."""
    path = tier_path(loaded, tier)
    at = ("tiers", tier)
    written = _clip(loaded.spec.tiers[tier])
    if not os.path.exists(path) or os.path.isdir(path):  # other kinds of file: the loader says what is wrong
        what = "is a directory" if os.path.isdir(path) else "does not exist"
        where = f" ({_clip(path)})" if path != loaded.spec.tiers[tier] else ""
        return None, [loaded.locate(at, f"tier '{tier}': {written} {what}{where}; give the path of a spec file")]
    if is_gateway_file(path):
        message = (
            f"tier '{tier}': {written} is a gateway spec; a tier is a single deployment (a gateway cannot nest "
            "a gateway)"
        )
        return None, [loaded.locate(at, message)]
    try:
        deployment = resolve_file(path)
    except SpecError as error:
        count = len(error.errors)
        message = f"tier '{tier}': {written} is not a valid spec ({count} error{'s' if count != 1 else ''}, below)"
        return None, [loaded.locate(at, message), *error.diagnostics]
    return deployment, list(deployment.warnings)


def _across_tiers(loaded: LoadedGateway, tiers: dict[str, Deployment]) -> list[Diagnostic]:
    """Regions that differ, and stacks that would collide (a stack is named after its spec's name)."""
    spec = loaded.spec
    found = []
    names: dict[str, str] = {}
    for tier, deployment in tiers.items():
        at = ("tiers", tier)
        other = deployment.spec
        if other.name == spec.name:
            found.append(
                loaded.locate(at, f"tier '{tier}' has the gateway's name '{spec.name}'; each needs a stack of its own")
            )
        elif names.setdefault(other.name, tier) != tier:
            message = (
                f"tiers '{names[other.name]}' and '{tier}' are both named '{other.name}'; each needs a stack of its own"
            )
            found.append(loaded.locate(at, message))
        found += _unreachable(loaded, tier, deployment)
        if other.region != spec.region:
            message = (
                f"tier '{tier}' runs in {other.region} and the gateway in {spec.region}: every request to it "
                "crosses regions (latency, data transfer)"
            )
            found.append(loaded.locate(at, message, "warning"))
    return found


def _unreachable(loaded: LoadedGateway, tier: str, deployment: Deployment) -> list[Diagnostic]:
    """Tiers the gateway could not call: an enforced guardrail of their own, or a cluster-internal vLLM
    Service seen from ECS."""
    spec, other = loaded.spec, deployment.spec
    at = ("tiers", tier)
    found = []
    guardrail = other.effective_guardrail
    if guardrail is not None and guardrail.enforce and spec.effective_guardrail is not None:
        message = (
            f"tier '{tier}' enforces its own guardrail (guardrail.enforce: true in {_clip(spec.tiers[tier])}): its "
            "policy denies every call that does not name that guardrail, and the gateway applies its own. Set "
            "`guardrail: false` in the tier's spec (the gateway's guardrail covers every tier)"
        )
        found.append(loaded.locate(at, message))
    serving = getattr(other, "serving", None)
    if spec.host.platform == "ecs-fargate" and serving is not None and serving.expose == "cluster-ip":
        message = (
            f"tier '{tier}' is a cluster-internal vLLM Service (serving.expose: cluster-ip), which a gateway on "
            "ecs-fargate cannot reach. Expose it (serving.expose: load-balancer) or host the gateway on its cluster "
            "(host.platform: kubernetes)"
        )
        found.append(loaded.locate(at, message))
    return found


def resolve_gateway(loaded: LoadedGateway) -> Gateway:
    """Resolve every tier; raise SpecError with every problem found (each tier's own diagnostics included)."""
    diagnostics = list(loaded.warnings)
    tiers: dict[str, Deployment] = {}
    for tier in loaded.spec.tiers:
        deployment, found = _resolve_tier(loaded, tier)
        diagnostics += found
        if deployment is not None:
            tiers[tier] = deployment
    if len(tiers) == len(loaded.spec.tiers):
        diagnostics += _across_tiers(loaded, tiers)
    if any(d.severity == "error" for d in diagnostics):
        raise SpecError(diagnostics)
    return Gateway(loaded, tiers, tuple(diagnostics))


def resolve_gateway_file(path: str) -> Gateway:
    """A gateway spec file -> the resolved gateway, or SpecError. A single deployment's spec is an error."""
    loaded = load_any(path)
    if not isinstance(loaded, LoadedGateway):
        raise SpecError(
            [Diagnostic(path, 1, 1, "not a gateway spec (no kind: gateway); a gateway names its tiers' spec files")]
        )
    return resolve_gateway(loaded)
