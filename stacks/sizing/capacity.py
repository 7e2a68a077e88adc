"""GPU memory arithmetic: does a model fit on some hardware, and what hardware fits.

Pure functions over catalog records. Memory per GPU is split into
  budget  = GPU memory x gpu_memory_utilization        (what vLLM may use)
  weights = parameters x bytes per parameter / tensor-parallel size
  runtime = activations, CUDA graphs and buffers        (RUNTIME_OVERHEAD_GIB)
  KV      = the rest, which must hold at least MIN_CONTEXT_TOKENS
The overhead figure matches ai-on-eks' measurement of DeepSeek-R1-Distill-Llama-8B in BF16 on
one A10G at 0.90: 14.99 GiB of weights and 4.17 GiB of KV cache out of 22.35 GiB.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import catalog

GIB = 1024**3
RUNTIME_OVERHEAD_GIB = 1.0
MIN_CONTEXT_TOKENS = 4096
BYTES_PER_PARAM = {"bf16": 2.0, "fp8": 1.0, "awq": 0.5}
KV_BYTES = 2  # the KV cache is kept in BF16 unless asked otherwise
# DeepSeek Sparse Attention (V3.2): vLLM caches the indexer key in FP8 (1 byte a value) with one fp32 scale
# per block of 128 values, whatever the KV-cache dtype (catalog source vllm-dsa-cache).
INDEXER_QUANT_BLOCK = 128
INDEXER_SCALE_BYTES = 4


def parameter_count(model: catalog.Model) -> int:
    """Parameters of a dense model from its architecture; catalog figures for MoE models."""
    if model.params_exact:
        return model.params_exact
    if model.mla is not None or model.intermediate_size is None:
        return int(model.params_b * 1e9)
    h, heads, kv, d = model.hidden_size, model.attention_heads, model.kv_heads, model.head_dim
    attention = h * heads * d + 2 * h * kv * d + heads * d * h
    if model.qkv_bias:
        attention += heads * d + 2 * kv * d
    mlp = 3 * h * model.intermediate_size
    norms = 2 * h
    embeddings = 2 * (model.vocab_size or 0) * h  # input embedding + untied LM head
    return model.layers * (attention + mlp + norms) + embeddings + h


def weight_dtype(model: catalog.Model, quantization: str = "none") -> str:
    return model.dtype if quantization == "none" else quantization


def weights_gib(model: catalog.Model, quantization: str = "none") -> float:
    return parameter_count(model) * BYTES_PER_PARAM[weight_dtype(model, quantization)] / GIB


def indexer_bytes_per_token(model: catalog.Model) -> int:
    """Bytes the sparse-attention indexer caches per token and layer (0 without sparse attention)."""
    dsa = model.sparse_attention
    if dsa is None:
        return 0
    return dsa.index_head_dim + dsa.index_head_dim // INDEXER_QUANT_BLOCK * INDEXER_SCALE_BYTES


def kv_bytes_per_token(model: catalog.Model) -> int:
    """KV-cache bytes one token takes across all layers.

    MLA caches one compressed latent per layer (kv_lora_rank + qk_rope_head_dim values); V3.2's sparse
    attention adds its indexer's key cache beside it. Both are replicated on every tensor-parallel rank.
    """
    if model.mla is not None:
        latent = (model.mla.kv_lora_rank + model.mla.qk_rope_head_dim) * KV_BYTES
        return model.layers * (latent + indexer_bytes_per_token(model))
    return model.layers * model.kv_heads * model.head_dim * 2 * KV_BYTES


def runs_on(model: catalog.Model, gpu_type: str, quantization: str = "none") -> bool:
    """Whether vLLM can serve the model's weights on this GPU at all.

    FP8 mixture-of-experts weights (R1, V3) need native FP8 compute; dense FP8 also runs on
    older GPUs as weight-only W8A16 (catalog sources vllm-fp8, vllm-fp8-moe-ampere). Some models
    run only on the GPU types their self-hosted offer lists (V3.2's sparse-attention kernels).
    """
    hosted = model.modes.get("self-hosted")
    if hosted is not None and hosted.gpus is not None and gpu_type not in hosted.gpus:
        return False
    moe_fp8 = model.mla is not None and weight_dtype(model, quantization) == "fp8"
    return catalog.gpu(gpu_type).fp8 or not moe_fp8


def tensor_parallel_for(model: catalog.Model, gpus: int) -> int:
    """The largest power-of-two TP size up to `gpus` that divides the attention heads."""
    tp = 1
    while tp * 2 <= gpus and model.attention_heads % (tp * 2) == 0:
        tp *= 2
    return tp


@dataclass(frozen=True)
class Fit:
    instance: str
    nodes: int
    gpus_per_node: int
    tensor_parallel: int
    weights_gib: float
    kv_cache_gib: float
    max_tokens: int

    @property
    def fits(self) -> bool:
        return self.kv_cache_gib > 0 and self.max_tokens >= MIN_CONTEXT_TOKENS

    def describe(self) -> str:
        nodes = f"{self.nodes} x " if self.nodes > 1 else ""
        return f"{nodes}{self.instance}"


def fit_gpus(
    model: catalog.Model,
    gpu_type: str,
    gpus_per_node: int,
    nodes: int = 1,
    *,
    label: str = "",
    quantization: str = "none",
    utilization: float = 0.90,
) -> Fit:
    """How `model` fits on `nodes` nodes of `gpus_per_node` x `gpu_type` (TP inside a node, PP across nodes)."""
    gpu = catalog.gpu(gpu_type)
    tp = tensor_parallel_for(model, gpus_per_node)
    shards = tp * nodes
    weights = weights_gib(model, quantization)
    per_gpu_budget = gpu.usable_gib * utilization
    kv_per_gpu = per_gpu_budget - weights / shards - RUNTIME_OVERHEAD_GIB
    kv_total = max(kv_per_gpu, 0.0) * shards
    if kv_total <= 0:
        max_tokens = 0
    elif model.mla is not None:
        # MLA's latent is replicated on every TP rank; pipeline stages split the layers.
        max_tokens = int(kv_per_gpu * nodes * GIB // kv_bytes_per_token(model))
    else:
        # Each TP shard holds its share of the KV heads.
        max_tokens = int(kv_total * GIB // kv_bytes_per_token(model))
    return Fit(label or f"{gpus_per_node} x {gpu_type}", nodes, gpus_per_node, tp, weights, kv_total, max_tokens)


def fit_on(
    model: catalog.Model, instance_type: str, nodes: int = 1, *, quantization: str = "none", utilization: float = 0.90
) -> Fit:
    """How `model` fits on `nodes` instances of `instance_type`."""
    spec = catalog.instance(instance_type)
    if spec is None:
        raise KeyError(instance_type)
    return fit_gpus(
        model, spec.gpu, spec.gpus, nodes, label=instance_type, quantization=quantization, utilization=utilization
    )


def nodes_needed(
    model: catalog.Model,
    instance_type: str,
    *,
    quantization: str = "none",
    utilization: float = 0.90,
    max_nodes: int = 4,
) -> int | None:
    """Fewest nodes of `instance_type` one replica needs, or None if even `max_nodes` is too few."""
    for nodes in range(1, max_nodes + 1):
        if fit_on(model, instance_type, nodes, quantization=quantization, utilization=utilization).fits:
            return nodes
    return None


def instances_that_fit(
    model: catalog.Model,
    candidates: list[str] | None = None,
    *,
    quantization: str = "none",
    utilization: float = 0.90,
    max_nodes: int = 1,
) -> list[Fit]:
    """Hardware that fits the model, cheapest first where prices are known, then by GPU memory."""
    names = candidates if candidates is not None else list(catalog.load().instances)
    fits: list[Fit] = []
    for name in names:
        spec = catalog.instance(name)
        if spec is None or not runs_on(model, spec.gpu, quantization):
            continue
        nodes = nodes_needed(model, name, quantization=quantization, utilization=utilization, max_nodes=max_nodes)
        if nodes is not None:
            fits.append(fit_on(model, name, nodes, quantization=quantization, utilization=utilization))

    def order(fit: Fit) -> tuple[float, float]:
        spec = catalog.instance(fit.instance)
        assert spec is not None
        price = spec.ec2_usd_hour * fit.nodes if spec.ec2_usd_hour else math.inf
        return (price, catalog.gpu(spec.gpu).usable_gib * spec.gpus * fit.nodes)

    return sorted(fits, key=order)
