"""`deploy preview | up | destroy | refresh | outputs | status`: the stack lifecycle."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import Any, Optional

import typer

from deepseek_deploy.stacks.errors import BAD_INPUT, FAILED, INTERRUPTED, OK, DeployError

from .gateway_up import RotateOpt, WithTiersOpt, keys_to_rotate, tier_paths

Spec = typer.Argument(..., metavar="SPEC", help="The spec file.")
StackOpt = typer.Option(None, "--stack", help="Stack name (default: dev).")
BackendOpt = typer.Option(
    None,
    "--backend",
    help="State backend: file://DIR, s3://BUCKET or https://api.pulumi.com (default: a per-user local directory, or "
    "PULUMI_BACKEND_URL).",
)
SecretsOpt = typer.Option(
    None,
    "--secrets-provider",
    help="Secrets provider, e.g. awskms://alias/NAME (default: the passphrase in PULUMI_CONFIG_PASSPHRASE).",
)
ProfileOpt = typer.Option(
    None, "--aws-profile", help="AWS profile to deploy with (default: AWS_PROFILE or the default chain)."
)
JsonOpt = typer.Option(False, "--json", help="NDJSON events on stdout.")
InstallOpt = typer.Option(False, "--install-pulumi", help="Install the Pulumi CLI matching the SDK if it is missing.")
YesOpt = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")


def open_engine(
    spec_path: str,
    *,
    stack: Optional[str],
    backend: Optional[str],
    secrets: Optional[str],
    aws_profile: Optional[str],
    install_pulumi: bool,
    preflight: bool = True,
    ask_aws: bool = False,
    tiers_deployed: bool = False,
) -> tuple[Any, Any]:
    """Resolve the spec (a deployment or a gateway) and set up the engine. Every missing prerequisite is
    reported in one run; with `tiers_deployed`, a gateway's tiers whose stacks are not up are among them."""
    from deepseek_deploy.stacks.run import engine as eng
    from deepseek_deploy.stacks.run import preflight as checks

    subject, program = _subject(spec_path)
    found: list[checks.Finding] = []
    settings = _prerequisite(
        found,
        lambda: eng.resolve(subject.spec, stack=stack, backend=backend, secrets=secrets, aws_profile=aws_profile),
    )
    if preflight:
        profile = settings.config.get("aws:profile") if settings else aws_profile or os.environ.get("AWS_PROFILE")
        found.extend(checks.findings(subject, profile, ask_aws=ask_aws))
    command = _prerequisite(found, lambda: eng.find_pulumi(install_pulumi or _offer_install()))
    if tiers_deployed and settings is not None and command is not None and _is_gateway(subject):
        from deepseek_deploy.stacks.run.gateway_tiers import missing_tiers

        found.extend(
            missing_tiers(subject, settings, lambda tier: eng.Engine(tier, lambda: None, command).outputs().outputs)
        )
    from .output import plain

    for warning in (f for f in found if f.severity == "warning"):
        plain(f"warning: {warning.message}")
    errors = [f for f in found if f.severity == "error"]
    if errors or settings is None:
        raise checks.PrerequisitesMissing(errors)
    return subject, eng.Engine(settings, program, command)


def _is_gateway(subject: Any) -> bool:
    from deepseek_deploy.stacks.sizing.gateway import Gateway

    return isinstance(subject, Gateway)


def _subject(spec_path: str) -> tuple[Any, Callable[[], Any]]:
    """The resolved deployment or gateway, and the program that builds it."""
    from deepseek_deploy.stacks.sizing.gateway import is_gateway_file, resolve_gateway_file

    if is_gateway_file(spec_path):
        from deepseek_deploy.stacks.build.gateway_program import build_gateway

        gateway = resolve_gateway_file(spec_path)
        return gateway, lambda: build_gateway(gateway)
    from deepseek_deploy.stacks.build.program import build
    from deepseek_deploy.stacks.sizing.deployment import resolve_file

    deployment = resolve_file(spec_path)
    return deployment, lambda: build(deployment)


