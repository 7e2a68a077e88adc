"""`deploy cost`'s arithmetic against cases computed by hand from the catalog's prices.

Conventions (stacks/sizing/cost_model.py): a month is 730 hours (AWS's convention), so 730 / 24 =
30.416667 days; each line item is quantity x unit price rounded to the cent (half up), and a total is
the sum of its rounded lines. Traffic: requests spread evenly over the active hours (default 8 a day).
"""

import pytest

from deepseek_deploy.stacks import catalog
from deepseek_deploy.stacks.sizing import capacity, cost
from deepseek_deploy.stacks.sizing.cost_model import Usage
from deepseek_deploy.stacks.sizing.deployment import resolve_file, resolve_text

from ...conftest import EXAMPLES, MINIMAL

PROFILE = Usage(requests_per_day=1000, input_tokens=500, output_tokens=2000)


def example(name: str):
    return resolve_file(str(next(p for p in EXAMPLES if p.name == name)))


def this_spec(deployment, usage=PROFILE, bench=None) -> dict:
    document = cost.compare(deployment, usage, bench)
    [option] = [o for o in document["options"] if o["this_spec"]]
    return option


def test_r1_serverless_1000_requests_a_day_of_500_in_and_2000_out():
    # Catalog: deepseek-r1 serverless $1.35 per 1M input, $5.40 per 1M output tokens
    # (source bedrock-prices-r1-3p: https://github.com/BerriAI/litellm/pull/9108, as of 2026-11-23).
    # Requests a month: 1,000 x 30.416667 = 30,416.667
    # Input:  30,416.667 x   500 = 15,208,333 tokens = 15.208333M x $1.35 = $20.53125 -> $20.53
    # Output: 30,416.667 x 2,000 = 60,833,333 tokens = 60.833333M x $5.40 = $328.50
    # Total $349.03; per 1M output tokens: $349.03 / 60.833333 = $5.7375 -> $5.74
    option = this_spec(example("r1-serverless.yaml"))
    assert option["breakdown"]["input_tokens"]["usd"] == 20.53
    assert option["breakdown"]["output_tokens"]["usd"] == 328.50
    assert option["monthly_usd"] == 349.03
    assert option["usd_per_1m_output_tokens"] == 5.74
    assert option["sources"] == [
        {"url": "https://github.com/BerriAI/litellm/pull/9108", "as_of": "2026-11-23", "confidence": "third-party"}
    ]
    assert option["throughput_basis"] is None and option["replicas"] is None


def test_custom_import_bills_five_minute_windows_and_scales_to_zero():
    # Catalog: distill-llama-8b takes 2 CMUs (cmi-cmu-3p); CMU v1.0 costs $0.0785 per CMU-minute (cmi-cmu-3p,
    # https://dev.classmethod.jp/articles/amazon-bedrock-custom-model-import-supports-custom-model-unit-visibility,
    # as of 2026-11-23), billed in 5-minute windows (aws-cmi-cost).
    # 1,000 requests over 8 hours = one every 0.48 min, so every 5-minute window of the 8 hours bills:
    # 8 x 60 / 5 = 96 windows a day x 30.416667 days = 2,920 windows = 14,600 minutes
    # 1 copy x 2 CMUs x 14,600 min = 29,200 CMU-minutes x $0.0785 = $2,292.20 (per 1M out: / 60.833333 = $37.68)
    option = this_spec(example("distill-llama-8b-custom-import.yaml"))
    assert option["breakdown"]["model_units"]["quantity"] == pytest.approx(29_200)
    assert option["monthly_usd"] == 2292.20
    assert option["usd_per_1m_output_tokens"] == 37.68
    assert option["sources"][0]["as_of"] == "2026-11-23"


