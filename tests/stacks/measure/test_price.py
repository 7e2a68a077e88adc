"""The spend estimate before a bench, checked by hand against the catalog's prices."""

import pytest

from deepseek_deploy.stacks.call.target import Target
from deepseek_deploy.stacks.measure.dataset import Prompt
from deepseek_deploy.stacks.measure.limits import plan_load
from deepseek_deploy.stacks.measure.price import estimate

PROMPTS = [Prompt("x" * 40), Prompt("y" * 120)]  # 80 characters on average: 20 tokens + 16 of template


def bedrock(mode, model):
    return Target(mode=mode, model=model, region="us-west-2", model_id="m")


def test_serverless_prices_every_request_at_the_full_answer():
    load = plan_load("1,4", requests=8, duration_s=None, max_tokens=256)  # 16 requests
    spend = estimate(bedrock("serverless", "deepseek-r1"), load, PROMPTS)
    # R1: $1.35 in, $5.40 out per 1M tokens.
    assert spend.usd == pytest.approx(16 * (36 * 1.35 + 256 * 5.40) / 1e6)
    assert "16 requests" in spend.basis and "bedrock-prices-r1-3p" in spend.basis


def test_a_timed_serverless_run_assumes_one_request_per_client_second():
    load = plan_load("2", requests=None, duration_s=10, max_tokens=100)
    spend = estimate(bedrock("serverless", "deepseek-v3.1"), load, PROMPTS)
    assert spend.usd == pytest.approx(20 * (36 * 0.58 + 100 * 1.68) / 1e6)


def test_custom_import_bills_five_minute_windows_of_its_cmus():
    load = plan_load("1", requests=None, duration_s=600)  # two windows
    spend = estimate(bedrock("custom-import", "deepseek-r1-distill-llama-8b"), load, PROMPTS)
    assert spend.usd == pytest.approx(2 * 5 * 2 * 0.0785)  # windows x minutes x CMUs x $/CMU-minute


def test_hourly_endpoints_cost_nothing_extra_per_request():
    load = plan_load("1", requests=10, duration_s=None)
    assert estimate(bedrock("marketplace", "deepseek-r1-distill-llama-70b"), load, PROMPTS).usd == 0.0
    openai = Target(mode="self-hosted", model="deepseek-r1-distill-qwen-7b", region="us-west-2", base_url="http://x/v1")
    assert estimate(openai, load, PROMPTS).usd == 0.0


def test_no_catalog_price_is_unknown_not_free():
    load = plan_load("1", requests=10, duration_s=None)
    spend = estimate(bedrock("serverless", "deepseek-r1-distill-qwen-7b"), load, PROMPTS)
    assert spend.usd is None
    assert "no serverless token price" in spend.basis
