"""`deploy plan SPEC`: the offline dry run, as a readable tree or as JSON."""

from __future__ import annotations

from collections import Counter
from typing import Any, Optional

import typer

from . import errors


def plan_document(path: str, stack: str = "dev") -> dict[str, Any]:
    """Load, validate and plan one spec; raise CliError for bad input or what cannot be planned."""
    import os

    from deepseek_deploy.stacks.build.program import NotBuildable
    from deepseek_deploy.stacks.run.recorder import run_program
    from deepseek_deploy.stacks.sizing import cost
    from deepseek_deploy.stacks.spec.loader import SpecError, load_spec

    try:
        loaded = load_spec(path)
    except SpecError as error:
        raise errors.CliError("\n".join(str(d) for d in error.diagnostics), errors.BAD_INPUT) from None
    try:
        result = run_program(loaded.spec, stack, base_dir=os.path.dirname(os.path.abspath(path)))
    except NotBuildable as error:
        raise errors.CliError(str(error), errors.FAILED) from None
    result.cost = cost.estimate(loaded.spec)
    result.planner = planner_summary(loaded.spec)
    document = result.as_json()
    document["warnings"] = [str(w) for w in loaded.warnings]
    return document


def planner_summary(spec: Any) -> dict[str, Any]:
    """The catalog choices the plan made (hardware, ids), for the `planner` key."""
    from deepseek_deploy.stacks import catalog

    model = catalog.model(spec.model)
    offer = model.offer(spec.mode)
    summary: dict[str, Any] = {"model": model.id, "mode": spec.mode}
    if spec.mode == "serverless":
        summary.update(model_id=offer.model_id, profiles=offer.profiles, regions=list(offer.regions or ()))
    elif spec.mode == "marketplace":
        instance_type = spec.endpoint.instance_type or offer.default_instance
        instance = catalog.instance(instance_type)
        summary.update(
            hub_model_id=offer.hub_model_id,
            hub_version=offer.hub_version,
            instance_type=instance_type,
            instance_count=spec.endpoint.instance_count,
            gpu_type=instance.gpu if instance else None,
            gpus_per_instance=instance.gpus if instance else None,
        )
    elif spec.mode == "custom-import":
        summary.update(weights_source=spec.weights_source, custom_model_units=offer.cmus)
    elif spec.mode == "self-hosted":
        from deepseek_deploy.stacks.sizing.planner import plan_serving

        summary.update(plan_serving(spec).as_dict())
    return summary


def _write_manifests(document: dict[str, Any], directory: str) -> None:
    from deepseek_deploy.stacks.run import manifests

    from .output import plain

    objects, _ = manifests.kubernetes_objects(document["resources"])
    if not objects:
        plain(f"note: mode {document['mode']} creates no Kubernetes objects; nothing written to {directory}")
        return
    try:
        written = manifests.write(document["resources"], directory)
    except OSError as error:
        raise errors.CliError(f"cannot write manifests to {directory}: {error.strerror}") from None
    plain(f"wrote {len(written.files)} Kubernetes objects to {directory}/ (apply with `kubectl apply -f {directory}`)")
    for path in written.secrets:
        plain(f"note: {path} holds placeholders: replace them, or create the Secret with kubectl, before applying")
    for item in written.not_written:
        plain(f"note: not a plain object, install it first: {item}")


def short_type(token: str) -> str:
    """`aws:s3/bucketPolicy:BucketPolicy` -> `aws:s3:BucketPolicy` (the module path repeats the name)."""
    package, module, name = (token.split(":") + ["", ""])[:3]
    return f"{package}:{module.split('/')[0]}:{name}" if name else token


def _tree(document: dict[str, Any]):
    from rich.markup import escape
    from rich.tree import Tree

    root = Tree(f"[bold]{document['stack']}[/bold] · {document['model']} · {document['mode']}")
    nodes: dict[Optional[str], Any] = {None: root}
    for resource in document["resources"]:
        parent = nodes.get(resource["parent"], root)
        label = f"{escape(resource['name'])} [dim]{escape(short_type(resource['type']))}[/dim]"
        nodes[resource["name"]] = parent.add(label)
    return root


def command(
    spec: str = typer.Argument(..., metavar="SPEC", help="The spec file."),
    json_output: bool = typer.Option(False, "--json", help="Print the plan as JSON on stdout."),
    manifests: Optional[str] = typer.Option(
        None, "--manifests", metavar="DIR", help="Write the Kubernetes objects as YAML files into DIR."
    ),
    stack: str = typer.Option("dev", "--stack", help="Stack name."),
) -> None:
    document = plan_document(spec, stack)
    from .output import console, emit_json, plain

    if manifests is not None:
        _write_manifests(document, manifests)
    if json_output:
        emit_json(document)
        return
    out = console()
    out.print(_tree(document))
    counts = Counter(r["type"] for r in document["resources"])
    components = sum(n for t, n in counts.items() if t.startswith("deepseek-deploy:"))
    out.print(
        f"\n{len(document['resources'])} resources ({components} components, {len(document['resources']) - components} cloud resources)"
    )
    cost = document["cost"]
    if cost.get("monthly_usd") is not None:
        out.print(
            f"estimated cost: ${cost['monthly_usd']:,.2f}/month ({cost.get('basis', '')}; assumptions: `deploy plan --json`)",
            markup=False,
        )
    elif cost.get("unknown"):
        out.print(f"estimated cost: unknown ({cost['unknown']})", markup=False)
    for note in document["notes"]:
        plain(f"note: {note}")
    for warning in document["warnings"]:
        plain(warning)
    out.print("Nothing was created. `deploy up` creates these resources.", style="dim")
