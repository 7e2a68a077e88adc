"""`deploy validate SPEC...`: schema and compatibility checks of deployments and gateways; nothing is created."""

from __future__ import annotations

from typing import Any

import typer


def _verdict(path: str) -> tuple[dict[str, Any], list[Any]]:
    """One file's entry in `files`, and its warnings; SpecError when it is invalid."""
    from deepseek_deploy.stacks.sizing.deployment import resolve_file
    from deepseek_deploy.stacks.sizing.gateway import is_gateway_file, resolve_gateway_file

    if is_gateway_file(path):
        gateway = resolve_gateway_file(path)
        tiers = {name: deployment.loaded.path for name, deployment in gateway.tiers.items()}
        entry = {"file": path, "valid": True, "kind": "gateway", "name": gateway.spec.name}
        return {**entry, "region": gateway.spec.region, "tiers": tiers}, list(gateway.warnings)
    deployment = resolve_file(path)
    spec = deployment.spec
    entry = {"file": path, "valid": True, "kind": "deployment", "name": spec.name, "model": spec.model}
    return {**entry, "mode": spec.mode, "region": spec.region}, list(deployment.warnings)


def validate_files(paths: list[str]) -> dict[str, Any]:
    """The `validate --json` document: every error and warning of every file (a gateway's tiers included)."""
    from deepseek_deploy.stacks.spec.loader import SpecError

    document: dict[str, Any] = {"valid": True, "errors": [], "warnings": [], "files": []}
    for path in paths:
        try:
            entry, warnings = _verdict(path)
        except SpecError as error:
            document["valid"] = False
            document["errors"].extend(d.as_json() for d in error.diagnostics if d.severity == "error")
            document["warnings"].extend(d.as_json() for d in error.diagnostics if d.severity == "warning")
            document["files"].append({"file": path, "valid": False})
            continue
        document["warnings"].extend(d.as_json() for d in warnings)
        document["files"].append(entry)
    return document


def _summary(result: dict[str, Any]) -> str:
    if result.get("kind") == "gateway":
        return f"gateway over {', '.join(result['tiers'])}, {result['region']}"
    return f"{result['model']}, {result['mode']}, {result['region']}"


def command(
    specs: list[str] = typer.Argument(..., metavar="SPEC...", help="Spec files to check (deployments or gateways)."),
    json_output: bool = typer.Option(False, "--json", help="Print the result as JSON on stdout."),
) -> int:
    from deepseek_deploy.stacks.errors import BAD_INPUT, OK

    document = validate_files(specs)
    from .output import emit_json, plain, status

    if json_output:
        emit_json(document)
    else:
        for problem in document["errors"] + document["warnings"]:
            prefix = "warning: " if problem["severity"] == "warning" else ""
            plain(f"{problem['file']}:{problem['line']}:{problem['column']}: {prefix}{problem['message']}")
        for result in document["files"]:
            if result["valid"]:
                status(True, f"{result['file']}: valid ({_summary(result)})")
            else:
                status(False, f"{result['file']}: invalid")
    return OK if document["valid"] else BAD_INPUT
