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


def _defaults_and_catalog(definitions: dict[str, Any], regions: list[str], models: list[str]) -> None:
    """Optional sections may be null; models and regions are the catalog's; `guardrail: true/false` is short."""
    for definition in definitions.values():
        properties = definition.get("properties", {})
        for key, body in properties.items():
            if key not in definition.get("required", ()):
                properties[key] = _allow_empty(body)
        if "region" in properties and "name" in properties:  # a spec of either kind
            properties["region"]["enum"] = regions
            # `guardrail: false` turns the guardrail off, `guardrail: true` keeps the defaults.
            properties["guardrail"]["anyOf"].insert(1, {"type": "boolean"})
        if "model" in properties and "mode" in properties:
            properties["model"]["enum"] = models


def spec_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a spec of either kind, with the catalog's model names and regions as enums.

    `kind: gateway` selects the gateway's schema; any other document is a single deployment, by `mode`.
    """
    from pydantic import TypeAdapter

    from .. import catalog
    from .gateway import GatewaySpec
    from .models import DeploymentSpec, model_names

    deployment = TypeAdapter(DeploymentSpec).json_schema(mode="validation")
    gateway = TypeAdapter(GatewaySpec).json_schema(mode="validation")
    definitions = {**deployment.pop("$defs", {}), **gateway.pop("$defs", {}), "GatewaySpec": gateway}
    _defaults_and_catalog(definitions, list(catalog.load().aws_regions), model_names())
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "deepseek-deploy spec",
        "description": "One DeepSeek deployment (name, model, mode and region are required; the rest has defaults), "
        "or with kind: gateway, one endpoint in front of several deployments.",
        "$defs": definitions,
        "if": {"properties": {"kind": {"const": "gateway"}}, "required": ["kind"]},
        "then": {"$ref": "#/$defs/GatewaySpec"},
        "else": deployment,
    }