def _prerequisite(found: list[Any], step: Callable[[], Any]) -> Any:
    """Run one setup step; a missing prerequisite becomes a finding so the others are checked too."""
    from deepseek_deploy.stacks.errors import MISSING_PREREQUISITE
    from deepseek_deploy.stacks.run.preflight import Finding

    try:
        return step()
    except DeployError as error:
        if error.code != MISSING_PREREQUISITE:
            raise
        found.append(Finding(error.message))
        return None


def _warn_if_the_model_changes(deployment: Any, engine: Any) -> None:
    """An alias that now means newer weights must not replace a serving model silently."""
    from deepseek_deploy.stacks.sizing.deployment import model_change

    try:
        recorded = engine.outputs().outputs
    except DeployError:  # a new stack records nothing
        return
    changed = model_change(deployment, recorded)
    if changed:
        from .output import plain

        plain(f"warning: {changed}")


def _offer_install() -> bool:
    """On a terminal, offer to install a missing Pulumi CLI; never in CI or with piped input."""
    if not sys.stdin.isatty() or os.environ.get("CI"):
        return False
    from deepseek_deploy.stacks.run.engine import _automation

    try:
        _automation().PulumiCommand()
        return False
    except FileNotFoundError:
        return typer.confirm(
            "The Pulumi CLI is not installed. Install the version matching this SDK now?", default=False, err=True
        )


def _run(engine: Any, operation: str, json_output: bool, **options: Any) -> Any:
    from .progress import Progress

    progress = Progress(json_output)
    try:
        return getattr(engine, operation)(progress, **options), progress
    except KeyboardInterrupt:
        raise DeployError(
            f"interrupted: the {operation} was cancelled. Resources already finished are kept; "
            f"run `deploy {operation}` again to continue (pending creates are retried), or `deploy refresh` to "
            "re-read what exists",
            INTERRUPTED,
        ) from None


def _summary(changes: dict[str, int]) -> str:
    parts = [f"{count} {op}" for op, count in sorted(changes.items()) if op != "same" and count]
    unchanged = changes.get("same", 0)
    return (", ".join(parts) or "no changes") + (f" ({unchanged} unchanged)" if unchanged else "")


def invoke_example(spec: Any, outputs: dict[str, Any]) -> str:
    """A ready-to-paste call of the deployment (a gateway: through `deploy chat`, or any OpenAI client)."""
    if getattr(spec, "kind", None) == "gateway":
        return (
            f"deploy chat GATEWAY.yaml   # or any OpenAI client: base URL {outputs.get('endpoint')}, a key from "
            "`deploy outputs GATEWAY.yaml --show-secrets` (api_keys)"
        )
    if spec.mode == "self-hosted":
        return (
            f"kubectl -n {outputs.get('namespace', spec.serving.namespace)} port-forward "
            f"svc/{outputs.get('service', spec.name)} 8000:8000 &\n"
            f'curl -s localhost:8000/v1/chat/completions -H "Authorization: Bearer $(deploy outputs {spec.name}.yaml '
            '--show-secrets --json | jq -r .api_key)" '
            "-H 'Content-Type: application/json' -d "
            f'\'{{"model": "{spec.model}", "messages": [{{"role": "user", "content": "Hello"}}]}}\''
        )
    model_id = outputs.get("invoke_model_id", "MODEL_ID")
    guardrail = ""
    guardrail_identifier = outputs.get("guardrail_arn") or outputs.get("guardrail_id")
    if guardrail_identifier and spec.mode != "marketplace":
        config = {"guardrailIdentifier": guardrail_identifier, "guardrailVersion": outputs.get("guardrail_version")}
        guardrail = f" --guardrail-config '{json.dumps(config)}'"
    return (
        f"aws bedrock-runtime converse --region {spec.region} --model-id '{model_id}'{guardrail} "
        '--messages \'[{"role": "user", "content": [{"text": "Hello"}]}]\''
    )


def _shown(outputs: dict[str, Any], secret: set[str], show_secrets: bool) -> dict[str, Any]:
    return {key: ("[secret]" if key in secret and not show_secrets else value) for key, value in outputs.items()}


def _operate(engine: Any, operation: str, json_output: bool, done: str) -> None:
    """Run one operation with progress, then its result event or a one-line summary."""
    result, progress = _run(engine, operation, json_output)
    progress.emit({"event": "result", "changes": result.summary})
    if not json_output:
        from .output import plain

        plain(f"{done}: {_summary(result.summary)}")


