"""The self-hosted capacity planner: from a spec to hardware, parallelism, context length and pod sizes.

Pure functions over the catalog. "It starts on the first try" is the goal: every number a vLLM
pod needs (GPUs, TP, PP, max_model_len, memory, /dev/shm, the startup probe budget, disks) is
derived here, and a spec that cannot work raises PlanError naming the key and what would work.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

from .. import catalog
from ..errors import BAD_INPUT, DeployError
from ..spec.models import SelfHostedSpec
from . import capacity

GPU_COUNTS = (1, 2, 4, 8)
MAX_NODES_PER_REPLICA = 4
# Conservative first-start budget: download at 100 MiB/s, load at 1 GiB/s, then compile/warm up.
DOWNLOAD_GIB_PER_S = 100 / 1024
LOAD_GIB_PER_S = 1.0
WARMUP_S = 300
IMAGE_GIB = 30  # the vLLM image unpacked is ~25 GB


class PlanError(DeployError):
    """The spec cannot be served as written; `path` is the spec key to change."""

    code = BAD_INPUT

    def __init__(self, path: tuple, message: str):
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class ServingPlan:
    model: str
    hf_repo: str
    image: str
    instance_type: Optional[str]  # None on an existing cluster (only the GPU is known)
    gpu_type: str
    gpus_per_node: int  # GPUs each pod asks for
    nodes_per_replica: int
    gpus_per_replica: int
    tensor_parallel: int
    pipeline_parallel: int
    max_model_len: int
    max_tokens_in_cache: int
    weights_gib: float
    kv_cache_gib: float
    kv_bytes_per_token: int
    gpu_memory_utilization: float
    quantization: str
    dtype: str
    reasoning_parser: Optional[str]
    cpu: int  # cores per pod, requests = limits
    memory_gi: int  # per pod, including /dev/shm
    shm_gi: int
    startup_seconds: int
    node_disk_gib: int
    weights_cache_gi: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        document = asdict(self)
        document["weights_gib"] = round(self.weights_gib, 2)
        document["kv_cache_gib"] = round(self.kv_cache_gib, 2)
        document["notes"] = list(self.notes)
        return document


def _quantization(model: catalog.Model, requested: str) -> str:
    # FP8 checkpoints (R1, V3) are already FP8: asking for fp8 changes nothing.
    return "none" if requested == "fp8" and model.dtype == "fp8" else requested


def _alternatives(model: catalog.Model, quantization: str, utilization: float) -> str:
    fits = capacity.instances_that_fit(model, quantization=quantization, utilization=utilization, max_nodes=2)
    return ", ".join(fit.describe() for fit in fits[:5]) or "none of the catalog's instance types"


def _default_instance(model: catalog.Model) -> str:
    default = model.offer("self-hosted").default_instance
    if default is None:  # pragma: no cover - every self-hosted offer in the catalog names one
        raise PlanError(("cluster", "node_instance_type"), f"the catalog has no default node type for {model.id}")
    return default


def _node_type(spec: SelfHostedSpec, model: catalog.Model, quant: str, util: float) -> str:
    """The asked node type; else the catalog's default if it fits within nodes.max; else the first that fits."""
    max_nodes = spec.cluster.nodes.max
    if spec.cluster.node_instance_type is not None:
        return spec.cluster.node_instance_type
    default = _default_instance(model)
    if capacity.nodes_needed(model, default, quantization=quant, utilization=util, max_nodes=max_nodes):
        return default
    fits = capacity.instances_that_fit(model, quantization=quant, utilization=util, max_nodes=max_nodes)
    if not fits:
        raise PlanError(
            ("cluster", "nodes", "max"),
            f"no instance type fits {model.id} within nodes.max {max_nodes}; "
            f"hardware that fits: {_alternatives(model, quant, util)}",
        )
    return fits[0].instance


