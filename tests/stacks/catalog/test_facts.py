"""Facts corrected on 2026-11-30 (issue 10 item 13): each one against the value its source gives."""

import re

import pytest

from deepseek_deploy.stacks import catalog
from deepseek_deploy.stacks.sizing import capacity

CATALOG = catalog.load()
MODELS = list(CATALOG.models.values())
MODES = ("serverless", "marketplace", "custom-import", "self-hosted")
OFFICIAL_CONFIG = re.compile(r"https://(github\.com|huggingface\.co)/deepseek-ai/[^/]+/")
# Which weights each Bedrock serverless model id serves (aws-deepseek-cards, aws-deepseek-params).
BEDROCK_WEIGHTS = {
    "deepseek.r1-v1:0": "deepseek-ai/DeepSeek-R1",
    "deepseek.v3-v1:0": "deepseek-ai/DeepSeek-V3.1",
    "deepseek.v3.2": "deepseek-ai/DeepSeek-V3.2",
}


def test_every_model_cites_deepseeks_own_config_file():
    for model in MODELS:
        source = CATALOG.sources[model.source]
        assert OFFICIAL_CONFIG.match(source.url), (model.id, source.url)
        assert "config" in source.url.rsplit("/", 1)[-1], (model.id, source.url)


def test_every_alias_names_one_model_that_is_the_same_weights_in_every_mode():
    aliases = [alias for model in MODELS for alias in model.aliases]
    assert len(aliases) == len(set(aliases))
    for model in MODELS:
        for alias in model.aliases:
            assert catalog.resolve_model_id(alias) == model.id
        for mode in model.supported_modes:
            served = model.served_id(mode)
            if mode == "serverless":
                assert BEDROCK_WEIGHTS[served] == model.hf_repo, (model.id, served)
            elif mode == "marketplace":  # JumpStart ids are the Hugging Face repo's name
                expected = "deepseek-llm-" + model.hf_repo.split("/")[1].lower().removeprefix("deepseek-")
                assert served == expected.replace(".", "-"), (model.id, served)
            else:
                assert served == model.hf_repo, (model.id, mode)


def test_no_two_ids_deploy_the_same_weights_in_a_mode():
    for mode in MODES:
        served = [model.served_id(mode) for model in MODELS if model.offer(mode).available]
        assert len(served) == len(set(served)), mode
    repos = [model.hf_repo for model in MODELS]
    assert len(repos) == len(set(repos))


def test_v3_is_the_newest_generation_and_each_v3_has_its_own_id():
    assert catalog.resolve_model_id("v3") == "deepseek-v3.2"
    assert catalog.model("v3").offer("serverless").model_id == "deepseek.v3.2"
    assert catalog.model("v3.1").offer("serverless").model_id == "deepseek.v3-v1:0"
    dec_2024 = catalog.model("deepseek-v3")
    assert dec_2024.hf_repo == "deepseek-ai/DeepSeek-V3" and dec_2024.supported_modes == ["self-hosted"]
    assert "deepseek-v3.2" in dec_2024.offer("serverless").reason
    assert catalog.model("v3").architecture == "DeepseekV32ForCausalLM"


def test_r1_0528_is_offered_on_marketplace_and_self_hosted():
    model = catalog.model("r1-0528")
    assert model.hf_repo == "deepseek-ai/DeepSeek-R1-0528"
    assert model.supported_modes == ["marketplace", "self-hosted"]
    assert model.offer("marketplace").hub_model_id == "deepseek-llm-r1-0528"
    assert model.offer("marketplace").hub_version == "1.0.2"


