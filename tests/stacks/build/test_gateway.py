"""The gateway's program from its resolved spec: what each tier's stack outputs become in LiteLLM's config,
what the stack references name, and that the keys the gateway keeps are digests its auth hook accepts."""

from __future__ import annotations

import json
import types

import pytest

from deepseek_deploy.components.gateway import auth
from deepseek_deploy.stacks.build import gateway as g
from deepseek_deploy.stacks.sizing.gateway import resolve_gateway_file

from ...conftest import REPO

HYBRID = str(REPO / "examples" / "hybrid" / "assistant.yaml")


def facts(mode: str, model: str, **spec: object) -> g.TierFacts:
    from deepseek_deploy.stacks import catalog
    from deepseek_deploy.stacks.spec.models import SelfHostedSpec

    if mode == "self-hosted":
        deployment = types.SimpleNamespace(
            spec=SelfHostedSpec.model_construct(
                mode=mode, model=model, region="us-west-2", serving=types.SimpleNamespace(api_key=True)
            ),
            model=catalog.model(model),
        )
    else:
        deployment = types.SimpleNamespace(
            spec=types.SimpleNamespace(mode=mode, model=model, region="us-west-2", **spec), model=catalog.model(model)
        )
    return g.TierFacts("t", deployment)  # type: ignore[arg-type]


def test_a_serverless_tier_is_called_through_converse_with_the_gateway_guardrail_and_token_prices():
    tier = g.tier_document(facts("serverless", "deepseek-r1"), {"invoke_model_id": "us.deepseek.r1-v1:0"})
    assert (tier.kind, tier.model, tier.region, tier.guardrail_native) == (
        "bedrock",
        "us.deepseek.r1-v1:0",
        "us-west-2",
        True,
    )
    assert tier.price_in_per_mtok == 1.35 and tier.price_out_per_mtok == 5.4  # the catalog's, per 1M tokens


def test_an_imported_tier_uses_litellms_deepseek_r1_invoke_format_and_is_guarded_by_the_gateway():
    arn = "arn:aws:bedrock:us-west-2:123456789012:imported-model/abc"
    tier = g.tier_document(facts("custom-import", "distill-qwen-14b"), {"invoke_model_id": arn, "region": "us-west-2"})
    assert (tier.kind, tier.model, tier.family, tier.guardrail_native) == (
        "bedrock-imported",
        arn,
        "deepseek_r1",
        False,
    )
    assert tier.price_in_per_mtok is None  # billed per CMU-minute, not per token


def test_a_marketplace_tier_is_called_as_its_sagemaker_endpoint_by_name():
    arn = "arn:aws:sagemaker:us-west-2:123456789012:endpoint/r1-endpoint"
    tier = g.tier_document(facts("marketplace", "deepseek-r1"), {"invoke_model_id": arn})
    assert (tier.kind, tier.model, tier.guardrail_native) == ("sagemaker", "r1-endpoint", False)


def test_a_self_hosted_tier_is_openai_compatible_with_its_key_from_a_variable():
    outputs = {"endpoint": "http://bot.bot.svc.cluster.local:8000/v1", "external_endpoint": None}
    tier = g.tier_document(facts("self-hosted", "distill-qwen-7b"), outputs)
    assert tier.kind == "openai" and tier.api_base == outputs["endpoint"]
    assert tier.model == "deepseek-r1-distill-qwen-7b"  # vLLM's --served-model-name is the catalog id
    assert tier.api_key_env == "DEEPSEEK_TIER_KEY_T"
    exposed = g.tier_document(facts("self-hosted", "distill-qwen-7b"), {**outputs, "external_endpoint": "https://x/v1"})
    assert exposed.api_base == "https://x/v1"


def test_stack_references_name_the_tier_project_in_the_same_stack():
    assert (
        g.stack_reference_name("organization", "assistant-fast", "prod") == "organization/deepseek-assistant-fast/prod"
    )


def test_the_digest_the_gateway_keeps_is_accepted_by_its_auth_hook_for_that_key_only():
    settings = {"api_keys": {"backend": "DEEPSEEK_GATEWAY_KEY_BACKEND"}}
    digests = auth.expected_digests(settings, {"DEEPSEEK_GATEWAY_KEY_BACKEND": g.digest("the-real-key")})
    assert auth.key_name("the-real-key", digests) == "backend"
    assert auth.key_name("another-key", digests) is None


def test_the_documents_name_the_spec_routing_and_every_hook_file():
    from deepseek_deploy.components import gateway as hooks
    from deepseek_deploy.components.gateway import config as gw

    gateway = resolve_gateway_file(HYBRID)
    tiers = [
        gw.Tier(name="fast", kind="bedrock-imported", model="arn:x", region="us-west-2", family="deepseek_r1"),
        gw.Tier(
            name="reasoning", kind="bedrock", model="us.deepseek.r1-v1:0", region="us-west-2", guardrail_native=True
        ),
    ]
    files = g.documents(gateway, tiers, {"identifier": "arn:guardrail", "version": "1"})
    assert set(files) == {*hooks.HOOK_FILES, "config.yaml", "gateway.json"}
    settings = json.loads(files["gateway.json"])
    assert settings["routing"]["default"] == "fast" and settings["routing"]["escalate_to"] == "reasoning"
    assert settings["routing"]["fallbacks"] == {"reasoning": ["fast"]}
    assert set(settings["api_keys"]) == {"backend", "batch"}
    config = json.loads(files["config.yaml"])  # JSON is YAML
    reasoning = next(m for m in config["model_list"] if m["model_name"] == "reasoning")
    assert reasoning["litellm_params"]["guardrailConfig"] == {
        "guardrailIdentifier": "arn:guardrail",
        "guardrailVersion": "1",
    }
    assert config["general_settings"]["master_key"] == "os.environ/LITELLM_MASTER_KEY"


def test_an_uncalibrated_threshold_starts_at_one_half_and_says_how_to_fit_it():
    gateway = resolve_gateway_file(HYBRID)
    note = g.threshold_note(gateway)
    assert note is not None and "deploy eval assistant.yaml --calibrate" in note
    from deepseek_deploy.components.gateway import config as gw

    tiers = [gw.Tier(name=n, kind="openai", model="m", api_base=f"http://{n}/v1") for n in ("fast", "reasoning")]
    assert json.loads(g.documents(gateway, tiers, None)["gateway.json"])["routing"]["threshold"] == 0.5


@pytest.mark.parametrize("threshold", [0.3, 0.75])
def test_a_calibrated_threshold_is_what_the_gateway_uses(write_spec, tmp_path, threshold):
    text = (
        (REPO / "examples" / "hybrid" / "assistant.yaml")
        .read_text()
        .replace("threshold: auto", f"threshold: {threshold}")
    )
    for tier in ("distill-qwen-14b-custom-import.yaml", "r1-serverless.yaml"):
        (tmp_path / tier).write_text((REPO / "examples" / "hybrid" / tier).read_text())
    gateway = resolve_gateway_file(write_spec(text, "assistant.yaml"))
    from deepseek_deploy.components.gateway import config as gw

    tiers = [gw.Tier(name=n, kind="openai", model="m", api_base=f"http://{n}/v1") for n in ("fast", "reasoning")]
    settings = json.loads(g.documents(gateway, tiers, None)["gateway.json"])
    assert settings["routing"]["threshold"] == threshold and g.threshold_note(gateway) is None
