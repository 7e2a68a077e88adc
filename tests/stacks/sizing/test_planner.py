"""The self-hosted planner against published figures, and its errors."""

import pytest

from deepseek_deploy.stacks.sizing.deployment import resolve_text as load_text
from deepseek_deploy.stacks.spec.loader import SpecError

BASE = "name: bot\nmode: self-hosted\nregion: us-west-2\n"


def plan(model: str, extra: str = ""):
    return load_text(BASE + f"model: {model}\n" + extra).serving


def error(model: str, extra: str) -> str:
    with pytest.raises(SpecError) as caught:
        load_text(BASE + f"model: {model}\n" + extra, "s.yaml")
    return "\n".join(str(e) for e in caught.value.errors)


def test_llama_8b_bf16_on_one_a10g_matches_the_published_measurement():
    # ai-on-eks: 14.99 GiB of weights and 4.17 GiB of KV cache at gpu-memory-utilization 0.90.
    result = plan("distill-llama-8b", "serving:\n  gpu: {type: A10G, count: 1}\n  gpu_memory_utilization: 0.90\n")
    assert result.weights_gib == pytest.approx(15, abs=0.1)
    assert result.kv_cache_gib == pytest.approx(4.17, abs=0.25)
    assert (result.tensor_parallel, result.pipeline_parallel, result.gpus_per_replica) == (1, 1, 1)
    # The largest context whose KV cache fits: ~34K tokens of 128 KiB each, rounded down to 1K.
    assert result.max_model_len == 33792 and result.kv_bytes_per_token == 131072


def test_a_70b_distill_does_not_fit_one_24_gib_gpu_and_the_error_names_what_fits():
    message = error("distill-llama-70b", "serving:\n  gpu: {type: A10G, count: 1}\n")
    assert "does not fit on 1 x A10G" in message
    assert "g6.48xlarge" in message and "g6e.12xlarge" in message


def test_r1_fp8_needs_two_h100_nodes_or_one_h200_node():
    h100 = plan("r1", "serving:\n  gpu: {type: H100, count: 8}\n")
    assert (h100.tensor_parallel, h100.pipeline_parallel, h100.nodes_per_replica, h100.gpus_per_replica) == (
        8,
        2,
        2,
        16,
    )
    h200 = plan("r1", "serving:\n  gpu: {type: H200, count: 8}\n")
    assert (h200.tensor_parallel, h200.pipeline_parallel, h200.gpus_per_replica) == (8, 1, 8)
    eks = plan("r1", "cluster:\n  create: eks\n  node_instance_type: p5.48xlarge\n  nodes: {min: 2, max: 2}\n")
    assert (eks.instance_type, eks.pipeline_parallel, eks.dtype) == ("p5.48xlarge", 2, "fp8")


def test_auto_picks_the_fewest_gpus_that_fit_and_a_divisor_of_the_heads():
    qwen32 = plan("distill-qwen-32b", "serving:\n  gpu: {type: L4}\n")
    assert qwen32.gpus_per_node == 4  # 61 GiB of weights: two L4s are not enough
    qwen7 = plan("distill-qwen-7b", "cluster:\n  create: eks\n  node_instance_type: g6.48xlarge\n")
    assert qwen7.tensor_parallel == 4  # 28 heads: TP 8 would not divide them


def test_max_model_len_is_capped_by_the_context_and_checked_when_given():
    assert plan("distill-qwen-1.5b", "serving:\n  gpu: {type: H100, count: 1}\n").max_model_len == 131072
    message = error("distill-llama-8b", "serving:\n  gpu: {type: A10G, count: 1}\n  max_model_len: 100000\n")
    assert "at most 33792" in message


def test_explicit_tensor_parallel_must_divide_the_heads():
    message = error(
        "distill-qwen-7b",
        "cluster:\n  create: eks\n  node_instance_type: g6.48xlarge\n  endpoint_public_cidrs: "
        "[203.0.113.0/24]\nserving:\n  tensor_parallel: 8\n",
    )
    assert "28 attention heads" in message and "use 1 or 2 or 4" in message


def test_the_weights_cache_grows_with_the_model_unless_set_too_small():
    assert plan("r1", "serving:\n  gpu: {type: H200, count: 8}\n").weights_cache_gi >= 700
    message = error("r1", "serving:\n  gpu: {type: H200, count: 8}\n  weights_cache: {size_gi: 200}\n")
    assert "weights cache needs at least" in message


def test_pod_sizes_leave_room_for_the_node_and_include_shm():
    result = plan("distill-qwen-7b", "cluster:\n  create: eks\n  node_instance_type: g6.2xlarge\n")
    assert (result.cpu, result.memory_gi, result.shm_gi) == (6, 27, 2)  # 85% of 8 vCPUs / 32 GiB
    multi = plan("distill-qwen-32b", "cluster:\n  create: eks\n  node_instance_type: g6.12xlarge\n")
    assert multi.shm_gi == 16 and multi.memory_gi >= 16


def test_startup_budget_and_disk_grow_with_the_weights():
    small = plan("distill-qwen-1.5b", "serving:\n  gpu: {type: L4, count: 1}\n")
    large = plan("r1", "serving:\n  gpu: {type: H200, count: 8}\n")
    assert small.startup_seconds < large.startup_seconds
    assert large.node_disk_gib >= large.weights_gib


def test_v31_self_hosts_like_r1_but_without_the_r1_reasoning_parser():
    result = plan("deepseek-v3.1", "serving:\n  gpu: {type: H200, count: 8}\n")
    assert (result.hf_repo, result.tensor_parallel, result.gpus_per_replica) == ("deepseek-ai/DeepSeek-V3.1", 8, 8)
    assert result.reasoning_parser is None  # hybrid thinking: deepseek_r1's parser would misread it
    assert result.kv_bytes_per_token == 61 * 576 * 2


def test_the_dec_2024_v3_keeps_its_own_id_for_self_hosting():
    assert plan("deepseek-v3", "serving:\n  gpu: {type: H200, count: 8}\n").hf_repo == "deepseek-ai/DeepSeek-V3"


def test_v3_now_means_v32_which_vllm_pods_cannot_serve_yet():
    message = error("v3", "serving:\n  gpu: {type: H200, count: 8}\n")
    assert "deepseek-v3.2 is not available with mode self-hosted" in message
    assert "--tokenizer-mode deepseek_v32" in message and "Modes that serve deepseek-v3.2: serverless" in message


def test_v3_in_serverless_mode_still_deploys_v32():
    deployment = load_text("name: bot\nmode: serverless\nregion: us-east-1\nmodel: v3\n")
    assert deployment.model.id == "deepseek-v3.2" and deployment.offer.model_id == "deepseek.v3.2"
    assert deployment.model.served_id("serverless") == "deepseek.v3.2"
