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
