"""`deploy render SPEC -o DIR`: a standalone Pulumi project that `pulumi up` deploys by itself."""

from __future__ import annotations

import typer


def command(
    spec: str = typer.Argument(..., metavar="SPEC", help="The spec file."),
    output: str = typer.Option(..., "--output", "-o", metavar="DIR", help="Directory to write the project into."),
    stack: str = typer.Option("dev", "--stack", help="Stack name for Pulumi.<stack>.yaml."),
    force: bool = typer.Option(False, "--force", help="Overwrite files you edited since the last render."),
) -> None:
    from deepseek_deploy.stacks.run import render
    from deepseek_deploy.stacks.sizing.deployment import resolve_file

    deployment = resolve_file(spec)
    with open(spec, encoding="utf-8") as handle:
        spec_text = handle.read()
    result = render.write(output, render.project_files(deployment.spec, spec_text, stack), force=force)
    from .output import plain

    plain(
        f"rendered {output}/: {len(result.written)} written, {len(result.unchanged)} unchanged. "
        f"Next: cd {output} && pulumi up (see README.md)"
    )
