"""`deploy init`: write a commented starter spec that validates as written."""

from __future__ import annotations

import os
from typing import Optional

import typer


def command(
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Catalog id or alias (default: deepseek-r1)."),
    mode: Optional[str] = typer.Option(
        None,
        "--mode",
        help="serverless | marketplace | custom-import | self-hosted (default: the simplest mode that serves the "
        "model).",
    ),
    region: Optional[str] = typer.Option(
        None, "--region", "-r", help="AWS region (default: us-west-2 where the model is offered)."
    ),
    name: Optional[str] = typer.Option(None, "--name", help="Deployment name (default: from model and mode)."),
    output: Optional[str] = typer.Option(
        None, "--output", "-o", help="File to write; without it the spec goes to stdout."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    from deepseek_deploy.stacks.errors import BAD_INPUT, FAILED, DeployError
    from deepseek_deploy.stacks.sizing.deployment import resolve_text
    from deepseek_deploy.stacks.spec import starter
    from deepseek_deploy.stacks.spec.loader import SpecError

    choice = starter.choose(model, mode, region, name)
    text = starter.render(choice, filename=os.path.basename(output) if output else "spec.yaml")
    try:  # the starter must validate as written; anything else is our bug, not the user's
        resolve_text(text, output or "<init>")
    except SpecError as error:
        raise DeployError(f"internal error: the starter spec does not validate:\n{error}", FAILED) from None

    from .output import emit_text, say

    if output is None:
        emit_text(text)
        return
    if os.path.exists(output) and not force:
        raise DeployError(f"{output} already exists; choose another path or pass --force to overwrite it", BAD_INPUT)
    try:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        raise DeployError(f"cannot write {output}: {error.strerror}", BAD_INPUT) from None
    say(
        f"Wrote {output}: {choice.model.id}, {choice.mode}, {choice.region}. Next: `deploy validate {output}`.",
        markup=False,
    )
