"""`deploy validate SPEC...`: schema and compatibility checks; nothing is created."""

from __future__ import annotations

from typing import Any

import typer


def validate_files(paths: list[str]) -> dict[str, Any]:
    """The `validate --json` document: every error and warning of every file."""
    from deepseek_deploy.stacks.sizing.deployment import resolve_file
    from deepseek_deploy.stacks.spec.loader import SpecError

    document: dict[str, Any] = {"valid": True, "errors": [], "warnings": [], "files": []}
    for path in paths:
        try:
            deployment = resolve_file(path)
        except SpecError as error:
            document["valid"] = False
            document["errors"].extend(d.as_json() for d in error.diagnostics if d.severity == "error")
            document["warnings"].extend(d.as_json() for d in error.diagnostics if d.severity == "warning")
            document["files"].append({"file": path, "valid": False})
            continue
        spec = deployment.spec
        document["warnings"].extend(d.as_json() for d in deployment.warnings)
        document["files"].append(
            {
                "file": path,
                "valid": True,
                "name": spec.name,
                "model": spec.model,
                "mode": spec.mode,
                "region": spec.region,
            }
        )
    return document


def command(
    specs: list[str] = typer.Argument(..., metavar="SPEC...", help="Spec files to check."),
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
                status(True, f"{result['file']}: valid ({result['model']}, {result['mode']}, {result['region']})")
            else:
                status(False, f"{result['file']}: invalid")
    return OK if document["valid"] else BAD_INPUT