def test_custom_import_with_sparse_traffic_bills_one_window_per_request():
    # 50 requests over 8 hours = one every 9.6 min: each opens its own window, and the model scales to zero
    # between them: 50 windows a day x 30.416667 x 5 min = 7,604.1667 min x 2 CMUs = 15,208.333 CMU-minutes
    # x $0.0785 = $1,193.854 -> $1,193.85
    option = this_spec(example("distill-llama-8b-custom-import.yaml"), Usage(50, 500, 2000))
    assert option["monthly_usd"] == 1193.85


def test_marketplace_is_instance_hours_times_count():
    # Catalog: ml.p4d.24xlarge $25.251/h (sagemaker-price-p4d, https://aws.amazon.com/sagemaker/ai/pricing/,
    # as of 2026-11-30). The example runs 1 instance (autoscaling 1..2), and the planner's estimate
    # (8 x A100-40GB at 1,555 GB/s) serves the 69.4 output tokens/s peak with one.
    # 1 x 730 h x $25.251 = $18,433.23
    option = this_spec(example("distill-llama-70b-marketplace.yaml"))
    assert option["hardware"] == "1 x ml.p4d.24xlarge" and option["replicas"] == 1
    assert option["breakdown"]["instances"] == {
        "quantity": 730,
        "unit": "instance-hours (ml.p4d.24xlarge)",
        "unit_usd": 25.251,
        "usd": 18433.23,
    }
    assert option["monthly_usd"] == 18433.23
    assert option["throughput_basis"] == "planner estimate"
    assert option["sources"][0]["url"] == "https://aws.amazon.com/sagemaker/ai/pricing/"


def test_marketplace_scales_to_its_maximum_and_says_when_that_is_too_few():
    # 2,000,000 requests of 2,000 output tokens over 8 h = 138,889 tokens/s: more than 2 instances serve.
    option = this_spec(example("distill-llama-70b-marketplace.yaml"), Usage(2_000_000, 500, 2000))
    assert option["replicas"] == 2 and option["monthly_usd"] == 2 * 18433.23
    assert any("the spec allows 2" in note for note in option["notes"])


def test_self_hosted_r1_on_two_p5_nodes_with_control_plane_and_storage():
    # r1-self-hosted-eks.yaml: one replica spans 2 x p5.48xlarge (8 x H100, TP 8 x PP 2); nodes.min 2; EKS 1.36
    # (standard support); expose cluster-ip (no load balancer); weights cache 1,000 GiB gp3, persistent (the
    # replica spans nodes), one volume per pod = 2 pods. The planner's root disk: ceil((100 + 30 + 624.9 / 2 x 1.1)
    # / 50) x 50 = 500 GiB per node.
    # GPU nodes:   2 x 730 h x $55.04 (ec2-gpu-prices-2026-3p, us-east-1)  = $80,358.40
    # Control:     730 h x $0.10 (eks-pricing)                               =     $73.00
    # Root disks:  2 x 500 GiB x $0.08 (ebs-gp3-price-3p)                    =     $80.00
    # Weights:     2 x 1,000 GiB x $0.08                                     =    $160.00
    # Total                                                                  = $80,671.40
    deployment = example("r1-self-hosted-eks.yaml")
    assert deployment.serving.node_disk_gib == 500
    option = this_spec(deployment)
    usd = {name: line["usd"] for name, line in option["breakdown"].items()}
    assert usd == {"gpu_nodes": 80358.40, "control_plane": 73.00, "node_disks": 80.00, "weights_cache": 160.00}
    assert option["monthly_usd"] == 80671.40
    assert option["hardware"] == "2 x p5.48xlarge on EKS (1 replica x 2 nodes)"
    assert option["price_region"] == "not stated by the source, us-east-1"  # EKS's rate names no region