def _known_node(name: str, model: catalog.Model, quant: str) -> catalog.Instance:
    """An EC2 GPU type the catalog knows, whose GPUs can run the model's weights."""
    path = ("cluster", "node_instance_type")
    if name.startswith("ml."):
        raise PlanError(path, f"'{name}' is a SageMaker name; EKS nodes use EC2 names such as '{name[3:]}'")
    instance = catalog.instance(name)
    if instance is None:
        hint = catalog.did_you_mean(name, list(catalog.load().instances))
        raise PlanError(path, f"'{name}' is not a GPU instance type the catalog knows{hint}")
    if not capacity.runs_on(model, instance.gpu, quant):
        raise PlanError(path, _no_fp8(model, instance.gpu))
    return instance


def _no_fp8(model: catalog.Model, gpu: str) -> str:
    native = ", ".join(n for n, g in catalog.load().gpus.items() if g.fp8)
    return f"{model.id}'s FP8 mixture-of-experts weights need GPUs with native FP8 ({native}); {gpu} has none"


def _nodes_per_replica(spec: SelfHostedSpec, model: catalog.Model, name: str, quant: str, util: float) -> int:
    """Nodes one replica spans on `name`, within nodes.max; else what would work."""
    max_nodes = spec.cluster.nodes.max
    nodes = capacity.nodes_needed(model, name, quantization=quant, utilization=util, max_nodes=max_nodes)
    if nodes is not None:
        return nodes
    weights = f"{capacity.weights_gib(model, quant):.0f} GiB of weights"
    # Dense models should not be cut into many pipeline stages; MoE models may span a few nodes.
    limit = MAX_NODES_PER_REPLICA if model.mla else 2
    needed = capacity.nodes_needed(model, name, quantization=quant, utilization=util, max_nodes=limit)
    if needed is None:
        raise PlanError(
            ("cluster", "node_instance_type"),
            f"{name} is too small for {model.id} ({weights}). Hardware that fits: {_alternatives(model, quant, util)}",
        )
    fewer = capacity.instances_that_fit(model, quantization=quant, utilization=util, max_nodes=max_nodes)
    raise PlanError(
        ("cluster", "nodes", "max"),
        f"one replica of {model.id} ({weights}) spans {needed} x {name}, but nodes.max is {max_nodes}; "
        f"set nodes.min and nodes.max to at least {needed}, or choose hardware that fits on fewer nodes: "
        f"{', '.join(f.describe() for f in fewer[:5]) or 'none'}",
    )


def _created_cluster_hardware(
    spec: SelfHostedSpec, model: catalog.Model, quant: str, util: float
) -> tuple[str, capacity.Fit]:
    name = _node_type(spec, model, quant, util)
    instance = _known_node(name, model, quant)
    nodes = _nodes_per_replica(spec, model, name, quant, util)
    if spec.serving.gpu.type is not None and spec.serving.gpu.type != instance.gpu:
        raise PlanError(
            ("serving", "gpu", "type"),
            f"{name} has {instance.gpu} GPUs, not {spec.serving.gpu.type}; "
            "on a created cluster the GPU follows node_instance_type, so remove gpu.type",
        )
    return name, capacity.fit_on(model, name, nodes, quantization=quant, utilization=util)


def _existing_cluster_hardware(spec: SelfHostedSpec, model: catalog.Model, quant: str, util: float) -> capacity.Fit:
    gpu_type = spec.serving.gpu.type or _instance(_default_instance(model)).gpu
    if not capacity.runs_on(model, gpu_type, quant):
        raise PlanError(("serving", "gpu", "type"), _no_fp8(model, gpu_type))
    count = spec.serving.gpu.count
    counts = GPU_COUNTS if count == "auto" else (count,)
    max_nodes = MAX_NODES_PER_REPLICA if model.mla is not None else 1
    # Fewest nodes first (pipeline stages cost latency and a network hop), then the fewest GPUs on
    # them: tensor parallel stays inside a node, where NVLink is.
    for nodes in range(1, max_nodes + 1):
        for gpus in counts:
            fit = capacity.fit_gpus(model, gpu_type, gpus, nodes, quantization=quant, utilization=util)
            if fit.fits:
                return fit
    shown = f"{count} x {gpu_type}" if count != "auto" else f"{gpu_type} GPUs (up to 8 per node)"
    raise PlanError(
        ("serving", "gpu"),
        f"{model.id} ({capacity.weights_gib(model, quant):.0f} GiB of weights) does not fit on {shown}. "
        f"Hardware that fits: {_alternatives(model, quant, util)}",
    )


