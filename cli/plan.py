"""`deploy plan SPEC`: the offline dry run, as a readable tree or as JSON."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, Optional

import typer

if TYPE_CHECKING:
    from rich.tree import Tree


def plan_document(path: str, stack: str = "dev") -> dict[str, Any]:
    """Resolve and plan one spec: the `plan --json` document (errors are DeployErrors)."""
    import os

    from deepseek_deploy.stacks.run.dry_run import gateway_plan_document, recorded
    from deepseek_deploy.stacks.run.dry_run import plan_document as document_of
    from deepseek_deploy.stacks.sizing.deployment import resolve_file
    from deepseek_deploy.stacks.sizing.gateway import is_gateway_file, resolve_gateway_file

    if is_gateway_file(path):
        return gateway_plan_document(resolve_gateway_file(path), stack)

    deployment = resolve_file(path)
    return document_of(deployment, stack, recorded(deployment, stack, dict(os.environ)))


def _write_manifests(document: dict[str, Any], directory: str, force: bool) -> None:
    from deepseek_deploy.stacks.run import manifests

    from .output import plain

    objects, _ = manifests.kubernetes_objects(document["resources"])
    if not objects:
        what = "a gateway on ecs-fargate" if document["mode"] == "gateway" else f"mode {document['mode']}"
        plain(f"note: {what} creates no Kubernetes objects; nothing written to {directory}")
        return
    written = manifests.write(document["resources"], directory, force=force)
    plain(f"wrote {len(written.files)} Kubernetes objects to {directory}/ (apply with `kubectl apply -f {directory}`)")
    for path in written.secrets:
        plain(f"note: {path} holds placeholders: replace them, or create the Secret with kubectl, before applying")
    for item in written.not_written:
        plain(f"note: not a plain object, install it first: {item}")


STACK_REFERENCE = "pulumi:pulumi:StackReference"


def short_type(token: str) -> str:
    """`aws:s3/bucketPolicy:BucketPolicy` -> `aws:s3:BucketPolicy` (the module path repeats the name)."""
    package, module, name = ([*token.split(":"), "", ""])[:3]
    return f"{package}:{module.split('/')[0]}:{name}" if name else token


def _tree(document: dict[str, Any]) -> Tree:
    from rich.markup import escape
    from rich.tree import Tree

    root = Tree(f"[bold]{document['stack']}[/bold] · {document['model']} · {document['mode']}")
    nodes: dict[Optional[str], Any] = {None: root}
    for resource in document["resources"]:
        parent = nodes.get(resource["parent"], root)
        label = f"{escape(resource['name'])} [dim]{escape(short_type(resource['type']))}[/dim]"
        if resource["type"] == STACK_REFERENCE:  # a read, not a resource: say which stack
            label = f"{escape(resource['name'])} [dim]reads stack {escape(str(resource['inputs'].get('name')))}[/dim]"
        nodes[resource["name"]] = parent.add(label)
    return root


def _show(document: dict[str, Any]) -> None:
    """The plan on stdout (tree, counts, cost); notes and warnings on stderr."""
    from .output import console, plain, result_console

    out = result_console()
    out.print(_tree(document))
    counts = Counter(r["type"] for r in document["resources"])
    components = sum(n for t, n in counts.items() if t.startswith("deepseek-deploy:"))
    references = counts.get(STACK_REFERENCE, 0)
    total = len(document["resources"]) - references
    read = f", reading {references} stacks" if references else ""
    out.print(f"\n{total} resources ({components} components, {total - components} cloud resources){read}")
    cost = document["cost"]
    if cost.get("monthly_usd") is not None:
        out.print(
            f"estimated cost: ${cost['monthly_usd']:,.2f}/month ({cost.get('basis', '')}; "
            "assumptions: `deploy plan --json`)",
            markup=False,
        )
    elif cost.get("unknown"):
        out.print(f"estimated cost: unknown ({cost['unknown']})", markup=False)
    for note in document["notes"]:
        plain(f"note: {note}")
    for warning in document["warnings"]:
        plain(warning)
    console().print("Nothing was created. `deploy up` creates these resources.", style="dim")


def command(
    spec: str = typer.Argument(..., metavar="SPEC", help="The spec file."),
    json_output: bool = typer.Option(False, "--json", help="Print the plan as JSON on stdout."),
    manifests: Optional[str] = typer.Option(
        None, "--manifests", metavar="DIR", help="Write the Kubernetes objects as YAML files into DIR."
    ),
    force: bool = typer.Option(False, "--force", help="With --manifests: overwrite files you edited since."),
    stack: str = typer.Option("dev", "--stack", help="Stack name."),
) -> None:
    document = plan_document(spec, stack)
    if manifests is not None:
        _write_manifests(document, manifests, force)
    if json_output:
        from .output import emit_json

        emit_json(document)
    else:
        _show(document)
