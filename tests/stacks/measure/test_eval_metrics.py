"""Per-deployment figures from hand-built rows: score, n, cost per 1,000 requests at the catalog's token prices
(null when unpriced), latency percentiles, interventions, and a gateway's tier shares, cost saved and quality
kept, each checked against a hand computation."""

from __future__ import annotations

import pytest

from deepseek_deploy.stacks.call.answer import INTERVENED, Answer, GuardrailResult
from deepseek_deploy.stacks.measure.eval_metrics import price_of, summarize, with_gateways
from deepseek_deploy.stacks.measure.eval_run import Row

R1 = price_of("deepseek-r1", "serverless")  # $1.35 in / $5.40 out per 1M tokens (catalog)
V31 = price_of("deepseek-v3.1", "serverless")  # $0.58 / $1.68


def answer(latency: float, *, tier: str | None = None, guardrail: str = "NONE", tokens: tuple = (1000, 500)) -> Answer:
    return Answer(
        reasoning="",
        answer="x",
        input_tokens=tokens[0],
        output_tokens=tokens[1],
        latency_ms=latency,
        ttft_ms=latency / 4,
        ttfa_ms=latency / 2,
        guardrail=GuardrailResult(guardrail),
        mode="openai",
        model="m",
        served_by=tier,
    )


def test_the_catalog_prices_used():
    assert (R1.input_per_1m, R1.output_per_1m, V31.input_per_1m, V31.output_per_1m) == (1.35, 5.4, 0.58, 1.68)
    assert price_of("distill-qwen-7b", "self-hosted") is None and price_of("not-a-model", "serverless") is None


def test_one_deployment_by_hand():
    rows = [
        Row(0, answer(100), score=1.0),
        Row(1, answer(200), score=0.0),
        Row(2, answer(300, guardrail=INTERVENED), score=1.0),
        Row(3, answer(400), score=None),  # unscored: counted in requests, not in n
        Row(4, error="HTTP 500"),
    ]
    result = summarize("r1", "serverless", "deepseek-r1", rows, price=R1, seed=0)
    assert result["score"] == pytest.approx(2 / 3, abs=1e-4) and result["n"] == 3
    assert (result["requests"], result["errors"], result["unscored"], result["first_error"]) == (5, 1, 1, "HTTP 500")
    # 1000 x 1.35 / 1e6 + 500 x 5.40 / 1e6 = 0.00405 USD per request -> 4.05 per 1,000
    assert result["cost_per_1k_requests_usd"] == pytest.approx(4.05)
    assert result["latency_ms"] == {"p50": 250.0, "p95": 385.0}  # 100..400: linear between ranks
    assert result["ttfa_ms"] == {"p50": 125.0, "p95": 192.5}
    assert result["interventions"] == 1 and result["tiers"] == {}
    low, high = result["ci"]
    assert low <= result["score"] <= high
    assert summarize("q", "self-hosted", "distill-qwen-7b", rows, price=None)["cost_per_1k_requests_usd"] is None


def test_a_gateway_against_its_strongest_tier():
    strong = summarize(
        "strong", "serverless", "deepseek-r1", [Row(i, answer(900), score=1.0) for i in range(4)], price=R1
    )
    fast = summarize(
        "fast", "serverless", "deepseek-v3.1", [Row(i, answer(90), score=0.5) for i in range(4)], price=V31
    )
    gateway_rows = [
        Row(0, answer(90, tier="fast"), score=1.0),
        Row(1, answer(90, tier="fast"), score=1.0),
        Row(2, answer(90, tier="fast"), score=0.0),
        Row(3, answer(900, tier="strong"), score=1.0),
    ]
    gateway = summarize("gw", "openai", "deepseek-r1", gateway_rows, price=R1, tier_prices={"fast": V31, "strong": R1})
    with_gateways([gateway, fast, strong])
    assert gateway["tiers"] == {
        "fast": {"share": 0.75, "requests": 3, "score": pytest.approx(2 / 3, abs=1e-4)},
        "strong": {"share": 0.25, "requests": 1, "score": 1.0},
    }
    # fast: 1000 x 0.58 / 1e6 + 500 x 1.68 / 1e6 = 0.00142; strong 0.00405; (3 x 0.00142 + 0.00405) / 4 x 1000
    assert gateway["cost_per_1k_requests_usd"] == pytest.approx(2.0775)
    assert gateway["gateway"] == {
        "strongest": "strong",  # the dearer tier, although `fast` is evaluated too
        "cost_saved_per_1k_usd": pytest.approx(4.05 - 2.0775),
        "cost_saved_share": pytest.approx(round((4.05 - 2.0775) / 4.05, 4)),
        "quality_kept": 0.75,  # 0.75 / 1.0
    }
    assert "gateway" not in fast and "gateway" not in strong


def test_a_gateway_without_its_tiers_evaluated_reports_shares_only():
    rows = [Row(0, answer(90, tier="fast"), score=1.0)]
    gateway = summarize("gw", "openai", "deepseek-r1", rows, price=None, tier_prices={"gw": None})
    with_gateways([gateway])
    assert gateway["tiers"]["fast"]["share"] == 1.0 and gateway["cost_per_1k_requests_usd"] is None
    assert gateway["gateway"] == {
        "strongest": None,
        "cost_saved_per_1k_usd": None,
        "cost_saved_share": None,
        "quality_kept": None,
    }