def preview(
    spec: str = Spec,
    stack: Optional[str] = StackOpt,
    backend: Optional[str] = BackendOpt,
    secrets_provider: Optional[str] = SecretsOpt,
    aws_profile: Optional[str] = ProfileOpt,
    json_output: bool = JsonOpt,
    install_pulumi: bool = InstallOpt,
) -> None:
    """What `up` would change in the real stack (needs credentials; `deploy plan` needs none)."""
    _, engine = open_engine(
        spec,
        stack=stack,
        backend=backend,
        secrets=secrets_provider,
        aws_profile=aws_profile,
        install_pulumi=install_pulumi,
        ask_aws=True,
    )
    _operate(engine, "preview", json_output, f"preview of {engine.settings.stack}")


def up(
    spec: str = Spec,
    stack: Optional[str] = StackOpt,
    backend: Optional[str] = BackendOpt,
    secrets_provider: Optional[str] = SecretsOpt,
    aws_profile: Optional[str] = ProfileOpt,
    json_output: bool = JsonOpt,
    install_pulumi: bool = InstallOpt,
    yes: bool = YesOpt,
    with_tiers: bool = WithTiersOpt,
    rotate_key: Optional[list[str]] = RotateOpt,
) -> None:
    """Create or update everything the spec describes (a gateway: once its tiers' stacks are up)."""
    rotated = keys_to_rotate(spec, rotate_key or [])
    options: dict[str, Any] = {
        "stack": stack,
        "backend": backend,
        "secrets": secrets_provider,
        "aws_profile": aws_profile,
        "install_pulumi": install_pulumi,
    }
    if with_tiers:
        for tier_path in tier_paths(spec):
            _up_one(tier_path, options, json_output, yes, tiers_deployed=False)
    _up_one(spec, options, json_output, yes, tiers_deployed=True, rotate=rotated)


def _up_one(
    spec: str, options: dict[str, Any], json_output: bool, yes: bool, *, tiers_deployed: bool, rotate: Any = ()
) -> None:
    loaded, engine = open_engine(spec, ask_aws=True, tiers_deployed=tiers_deployed, **options)
    replace: dict[str, Any] = {}
    if rotate:
        from deepseek_deploy.stacks.build.gateway import key_urn

        s = engine.settings
        replace["replace"] = tuple(key_urn(s.project, s.stack, loaded.spec.name, key) for key in rotate)
    if not _is_gateway(loaded):
        _warn_if_the_model_changes(loaded, engine)
    if not yes and not json_output and sys.stdin.isatty():
        preview_result, _ = _run(engine, "preview", json_output)
        if not typer.confirm(
            f"Apply these changes to {engine.settings.project}/{engine.settings.stack} "
            f"({_summary(preview_result.summary)})?",
            default=False,
            err=True,
        ):
            raise DeployError("nothing was changed", OK)
    result, progress = _run(engine, "up", json_output, **replace)
    shown = _shown(result.outputs, result.secret_outputs, show_secrets=False)
    progress.emit({"event": "result", "changes": result.summary, "outputs": shown})
    if not json_output:
        from .output import plain
        from .output import result as show

        if engine.resumed:
            plain("an interrupted run had left operations pending: they were cleared and the update resumed")
        show(f"\n{engine.settings.project}/{engine.settings.stack} is up: {_summary(result.summary)}")
        for key, value in shown.items():
            if value is not None:
                show(f"  {key}: {value}")
        show("\nTry it:\n  " + invoke_example(loaded.spec, result.outputs).replace("\n", "\n  "))


ForceOpt = typer.Option(
    False,
    "--force",
    help="Destroy a stack that has protected resources (spec `protect: true`): everything else is deleted and the "
    "protected resources are kept, with what they depend on, still in the stack's state, so a later `deploy up` uses "
    "them again. Nothing protected is ever released. To delete them too, set `protect: false`, run `deploy up`, then "
    "`deploy destroy`.",
)


def _listed(resources: list[str], most: int = 8) -> str:
    shown = "\n".join(f"  {resource}" for resource in resources[:most])
    return shown + (f"\n  ... and {len(resources) - most} more" if len(resources) > most else "")


