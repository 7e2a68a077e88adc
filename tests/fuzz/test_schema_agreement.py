"""One truth for the spec: the loader's structure check (`spec.loader.load_text`) and the JSON Schema that
`deploy schema` publishes give the same verdict on every generated document.

Both kinds of spec take part: single deployments and gateways (`kind: gateway`, whose tier files are not
read here: naming a declared tier, or a file that exists, is a rule).

The schema judges the JSON form of what YAML read: a value JSON cannot hold (NaN, infinity, a date, bytes,
a key that is not text) has no JSON form, so the schema refuses it, and so must the loader. The loader's
verdict is its structural one: a refusal by a rule the schema cannot state (`fields.rule`: a CIDR's host
bits, ranges that together cover the internet, a word listed twice in another case) is not a structural
refusal; the catalog and capacity rules (`sizing`) are not run at all.
"""

from __future__ import annotations

import math
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings

from deepseek_deploy.stacks.spec.loader import SpecError, load_any_text
from deepseek_deploy.stacks.spec.schema import spec_json_schema
from deepseek_deploy.stacks.spec.yaml_source import YamlSyntaxError, parse

from .harness import FIGURES, examples, long_run
from .strategies import FromSchema, mutated_examples, to_yaml

SCHEMA = spec_json_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
DOCUMENTS = FromSchema(SCHEMA)(SCHEMA)
SETTINGS = settings(
    max_examples=examples() // 2,  # two generators
    deadline=None,
    derandomize=not long_run(),
    database=None,
    suppress_health_check=list(HealthCheck),
)

pytestmark = pytest.mark.fuzz


class NotJson(Exception):
    pass


