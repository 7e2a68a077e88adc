"""The JSON Schema of the spec, for editors (`deploy schema`)."""

from __future__ import annotations

from typing import Any


def spec_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a spec, with the catalog's model names and regions as enums."""
    from pydantic import TypeAdapter

    from . import catalog
    from .spec import DeploymentSpec

    schema = TypeAdapter(DeploymentSpec).json_schema(mode="validation")
    names = sorted({name for model in catalog.models() for name in (model.id, *model.aliases)})
    regions = list(catalog.load().aws_regions)
    for definition in schema.get("$defs", {}).values():
        properties = definition.get("properties", {})
        if "model" in properties and "mode" in properties:
            properties["model"]["enum"] = names
            properties["region"]["enum"] = regions
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "deepseek-deploy spec",
        "description": "One DeepSeek deployment: name, model, mode and region are required; the rest has defaults.",
        **schema,
    }