def _refuse_protected(name: str, protected: list[str]) -> DeployError:
    return DeployError(
        f"stack {name} has {len(protected)} protected resource(s) (spec `protect: true`), which destroy does not "
        f"delete:\n{_listed(protected)}\nNothing was deleted. `deploy destroy --force` deletes everything else and "
        "keeps them (still in the stack, for the next `deploy up`); to delete them too, set protect: false, run "
        "`deploy up`, then `deploy destroy`",
        BAD_INPUT,
    )


def destroy(
    spec: str = Spec,
    stack: Optional[str] = StackOpt,
    backend: Optional[str] = BackendOpt,
    secrets_provider: Optional[str] = SecretsOpt,
    aws_profile: Optional[str] = ProfileOpt,
    json_output: bool = JsonOpt,
    install_pulumi: bool = InstallOpt,
    yes: bool = YesOpt,
    force: bool = ForceOpt,
) -> None:
    """Delete everything the stack created. A stack with protected resources is refused unless --force,
    which keeps them."""
    loaded, engine = open_engine(
        spec,
        stack=stack,
        backend=backend,
        secrets=secrets_provider,
        aws_profile=aws_profile,
        install_pulumi=install_pulumi,
    )
    name = engine.settings.stack
    kept = engine.kept()  # the state decides, not the spec: it is what Pulumi enforces
    if kept.protected and not force:
        raise _refuse_protected(name, kept.protected)
    if not yes:
        if not sys.stdin.isatty():
            raise DeployError("destroy deletes the deployment; without a terminal to confirm on, pass --yes", BAD_INPUT)
        keeping = f" except {len(kept.protected)} protected resource(s)" if kept.protected else ""
        answer = typer.prompt(
            f"This deletes every resource of {loaded.spec.name} (stack {name}){keeping}. Type the stack name to "
            "confirm",
            err=True,
        )
        if answer.strip() != name:
            raise DeployError("the name did not match; nothing was deleted", BAD_INPUT)
    result, progress = _run(engine, "destroy", json_output, keep_protected=bool(kept.protected))
    progress.emit({"event": "result", "changes": result.summary, "kept": kept.protected + kept.retained})
    _destroy_eval_stack(engine, loaded.spec.name, json_output)
    if not json_output:
        from .output import plain

        plain(f"{name} destroyed: {_summary(result.summary)}")
        if kept.protected:
            plain(f"kept (protected, still in the stack; with what they depend on):\n{_listed(kept.protected)}")
        if kept.retained:
            plain(f"left in the cloud, no longer managed by the stack:\n{_listed(kept.retained)}")


def _destroy_eval_stack(engine: Any, spec_name: str, json_output: bool) -> None:
    """The stack `deploy eval --bedrock-job` made for this spec (its bucket and role), when there is one."""
    from deepseek_deploy.stacks.measure.eval_job import eval_settings
    from deepseek_deploy.stacks.run import engine as eng

    other = eng.Engine(eval_settings(engine.settings, spec_name), lambda: None, engine.command)
    try:
        other.outputs()
    except DeployError:
        return  # never made (or already gone)
    result, progress = _run(other, "destroy", json_output, keep_protected=False)
    progress.emit({"event": "result", "stack": other.settings.project, "changes": result.summary, "kept": []})
    if not json_output:
        from .output import plain

        plain(f"{other.settings.project}/{other.settings.stack} (deploy eval --bedrock-job) destroyed")


def refresh(
    spec: str = Spec,
    stack: Optional[str] = StackOpt,
    backend: Optional[str] = BackendOpt,
    secrets_provider: Optional[str] = SecretsOpt,
    aws_profile: Optional[str] = ProfileOpt,
    json_output: bool = JsonOpt,
    install_pulumi: bool = InstallOpt,
) -> None:
    """Re-read the real resources into the stack's state (and clear what an interrupted run left pending)."""
    _, engine = open_engine(
        spec,
        stack=stack,
        backend=backend,
        secrets=secrets_provider,
        aws_profile=aws_profile,
        install_pulumi=install_pulumi,
    )
    _operate(engine, "refresh", json_output, f"{engine.settings.stack} refreshed")


