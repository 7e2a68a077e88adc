"""Replicas from throughput: a bench result (measured) or the planner's estimate, and the sourced figures."""

import dataclasses
import json

import pytest

from deepseek_deploy.stacks import catalog
from deepseek_deploy.stacks.errors import BAD_INPUT, DeployError
from deepseek_deploy.stacks.sizing import cost, cost_facts, throughput
from deepseek_deploy.stacks.sizing.cost_bench import load_bench, parse_bench
from deepseek_deploy.stacks.sizing.cost_model import Usage, dollars
from deepseek_deploy.stacks.sizing.deployment import resolve_file

from ...conftest import EXAMPLES

QWEN14 = str(next(p for p in EXAMPLES if p.name == "distill-qwen-14b-self-hosted-public-lb.yaml"))
# 100,000 requests of 2,000 output tokens over 8 h: 100,000 x 2,000 / 28,800 s = 6,944.4 output tokens/s at peak.
BUSY = Usage(requests_per_day=100_000, input_tokens=500, output_tokens=2000)


def bench(tmp_path, *levels, name="bench.json"):
    path = tmp_path / name
    document = {"endpoint": "http://127.0.0.1:8000/v1", "mode": "self-hosted", "levels": list(levels)}
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def level(concurrency, tokens_per_s, errors=0):
    return {"concurrency": concurrency, "requests": 100, "errors": errors, "output_tokens_per_s": tokens_per_s}


def this_spec(usage, bench_file=None):
    result = load_bench(bench_file) if bench_file else None
    return next(o for o in cost.compare(resolve_file(QWEN14), usage, result)["options"] if o["this_spec"])


def test_the_bench_result_sets_the_replica_count(tmp_path):
    # Measured 3,000 tokens/s per replica: ceil(6,944.4 / 3,000) = 3 replicas (autoscaling allows 1..3),
    # so 3 x g6e.xlarge x 730 h x $1.861 = $4,075.59 of GPU nodes.
    slow = this_spec(BUSY, bench(tmp_path, level(1, 900), level(16, 3000), level(64, 5000, errors=4)))
    assert slow["throughput_basis"] == "bench" and slow["replicas"] == 3
    assert slow["breakdown"]["gpu_nodes"]["usd"] == 4075.59
    assert "3,000.0 output tokens/s" in slow["throughput"]  # the best level without errors
    # Measured 8,000 tokens/s: one replica serves the peak.
    fast = this_spec(BUSY, bench(tmp_path, level(32, 8000), name="fast.json"))
    assert fast["replicas"] == 1 and fast["breakdown"]["gpu_nodes"]["usd"] == 1358.53
    planned = this_spec(BUSY)
    assert planned["throughput_basis"] == "planner estimate" and "upper bound" in planned["throughput"]


def test_a_bench_result_does_not_change_a_serverless_price(tmp_path):
    deployment = resolve_file(str(next(p for p in EXAMPLES if p.name == "r1-serverless.yaml")))
    result = load_bench(bench(tmp_path, level(1, 10)))
    option = next(o for o in cost.compare(deployment, BUSY, result)["options"] if o["this_spec"])
    assert option["monthly_usd"] == cost.compare(deployment, BUSY)["options"][0]["monthly_usd"]
    assert any("does not change it" in note for note in option["notes"])


def test_the_bench_scales_custom_import_copies(tmp_path):
    deployment = resolve_file(str(next(p for p in EXAMPLES if p.name == "distill-llama-8b-custom-import.yaml")))
    result = load_bench(bench(tmp_path, level(8, 2500)))
    option = next(o for o in cost.compare(deployment, BUSY, result)["options"] if o["this_spec"])
    # ceil(6,944.4 / 2,500) = 3 copies; 100,000 requests fill all 96 windows a day: 3 x 2 x 14,600 CMU-minutes
    assert option["replicas"] == 3 and option["breakdown"]["model_units"]["quantity"] == pytest.approx(87_600)
    assert option["monthly_usd"] == 6876.60  # 87,600 x $0.0785