def _parallelism(spec: SelfHostedSpec, model: catalog.Model, fit: capacity.Fit) -> tuple[int, int]:
    tp, pp = fit.tensor_parallel, fit.nodes
    serving = spec.serving
    if serving.tensor_parallel != "auto":
        tp = serving.tensor_parallel
        if tp > fit.gpus_per_node:
            raise PlanError(
                ("serving", "tensor_parallel"),
                f"tensor_parallel {tp} is more than the {fit.gpus_per_node} GPUs of a node; use at most "
                f"{fit.gpus_per_node} (pipeline_parallel spans nodes)",
            )
        if model.attention_heads % tp:
            good = [n for n in GPU_COUNTS if model.attention_heads % n == 0 and n <= fit.gpus_per_node]
            raise PlanError(
                ("serving", "tensor_parallel"),
                f"{model.id} has {model.attention_heads} attention heads, which {tp} does not divide; use "
                f"{' or '.join(map(str, good))}",
            )
        if tp < fit.tensor_parallel and not capacity.fit_gpus(model, fit_gpu(fit), tp, pp).fits:
            raise PlanError(
                ("serving", "tensor_parallel"),
                f"{model.id} does not fit on {tp} GPU(s) per node; use {fit.tensor_parallel} or auto",
            )
    if serving.pipeline_parallel != "auto":
        if serving.pipeline_parallel < pp:
            raise PlanError(
                ("serving", "pipeline_parallel"),
                f"{model.id} needs {pp} nodes per replica here; pipeline_parallel {serving.pipeline_parallel} is too "
                "few (use auto)",
            )
        pp = serving.pipeline_parallel
    return tp, pp


def fit_gpu(fit: capacity.Fit) -> str:
    instance = catalog.instance(fit.instance)
    return instance.gpu if instance else fit.instance.split(" x ")[-1]


