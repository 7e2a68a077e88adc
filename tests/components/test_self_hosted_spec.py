"""The spec fields that feed the exposure and the weights cache (serving.public, source_ranges, tls,
weights_cache.volume, cluster.vpc_cidr): described for `deploy schema`/`init`, and checked with messages
that say how to fix the spec."""

import pytest

from deepseek_deploy.stacks.spec.loader import SpecError, load_text
from deepseek_deploy.stacks.spec.mode_sections import ClusterSpec, ServingSpec, TlsSpec, WeightsCache

BASE = "name: bot\nmodel: distill-qwen-7b\nmode: self-hosted\nregion: us-west-2\n"
LB = "serving:\n  expose: load-balancer\n"
CERT = "arn:aws:acm:us-west-2:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"


def error(text: str) -> str:
    with pytest.raises(SpecError) as raised:
        load_text(BASE + text, "spec.yaml")
    return str(raised.value)


def test_a_public_endpoint_with_an_api_key_and_source_ranges_is_accepted():
    text = LB + f"  public: true\n  source_ranges: [203.0.113.0/24]\n  tls: {{certificate_arn: {CERT}}}\n"
    serving = load_text(BASE + text).spec.serving
    assert serving.public and serving.source_ranges == ["203.0.113.0/24"] and serving.tls.certificate_arn == CERT


def test_by_default_an_endpoint_is_internal():
    serving = load_text(BASE + LB).spec.serving
    assert serving.public is False and serving.source_ranges == [] and serving.tls is None


def test_public_without_the_api_key_says_how_to_fix_it():
    message = error(LB + "  api_key: false\n  public: true\n  source_ranges: [203.0.113.0/24]\n")
    assert "spec.yaml:8:11: serving.public:" in message and "set api_key: true" in message


def test_public_without_source_ranges_says_how_to_fix_it():
    message = error(LB + "  public: true\n")
    assert "serving.source_ranges: a public endpoint needs source_ranges" in message
    assert "source_ranges: [203.0.113.0/24]" in message


@pytest.mark.parametrize("ranges", ["[0.0.0.0/0]", "[0.0.0.0/1, 128.0.0.0/1]"])
def test_the_whole_internet_is_refused_as_a_source(ranges):
    message = error(LB + f"  public: true\n  source_ranges: {ranges}\n")
    assert "whole internet" in message


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("serving:\n  public: true\n  source_ranges: [203.0.113.0/24]\n", "needs expose: load-balancer"),
        ("serving:\n  source_ranges: [203.0.113.0/24]\n", "applies to expose: load-balancer or ingress"),
        (f"serving:\n  tls: {{certificate_arn: {CERT}}}\n", "tls applies where the endpoint leaves the cluster"),
        (LB + "  tls: {certificate_arn: arn:aws:iam::123456789012:role/x}\n", "is not valid"),
        (LB + "  source_ranges: [2001:db8::/32]\n", "IPv6"),
        ("cluster:\n  create: eks\n  vpc_cidr: 10.0.0.0/24\n", "give a /23 or larger"),
        ("serving:\n  weights_cache: {volume: nfs}\n", "Expected one of: auto, ephemeral, persistent, shared"),
    ],
)
def test_exposure_and_storage_mistakes_are_refused_clearly(text, problem):
    assert problem in error(text)


def test_every_new_field_is_described_for_schema_and_init():
    fields = [
        ServingSpec.model_fields["public"],
        ServingSpec.model_fields["source_ranges"],
        ServingSpec.model_fields["tls"],
        TlsSpec.model_fields["certificate_arn"],
        WeightsCache.model_fields["volume"],
        WeightsCache.model_fields["storage_class"],
        ClusterSpec.model_fields["vpc_cidr"],
    ]
    assert all(field.description and len(field.description) > 40 for field in fields)
