"""Issue 11: values the loader used to accept against the published schema, now refused by both, with messages
that say what is right; secrets never echoed; patterns that refuse a trailing newline."""

import json

import pytest

from deepseek_deploy.stacks.sizing.deployment import resolve_text
from deepseek_deploy.stacks.spec.loader import SpecError, load_text

from ...conftest import MINIMAL

SERVERLESS, SELF_HOSTED = MINIMAL["serverless"], MINIMAL["self-hosted"]
TOKEN = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"


def refusal(text: str) -> SpecError:
    with pytest.raises(SpecError) as raised:
        resolve_text(text, "spec.yaml")
    return raised.value


def message(text: str) -> str:
    return str(refusal(text))


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ("budget: {monthly_usd: '500'}", "budget.monthly_usd: expected a number, got text '500' (write a plain number"),
        ("budget: {monthly_usd: 1e9}", "got text '1e9'"),  # YAML 1.1 reads 1e9 (no dot, no sign) as text
        ("budget: {monthly_usd: .inf}", "expected a finite number"),
        ("budget: {monthly_usd: 1.0e+400}", "expected a finite number"),
        ("budget: {monthly_usd: 1.0e+9}", "of at most 1000000"),
        ("observability: {log_retention_days: '30'}", "expected a whole number, got text '30'"),
        ("observability: {alarms: {p99_latency_ms: 1.0e+20}}", "of at most 3600000"),
        ("observability: {alarms: {error_rate_percent: .nan}}", "expected a finite number"),
        ("observability: {invocation_logs: 'true'}", "expected true or false or 'shared', got text 'true'"),
        ("protect: 'yes'", "protect: expected true or false, got text 'yes'"),
        ("guardrail: {blocked_words: !!set {a, b}}", "guardrail.blocked_words: expected a list"),
        ("tags: {when: 2024-01-01}", "tags.when: expected text"),
        ("tags: {big: 1.0e+300}", "a number tag value must lie within ±10^15"),
    ],
)
def test_loose_types_and_unbounded_numbers_are_refused(extra, words):
    assert words in message(SERVERLESS + extra + "\n")


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ("serving: {weights_cache: {size_gi: 1.0e+9}}", "of at most 16384"),
        ("serving: {replicas: 1.0e+9}", "of at most 100"),
        ("serving: {max_model_len: 1.0e+9}", "expected a number of at most 1048576 or 'auto', got a number"),
        ("serving: {tensor_parallel: '2'}", "expected a whole number or 'auto', got text '2'"),
        ("serving: {gpu_memory_utilization: .inf}", "expected a finite number"),
        ("cluster: {nodes: {max: 1.0e+9}}", "of at most 100"),
    ],
)
def test_sizes_and_thresholds_are_bounded(extra, words):
    assert words in message(SELF_HOSTED + extra + "\n")


def test_whole_numbers_may_be_written_as_floats_and_numbers_as_integers():
    spec = load_text(SERVERLESS + "observability: {log_retention_days: 30.0}\nbudget: {monthly_usd: 500}\n").spec
    assert spec.observability.log_retention_days == 30 and isinstance(spec.observability.log_retention_days, int)
    assert spec.budget.monthly_usd == 500.0


NEWLINE_CASES = [
    ("serverless", 'name: "bot\\n"'),
    ("serverless", 'guardrail: {denied_topics: [{name: "politics\\n", definition: x}]}'),
    ("serverless", 'budget: {monthly_usd: 5, alert_emails: ["ops@example.com\\n"]}'),
    ("serverless", 'access: {invoke_principals: ["arn:aws:iam::123456789012:role/app\\n"]}'),
    ("self-hosted", 'cluster: {create: eks, kubernetes_version: "1.36\\n"}'),
    ("self-hosted", 'cluster: {create: eks, endpoint_public_cidrs: ["203.0.113.0/24\\n"]}'),
    ("self-hosted", 'cluster: {vpc_cidr: "10.42.0.0/16\\n"}'),
    ("self-hosted", 'serving: {namespace: "deepseek\\n"}'),
    ("self-hosted", 'serving: {image: "vllm/vllm-openai:v0.11.0\\n"}'),
    ("self-hosted", 'serving: {hf_token_env: "HF_TOKEN\\n"}'),
    ("self-hosted", 'serving: {weights_cache: {storage_class: "gp3\\n"}}'),
    ("self-hosted", 'serving: {autoscaling: {prometheus_address: "http://p:9090\\n"}}'),
    (
        "self-hosted",
        'serving: {expose: ingress, tls: {certificate_arn: "arn:aws:acm:us-west-2:123456789012:certificate/a\\n"}}',
    ),
]