def test_the_planners_estimate_is_decode_bound_by_memory_bandwidth():
    # 8 x H100 (3,350 GB/s each), 100 GiB of weights, 1,000 KV bytes a token, a cache of 100,000 tokens;
    # requests of 500 + 500 tokens: the cache holds 100 of them (vLLM's cap on an 80 GB GPU is 1,024).
    # A step reads 100 GiB + 100 sequences x 750 tokens x 1,000 bytes = 107,449,182,400 bytes
    # at 8 x 3.35e12 B/s = 4.00930 ms -> 100 / 0.00400930 = 24,942 output tokens/s.
    hardware = throughput.Hardware("H100", 8, 8, 100.0, 1000, 100_000, mla=False)
    estimate = throughput.decode_estimate(hardware, Usage(1000, 500, 500))
    assert estimate.output_tokens_per_s == pytest.approx(24_942, rel=1e-4)
    assert estimate.sources == ("nvidia-h100-datasheet",)
    # MLA's latent is read on every tensor-parallel rank: 8 x the KV bytes.
    mla = throughput.decode_estimate(dataclasses.replace(hardware, mla=True), Usage(1000, 500, 500))
    assert mla.output_tokens_per_s < estimate.output_tokens_per_s


def test_a_gpu_without_a_sourced_bandwidth_makes_the_estimate_unknown(monkeypatch):
    monkeypatch.setattr(cost_facts, "bandwidth", lambda gpu: None)
    option = this_spec(BUSY)
    assert "unknown" in option["throughput"] and option["replicas"] == 1  # the spec's minimum, and says so
    assert any("throughput unknown" in note for note in option["notes"])


def test_every_catalog_gpu_has_a_sourced_bandwidth():
    for gpu in catalog.load().gpus:
        figure = cost_facts.bandwidth(gpu)
        assert figure is not None and figure.value > 0, gpu
        assert catalog.source(figure.source).as_of == "2026-12-01"


def test_cost_facts_are_read_strictly():
    with pytest.raises(ValueError, match="expected the keys"):
        cost_facts._entry(
            "unit_prices.x", {"usd": 1, "per": "hour", "source": "eks-pricing"}, cost_facts.UNIT_PRICE_KEYS
        )
    with pytest.raises(ValueError, match="not in `sources`"):
        cost_facts._entry("x", {"gb_per_s": 1, "source": "nowhere"}, cost_facts.BANDWIDTH_KEYS)
    with pytest.raises(ValueError, match="positive number"):
        cost_facts._number("x", -1)


@pytest.mark.parametrize(
    "document, message",
    [
        ([], "expected a JSON object"),
        ({"levels": []}, "non-empty list"),
        ({"levels": [{"output_tokens_per_s": -1}]}, r"levels\[0\].output_tokens_per_s"),
        ({"levels": [{"output_tokens_per_s": "fast"}]}, "must be a number"),
        ({"levels": [{"output_tokens_per_s": 10, "errors": -2}]}, "must be a count"),
        ({"levels": [{"output_tokens_per_s": 0}]}, "no level measured"),
    ],
)
def test_malformed_bench_documents_are_bad_input(document, message):
    with pytest.raises(DeployError, match=message) as error:
        parse_bench(document, "b.json")
    assert error.value.code == BAD_INPUT and error.value.message.startswith("b.json: ")


def test_unreadable_and_non_json_bench_files_name_the_file(tmp_path):
    with pytest.raises(DeployError, match="cannot read it") as missing:
        load_bench(str(tmp_path / "nope.json"))
    assert missing.value.code == BAD_INPUT
    broken = tmp_path / "broken.json"
    broken.write_text('{"levels": [\n  {"output_tokens_per_s": 1,}\n]}', encoding="utf-8")
    with pytest.raises(DeployError, match=r"broken.json:2:\d+: not JSON") as error:
        load_bench(str(broken))
    assert error.value.code == BAD_INPUT


@pytest.mark.parametrize(
    "usage",
    [
        Usage(-1),
        Usage(float("nan")),
        Usage(input_tokens=-5),
        Usage(output_tokens=-1),
        Usage(active_hours_per_day=0),
        Usage(active_hours_per_day=float("nan")),
    ],
)
def test_negative_or_impossible_traffic_is_bad_input(usage):
    with pytest.raises(DeployError) as error:
        usage.check()
    assert error.value.code == BAD_INPUT


def test_unit_prices_print_as_written():
    assert [dollars(p) for p in (5.4, 0.0785, 63.296, 25.251, 0.0225)] == [
        "$5.40",
        "$0.0785",
        "$63.296",
        "$25.251",
        "$0.0225",
    ]
