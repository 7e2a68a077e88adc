"""The published JSON Schema agrees with the loader on what a spec is."""

import jsonschema
import pytest
import yaml

from deepseek_deploy.stacks.spec.schema import spec_json_schema

from ...conftest import EXAMPLES

SCHEMA = spec_json_schema()


def test_the_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_validates_against_the_schema(path):
    jsonschema.validate(yaml.safe_load(path.read_text()), SCHEMA)


@pytest.mark.parametrize(
    "spec",
    [
        {"name": "bot", "model": "r1", "mode": "serverless", "region": "us-west-2", "regoin": "x"},
        {"name": "bot", "model": "deepseek-r2", "mode": "serverless", "region": "us-west-2"},
        {"name": "bot", "model": "r1", "mode": "serverless", "region": "mars-1"},
        {"name": "bot", "model": "r1", "mode": "serverless"},
        {"name": "bot", "model": "r1", "mode": "serverless", "region": "us-west-2", "endpoint": {}},
    ],
)
def test_the_schema_rejects_what_the_loader_rejects(spec):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(spec, SCHEMA)


def test_every_property_is_described_for_editors():
    undocumented = [
        f"{name}.{prop}"
        for name, definition in SCHEMA["$defs"].items()
        for prop, body in definition.get("properties", {}).items()
        if not body.get("description")
    ]
    assert undocumented == []


def test_empty_sections_and_numeric_tags_are_valid_in_both():
    text = (
        "name: bot\nmodel: r1\nmode: serverless\nregion: us-west-2\ntags: {cc: 4711}\nobservability:\naccess:\n  "
        "invoke_principals:\n"
    )
    jsonschema.validate(yaml.safe_load(text), SCHEMA)
    from deepseek_deploy.stacks.spec.loader import load_text

    assert load_text(text).spec.tags == {"cc": "4711"}


# Draft 2020-12's keywords (core, applicator, validation, meta-data) and OpenAPI's `discriminator`, which
# validators ignore. A pydantic constraint the schema generator does not translate shows up as an unknown key
# (`ge`, `le`) that no validator checks: then the schema would accept what the loader refuses.
KEYWORDS = {
    *("$schema", "$defs", "$ref", "title", "description", "default", "examples", "discriminator"),
    *("type", "enum", "const", "anyOf", "oneOf", "allOf", "not", "if", "then", "else"),
    *("properties", "required", "additionalProperties", "propertyNames", "maxProperties", "minProperties"),
    *("items", "minItems", "maxItems", "uniqueItems", "minLength", "maxLength", "pattern"),
    *("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
}


def subschemas(schema, where="#"):
    """Every (location, subschema) of the schema."""
    yield where, schema
    for key, value in schema.items():
        if key in ("properties", "$defs"):
            for name, body in value.items():
                yield from subschemas(body, f"{where}/{key}/{name}")
        elif key in ("items", "not", "propertyNames", "additionalProperties") and isinstance(value, dict):
            yield from subschemas(value, f"{where}/{key}")
        elif key in ("anyOf", "oneOf", "allOf"):
            for index, body in enumerate(value):
                yield from subschemas(body, f"{where}/{key}/{index}")


def test_the_schema_uses_only_json_schema_keywords():
    unknown = {f"{where}: {key}" for where, body in subschemas(SCHEMA) for key in body if key not in KEYWORDS}
    assert unknown == set()


def test_every_pattern_refuses_a_trailing_newline():
    """Python's `re` (jsonschema's engine, and the loader's) lets `$` match before a final newline."""
    patterns = [body["pattern"] for _, body in subschemas(SCHEMA) if "pattern" in body]
    assert len(patterns) > 15
    assert [p for p in patterns if "$" in p and not p.endswith("$(?!\\n)")] == []


def test_guardrail_shorthands_and_lowercase_models_are_in_the_schema():
    base = {"name": "bot", "model": "r1", "mode": "serverless", "region": "us-west-2"}
    jsonschema.validate({**base, "guardrail": False}, SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**base, "model": "R1"}, SCHEMA)
