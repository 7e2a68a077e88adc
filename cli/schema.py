"""`deploy schema`: the spec's JSON Schema on stdout."""

from __future__ import annotations


def command() -> None:
    from deepseek_deploy.stacks.spec.schema import spec_json_schema

    from .output import emit_json

    emit_json(spec_json_schema())
