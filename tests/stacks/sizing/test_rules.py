"""Cross-field rules, one by one, through the loader so positions are checked too."""

import pytest
from pydantic import ValidationError

from deepseek_deploy.stacks.sizing.deployment import resolve_text as load_text
from deepseek_deploy.stacks.spec.loader import SpecError

from ...conftest import MINIMAL


def problems(text: str) -> list:
    try:
        return list(load_text(text, "s.yaml").warnings)
    except SpecError as error:
        return error.diagnostics


def messages(text: str, *, warnings: bool = True) -> list[str]:
    return [
        f"{d.severity}:{d.line}:{d.column}:{d.message}" for d in problems(text) if warnings or d.severity == "error"
    ]


def test_r1_cannot_turn_off_cross_region():
    found = messages(MINIMAL["serverless"] + "serverless:\n  cross_region: false\n")
    assert len(found) == 1 and found[0].startswith("error:6:17:") and "us.deepseek.r1-v1:0" in found[0]


def test_v3_has_no_cross_region_profile():
    found = messages("name: bot\nmodel: v3\nmode: serverless\nregion: us-east-1\nserverless:\n  cross_region: true\n")
    assert len(found) == 1 and "no cross-region inference profile" in found[0]


def test_guardrail_enforce_is_refused_for_marketplace_and_self_hosted_with_a_reason():
    market = messages(MINIMAL["marketplace"] + "guardrail:\n  enforce: true\n")
    assert len(market) == 1 and "ApplyGuardrail" in market[0] and market[0].startswith("error:6:12:")
    hosted = messages(MINIMAL["self-hosted"] + "guardrail:\n  enforce: true\n")
    assert len(hosted) == 1 and "Bedrock-hosted" in hosted[0]


def test_guardrail_defaults_on_for_bedrock_modes_and_off_for_self_hosted():
    assert load_text(MINIMAL["serverless"]).spec.guardrail_enabled
    assert load_text(MINIMAL["custom-import"]).spec.effective_guardrail.content_filters.prompt_attack == "high"
    assert not load_text(MINIMAL["self-hosted"]).spec.guardrail_enabled
    assert not load_text(MINIMAL["serverless"] + "guardrail: false\n").spec.guardrail_enabled
    assert load_text(MINIMAL["self-hosted"] + "guardrail: true\n").spec.guardrail_enabled


def test_an_explicit_kms_key_on_an_nvme_instance_is_refused():
    text = MINIMAL["marketplace"] + "endpoint:\n  kms_key: arn:aws:kms:us-west-2:123456789012:key/abc-123\n"
    found = messages(text)
    assert len(found) == 1 and "local NVMe" in found[0] and "kms_key: auto" in found[0]
    assert problems(MINIMAL["marketplace"] + "endpoint:\n  kms_key: auto\n") == []


def test_marketplace_instance_type_needs_the_ml_prefix_and_must_be_known():
    assert (
        "did you mean 'ml.p4d.24xlarge'?"
        in messages(MINIMAL["marketplace"] + "endpoint:\n  instance_type: p4d.24xlarge\n")[0]
    )
    assert (
        "did you mean 'ml.p4d.24xlarge'?"
        in messages(MINIMAL["marketplace"] + "endpoint:\n  instance_type: ml.p4d.24xlarg\n")[0]
    )


def test_a_fitting_instance_outside_the_offer_is_a_warning():
    found = messages(MINIMAL["marketplace"] + "endpoint:\n  instance_type: ml.p5.48xlarge\n")
    assert len(found) == 1 and found[0].startswith("warning:") and "may reject it" in found[0]


@pytest.mark.parametrize(
    "section, expected",
    [
        ("endpoint:\n  autoscaling: {min: 3, max: 2}\n", "min (3) is larger than max (2)"),
        ("endpoint:\n  instance_count: 5\n  autoscaling: {min: 1, max: 2}\n", "outside autoscaling min..max (1..2)"),
    ],
)
def test_marketplace_scaling_ranges(section, expected):
    assert any(expected in m for m in messages(MINIMAL["marketplace"] + section))


def test_self_hosted_ranges():
    found = messages(MINIMAL["self-hosted"] + "serving:\n  autoscaling: {min: 4, max: 1}\n")
    assert any("serving autoscaling: min (4) is larger than max (1)" in m for m in found)


def test_a_created_cluster_and_a_kubeconfig_are_exclusive():
    found = messages(MINIMAL["self-hosted"] + "cluster:\n  create: eks\n  kubeconfig: ~/.kube/config\n", warnings=False)
    assert len(found) == 1 and "not both" in found[0]


def test_r1_on_one_h100_node_asks_for_more_nodes():
    text = (
        "name: bot\nmodel: r1\nmode: self-hosted\nregion: us-east-1\ncluster:\n  create: eks\n  node_instance_type: "
        "p5.48xlarge\n  nodes: {min: 1, max: 1}\n"
    )
    found = messages(text, warnings=False)
    assert len(found) == 1 and "spans 2 x p5.48xlarge" in found[0] and "p5en.48xlarge" in found[0]


def test_a_70b_distill_on_one_24_gib_gpu_names_hardware_that_fits():
    found = messages(
        MINIMAL["self-hosted"].replace("distill-qwen-7b", "distill-llama-70b")
        + "serving:\n  gpu: {type: A10G, count: 1}\n"
    )
    assert len(found) == 1 and "does not fit on 1 x A10G" in found[0] and "g6.48xlarge" in found[0]


