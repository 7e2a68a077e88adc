"""The gateway spec (`kind: gateway`, issue 13): structure, cross-field rules and warnings, each at FILE:LINE:COL."""

import pytest

from deepseek_deploy.stacks.spec.gateway import GatewaySpec
from deepseek_deploy.stacks.spec.loader import LoadedGateway, LoadedSpec, SpecError, load_any_text, load_text

from ...conftest import MINIMAL, REPO

GATEWAY = """\
kind: gateway
name: gw
region: us-west-2
tiers:
  fast: fast.yaml
  reasoning: reasoning.yaml
routing:
  strategy: classifier
  default: fast
  escalate_to: reasoning
host:
  platform: kubernetes
"""


def load(text: str) -> LoadedGateway:
    loaded = load_any_text(text, "gw.yaml")
    assert isinstance(loaded, LoadedGateway)
    return loaded


def refused(text: str) -> list:
    with pytest.raises(SpecError) as raised:
        load_any_text(text, "gw.yaml")
    return raised.value.errors


def only(text: str):
    errors = refused(text)
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


def at(diagnostic) -> tuple[int, int]:
    return diagnostic.line, diagnostic.column


def test_the_minimal_gateway_loads_with_its_defaults():
    loaded = load(GATEWAY)
    spec = loaded.spec
    assert isinstance(spec, GatewaySpec) and loaded.warnings == ()
    assert spec.tiers == {"fast": "fast.yaml", "reasoning": "reasoning.yaml"}
    assert spec.routing.threshold == "auto" and spec.routing.header_override is True and spec.routing.fallbacks == {}
    assert spec.host.replicas == 2 and spec.host.namespace is None
    assert spec.access.api_keys == ["default"]
    assert spec.effective_guardrail is not None and spec.observability.request_logs is True


def test_the_hybrid_example_loads():
    path = REPO / "examples" / "hybrid" / "assistant.yaml"
    spec = load(path.read_text()).spec
    assert list(spec.tiers) == ["fast", "reasoning"] and spec.routing.fallbacks == {"reasoning": ["fast"]}
    assert spec.access.api_keys == ["backend", "batch"]


def test_guardrail_false_turns_it_off_at_the_gateway():
    assert load(GATEWAY + "guardrail: false\n").spec.effective_guardrail is None


# ---------------------------------------------------------------- kinds


def test_a_single_deployment_may_say_kind_deployment():
    loaded = load_any_text("kind: deployment\n" + MINIMAL["serverless"])
    assert isinstance(loaded, LoadedSpec) and loaded.spec.mode == "serverless"
    assert "kind" not in loaded.spec.model_dump()


def test_an_unknown_kind_suggests_the_closest():
    error = only(GATEWAY.replace("kind: gateway", "kind: gatway"))
    assert at(error) == (1, 7)
    assert "kind: 'gatway' is not a kind; did you mean 'gateway'?" in error.message


def test_a_gateway_where_a_deployment_is_needed_is_an_error_at_kind():
    with pytest.raises(SpecError) as raised:
        load_text(GATEWAY, "gw.yaml")
    error = raised.value.errors[0]
    assert at(error) == (
        1,
        7,
    ) and "this is a gateway spec, and this command takes the spec of a single deployment" in str(error)


def test_gateway_keys_in_a_deployment_say_where_they_belong():
    error = only(MINIMAL["serverless"] + "tiers: {fast: a.yaml}\n")
    assert at(error) == (5, 1) and "'tiers' belongs to a gateway spec; add kind: gateway" in error.message


def test_deployment_keys_in_a_gateway_say_where_they_belong():
    error = only(GATEWAY + "model: r1\n")
    assert at(error) == (13, 1)
    assert "'model' belongs to a single deployment's spec; a gateway names such specs under tiers" in error.message


# ---------------------------------------------------------------- structure


def test_an_unknown_key_suggests_the_closest_in_its_section():
    error = only(GATEWAY.replace("  default: fast", "  defualt: fast\n  default: fast"))
    assert at(error) == (9, 3) and "unknown key 'defualt' in routing; did you mean 'default'?" in error.message