def test_gpu_prices_are_those_after_the_june_2025_cut():
    prices = {name: spec.ec2_usd_hour for name, spec in CATALOG.instances.items()}
    assert prices["p5.48xlarge"] == 55.04
    assert prices["p5en.48xlarge"] == 63.296
    assert prices["p4d.24xlarge"] == pytest.approx(21.9576, abs=1e-3)
    assert prices["p4de.24xlarge"] == 27.44705
    assert prices["p5e.48xlarge"] is None  # no on-demand price
    for name in ("p5.48xlarge", "p5en.48xlarge", "p4d.24xlarge", "p4de.24xlarge"):
        assert CATALOG.instances[name].price_region == "us-east-1", name
    assert CATALOG.sagemaker_prices["ml.p4d.24xlarge"].usd_hour == 25.251


def test_a10g_memory_and_v3_vocabulary():
    a10g = catalog.gpu("A10G")
    assert a10g.memory_mib == 24576 and CATALOG.sources[a10g.source].confidence == "official"
    assert a10g.usable_mib == 22888  # what the driver gives CUDA: the planner's figure
    for name in ("deepseek-v3", "deepseek-v3.1", "deepseek-v3.2"):
        assert catalog.model(name).vocab_size == 129280, name


def test_cmu_rates_are_kept_per_units_version():
    price = CATALOG.custom_import_price
    assert price.rates["v1.0"].usd_per_cmu_minute == 0.0785
    assert price.assumed_version in price.rates
    assert price.usd_per_cmu_minute == price.rate().usd_per_cmu_minute
    assert price.rate("v9.9") is None
    assert "customModelUnitsVersion" in CATALOG.sources[price.version_source].note
    assert all(re.fullmatch(r"v\d+\.\d+", version) for version in price.rates)  # the API's pattern


def test_qwen_distills_are_invoked_without_converse():
    for model in MODELS:
        offer = model.offer("custom-import")
        if offer.available:
            assert offer.converse is (model.architecture != "Qwen2ForCausalLM"), model.id
            assert CATALOG.sources[offer.converse_source].confidence == "official"


def test_v32_kv_cache_adds_the_sparse_attention_indexer():
    v32 = catalog.model("deepseek-v3.2")
    # Per layer: the MLA latent (512 + 64 values in BF16) plus the indexer key, 128 FP8 bytes and a 4-byte scale.
    assert capacity.indexer_bytes_per_token(v32) == 128 + 4
    assert capacity.kv_bytes_per_token(v32) == 61 * (576 * 2 + 132)
    for name in ("deepseek-v3", "deepseek-v3.1", "deepseek-r1", "deepseek-r1-0528"):
        assert capacity.kv_bytes_per_token(catalog.model(name)) == 61 * 576 * 2, name


def test_v32_runs_only_on_the_gpus_vllm_supports_it_on():
    v32 = catalog.model("deepseek-v3.2")
    assert not capacity.runs_on(v32, "L40S") and capacity.runs_on(v32, "H100") and capacity.runs_on(v32, "H200")
    fits = {fit.instance for fit in capacity.instances_that_fit(v32, max_nodes=2)}
    assert fits and all(name.startswith("p5") for name in fits)
    assert not v32.offer("self-hosted").available  # until the pods pass --tokenizer-mode deepseek_v32


def test_marketplace_offers_cite_the_invoke_permissions():
    for model in MODELS:
        offer = model.offer("marketplace")
        if offer.available:
            assert "bedrock-marketplace-iam" in offer.facts_sources, model.id
    note = CATALOG.sources["bedrock-marketplace-iam"].note
    assert "marketplace/model-endpoint/all-access" in note and "aws:CalledViaLast" in note


def test_versions():
    kubernetes = CATALOG.kubernetes
    assert kubernetes.device_plugin_image.endswith(":v0.20.0")
    assert kubernetes.default_version == "1.36" and kubernetes.eks_versions["1.36"] == "standard"
    assert set(kubernetes.eks_versions) == {"1.32", "1.33", "1.34", "1.35", "1.36"}
    assert CATALOG.vllm.image == "vllm/vllm-openai:v0.33.0"
    assert "mofed" not in CATALOG.sources[kubernetes.ami_source].note
