"""`deploy schema` covers both kinds of spec: a single deployment (by `mode`) and a gateway (`kind: gateway`)."""

import jsonschema
import pytest
import yaml

from ..conftest import EXAMPLES, REPO

HYBRID = sorted((REPO / "examples" / "hybrid").glob("*.yaml"))


@pytest.fixture(scope="module")
def validator():
    from deepseek_deploy.stacks.spec.schema import spec_json_schema

    schema = spec_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_published_schema_selects_the_gateway_by_kind(cli):
    schema = cli("schema").json()
    assert schema["if"] == {"properties": {"kind": {"const": "gateway"}}, "required": ["kind"]}
    assert schema["then"] == {"$ref": "#/$defs/GatewaySpec"}
    assert "oneOf" in schema["else"]
    gateway = schema["$defs"]["GatewaySpec"]
    assert gateway["required"] == ["kind", "name", "region", "tiers", "routing", "host"]
    assert "us-west-2" in gateway["properties"]["region"]["enum"]


@pytest.mark.parametrize("path", [*EXAMPLES, *HYBRID], ids=lambda p: p.name)
def test_every_example_of_either_kind_is_valid(validator, path):
    validator.validate(yaml.safe_load(path.read_text()))


GATEWAY = {
    "kind": "gateway",
    "name": "gw",
    "region": "us-west-2",
    "tiers": {"fast": "a.yaml", "reasoning": "b.yaml"},
    "routing": {"strategy": "classifier", "default": "fast", "escalate_to": "reasoning"},
    "host": {"platform": "kubernetes"},
}


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "gatway"},
        {"mode": "serverless"},
        {"routing": {"strategy": "cascade", "default": "fast"}},
        {"routing": {"strategy": "classifier", "default": "fast", "escalate_to": "reasoning", "threshold": 2}},
        {"host": {"platform": "kubernetes", "network": {"subnet_ids": ["subnet-0123456789abcdef0"]}}},
        {"host": {"platform": "ecs-fargate", "namespace": "gw"}},
        {"access": {"api_keys": ["a", "a"]}},
        {"access": {"api_keys": []}},
        {"tiers": {"Fast": "a.yaml"}},
        {"tiers": {}},
    ],
)
def test_the_schema_refuses_what_the_gateway_loader_refuses(validator, change):
    assert not validator.is_valid({**GATEWAY, **change})


def test_a_single_deployment_may_name_its_kind(validator):
    spec = {"kind": "deployment", "name": "bot", "model": "r1", "mode": "serverless", "region": "us-west-2"}
    assert validator.is_valid(spec)
    assert not validator.is_valid({**spec, "kind": "gateway"})
    assert validator.is_valid(GATEWAY)