def test_the_region_must_be_a_catalog_region():
    error = only(GATEWAY.replace("us-west-2", "us-wset-2"))
    assert at(error) == (3, 9) and "'us-wset-2' is not an AWS region; did you mean 'us-west-2'?" in error.message


def test_routing_host_and_tiers_are_required():
    messages = sorted(e.message for e in refused("kind: gateway\nname: gw\nregion: us-west-2\n"))
    assert [m.split(":")[0] for m in messages] == [
        "missing required key 'host'",
        "missing required key 'routing'",
        "missing required key 'tiers'",
    ]


def test_a_tier_name_is_dns_label_like():
    error = only(GATEWAY.replace("  fast: fast.yaml", "  Fast_1: fast.yaml\n  fast: fast.yaml"))
    assert at(error) == (5, 3) and "'Fast_1' is not a tier name" in error.message


@pytest.mark.parametrize(
    ("threshold", "words"),
    [("1.5", "of at most 1"), ("high", "expected a number"), ("-0.1", "of at least 0"), ("true", "got true/false")],
)
def test_the_threshold_is_a_number_in_0_1_or_auto(threshold, words):
    error = only(GATEWAY.replace("  escalate_to: reasoning", f"  escalate_to: reasoning\n  threshold: {threshold}"))
    assert at(error) == (11, 14) and words in error.message and "'auto'" in error.message


@pytest.mark.parametrize("strategy", ["classifier", "cascade"])
def test_escalate_to_is_required_where_requests_escalate(strategy):
    text = GATEWAY.replace("  escalate_to: reasoning\n", "").replace("classifier", strategy)
    error = only(text)
    assert at(error) == (8, 13) and error.stage == "structure"
    assert f"routing.strategy: {strategy} sends hard requests to another tier: add escalate_to naming it " in (
        error.message
    )
    assert "escalate_to: reasoning" in error.message and "or use strategy: fixed" in error.message


def test_fixed_needs_no_escalate_to_and_warns_when_given_one():
    assert load(GATEWAY.replace("  escalate_to: reasoning\n", "").replace("classifier", "fixed")).warnings == ()
    warning = load(GATEWAY.replace("classifier", "fixed")).warnings[0]
    assert at(warning) == (10, 16) and warning.severity == "warning"
    assert "escalate_to applies to strategy classifier or cascade; with fixed it is ignored" in warning.message


@pytest.mark.parametrize("strategy", ["cascade", "fixed"])
def test_a_threshold_outside_classifier_is_ignored_with_a_warning(strategy):
    text = GATEWAY.replace("classifier", strategy).replace("  escalate_to: reasoning", "  threshold: 0.4")
    if strategy == "cascade":
        text = text.replace("  threshold: 0.4", "  escalate_to: reasoning\n  threshold: 0.4")
    warnings = [w for w in load(text).warnings if "threshold" in w.message]
    assert len(warnings) == 1 and warnings[0].severity == "warning"
    assert f"routing.threshold applies to strategy classifier; with {strategy} it is ignored" in warnings[0].message
    assert warnings[0].column == 14


def test_the_network_belongs_to_ecs_fargate():
    error = only(GATEWAY + "  network: {subnet_ids: [subnet-0123456789abcdef0]}\n")
    assert at(error) == (13, 3) and error.stage == "structure"
    assert "host.network applies to platform ecs-fargate, but this gateway's host.platform is kubernetes" in (
        error.message
    )


def test_kubernetes_settings_do_not_belong_to_ecs_fargate():
    text = GATEWAY.replace("kubernetes", "ecs-fargate") + "  kubeconfig: ~/.kube/config\n  namespace: gw\n"
    errors = refused(text)
    assert [at(e) for e in errors] == [(13, 3), (14, 3)]
    assert "host.kubeconfig applies to platform kubernetes" in errors[0].message


def test_ecs_fargate_with_its_subnets_loads():
    text = GATEWAY.replace("kubernetes", "ecs-fargate")
    text += "  network: {subnet_ids: [subnet-0123456789abcdef0], vpc_id: vpc-0123456789abcdef0}\n"
    assert load(text).spec.host.network.vpc_id == "vpc-0123456789abcdef0"