def test_self_hosted_with_a_load_balancer_and_a_shared_efs_cache():
    # distill-qwen-14b-self-hosted-public-lb.yaml: 1 x g6e.xlarge (1 x L40S), EKS 1.36, expose load-balancer
    # (an NLB), weights cache shared (EFS, billed on what it stores: the BF16 weights).
    # GPU node:   1 x 730 h x $1.861 (skypilot-vms, us-east-1)          = $1,358.53
    # Control:    730 h x $0.10                                          =    $73.00
    # Root disk:  1 x 200 GiB x $0.08                                    =    $16.00
    # EFS:        14,770,033,664 params x 2 bytes = 29.540 GB x $0.30    =     $8.86
    # NLB:        730 h x $0.0225 (elb-price-3p) = $16.425               =    $16.43
    # Total                                                              = $1,472.82
    deployment = example("distill-qwen-14b-self-hosted-public-lb.yaml")
    params = capacity.parameter_count(catalog.model("distill-qwen-14b"))
    assert params == 14_770_033_664 and deployment.serving.node_disk_gib == 200
    option = this_spec(deployment)
    usd = {name: line["usd"] for name, line in option["breakdown"].items()}
    assert usd == {
        "gpu_nodes": 1358.53,
        "control_plane": 73.00,
        "node_disks": 16.00,
        "weights_cache": 8.86,
        "load_balancer": 16.43,
    }
    assert option["breakdown"]["weights_cache"]["quantity"] == pytest.approx(params * 2 / 1e9, abs=1e-4)
    assert option["monthly_usd"] == 1472.82


def test_an_existing_cluster_is_unknown_but_still_sized():
    option = this_spec(resolve_text(MINIMAL["self-hosted"]))
    assert option["monthly_usd"] is None and "existing cluster" in option["unknown"]
    assert option["replicas"] == 1 and option["throughput_basis"] == "planner estimate"


def test_extended_support_versions_cost_six_times_the_control_plane():
    spec = MINIMAL["self-hosted"] + "cluster: {create: eks, kubernetes_version: '1.33'}\n"
    option = this_spec(resolve_text(spec))
    line = option["breakdown"]["control_plane"]
    assert line["unit_usd"] == 0.60 and line["usd"] == 438.00  # 730 h x $0.60


def test_every_option_names_its_sources_and_dates():
    document = cost.compare(example("r1-serverless.yaml"), PROFILE)
    modes = {(o["model"], o["mode"]) for o in document["options"]}
    assert ("deepseek-r1", "self-hosted") in modes and ("deepseek-r1", "marketplace") in modes
    assert ("deepseek-r1-distill-llama-70b", "custom-import") in modes  # the distills that could replace it
    assert sum(o["this_spec"] for o in document["options"]) == 1
    for option in document["options"]:
        if option["monthly_usd"] is None:
            assert option["unknown"], option  # says why, never a guess
            continue
        assert option["sources"], option
        for source in option["sources"]:
            assert source["url"].startswith("https://") and len(source["as_of"]) == 10
        assert sum(line["usd"] for line in option["breakdown"].values()) == pytest.approx(option["monthly_usd"])


def test_r1_marketplace_is_unknown_because_no_sagemaker_price_is_sourced():
    document = cost.compare(example("r1-serverless.yaml"), PROFILE)
    [market] = [o for o in document["options"] if o["model"] == "deepseek-r1" and o["mode"] == "marketplace"]
    assert market["monthly_usd"] is None and "ml.p5e.48xlarge" in market["unknown"]


def test_a_distill_spec_compares_its_own_modes_only():
    document = cost.compare(example("distill-llama-8b-custom-import.yaml"), PROFILE)
    assert {o["model"] for o in document["options"]} == {"deepseek-r1-distill-llama-8b"}
    assert [o["mode"] for o in document["options"]] == ["custom-import", "marketplace", "self-hosted"]


def test_plan_keeps_showing_this_specs_estimate():
    estimate = cost.estimate(example("r1-serverless.yaml"))
    # Default profile: 1,000 requests of 1,000 + 1,000 tokens: 30.416667M x ($1.35 + $5.40) = $41.06 + $164.25
    assert estimate["monthly_usd"] == 205.31
    assert estimate["assumptions"]["requests_per_day"] == 1000
    assert estimate["sources"][0]["url"].startswith("https://")
