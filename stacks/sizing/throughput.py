"""How many output tokens a second one replica serves, and so how many replicas the traffic needs.

Two bases, and the output says which:
- bench: the measured `output_tokens_per_s` of a `deploy bench --json` result (cost_bench.py);
- planner estimate: decode bound by GPU memory bandwidth at the planned batch. Each decode step reads
  the weights once (for a mixture-of-experts model all of them: at a large batch nearly every expert is
  hit) plus the KV cache of every sequence in the batch; MLA's latent cache is read on every
  tensor-parallel rank. Step time = bytes read / (GPUs x bandwidth), throughput = batch / step time.
  The planned batch is what the planner's KV cache holds at the profile's request size, capped by
  vLLM's default `max_num_seqs`. Prefill, compute limits and scheduling are ignored, so this is an
  upper bound on throughput: measure with `deploy bench` for a real figure.
A GPU without a sourced bandwidth in the catalog makes the estimate unknown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import catalog
from . import cost_facts
from .cost_bench import BenchResult
from .cost_model import Usage

GIB = 1024**3
GB = 1e9
# vLLM's default max_num_seqs for its OpenAI server: 1024 on GPUs with at least 70 GiB that are not A100s, else 256
# (get_batch_defaults in https://github.com/vllm-project/vllm/blob/main/vllm/engine/arg_utils.py, read 2026-12-01).
LARGE_GPU_GIB = 70
MAX_SEQS_LARGE, MAX_SEQS = 1024, 256


@dataclass(frozen=True)
class Throughput:
    """Output tokens/s of one replica (None: unknown), the basis, and how it was found."""

    output_tokens_per_s: float | None
    basis: str
    detail: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hardware:
    """What one replica runs on, as the planner (or the catalog) sizes it."""

    gpu: str
    gpus: int
    tensor_parallel: int
    weights_gib: float
    kv_bytes_per_token: int
    tokens_in_cache: int
    mla: bool


def measured(bench: BenchResult) -> Throughput:
    errors = " (every level had errors)" if bench.had_errors else ""
    detail = (
        f"measured {bench.output_tokens_per_s:,.1f} output tokens/s per replica at concurrency "
        f"{bench.concurrency} in {bench.file}{errors}"
    )
    return Throughput(bench.output_tokens_per_s, "bench", detail)


def batch_cap(gpu: str) -> int:
    large = catalog.gpu(gpu).memory_gib >= LARGE_GPU_GIB and not gpu.startswith("A100")
    return MAX_SEQS_LARGE if large else MAX_SEQS


def decode_estimate(hardware: Hardware, usage: Usage) -> Throughput:
    """The planner's estimate: decode bound by memory bandwidth at the planned batch (module docstring)."""
    figure = cost_facts.bandwidth(hardware.gpu)
    if figure is None:
        return Throughput(
            None, "planner estimate", f"unknown: the catalog has no sourced memory bandwidth for {hardware.gpu}"
        )
    per_request = max(usage.input_tokens + usage.output_tokens, 1)
    fits = hardware.tokens_in_cache // per_request
    if fits < 1:
        return Throughput(
            None, "planner estimate", f"unknown: one request of {per_request} tokens exceeds the KV cache"
        )
    batch = min(fits, batch_cap(hardware.gpu))
    context = usage.input_tokens + usage.output_tokens / 2  # a sequence's average length while it decodes
    kv_reads = hardware.tensor_parallel if hardware.mla else 1
    kv_bytes = batch * context * hardware.kv_bytes_per_token * kv_reads
    weight_bytes = hardware.weights_gib * GIB
    step_s = (weight_bytes + kv_bytes) / (hardware.gpus * figure.value * GB)
    rate = batch / step_s
    experts = " (all experts)" if hardware.mla else ""
    detail = (
        f"planner estimate, decode bound by memory bandwidth: a batch of {batch} (the KV cache holds {fits} requests "
        f"of {per_request} tokens; vLLM's default cap {batch_cap(hardware.gpu)}) on {hardware.gpus} x "
        f"{hardware.gpu} at {figure.value:g} GB/s each; a step reads {hardware.weights_gib:.1f} GiB of weights"
        f"{experts} + {kv_bytes / GIB:.1f} GiB of KV cache -> {rate:,.0f} output tokens/s, an upper bound"
    )
    return Throughput(rate, "planner estimate", detail, (figure.source,))


def replicas_needed(usage: Usage, throughput: Throughput) -> int | None:
    """Replicas that serve the peak output rate; None when the throughput is unknown; at least 1."""
    if throughput.output_tokens_per_s is None or throughput.output_tokens_per_s <= 0:
        return None
    return max(1, math.ceil(usage.peak_output_tokens_per_s / throughput.output_tokens_per_s))


def replicas_within(
    needed: int | None, low: int, high: int, what: str, throughput: Throughput
) -> tuple[int, tuple[str, ...]]:
    """The count a replica range runs at for the traffic, and a note when the range cannot serve it."""
    if needed is None:
        return max(low, 1), (f"{what}: {max(low, 1)}, the minimum (throughput unknown)",)
    count = min(max(needed, low, 1), high)
    if needed > high:
        serves = high * (throughput.output_tokens_per_s or 0)
        return count, (
            f"the traffic needs {needed} {what}; the spec allows {high}, which serve about {serves:,.0f} "
            "output tokens/s",
        )
    return count, ()
