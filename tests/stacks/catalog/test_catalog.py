"""The catalog's internal consistency, and its agreement with AWS's own service models."""

import re
import typing

import botocore.session
import pytest

from deepseek_deploy.stacks import catalog
from deepseek_deploy.stacks.catalog import records
from deepseek_deploy.stacks.sizing import capacity
from deepseek_deploy.stacks.spec import sections as spec

CATALOG = catalog.load()
MODELS = list(CATALOG.models.values())
MODES = ("serverless", "marketplace", "custom-import", "self-hosted")


def referenced_sources() -> set[str]:
    keys = {CATALOG.regions["source"], CATALOG.vllm.source, CATALOG.vllm.reasoning_source}
    keys |= {CATALOG.gateway.source, CATALOG.gateway.excluded_source}
    k = CATALOG.kubernetes
    keys |= {k.versions_source, k.ami_source, k.device_plugin_source, k.keda_source, k.lws_source}
    keys |= {k.lb_controller_source, k.efa_source}
    keys |= {k.default_version_source} - {None}
    price = CATALOG.custom_import_price
    keys |= {rate.source for rate in price.rates.values()} | {price.version_source, price.window_source}
    for gpu in CATALOG.gpus.values():
        keys |= {k for k in (gpu.source, gpu.fp8_source, gpu.usable_source) if k}
    for instance in CATALOG.instances.values():
        keys |= {k for k in (instance.source, instance.price_source, instance.nvme_source) if k}
    keys |= {price.source for price in CATALOG.sagemaker_prices.values()}
    for section in CATALOG.cost_facts.values():  # unit prices and GPU bandwidths of `deploy cost`
        keys |= {entry["source"] for entry in section.values()}
    for model in MODELS:
        keys |= {model.source, *model.facts_sources}
        for offer in model.modes.values():
            optional = (offer.id_source, offer.profile_source, offer.cmus_source)
            optional += (offer.converse_source, offer.gpus_source)
            keys |= {offer.source, *offer.facts_sources} | {k for k in optional if k}
            if offer.price:
                keys.add(offer.price.source)
    return keys


def test_the_models_of_the_spec_are_there_with_their_aliases():
    distills = ("qwen-1.5b", "qwen-7b", "llama-8b", "qwen-14b", "qwen-32b", "llama-70b")
    assert set(CATALOG.models) == {
        "deepseek-r1",
        "deepseek-r1-0528",
        "deepseek-v3.2",
        "deepseek-v3.1",
        "deepseek-v3",
        *(f"deepseek-r1-distill-{size}" for size in distills),
    }
    # SPEC.md's aliases; `v3` is the newest V3 generation, not the Dec 2024 model.
    spec_aliases = {"r1": "deepseek-r1", "r1-0528": "deepseek-r1-0528", "v3": "deepseek-v3.2"}
    spec_aliases |= {f"distill-{size}": f"deepseek-r1-distill-{size}" for size in distills}
    for alias, model_id in spec_aliases.items():
        assert catalog.resolve_model_id(alias) == model_id, alias


def test_names_are_unique_across_ids_and_aliases():
    names = [name for model in MODELS for name in (model.id, *model.aliases)]
    assert len(names) == len(set(names))


def test_every_source_referenced_exists_and_every_source_is_used():
    referenced = referenced_sources()
    assert referenced - set(CATALOG.sources) == set(), "facts cite sources that are not defined"
    assert set(CATALOG.sources) - referenced == set(), "sources that no fact cites"


def test_every_source_has_a_url_and_an_iso_date():
    for key, source in CATALOG.sources.items():
        assert source.url.startswith("https://"), key
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", source.as_of), key


def test_every_model_describes_all_four_modes_and_says_why_not():
    for model in MODELS:
        assert set(model.modes) == set(MODES), model.id
        for mode, offer in model.modes.items():
            if not offer.available:
                assert offer.reason, f"{model.id} {mode} needs a reason"


def test_regions_of_offers_are_real_regions():
    for model in MODELS:
        for offer in model.modes.values():
            for region in offer.regions or ():
                assert region in CATALOG.aws_regions, (model.id, region)


def test_catalog_regions_are_aws_regions_known_to_botocore():
    session = botocore.session.get_session()
    botocore_regions = set(session.get_available_regions("ec2", partition_name="aws"))
    assert set(CATALOG.aws_regions) <= botocore_regions


def test_guardrail_enums_match_the_bedrock_service_model():
    bedrock = botocore.session.get_session().get_service_model("bedrock")
    assert set(typing.get_args(spec.PiiEntity)) == set(bedrock.shape_for("GuardrailPiiEntityType").enum)
    filters = {name.upper() for name in spec.ContentFilters.model_fields}
    assert filters == set(bedrock.shape_for("GuardrailContentFilterType").enum)
    strengths = {s.upper() for s in typing.get_args(spec.Strength)}
    assert strengths == set(bedrock.shape_for("GuardrailFilterStrength").enum)
    actions = {a.upper() for a in typing.get_args(spec.PiiAction)}
    assert actions <= set(bedrock.shape_for("GuardrailSensitiveInformationAction").enum)
    assert {"PROFANITY"} == set(bedrock.shape_for("GuardrailManagedWordsType").enum)


