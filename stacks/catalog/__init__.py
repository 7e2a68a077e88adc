"""The model catalog: `catalog.yaml` read once into typed, immutable records.

Everything the validator, planner and cost model know about models, GPUs, instances and
regions comes from here, so a fact is corrected in one place (the YAML) with its source.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal, Optional

from .records import Record, convert

Confidence = Literal["official", "third-party", "unconfirmed"]


@dataclass(frozen=True, kw_only=True)
class Source(Record):
    url: str
    as_of: str
    confidence: Confidence
    note: Optional[str] = None


@dataclass(frozen=True, kw_only=True)
class Gpu(Record):
    memory_mib: int  # as EC2 DescribeInstanceTypes reports it
    fp8: bool  # native FP8 compute (compute capability >= 8.9)
    source: str
    fp8_source: str
    usable_mib: Optional[int] = None  # what the driver gives CUDA, where measured lower than memory_mib
    usable_source: Optional[str] = None

    @property
    def memory_gib(self) -> float:
        return self.memory_mib / 1024

    @property
    def usable_gib(self) -> float:
        """The memory vLLM's gpu_memory_utilization applies to: the driver's total where known."""
        return (self.usable_mib or self.memory_mib) / 1024


@dataclass(frozen=True, kw_only=True)
class Instance(Record):
    gpu: str
    gpus: int
    vcpus: int
    memory_gib: int
    local_nvme: Optional[bool]
    efa: Optional[bool]
    source: str
    nvme_source: Optional[str] = None
    confidence: Optional[Confidence] = None
    ec2_usd_hour: Optional[float]
    price_source: Optional[str] = None
    price_region: Optional[str] = None


@dataclass(frozen=True, kw_only=True)
class TokenPrice(Record):
    input_per_1m: float
    output_per_1m: float
    source: str


@dataclass(frozen=True, kw_only=True)
class ModeOffer(Record):
    """How one deployment mode offers one model. Fields apply to the modes that use them."""

    available: bool
    source: str
    facts_sources: tuple[str, ...] = ()
    reason: Optional[str] = None
    note: Optional[str] = None
    regions: Optional[tuple[str, ...]] = None
    regions_confidence: Optional[Confidence] = None
    # serverless
    generation: Optional[str] = None
    model_id: Optional[str] = None
    model_id_confidence: Optional[Confidence] = None
    profiles: dict[str, str] = field(default_factory=dict)
    in_region: Optional[bool] = None
    context_length: Optional[int] = None
    max_output_tokens: Optional[int] = None
    price: Optional[TokenPrice] = None
    id_source: Optional[str] = None
    profile_source: Optional[str] = None
    # marketplace
    hub_model_id: Optional[str] = None
    hub_version: Optional[str] = None
    default_instance: Optional[str] = None
    instances: Optional[tuple[str, ...]] = None
    instances_confidence: Optional[Confidence] = None
    # custom-import
    cmus: Optional[int] = None
    cmus_source: Optional[str] = None
    converse: Optional[bool] = None  # False: only InvokeModel, with the prompt in the model's chat template
    converse_source: Optional[str] = None
    # self-hosted
    nodes: Optional[int] = None
    gpus: Optional[tuple[str, ...]] = (
        None  # the only GPU types vLLM serves this model on (None: any with enough memory)
    )
    gpus_source: Optional[str] = None


@dataclass(frozen=True, kw_only=True)
class Mla(Record):
    kv_lora_rank: int
    qk_rope_head_dim: int


@dataclass(frozen=True, kw_only=True)
class SparseAttention(Record):
    """DeepSeek Sparse Attention (V3.2): a lightning indexer keeps its own key cache beside the MLA latent."""

    index_head_dim: int
    index_n_heads: int
    index_topk: int


@dataclass(frozen=True, kw_only=True)
class Model(Record):
    id: str
    aliases: tuple[str, ...]
    display_name: str
    hf_repo: str
    params_b: float
    params_exact: Optional[int] = None
    active_params_b: Optional[float] = None
    architecture: str
    base_model: Optional[str] = None
    reasoning: bool
    dtype: Literal["fp8", "bf16"]
    context_length: int
    layers: int
    hidden_size: int
    intermediate_size: Optional[int] = None
    attention_heads: int
    kv_heads: int
    head_dim: int
    vocab_size: Optional[int]
    qkv_bias: Optional[bool] = None
    mla: Optional[Mla] = None
    sparse_attention: Optional[SparseAttention] = None
    licence: str
    source: str
    facts_sources: tuple[str, ...] = ()
    modes: dict[str, ModeOffer]

    def offer(self, mode: str) -> ModeOffer:
        return self.modes[mode]

    def token_price(self, mode: str) -> Optional[TokenPrice]:
        """The per-token price in `mode`; None where the mode bills otherwise or the catalog has none."""
        offer = self.modes.get(mode)
        return offer.price if offer else None

    @property
    def supported_modes(self) -> list[str]:
        return [mode for mode, offer in self.modes.items() if offer.available]

    def served_id(self, mode: str) -> str:
        """What `mode` actually deploys for this model: the Bedrock model id, the JumpStart hub model id, or the
        Hugging Face repo. Two catalog ids deploy the same weights in a mode exactly when these are equal."""
        offer = self.modes[mode]
        return offer.model_id or offer.hub_model_id or self.hf_repo


@dataclass(frozen=True, kw_only=True)
class CmuRate(Record):
    usd_per_cmu_minute: float
    source: str


@dataclass(frozen=True, kw_only=True)
class CustomImportPrice(Record):
    """Custom Model Import billing: the rate per CMU-minute depends on the imported model's
    `customModelUnitsVersion` (GetImportedModel), so rates are kept per version."""

    rates: dict[str, CmuRate]
    assumed_version: str  # the version estimates use before an import reports its own
    version_source: str
    billing_window_minutes: int
    window_source: str

    def rate(self, version: str | None = None) -> CmuRate | None:
        return self.rates.get(version or self.assumed_version)

    @property
    def usd_per_cmu_minute(self) -> float:
        return self.rates[self.assumed_version].usd_per_cmu_minute

    @property
    def source(self) -> str:
        return self.rates[self.assumed_version].source


@dataclass(frozen=True, kw_only=True)
class SageMakerPrice(Record):
    usd_hour: float
    source: str


@dataclass(frozen=True, kw_only=True)
class Vllm(Record):
    image: str
    source: str
    reasoning_parser: str
    reasoning_source: str


@dataclass(frozen=True, kw_only=True)
class GatewayFacts(Record):
    """The gateway's data plane: LiteLLM's proxy, its PyPI release and the official image of that release."""

    litellm_version: str
    image: str
    image_digest: Optional[str]  # None: no public source gave one (say so where the image is used)
    source: str
    excluded_versions: tuple[str, ...]
    excluded_source: str


@dataclass(frozen=True, kw_only=True)
class HelmChart(Record):
    repo: str
    name: str
    version: str


@dataclass(frozen=True, kw_only=True)
class KubernetesFacts(Record):
    eks_versions: dict[str, Literal["standard", "extended"]]
    default_version: str
    versions_source: str
    gpu_ami_type: str
    ami_source: str
    device_plugin_image: str
    device_plugin_source: str
    keda_chart: HelmChart
    keda_source: str
    lws_manifest: str
    lws_source: str
    lb_controller_chart: HelmChart
    lb_controller_source: str
    efa_chart: HelmChart
    efa_source: str
    default_version_source: Optional[str] = None


@dataclass(frozen=True, kw_only=True)
class Catalog(Record):
    as_of: str
    sources: dict[str, Source]
    regions: dict[str, Any]
    kubernetes: KubernetesFacts
    vllm: Vllm
    gateway: GatewayFacts
    gpus: dict[str, Gpu]
    instances: dict[str, Instance]
    sagemaker_prices: dict[str, SageMakerPrice]
    models: dict[str, Model]
    custom_import_price: CustomImportPrice
    cost_facts: dict[str, Any] = field(default_factory=dict)  # checked by sizing/cost_facts.py (400-line cap)

    @property
    def aws_regions(self) -> tuple[str, ...]:
        return tuple(self.regions["aws"])


class UnknownName(ValueError):
    """A name the catalog does not know; the message lists suggestions."""


@cache
def load() -> Catalog:
    import yaml

    text = resources.files(__package__).joinpath("catalog.yaml").read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    raw = yaml.load(text, Loader=loader)
    raw["models"] = {model_id: {"id": model_id, **entry} for model_id, entry in raw["models"].items()}
    return convert(Catalog, raw, "")


@cache
def _names() -> dict[str, str]:
    """Every id and alias -> canonical id."""
    names: dict[str, str] = {}
    for model_id, entry in load().models.items():
        names[model_id] = model_id
        for alias in entry.aliases:
            names[alias] = model_id
    return names


def did_you_mean(name: str, choices: list[str] | tuple[str, ...], n: int = 1) -> str:
    """`; did you mean 'x'?` or an empty string."""
    close = difflib.get_close_matches(name, choices, n=n, cutoff=0.6)
    if not close:
        return ""
    return "; did you mean " + " or ".join(f"'{c}'" for c in close) + "?"


def resolve_model_id(name: str) -> str:
    """The canonical id for a model id or alias, case-insensitively."""
    names = _names()
    canonical = names.get(name) or names.get(name.lower())
    if canonical:
        return canonical
    hint = did_you_mean(name.lower(), list(names))
    raise UnknownName(
        f"unknown model '{name}'{hint} Known models: {', '.join(load().models)} (`deploy models` lists them)"
    )


def model(name: str) -> Model:
    return load().models[resolve_model_id(name)]


def models() -> list[Model]:
    return list(load().models.values())


def check_region(region: str) -> None:
    regions = load().aws_regions
    if region not in regions:
        hint = did_you_mean(region, regions)
        raise UnknownName(f"'{region}' is not an AWS region{hint} (regions look like us-west-2 or eu-central-1)")


def instance_name(name: str) -> str:
    """EC2 name of an instance type, accepting SageMaker's `ml.` prefix."""
    return name[3:] if name.startswith("ml.") else name


def instance(name: str) -> Instance | None:
    return load().instances.get(instance_name(name))


def gpu(name: str) -> Gpu:
    return load().gpus[name]


def source(key: str) -> Source:
    return load().sources[key]
