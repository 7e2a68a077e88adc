"""`deploy plan`'s document: the program run under the mock runtime, with the planner's choices
and the cost estimate, all read from one resolved deployment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..sizing.deployment import Deployment
from ..sizing.gateway import Gateway
from .recorder import mask, record


@dataclass
class DryRun:
    """Every resource `up` would create, with its parent and inputs, and the stack outputs."""

    stack: str
    mode: str
    model: str
    resources: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)


def run_gateway_program(gateway: Gateway, stack: str = "dev", *, typed: bool = False) -> DryRun:
    """A gateway's program under mocks, as `run_program` does for a deployment. The tiers' stacks are read
    through stack references, whose outputs are placeholders here."""
    from ..build.gateway_program import build_gateway

    return _dry_run(lambda: build_gateway(gateway), gateway.spec, stack, typed, "gateway", _gateway_model(gateway))


def _gateway_model(gateway: Gateway) -> str:
    return "gateway over " + ", ".join(f"{tier} ({d.spec.model}, {d.spec.mode})" for tier, d in gateway.tiers.items())


def gateway_plan_document(gateway: Gateway, stack: str = "dev") -> dict[str, Any]:
    """The `plan --json` document of a gateway: `mode` is `gateway`; `tiers` names each tier's spec and the
    stack it reads; `cost` covers the gateway itself (each tier's stack is planned, and priced, on its own)."""
    from .engine import project_name

    run = run_gateway_program(gateway, stack)
    spec = gateway.spec
    tiers = {
        tier: {
            "spec": deployment.loaded.path,
            "mode": deployment.spec.mode,
            "model": deployment.spec.model,
            "stack": f"{project_name(deployment.spec.name)}/{stack}",
        }
        for tier, deployment in gateway.tiers.items()
    }
    return {
        "stack": run.stack,
        "kind": "gateway",
        "mode": run.mode,
        "model": run.model,
        "resources": run.resources,
        "planner": {"host": spec.host.platform, "replicas": spec.host.replicas, "routing": spec.routing.strategy},
        "tiers": tiers,
        "cost": {
            "monthly_usd": None,
            "unknown": "the gateway's hosting is not priced yet; `deploy cost` prices each tier",
        },
        "outputs": run.outputs,
        "notes": run.notes,
        "warnings": [str(w) for w in gateway.warnings],
    }


def run_program(deployment: Deployment, stack: str = "dev", *, typed: bool = False) -> DryRun:
    """Build the deployment's program under mocks; secret outputs are masked.

    Resources register by type token (components.sdk) unless `typed`: the same registrations
    without importing the provider SDKs' service packages, most of a plan's time.
    """
    from ..build.program import build

    spec = deployment.spec
    return _dry_run(lambda: build(deployment), spec, stack, typed, spec.mode, spec.model)


def _dry_run(build: Callable[[], Any], spec: Any, stack: str, typed: bool, mode: str, model: str) -> DryRun:
    """Run a program builder (a deployment's or a gateway's) under the recorder; secret outputs masked."""
    import contextlib

    from deepseek_deploy.components import sdk

    notes: list[str] = []
    raw: dict[str, Any] = {}

    def program() -> Any:
        built = build()
        notes.extend(built.notes)
        raw.update(built.outputs)
        return built.outputs

    with contextlib.nullcontext() if typed else sdk.by_type_token():
        recording = record(program, project=f"deepseek-{spec.name}", stack=stack, region=spec.region)
    outputs = dict(recording.value or {})
    for key in _secret_outputs(raw):
        outputs[key] = mask(outputs.get(key))
    return DryRun(stack, mode, model, recording.resources, notes, outputs)


def _secret_outputs(outputs: dict[str, Any]) -> list[str]:
    """Keys whose Output is secret (resolved values lose the mark, so ask each Output)."""
    import pulumi
    from pulumi.runtime.sync_await import _sync_await

    return [
        key for key, value in outputs.items() if isinstance(value, pulumi.Output) and _sync_await(value.is_secret())
    ]


def recorded(deployment: Deployment, stack: str, env: dict[str, str]) -> dict[str, Any]:
    """The outputs a stack on a local backend records, if any (see `state`)."""
    from ..errors import DeployError
    from . import engine, state

    try:
        backend = engine.backend_url(None, env)
    except DeployError:
        return {}
    return state.recorded_outputs(backend, f"deepseek-{deployment.spec.name}", stack)


def plan_document(deployment: Deployment, stack: str = "dev", outputs: dict[str, Any] | None = None) -> dict[str, Any]:
    """The `plan --json` document (CLI.md): resources, planner, cost, outputs, notes, warnings.
    `outputs` are what the stack already records, when known."""
    from ..sizing import cost
    from ..sizing.deployment import model_change

    run = run_program(deployment, stack)
    changed = model_change(deployment, outputs or {})
    return {
        "stack": run.stack,
        "mode": run.mode,
        "model": run.model,
        "resources": run.resources,
        "planner": deployment.summary(),
        "cost": cost.estimate(deployment),
        "outputs": run.outputs,
        "notes": run.notes,
        "warnings": [str(w) for w in deployment.warnings] + ([f"warning: {changed}"] if changed else []),
    }
