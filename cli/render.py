"""`deploy render SPEC -o DIR`: a standalone Pulumi project that `pulumi up` deploys by itself."""

from __future__ import annotations

import typer

from . import errors


def command(
    spec: str = typer.Argument(..., metavar="SPEC", help="The spec file."),
    output: str = typer.Option(..., "--output", "-o", metavar="DIR", help="Directory to write the project into."),
    stack: str = typer.Option("dev", "--stack", help="Stack name for Pulumi.<stack>.yaml."),
    force: bool = typer.Option(False, "--force", help="Overwrite files you edited since the last render."),
) -> None:
    from deepseek_deploy.stacks.run import render
    from deepseek_deploy.stacks.spec.loader import SpecError, load_spec

    try:
        loaded = load_spec(spec)
    except SpecError as error:
        raise errors.CliError("\n".join(str(d) for d in error.diagnostics), errors.BAD_INPUT) from None
    with open(spec, encoding="utf-8") as handle:
        spec_text = handle.read()
    files = render.project_files(loaded.spec, spec_text, stack)
    try:
        result = render.write(output, files, force=force)
    except render.RenderConflict as conflict:
        raise errors.CliError(
            f"{output}: you changed {', '.join(conflict.paths)} since it was rendered; nothing was written. Pass --force to overwrite",
            errors.BAD_INPUT,
        ) from None
    except OSError as error:
        raise errors.CliError(f"cannot write {output}: {error.strerror}") from None
    from .output import plain

    plain(
        f"rendered {output}/: {len(result.written)} written, {len(result.unchanged)} unchanged. Next: cd {output} && pulumi up (see README.md)"
    )