def test_api_keys_are_unique():
    error = only(GATEWAY + "access:\n  api_keys: [backend, batch, backend]\n")
    assert at(error) == (14, 30) and error.stage == "structure"
    assert "access.api_keys: 'backend' is listed twice (first at line 14); each key needs its own name" in error.message


@pytest.mark.parametrize(
    ("keys", "words", "column"),
    [("[Backend]", "'Backend' is not an API key name", 14), ("[]", "at least 1 item", 13), ("[-x]", "not an API", 14)],
)
def test_api_key_names_are_dns_labels_and_there_is_one_at_least(keys, words, column):
    error = only(GATEWAY + f"access:\n  api_keys: {keys}\n")
    assert at(error) == (14, column) and words in error.message


# ---------------------------------------------------------------- rules: names of declared tiers


def test_the_default_must_be_a_declared_tier():
    error = only(GATEWAY.replace("default: fast", "default: fsat"))
    assert at(error) == (9, 12) and error.stage == "rule"
    assert error.message == (
        "routing.default: 'fsat' is not a tier of this gateway; did you mean 'fast'? Tiers: fast, reasoning"
    )


def test_escalate_to_must_be_a_declared_tier_other_than_the_default():
    error = only(GATEWAY.replace("escalate_to: reasoning", "escalate_to: reasonign"))
    assert at(error) == (10, 16) and "did you mean 'reasoning'?" in error.message
    error = only(GATEWAY.replace("escalate_to: reasoning", "escalate_to: fast"))
    assert at(error) == (10, 16) and "routing.escalate_to: 'fast' is the default tier; name another tier" in (
        error.message
    )


def test_fallbacks_name_declared_tiers():
    text = GATEWAY + "  fallbacks:\n    reasoning: [fast, fast, reasoning, slow]\n    fsat: [reasoning]\n"
    text = text.replace("host:\n  platform: kubernetes\n", "") + "host:\n  platform: kubernetes\n"
    errors = refused(text)
    assert [(at(e), e.message) for e in errors] == [
        ((12, 23), "routing.fallbacks.reasoning[1]: 'fast' is listed twice"),
        ((12, 29), "routing.fallbacks.reasoning[2]: 'reasoning' cannot fall back to itself; name another tier"),
        ((12, 40), "routing.fallbacks.reasoning[3]: 'slow' is not a tier of this gateway. Tiers: fast, reasoning"),
        (
            (13, 5),
            "routing.fallbacks: 'fsat' is not a tier of this gateway; did you mean 'fast'? Tiers: fast, reasoning",
        ),
    ]
    assert all(e.stage == "rule" for e in errors)


def test_two_tiers_cannot_share_a_spec_file():
    error = only(GATEWAY.replace("reasoning: reasoning.yaml", "reasoning: ./fast.yaml"))
    assert at(error) == (6, 14) and "tiers.reasoning: './fast.yaml' is also tier 'fast'" in error.message


def test_the_cascade_pattern_must_compile_and_is_ignored_elsewhere():
    pattern = "  escalate_to: reasoning\n  pattern: '(unclosed'"
    error = only(GATEWAY.replace("  escalate_to: reasoning", pattern).replace("classifier", "cascade"))
    assert at(error) == (11, 12) and "routing.pattern: not a regular expression (Python syntax): missing )" in (
        error.message
    )
    pattern = "  escalate_to: reasoning\n  pattern: '^[0-9]+$'"
    warning = load(GATEWAY.replace("  escalate_to: reasoning", pattern)).warnings
    assert [(at(w), w.message) for w in warning] == [
        ((11, 12), "routing.pattern applies to strategy cascade; with classifier it is ignored")
    ]


def test_a_key_pasted_as_an_api_key_name_is_not_echoed():
    token = "sk-" + "A1b2C3d4E5f6G7h8I9j0K1l2"
    error = only(GATEWAY + f"access:\n  api_keys: [{token}]\n")
    assert at(error) == (14, 14) and token not in str(error)
    assert "this is an API key itself; api_keys lists names (such as backend)" in error.message