def test_guardrail_limits_match_the_bedrock_service_model():
    bedrock = botocore.session.get_session().get_service_model("bedrock")
    topic = bedrock.shape_for("GuardrailTopicConfig").members
    fields = spec.DeniedTopic.model_fields
    assert fields["name"].metadata[1].max_length == topic["name"].metadata["max"]
    assert fields["definition"].metadata[1].max_length == topic["definition"].metadata["max"]
    assert bedrock.shape_for("GuardrailTopicsConfig").metadata["max"] == 30
    assert bedrock.shape_for("GuardrailBlockedMessaging").metadata["max"] == 500


def test_offered_instances_exist_and_defaults_are_offered():
    for model in MODELS:
        market = model.offer("marketplace")
        if market.available:
            assert market.default_instance in market.instances, model.id
            for name in market.instances:
                assert name.startswith("ml.") and catalog.instance(name) is not None, (model.id, name)
        hosted = model.offer("self-hosted")
        if hosted.available or hosted.default_instance:
            assert catalog.instance(hosted.default_instance) is not None, model.id
            assert not hosted.default_instance.startswith("ml.")
        for gpu in hosted.gpus or ():
            assert gpu in CATALOG.gpus, (model.id, gpu)


def test_default_hardware_fits_the_model():
    for model in MODELS:
        hosted = model.offer("self-hosted")
        if hosted.default_instance:
            assert capacity.fit_on(model, hosted.default_instance, hosted.nodes).fits, model.id
        market = model.offer("marketplace")
        if market.available:
            assert capacity.fit_on(model, market.default_instance).fits, model.id


def test_instances_name_known_gpus_with_plausible_sizes():
    for name, instance in CATALOG.instances.items():
        assert instance.gpu in CATALOG.gpus, name
        assert instance.gpus in (1, 4, 8), name
        family, _size = name.split(".")
        assert family in ("g5", "g6", "g6e", "p4d", "p4de", "p5", "p5e", "p5en"), name
        # Within a family, more vCPUs come with at least as much memory.
        assert instance.memory_gib >= instance.vcpus * 2, name


def test_computed_parameter_counts_match_published_sizes():
    # Qwen-32B has an exact published count; the others must land within 10% of their nominal
    # size (Qwen2.5-7B is 7.6B, Qwen-1.5B is 1.78B in practice, so it gets a wider band).
    assert capacity.parameter_count(catalog.model("distill-qwen-32b")) == 32_763_876_352
    for model in MODELS:
        count = capacity.parameter_count(model) / 1e9
        tolerance = 0.2 if model.params_b < 2 else 0.10
        assert abs(count - model.params_b) / model.params_b <= tolerance, (model.id, count)


def test_architecture_figures_are_consistent():
    for model in MODELS:
        assert model.attention_heads % model.kv_heads == 0, model.id
        if model.mla is None:
            assert model.head_dim * model.attention_heads == model.hidden_size, model.id
        assert model.context_length >= 131072, model.id


def test_prices_carry_sources_and_are_positive():
    for model in MODELS:
        price = model.offer("serverless").price
        if price:
            assert 0 < price.input_per_1m < price.output_per_1m
    for name, instance in CATALOG.instances.items():
        if instance.ec2_usd_hour is not None:
            assert instance.ec2_usd_hour > 0 and instance.price_source and instance.price_region, name
    assert CATALOG.custom_import_price.billing_window_minutes == 5
    for name, price in CATALOG.sagemaker_prices.items():
        assert price.usd_hour > 0 and price.source in CATALOG.sources, name


def test_the_vllm_image_is_pinned():
    assert re.fullmatch(r"vllm/vllm-openai:v\d+\.\d+\.\d+", CATALOG.vllm.image)


@pytest.mark.parametrize("name", ["r1", "R1", "deepseek-r1", "DeepSeek-R1"])
def test_resolving_is_case_insensitive(name):
    assert catalog.resolve_model_id(name) == "deepseek-r1"


def test_instance_lookup_accepts_sagemaker_names():
    assert catalog.instance("ml.g6.12xlarge") == catalog.instance("g6.12xlarge")
    assert catalog.instance("m5.large") is None


def test_the_catalog_reader_is_strict():
    with pytest.raises(ValueError, match="unknown keys"):
        records.convert(
            catalog.Gpu, {"memory_mib": 1, "fp8": True, "source": "s", "fp8_source": "s", "typo": 1}, "gpus.X"
        )
    with pytest.raises(ValueError, match="expected int"):
        records.convert(catalog.Gpu, {"memory_mib": "lots", "fp8": True, "source": "s", "fp8_source": "s"}, "gpus.X")
    with pytest.raises(ValueError, match="is not one of"):
        records.convert(
            catalog.Source, {"url": "https://x", "as_of": "2026-01-01", "confidence": "rumour"}, "sources.x"
        )


def test_the_gateway_image_is_the_pinned_release_and_never_a_compromised_one():
    gateway = CATALOG.gateway
    assert gateway.image.endswith(f":v{gateway.litellm_version}")
    assert gateway.litellm_version not in gateway.excluded_versions
    assert set(gateway.excluded_versions) == {"1.82.7", "1.82.8"}  # BerriAI/litellm#24518
