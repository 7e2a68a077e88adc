"""The gateway's two configuration documents."""

from __future__ import annotations

import json

import pytest

from deepseek_deploy.components.gateway import config as gw

TIERS = [
    gw.Tier("fast", "bedrock-imported", "arn:aws:bedrock:us-west-2:1:imported-model/abc", region="us-west-2"),
    gw.Tier("reasoning", "bedrock", "us.deepseek.r1-v1:0", region="us-west-2", guardrail_native=True),
    gw.Tier("self", "openai", "deepseek-r1-distill", api_base="http://vllm:8000/v1", api_key_env="SELF_KEY"),
    gw.Tier("jumpstart", "sagemaker", "r1-endpoint", region="us-east-1"),
]
ROUTING = gw.Routing("classifier", "fast", "reasoning", 0.4, {"reasoning": ["fast", "self"]}, header_override=True)
GUARDRAIL = gw.Guardrail("gr-123", "2", "us-west-2")


def test_litellm_config_has_one_model_group_per_tier_and_no_secrets():
    config = gw.litellm_config(TIERS, ROUTING, guardrail=GUARDRAIL)
    models = {m["model_name"]: m for m in config["model_list"]}
    assert models["fast"]["litellm_params"]["model"] == "bedrock/qwen2/arn:aws:bedrock:us-west-2:1:imported-model/abc"
    assert models["reasoning"]["litellm_params"]["model"] == "bedrock/converse/us.deepseek.r1-v1:0"
    assert models["reasoning"]["litellm_params"]["guardrailConfig"] == {
        "guardrailIdentifier": "gr-123",
        "guardrailVersion": "2",
    }
    assert "guardrailConfig" not in models["fast"]["litellm_params"]
    assert models["self"]["litellm_params"]["api_key"] == "os.environ/SELF_KEY"
    assert models["jumpstart"]["litellm_params"] == {
        "model": "sagemaker_chat/r1-endpoint",
        "aws_region_name": "us-east-1",
        "timeout": 600.0,
    }
    assert models["fast"]["model_info"] == {"id": "tier-fast", "deepseek_tier": "fast"}
    assert config["router_settings"]["fallbacks"] == [{"reasoning": ["fast", "self"]}]
    assert config["general_settings"]["master_key"] == f"os.environ/{gw.MASTER_KEY_ENV}"
    assert config["general_settings"]["custom_auth"] == "auth.user_api_key_auth"
    assert config["litellm_settings"]["callbacks"] == ["hooks.handler"]
    assert "database_url" not in json.dumps(config)


def test_gateway_settings_name_key_variables_not_keys():
    settings = gw.gateway_settings(TIERS, ROUTING, ["backend", "batch-jobs"], guardrail=GUARDRAIL)
    assert settings["api_keys"] == {
        "backend": "DEEPSEEK_GATEWAY_KEY_BACKEND",
        "batch-jobs": "DEEPSEEK_GATEWAY_KEY_BATCH_JOBS",
    }
    assert settings["routing"]["threshold"] == 0.4 and settings["routing"]["fallbacks"] == {
        "reasoning": ["fast", "self"]
    }
    assert settings["tiers"]["reasoning"]["guardrail_native"] is True
    assert settings["guardrail"] == {"identifier": "gr-123", "version": "2", "region": "us-west-2"}
    json.dumps(settings)  # JSON-serialisable as delivered


@pytest.mark.parametrize(
    ("tiers", "routing", "message"),
    [
        (TIERS, gw.Routing("fixed", "nope"), "unknown tiers: nope"),
        (TIERS, gw.Routing("classifier", "fast"), "needs escalate_to"),
        (TIERS, gw.Routing("random", "fast"), "is not one of"),
        (TIERS, gw.Routing("classifier", "fast", "reasoning", 1.5), "not in [0, 1]"),
        ([*TIERS, TIERS[0]], ROUTING, "repeat"),
        ([gw.Tier("x", "azure", "m")], gw.Routing("fixed", "x"), "kind 'azure'"),
    ],
)
def test_bad_descriptions_are_refused(tiers, routing, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        gw.litellm_config(tiers, routing)
