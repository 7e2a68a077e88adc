"""The JSON Schema of the spec, for editors (`deploy schema`).

It states exactly the loader's structure (tests/fuzz/test_schema_agreement.py proves it on generated
documents): what the schema refuses, the loader refuses. The rules it cannot state (`fields.rule`),
the catalog and the capacity planner then refuse more.
"""

from __future__ import annotations

from typing import Any


def _allow_empty(body: dict[str, Any]) -> dict[str, Any]:
    """An optional section or list may be left empty (null): the loader reads that as its defaults."""
    if "$ref" in body:
        rest = {k: v for k, v in body.items() if k != "$ref"}
        return {**rest, "anyOf": [{"$ref": body["$ref"]}, {"type": "null"}]}
    if body.get("type") in ("object", "array"):
        return {**body, "type": [body["type"], "null"]}
    return body


def spec_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a spec, with the catalog's model names and regions as enums."""
    from pydantic import TypeAdapter

    from .. import catalog
    from .models import DeploymentSpec, model_names

    schema = TypeAdapter(DeploymentSpec).json_schema(mode="validation")
    regions = list(catalog.load().aws_regions)
    for definition in schema.get("$defs", {}).values():
        properties = definition.get("properties", {})
        for key, body in properties.items():
            if key not in definition.get("required", ()):
                properties[key] = _allow_empty(body)
        if "model" in properties and "mode" in properties:
            properties["model"]["enum"] = model_names()
            properties["region"]["enum"] = regions
            # `guardrail: false` turns the guardrail off, `guardrail: true` keeps the defaults.
            properties["guardrail"]["anyOf"].insert(1, {"type": "boolean"})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "deepseek-deploy spec",
        "description": "One DeepSeek deployment: name, model, mode and region are required; the rest has defaults.",
        **schema,
    }
