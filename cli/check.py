"""`deploy check SPEC`: security and reliability rules over the planned resources."""

from __future__ import annotations

from typing import Any, Optional

import typer

NOT_APPLICABLE = "not applicable"
SKIP_HELP = (
    "Skip a rule, giving the reason, as RULE=REASON (repeatable), e.g. --skip 'DD-COST-001=billed by the platform "
    "team'. The reason is recorded in the report; an unknown rule is an error (exit 2)."
)


def _show(document: dict[str, Any]) -> None:
    """The verdicts on stdout: failures with their fix, then the skips, then one summary line."""
    from .output import result, status

    for failure in document["failed"]:
        mark = "✗" if failure["severity"] == "error" else "!"
        result(f"{mark} {failure['rule']} {failure['severity']}: {failure['resource']}")
        result(f"    {failure['message']}")
        result(f"    fix: {failure['fix']}")
    idle = [s["rule"] for s in document["skipped"] if s["reason"].startswith(NOT_APPLICABLE)]
    for skip in document["skipped"]:
        if not skip["reason"].startswith(NOT_APPLICABLE):
            result(f"- {skip['rule']} skipped: {skip['reason']}")
    if idle:
        result(f"- nothing to judge in this plan for {', '.join(idle)} (`--json` says why)")
    errors = sum(f["severity"] == "error" for f in document["failed"])
    warnings = len(document["failed"]) - errors
    summary = (
        f"{len(document['passed'])} rules passed, {errors} error{'s' * (errors != 1)}, "
        f"{warnings} warning{'s' * (warnings != 1)}, {len(document['skipped'])} skipped"
    )
    status(errors == 0, summary)


def command(
    spec: str = typer.Argument(..., metavar="SPEC", help="The spec file, or a `deploy plan --json` document (*.json)."),
    json_output: bool = typer.Option(False, "--json", help="Print the report as JSON on stdout."),
    skip: Optional[list[str]] = typer.Option(None, "--skip", metavar="RULE=REASON", help=SKIP_HELP),
    stack: str = typer.Option("dev", "--stack", help="Stack name."),
) -> int:
    """Run every rule over the resources `deploy up` would create; exit 1 when an error-severity rule fails."""
    from deepseek_deploy.stacks.errors import FAILED, OK
    from deepseek_deploy.stacks.run.check import check, has_errors

    document = check(spec, stack, list(skip or []))
    if json_output:
        from .output import emit_json

        emit_json(document)
    else:
        _show(document)
    return FAILED if has_errors(document) else OK
