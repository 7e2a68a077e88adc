"""Jinja2 templates (StrictUndefined) for `deploy init` and the rendered Pulumi project."""

from __future__ import annotations

from typing import Any


def environment(folder: str = "") -> Any:
    """The one Jinja2 setup: a missing variable is an error, output is text (YAML, Python, Markdown)."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("deepseek_deploy.templates", folder),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
