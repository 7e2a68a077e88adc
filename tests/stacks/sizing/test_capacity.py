"""Capacity arithmetic against published figures."""

import pytest

from deepseek_deploy.stacks import catalog
from deepseek_deploy.stacks.sizing import capacity


def test_llama_8b_bf16_on_one_a10g_matches_the_ai_on_eks_measurement():
    # ai-on-eks measured 14.99 GiB of weights and 4.17 GiB of KV cache at 0.90 utilisation.
    fit = capacity.fit_on(catalog.model("distill-llama-8b"), "g5.xlarge", utilization=0.90)
    assert fit.weights_gib == pytest.approx(14.99, abs=0.1)
    assert fit.kv_cache_gib == pytest.approx(4.17, abs=0.25)
    assert fit.fits


def test_kv_cache_bytes_per_token():
    # Llama-8B: 32 layers x 8 KV heads x 128 dims x (K and V) x 2 bytes.
    assert capacity.kv_bytes_per_token(catalog.model("distill-llama-8b")) == 32 * 8 * 128 * 2 * 2
    # R1 caches one MLA latent per layer: 61 x (512 + 64) x 2 bytes.
    assert capacity.kv_bytes_per_token(catalog.model("r1")) == 61 * 576 * 2
    # V3.2 adds its sparse-attention indexer's key: 128 FP8 bytes and one 4-byte scale per layer.
    assert capacity.kv_bytes_per_token(catalog.model("deepseek-v3.2")) == 61 * (576 * 2 + 128 + 4)


def test_the_v32_indexer_cache_costs_context_on_the_same_hardware():
    v31, v32 = catalog.model("deepseek-v3.1"), catalog.model("deepseek-v3.2")
    assert capacity.weights_gib(v31) == capacity.weights_gib(v32)
    same = capacity.fit_on(v31, "p5en.48xlarge"), capacity.fit_on(v32, "p5en.48xlarge")
    assert same[0].kv_cache_gib == same[1].kv_cache_gib
    assert same[1].max_tokens == pytest.approx(same[0].max_tokens * 1152 / 1284, rel=1e-3)


def test_a10g_plans_with_the_memory_the_driver_gives_not_the_nominal_24_gib():
    a10g = catalog.gpu("A10G")
    assert a10g.memory_gib == 24 and a10g.usable_gib == pytest.approx(22.35, abs=0.01)
    fit = capacity.fit_on(catalog.model("distill-llama-8b"), "g5.xlarge", utilization=0.90)
    assert fit.kv_cache_gib == pytest.approx(a10g.usable_gib * 0.90 - fit.weights_gib - capacity.RUNTIME_OVERHEAD_GIB)


def test_a_70b_distill_does_not_fit_one_24_gib_gpu_but_fits_eight():
    model = catalog.model("distill-llama-70b")
    assert not capacity.fit_on(model, "g5.xlarge").fits
    assert not capacity.fit_on(model, "g6.xlarge").fits
    assert capacity.fit_on(model, "g6.48xlarge").fits
    assert capacity.fit_on(model, "p4d.24xlarge").fits


def test_r1_fp8_needs_two_h100_nodes_or_one_h200_node():
    r1 = catalog.model("r1")
    assert capacity.weights_gib(r1) == pytest.approx(625, abs=5)
    assert not capacity.fit_on(r1, "p5.48xlarge", nodes=1).fits
    assert capacity.nodes_needed(r1, "p5.48xlarge") == 2
    assert capacity.nodes_needed(r1, "p5e.48xlarge") == 1
    assert capacity.nodes_needed(r1, "p5en.48xlarge") == 1


def test_r1_never_runs_on_gpus_without_native_fp8():
    r1 = catalog.model("r1")
    assert not capacity.runs_on(r1, "A100-80GB")
    assert capacity.runs_on(r1, "H100")
    suggested = {fit.instance for fit in capacity.instances_that_fit(r1, max_nodes=2)}
    assert "p4de.24xlarge" not in suggested and "p5.48xlarge" in suggested
    # Dense FP8 quantization still runs on Ampere as weight-only.
    assert capacity.runs_on(catalog.model("distill-llama-70b"), "A100-40GB", "fp8")


def test_quantization_shrinks_the_weights():
    model = catalog.model("distill-llama-70b")
    assert capacity.weights_gib(model, "fp8") == pytest.approx(capacity.weights_gib(model) / 2)
    assert capacity.weights_gib(model, "awq") == pytest.approx(capacity.weights_gib(model) / 4)


def test_tensor_parallel_divides_the_attention_heads():
    assert capacity.tensor_parallel_for(catalog.model("distill-qwen-7b"), 8) == 4  # 28 heads
    assert capacity.tensor_parallel_for(catalog.model("distill-qwen-14b"), 8) == 8  # 40 heads
    assert capacity.tensor_parallel_for(catalog.model("distill-qwen-1.5b"), 1) == 1


def test_alternatives_are_sorted_cheapest_first():
    fits = capacity.instances_that_fit(catalog.model("distill-llama-8b"))
    prices = [catalog.instance(f.instance).ec2_usd_hour for f in fits if catalog.instance(f.instance).ec2_usd_hour]
    assert prices == sorted(prices)
    assert fits[0].instance.startswith("g")