@pytest.mark.parametrize(("mode", "extra"), NEWLINE_CASES)
def test_a_trailing_newline_does_not_match_a_pattern(mode, extra):
    text = MINIMAL[mode] + extra + "\n"
    if extra.startswith("name:"):
        text = text.replace("name: bot\n", "")
    assert "\\n" in message(text)  # refused, and the newline is shown escaped, on the diagnostic's one line
    load_text(text.replace("\\n", ""))  # without the newline the value is valid


@pytest.mark.parametrize(
    "image",
    [
        "vllm/vllm-openai:latest ",
        "vllm/vllm-openai:LATEST",
        "vllm/vllm-openai:nightly",
        "vllm/vllm-openai:latest-cu124",
        "vllm/vllm-openai",
        "vllm/vllm-openai:stable",
    ],
)
def test_moving_image_tags_are_refused(image):
    assert "serving.image:" in message(SELF_HOSTED + f"serving: {{image: '{image}'}}\n")


@pytest.mark.parametrize(
    "image",
    [
        "vllm/vllm-openai:v0.11.0",
        "registry.example.com:5000/team/vllm:0.10.1-cu128",
        "vllm/vllm-openai@sha256:" + "0a" * 32,
        "vllm/vllm-openai:latest@sha256:" + "0a" * 32,
    ],
)
def test_pinned_images_are_accepted(image):
    assert load_text(SELF_HOSTED + f"serving: {{image: '{image}'}}\n").spec.serving.image == image


@pytest.mark.parametrize("namespace", ["kube-system", "kube-public", "kube-anything", "default", "keda"])
def test_namespaces_of_kubernetes_and_the_add_ons_are_refused(namespace):
    assert "choose one of its own" in message(SELF_HOSTED + f"serving: {{namespace: {namespace}}}\n")


@pytest.mark.parametrize(
    ("cidrs", "words"),
    [
        ("[0.0.0.0/1, 128.0.0.0/1]", "together these ranges open the cluster API to the whole internet"),
        ("[0.0.0.0/0]", "opens the cluster API to the whole internet"),
        ("[10.0.0.1/8]", "'10.0.0.1/8' has host bits set; the network is 10.0.0.0/8"),
        ("['2001:db8::/32']", "is IPv6"),
        ("[203.0.113.7]", "is an address; give a CIDR block such as 203.0.113.7/32"),
    ],
)
def test_the_cluster_api_is_never_open_to_the_world(cidrs, words):
    assert words in message(SELF_HOSTED + f"cluster: {{create: eks, endpoint_public_cidrs: {cidrs}}}\n")


def test_rules_the_schema_cannot_state_are_marked_as_rules():
    error = refusal(SELF_HOSTED + "cluster: {create: eks, endpoint_public_cidrs: [0.0.0.0/1, 128.0.0.0/1]}\n")
    assert [d.stage for d in error.errors] == ["rule"]
    error = refusal(SERVERLESS + "protect: maybe\n")
    assert [d.stage for d in error.errors] == ["structure"]


def test_model_ids_are_lowercase_as_the_schema_lists_them():
    text = SERVERLESS.replace("model: deepseek-r1", "model: DeepSeek-R1")
    assert "unknown model 'DeepSeek-R1'; did you mean 'deepseek-r1'?" in message(text)


# ---------------------------------------------------------------- secrets


def test_a_token_pasted_as_a_value_is_not_echoed():
    text = message(SELF_HOSTED + f"serving: {{replicas: {TOKEN}}}\n")
    assert TOKEN not in text and "hf_…[redacted]" in text and "revoke this one" in text


def test_a_token_pasted_as_hf_token_env_says_what_to_write_instead():
    text = message(SELF_HOSTED + f"serving: {{hf_token_env: {TOKEN}}}\n")
    assert TOKEN not in text and "Hugging Face token itself" in text and "hf_token_env: HF_TOKEN" in text


def test_an_aws_key_is_not_echoed_in_json_either(cli, write_spec):
    path = write_spec(SERVERLESS.replace("region: us-west-2", f"region: {AWS_KEY}"))
    result = cli("validate", path, "--json")
    assert result.code == 2 and AWS_KEY not in result.out
    assert "region: 'AKIA…[redacted]' is not an AWS region" in json.loads(result.out)["errors"][0]["message"]


# ---------------------------------------------------------------- YAML values Python cannot hold


@pytest.mark.parametrize(("value", "words"), [("9" * 5000, "4300 digits"), ("2024-13-45", "month must be in 1..12")])
def test_yaml_values_python_cannot_hold_are_positioned_errors(value, words):
    error = refusal(SERVERLESS + f"tags: {{a: {value}}}\n").errors[0]
    assert (error.line, error.column) == (5, 11) and words in error.message