def _context_length(spec: SelfHostedSpec, model: catalog.Model, final: capacity.Fit) -> int:
    """`auto`: the largest context whose KV cache fits; else the asked length, if it fits."""
    largest = min(model.context_length, final.max_tokens // 1024 * 1024)
    wanted = spec.serving.max_model_len
    if wanted == "auto":
        return largest
    path = ("serving", "max_model_len")
    if wanted > model.context_length:
        raise PlanError(
            path, f"{model.id} has a {model.context_length}-token context; max_model_len can be at most that"
        )
    if wanted > final.max_tokens:
        raise PlanError(
            path,
            f"the KV cache left on {final.describe()} holds {final.max_tokens} tokens; "
            f"max_model_len can be at most {largest} (or use auto)",
        )
    return wanted


def _weights_cache_gi(spec: SelfHostedSpec, model: catalog.Model, weights_gib: float) -> int:
    """The asked size if it holds the weights; by default the weights plus room, in steps of 50 GiB."""
    cache = spec.serving.weights_cache
    needed = math.ceil(weights_gib * 1.1 + 10)
    if "size_gi" not in cache.model_fields_set:
        return max(cache.size_gi, math.ceil(needed / 50) * 50)
    if cache.size_gi < needed:
        raise PlanError(
            ("serving", "weights_cache", "size_gi"),
            f"{model.id}'s weights take {weights_gib:.0f} GiB; the weights cache needs at least {needed} GiB",
        )
    return cache.size_gi


def _hardware(
    spec: SelfHostedSpec, model: catalog.Model, quant: str, util: float
) -> tuple[Optional[str], str, capacity.Fit]:
    """(instance type or None on an existing cluster, GPU type, the fit the parallelism starts from)."""
    if spec.cluster.create == "eks":
        instance_type, fit = _created_cluster_hardware(spec, model, quant, util)
        return instance_type, _instance(instance_type).gpu, fit
    fit = _existing_cluster_hardware(spec, model, quant, util)
    return None, fit_gpu(fit), fit


def plan_serving(spec: SelfHostedSpec, model: catalog.Model) -> ServingPlan:
    """Every number the vLLM deployment needs, or PlanError naming the key to change."""
    serving = spec.serving
    util = serving.gpu_memory_utilization
    quant = _quantization(model, serving.quantization)
    if quant == "awq" and model.mla is not None:
        raise PlanError(("serving", "quantization"), f"{model.id} ships FP8 weights; use quantization: none")
    instance_type, gpu_type, fit = _hardware(spec, model, quant, util)
    tp, pp = _parallelism(spec, model, fit)
    final = capacity.fit_gpus(model, gpu_type, tp, pp, quantization=quant, utilization=util)
    weights = final.weights_gib
    cpu, memory_gi, shm_gi = _pod_size(instance_type, tp, weights / pp)
    notes: list[str] = [_why(instance_type, gpu_type, tp, pp, spec)]
    if instance_type is None:
        notes.append(
            f"existing cluster: pods ask for {tp} x {gpu_type}, {cpu} CPUs and {memory_gi} GiB; "
            "its GPU nodes must have that free"
        )
    facts = catalog.load().vllm
    return ServingPlan(
        model=model.id,
        hf_repo=model.hf_repo,
        image=serving.image or facts.image,
        instance_type=instance_type,
        gpu_type=gpu_type,
        gpus_per_node=tp,
        nodes_per_replica=pp,
        gpus_per_replica=tp * pp,
        tensor_parallel=tp,
        pipeline_parallel=pp,
        max_model_len=_context_length(spec, model, final),
        max_tokens_in_cache=final.max_tokens,
        weights_gib=weights,
        kv_cache_gib=final.kv_cache_gib,
        kv_bytes_per_token=capacity.kv_bytes_per_token(model),
        gpu_memory_utilization=util,
        quantization=quant,
        dtype=capacity.weight_dtype(model, quant),
        reasoning_parser=facts.reasoning_parser if model.reasoning else None,
        cpu=cpu,
        memory_gi=memory_gi,
        shm_gi=shm_gi,
        startup_seconds=math.ceil(weights / pp / DOWNLOAD_GIB_PER_S + weights / pp / LOAD_GIB_PER_S + WARMUP_S),
        node_disk_gib=math.ceil((100 + IMAGE_GIB + weights / pp * 1.1) / 50) * 50,
        weights_cache_gi=_weights_cache_gi(spec, model, weights),
        notes=tuple(notes),
    )


def _why(instance_type: Optional[str], gpu_type: str, tp: int, pp: int, spec: SelfHostedSpec) -> str:
    """One line that says what the planner chose for a replica and why."""
    node = instance_type or f"{tp} x {gpu_type}"
    asked = spec.cluster.node_instance_type if instance_type else spec.serving.gpu.count != "auto"
    how = "as the spec asks" if asked else "the fewest nodes that hold the weights and a KV cache"
    layout = f"tensor parallel {tp} inside each node" + (f", {pp} pipeline stages across nodes" if pp > 1 else "")
    return f"planner: each replica runs on {pp} x {node} ({how}); {layout}"


def _instance(name: str) -> catalog.Instance:
    """An instance type the planner already checked the catalog knows."""
    instance = catalog.instance(name)
    if instance is None:  # pragma: no cover - _created_cluster_hardware refuses unknown names first
        raise PlanError(("cluster", "node_instance_type"), f"'{name}' is not a GPU instance type the catalog knows")
    return instance


def _pod_size(instance_type: Optional[str], gpus: int, weights_per_node_gib: float) -> tuple[int, int, int]:
    """CPU cores, memory GiB (incl. /dev/shm) and /dev/shm GiB for one pod; requests = limits."""
    shm = 16 if gpus > 1 else 2  # NCCL needs shared memory once GPUs talk to each other
    instance = catalog.instance(instance_type) if instance_type else None
    if instance is not None:
        share = gpus / instance.gpus
        # Leave ~15% of the node for the kubelet, system daemons and the device plugin.
        cpu = max(1, math.floor(instance.vcpus * share * 0.85))
        memory = max(8, math.floor(instance.memory_gib * share * 0.85))
        return cpu, memory, min(shm, memory // 4)
    cpu = 4 * gpus
    memory = max(16 * gpus, math.ceil(weights_per_node_gib * 0.5)) + shm
    return cpu, memory, shm
