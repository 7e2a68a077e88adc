"""The planner's choice on an existing cluster: the fewest nodes that fit, tensor parallel inside a node."""

import pytest

from deepseek_deploy.stacks.sizing.deployment import resolve_text

BASE = "name: bot\nmode: self-hosted\nregion: us-west-2\n"


def plan(model: str, gpu: str):
    serving = resolve_text(BASE + f"model: {model}\nserving:\n  gpu: {{type: {gpu}}}\n").serving
    assert serving is not None
    return serving


@pytest.mark.parametrize(
    "model, gpu, nodes, per_node",
    [
        ("deepseek-r1", "H200", 1, 8),  # 8 x 141 GB hold the FP8 weights on one node
        ("deepseek-r1", "H100", 2, 8),  # 8 x 80 GB do not: two nodes, TP 8 x PP 2
        ("distill-qwen-32b", "L40S", 1, 2),  # a dense model stays on one node, with the fewest GPUs
    ],
)
def test_the_fewest_nodes_that_fit_then_the_fewest_gpus(model, gpu, nodes, per_node):
    serving = plan(model, gpu)
    assert (serving.nodes_per_replica, serving.gpus_per_node) == (nodes, per_node)
    assert serving.tensor_parallel == per_node and serving.pipeline_parallel == nodes


def test_the_plan_says_what_it_chose_and_why():
    serving = plan("deepseek-r1", "H200")
    assert serving.notes[0] == (
        "planner: each replica runs on 1 x 8 x H200 (the fewest nodes that hold the weights and a KV cache); "
        "tensor parallel 8 inside each node"
    )