def _stack_outputs(
    spec: str, stack: Optional[str], backend: Optional[str], secrets: Optional[str], install_pulumi: bool
) -> tuple[Any, Any, Any]:
    """Read the stack's outputs; reading state needs no cloud credentials."""
    loaded, engine = open_engine(
        spec,
        stack=stack,
        backend=backend,
        secrets=secrets,
        aws_profile=None,
        install_pulumi=install_pulumi,
        preflight=False,
    )
    return loaded, engine, engine.outputs()


def outputs(
    spec: str = Spec,
    stack: Optional[str] = StackOpt,
    backend: Optional[str] = BackendOpt,
    secrets_provider: Optional[str] = SecretsOpt,
    json_output: bool = typer.Option(False, "--json", help="Print the outputs as JSON on stdout."),
    show_secrets: bool = typer.Option(False, "--show-secrets", help="Print secret outputs (the API key) in clear."),
    install_pulumi: bool = InstallOpt,
) -> None:
    """The deployed stack's outputs, with a ready-to-paste invoke example."""
    loaded, engine, result = _stack_outputs(spec, stack, backend, secrets_provider, install_pulumi)
    shown = _shown(result.outputs, result.secret_outputs, show_secrets)
    from .output import emit_json, plain
    from .output import result as show

    if json_output:
        emit_json(shown)
        return
    if not shown:
        plain(f"stack {engine.settings.stack} has no outputs: run `deploy up {spec}` first")
        return
    for key, value in shown.items():
        show(f"{key}: {value}")
    show("\nTry it:\n  " + invoke_example(loaded.spec, result.outputs).replace("\n", "\n  "))


def status_document(
    spec: Any, stack: str, outputs: dict[str, Any], secret: set[str], health: Any = None
) -> dict[str, Any]:
    """`status --json` (CLI.md). `health` is the probe's result (stacks/call/health.py); a stack that is not
    deployed has none and is not healthy."""
    gateway = getattr(spec, "kind", None) == "gateway"
    return {
        "stack": stack,
        "mode": "gateway" if gateway else spec.mode,
        "model": "gateway over " + ", ".join(spec.tiers) if gateway else spec.model,
        "region": spec.region,
        "deployed": bool(outputs),
        "endpoint": outputs.get("external_endpoint") or outputs.get("endpoint") or outputs.get("invoke_model_id"),
        "healthy": bool(health is not None and health.healthy),
        "latency_ms": health.latency_ms if health is not None else None,
        "detail": health.detail if health is not None else "not deployed",
        "outputs": _shown(outputs, secret, show_secrets=False),
    }


def status(
    spec: str = Spec,
    stack: Optional[str] = StackOpt,
    backend: Optional[str] = BackendOpt,
    secrets_provider: Optional[str] = SecretsOpt,
    aws_profile: Optional[str] = ProfileOpt,
    json_output: bool = typer.Option(False, "--json", help="Print the status as JSON on stdout."),
    install_pulumi: bool = InstallOpt,
) -> None:
    """Whether the stack is deployed and its endpoint answers (a real probe, with latency); exit 1 when not."""
    loaded, engine, result = _stack_outputs(spec, stack, backend, secrets_provider, install_pulumi)
    health = None
    if result.outputs:
        from deepseek_deploy.stacks.call.health import check
        from deepseek_deploy.stacks.call.target import from_outputs

        health = check(from_outputs(loaded.spec, result.outputs), profile=aws_profile)
    document = status_document(loaded.spec, engine.settings.stack, result.outputs, result.secret_outputs, health)
    from .output import emit_json
    from .output import result as show

    if json_output:
        emit_json(document)
        if not document["healthy"]:
            raise typer.Exit(FAILED)  # the document says why; no second JSON document
        return
    name = f"{loaded.spec.name} ({engine.settings.stack})"
    if not document["deployed"]:
        raise DeployError(f"{name}: not deployed", FAILED)
    show(f"{name}: deployed, {document['model']} in mode {document['mode']}, {loaded.spec.region}")
    show(f"  endpoint: {document['endpoint']}")
    if not document["healthy"]:
        raise DeployError(f"{name}: the endpoint is not answering: {document['detail']}", FAILED)
    show(f"  health: answering ({document['latency_ms']:.0f} ms)")