def test_too_small_node_instance_on_a_created_cluster():
    text = (
        MINIMAL["self-hosted"].replace("distill-qwen-7b", "distill-llama-70b")
        + "cluster:\n  create: eks\n  node_instance_type: g6.xlarge\n  nodes: {min: 1, max: 1}\n"
    )
    found = messages(text, warnings=False)
    assert len(found) == 1 and "g6.xlarge" in found[0]


def test_sagemaker_names_are_refused_for_eks_nodes():
    found = messages(
        MINIMAL["self-hosted"] + "cluster:\n  create: eks\n  node_instance_type: ml.g6.2xlarge\n", warnings=False
    )
    assert "EKS nodes use EC2 names such as 'g6.2xlarge'" in found[0]


def test_gpu_type_must_match_the_created_node_type():
    found = messages(
        MINIMAL["self-hosted"]
        + "cluster:\n  create: eks\n  node_instance_type: g6.2xlarge\nserving:\n  gpu: {type: H100}\n",
        warnings=False,
    )
    assert len(found) == 1 and "has L4 GPUs, not H100" in found[0]


def test_r1_on_a100_is_refused_for_lack_of_fp8():
    found = messages(
        "name: bot\nmodel: r1\nmode: self-hosted\nregion: us-west-2\nserving:\n  gpu: {type: A100-80GB, count: 8}\n"
    )
    assert any("native FP8" in m for m in found)


def test_unpinned_images_are_refused():
    found = messages(MINIMAL["self-hosted"] + "serving:\n  image: vllm/vllm-openai:latest\n")
    assert len(found) == 1 and "not pinned" in found[0]
    assert (
        problems(MINIMAL["self-hosted"] + "serving:\n  image: registry.example.com:5000/vllm@sha256:" + "a" * 64 + "\n")
        == []
    )


def test_a_world_open_api_endpoint_is_refused():
    found = messages(
        MINIMAL["self-hosted"] + "cluster:\n  create: eks\n  endpoint_public_cidrs: [0.0.0.0/0]\n", warnings=False
    )
    assert len(found) == 1 and "whole internet" in found[0]


def test_log_retention_must_be_a_cloudwatch_value():
    found = messages(MINIMAL["serverless"] + "observability:\n  log_retention_days: 10\n")
    assert len(found) == 1 and "nearest it accepts is 7" in found[0]


def test_tags_are_stringified_and_reserved_prefixes_refused():
    spec = load_text(MINIMAL["serverless"] + "tags: {cost-center: 4711, billable: true}\n").spec
    assert spec.tags == {"cost-center": "4711", "billable": "true"}
    assert "reserved prefix" in messages(MINIMAL["serverless"] + "tags: {'aws:x': y}\n")[0]


def test_empty_sections_mean_defaults():
    spec = load_text(MINIMAL["self-hosted"] + "cluster:\nserving:\n  autoscaling:\n").spec
    assert spec.cluster.create is None and spec.serving.replicas == 1 and spec.serving.autoscaling is None


def test_custom_import_defaults_weights_to_the_hugging_face_repo():
    deployment = load_text(MINIMAL["custom-import"])
    assert deployment.weights_source == "hf://deepseek-ai/DeepSeek-R1-Distill-Llama-8B"


def test_weights_source_schemes():
    assert "unsupported scheme" in messages(MINIMAL["custom-import"] + "weights:\n  source: gs://bucket/x\n")[0]
    assert "not an S3 URI" in messages(MINIMAL["custom-import"] + "weights:\n  source: s3://B\n")[0]


def test_specs_are_immutable():
    spec = load_text(MINIMAL["serverless"]).spec
    with pytest.raises(ValidationError, match="frozen"):
        spec.name = "other"


def test_a_guardrail_that_checks_nothing_is_refused():
    off = (
        "guardrail:\n  content_filters: {hate: none, insults: none, sexual: none, violence: none, misconduct: none, "
        "prompt_attack: none}\n"
    )
    found = messages(MINIMAL["serverless"] + off)
    assert len(found) == 1 and "checks nothing" in found[0] and found[0].startswith("error:5:1:")
    assert problems(MINIMAL["serverless"] + off + "  pii: {EMAIL: block}\n") == []


def test_created_clusters_warn_about_a_private_endpoint_and_extended_support():
    base = MINIMAL["self-hosted"] + "cluster:\n  create: eks\n"
    found = messages(base + "  kubernetes_version: '1.33'\n")
    assert any(m.startswith("warning:") and "extended support" in m for m in found)
    assert any(m.startswith("warning:") and "API is private" in m for m in found)
    quiet = messages(base + "  endpoint_public_cidrs: [203.0.113.0/24]\n")
    assert quiet == []


def test_a_shared_cache_on_an_existing_cluster_needs_a_class_at_validate():
    text = MINIMAL["self-hosted"] + "serving:\n  weights_cache:\n    volume: shared\n"
    found = messages(text)
    assert len(found) == 1 and found[0].startswith("error:7:13:") and "ReadWriteMany" in found[0]
    assert problems(text + "    storage_class: efs-sc\n") == []
