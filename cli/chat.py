"""`deploy chat` (CLI.md). Placeholder while it is being built; replaced by the real command."""

from __future__ import annotations

import typer

Spec = typer.Argument(..., help="The spec file.")


def command(spec: str = Spec) -> None:
    """Not built yet."""
    from deepseek_deploy.stacks.errors import FAILED, DeployError

    raise DeployError("`deploy chat` is not built yet", FAILED)