def json_form(value: Any) -> Any:
    """The JSON document YAML's data stands for; NotJson when JSON cannot hold it."""
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise NotJson("a key that is not text")
        return {key: json_form(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_form(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        raise NotJson("a number that is not finite")
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise NotJson(f"a {type(value).__name__}")


def schema_accepts(data: Any) -> bool:
    try:
        document = json_form(data)
    except NotJson:
        return False
    return VALIDATOR.is_valid(document)


def loader_accepts(text: str) -> tuple[bool, list[str]]:
    """The loader's structural verdict, and its structural messages."""
    try:
        load_any_text(text, "spec.yaml")
    except SpecError as error:
        structural = [str(d) for d in error.errors if d.stage == "structure"]
        return not structural, structural
    return True, []


def check_agreement(text: str, name: str) -> None:
    try:
        data, _ = parse(text)
    except YamlSyntaxError:  # YAML the loader refuses before any schema could see it (a duplicate key, ...)
        assert not loader_accepts(text)[0]
        FIGURES.add(name, 0.0, 0.0, "refused as YAML")
        return
    by_schema = schema_accepts(data)
    by_loader, messages = loader_accepts(text)
    errors = [] if by_schema else [e.message for e in VALIDATOR.iter_errors(json_form_or_none(data))][:3]
    assert by_schema == by_loader, {"schema": by_schema, "loader": messages, "schema errors": errors, "text": text}
    FIGURES.add(name, 0.0, 0.0, "both accept" if by_schema else "both refuse")


def json_form_or_none(data: Any) -> Any:
    try:
        return json_form(data)
    except NotJson:
        return None


@SETTINGS
@given(DOCUMENTS)
def test_documents_generated_from_the_schema(document):
    check_agreement(to_yaml(document), "agreement: generated from the schema")


@SETTINGS
@given(mutated_examples())
def test_mutations_of_the_examples(document):
    check_agreement(to_yaml(document), "agreement: mutated examples")


@pytest.mark.parametrize(
    "extra",
    [
        "budget: {monthly_usd: .inf}",
        "budget: {monthly_usd: 1.0e+9}",
        "budget: {monthly_usd: '500'}",
        "observability: {log_retention_days: 30.0}",
        "observability: {log_retention_days: '30'}",
        "protect: 'yes'",
        "tags: {a: .nan}",
        "tags: {1: x}",
        "tags: {aws:x: y}",
        "tags: {when: 2024-01-01}",
        "guardrail: false",
        "guardrail: {blocked_words: !!set {a, b}}",
        "access: {invoke_principals: ['arn:aws:iam::123456789012:role/app\\n']}",
        'name2: "x"',
        "1: x",
        "true: x",
        "serving: {replicas: 2}",
    ],
)
def test_the_issues_cases_agree(extra):
    check_agreement("name: bot\nmodel: r1\nmode: serverless\nregion: us-west-2\n" + extra + "\n", "agreement: cases")


@pytest.mark.parametrize("namespace", ["kube-system", "kube-anything", "default", "keda", "deepseek", "Deepseek"])
def test_namespaces_agree(namespace):
    text = "name: bot\nmodel: distill-qwen-7b\nmode: self-hosted\nregion: us-west-2\n"
    check_agreement(text + f"serving: {{namespace: {namespace}}}\n", "agreement: cases")


GATEWAY = (
    "kind: gateway\nname: gw\nregion: us-west-2\ntiers: {fast: a.yaml, reasoning: b.yaml}\n"
    "routing: {strategy: classifier, default: fast, escalate_to: reasoning}\nhost: {platform: kubernetes}\n"
)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("", ""),
        ("escalate_to: reasoning", "threshold: 0.5"),
        ("escalate_to: reasoning", "escalate_to: null"),
        ("strategy: classifier, ", "strategy: fixed, "),
        ("strategy: classifier, ", "strategy: cascade, pattern: '^[0-9]+$', "),
        ("strategy: classifier, ", ""),
        ("strategy: classifier, ", "strategy: clasifier, "),
        ("escalate_to: reasoning", "escalate_to: reasoning, threshold: 1.5"),
        ("escalate_to: reasoning", "escalate_to: reasoning, threshold: true"),
        ("escalate_to: reasoning", "escalate_to: reasoning, threshold: auto"),
        ("escalate_to: reasoning", "escalate_to: slow, fallbacks: {slow: [fast]}"),
        ("{platform: kubernetes}", "{platform: kubernetes, network: {subnet_ids: [subnet-0123456789abcdef0]}}"),
        ("{platform: kubernetes}", "{platform: kubernetes, network: null, namespace: gw}"),
        ("{platform: kubernetes}", "{platform: ecs-fargate, namespace: gw}"),
        ("{platform: kubernetes}", "{platform: ecs-fargate, network: {subnet_ids: [subnet-0123456789abcdef0]}}"),
        ("{platform: kubernetes}", "{platform: ecs-fargate, kubeconfig: null, replicas: 3.0}"),
        ("{platform: kubernetes}", "{platform: [kubernetes], network: {}}"),
        ("{platform: kubernetes}", "{platform: {a: 1}}\naccess: {api_keys: [[a], [a], {b: 1}]}"),
        ("strategy: classifier, ", "strategy: [classifier], "),
        ("{platform: kubernetes}", "{platform: kubernetes}\naccess: {api_keys: [a, b, a]}"),
        ("{platform: kubernetes}", "{platform: kubernetes}\naccess: {api_keys: []}"),
        ("{platform: kubernetes}", "{platform: kubernetes}\naccess: {api_keys: [Backend]}"),
        ("{platform: kubernetes}", "{platform: kubernetes}\naccess:\nobservability:\nguardrail: false"),
        ("{platform: kubernetes}", "{platform: kubernetes}\nobservability: {invocation_logs: true}"),
        ("{platform: kubernetes}", "{platform: kubernetes}\nguardrail: {blocked_words: [a, A]}"),
        ("{platform: kubernetes}", "{platform: kubernetes}\nmodel: r1"),
        ("{fast: a.yaml, reasoning: b.yaml}", "{Fast: a.yaml, reasoning: b.yaml}"),
        ("{fast: a.yaml, reasoning: b.yaml}", "{}"),
        ("kind: gateway", "kind: gatway"),
        ("kind: gateway", "kind: deployment"),
        ("kind: gateway", "kind: null"),
    ],
)
def test_gateway_cases_agree(old, new):
    check_agreement(GATEWAY.replace(old, new), "agreement: cases")


@pytest.mark.parametrize("kind", ["kind: deployment\n", "kind: gateway\n", "kind: 1\n", "tiers: {a: b.yaml}\n"])
def test_kinds_of_a_single_deployment_agree(kind):
    check_agreement("name: bot\nmodel: r1\nmode: serverless\nregion: us-west-2\n" + kind, "agreement: cases")
