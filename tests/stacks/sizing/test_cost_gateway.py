"""A gateway's cost (stacks/sizing/cost_gateway*.py): --shares, request logs and the blend, by hand.

Unit prices read from stacks/catalog/catalog.yaml:
- deepseek-r1 serverless: $1.35 per 1M input tokens, $5.40 per 1M output tokens.
- deepseek-r1-distill-llama-8b custom-import: 2 Custom Model Units; $0.0785 per CMU-minute, billed in
  5-minute windows (custom_import_price).
A month is 730 hours, so 24,000 requests a day are 24,000 x 730 / 24 = 730,000 requests a month.
"""

import json

import pytest

from deepseek_deploy.stacks.errors import DeployError
from deepseek_deploy.stacks.sizing import cost_gateway, cost_gateway_logs
from deepseek_deploy.stacks.sizing.cost_model import Usage
from deepseek_deploy.stacks.sizing.gateway import resolve_gateway_file

TIERS = {
    "fast.yaml": "name: blend-fast\nmodel: distill-llama-8b\nmode: custom-import\nregion: us-west-2\n"
    "guardrail: false\nobservability: {invocation_logs: shared}\n",
    "reasoning.yaml": "name: blend-reasoning\nmodel: deepseek-r1\nmode: serverless\nregion: us-west-2\n"
    "guardrail: false\n",
    "market.yaml": "name: blend-market\nmodel: distill-llama-8b\nmode: marketplace\nregion: us-west-2\n"
    "guardrail: false\n",
}
GATEWAY = """kind: gateway
name: blend
region: us-west-2
tiers: {{fast: {fast}, reasoning: reasoning.yaml}}
routing: {{strategy: cascade, default: fast, escalate_to: reasoning}}
host: {{platform: ecs-fargate, replicas: 3}}
"""
# The fast tier bills 8 h x 60 / 5 = 96 windows a day whatever its share (a window has a request in it
# once there are more than 96 requests a day): 96 x 5 min x 730 / 24 = 14,600 minutes x 2 CMUs
# = 29,200 CMU-minutes x $0.0785 = $2,292.20.
FAST_MONTHLY = 2292.20


@pytest.fixture
def gateway(tmp_path):
    def make(fast: str = "fast.yaml"):
        for name, text in TIERS.items():
            (tmp_path / name).write_text(text, encoding="utf-8")
        path = tmp_path / "gateway.yaml"
        path.write_text(GATEWAY.format(fast=fast), encoding="utf-8")
        return resolve_gateway_file(str(path))

    return make


def line(**fields):
    return json.dumps({"logger": "deepseek_gateway", **fields})


def request(tier, prompt, completion, probe=False, reason=None):
    return line(
        event="request",
        tier=tier,
        probe=probe,
        reason=reason,
        prompt_tokens=prompt,
        completion_tokens=completion,
        latency_ms=100.0,
        cost_usd=None,
    )


def test_shares_blend_to_the_cent(gateway):
    # 24,000 requests/day, 400 input and 1,000 output tokens; fast answers 80%, reasoning 20%.
    # reasoning: 4,800/day = 146,000 requests/month: 58.4M input x $1.35 = $78.84, 146M output x $5.40 = $788.40,
    #   $867.24. Blend: $2,292.20 + $867.24 = $3,159.44, over 730M output tokens = $4.33 per 1M (4.328).
    # All to reasoning: 292M x $1.35 = $394.20 + 730M x $5.40 = $3,942.00 = $4,336.20 ($5.94 per 1M).
    # Saved: $4,336.20 - $3,159.44 = $1,176.76, 27.1% of $4,336.20.
    usage = Usage(24000, 400, 1000, 8)
    shares = cost_gateway.parse_shares("fast=0.8, reasoning=0.2", ["fast", "reasoning"])
    document = cost_gateway.compare_gateway(gateway(), usage, shares)
    assert set(document) == {"assumptions", "options", "notes", "blend", "tiers"}
    tiers, blend = document["tiers"], document["blend"]
    assert tiers["fast"]["monthly_usd"] == FAST_MONTHLY and tiers["fast"]["requests_per_day"] == 19200
    assert tiers["reasoning"]["monthly_usd"] == 867.24 and tiers["reasoning"]["share"] == 0.2
    reasoning = document["options"][1]
    assert reasoning["tier"] == "reasoning" and reasoning["breakdown"]["input_tokens"]["usd"] == 78.84
    assert reasoning["breakdown"]["output_tokens"]["usd"] == 788.40
    assert blend["monthly_usd"] == 3159.44 and blend["usd_per_1m_output_tokens"] == 4.33
    assert blend["strongest"] == {
        "tier": "reasoning",
        "why": "routing.escalate_to",
        "monthly_usd": 4336.20,
        "usd_per_1m_output_tokens": 5.94,
    }
    assert blend["saved_usd"] == 1176.76 and blend["saved_percent"] == 27.1
    assert blend["gateway_hosting"]["usd"] is None and "not priced" in blend["gateway_hosting"]["note"]
    assert document["assumptions"]["shares_basis"] == "--shares"


def test_no_shares_prices_each_tier_alone_and_gives_no_blend(gateway):
    document = cost_gateway.compare_gateway(gateway(), Usage(24000, 400, 1000, 8))
    assert document["blend"]["monthly_usd"] is None and document["blend"]["saved_usd"] is None
    assert "--shares" in document["blend"]["unknown"] and "--from-logs" in document["blend"]["unknown"]
    assert document["tiers"]["reasoning"]["monthly_usd"] == 4336.20  # as if it served every request
    assert document["tiers"]["fast"]["share"] is None
    assert any("no blend" in note for note in document["notes"])


def test_an_hourly_tier_costs_the_same_whatever_its_share(gateway):
    low = cost_gateway.compare_gateway(gateway("market.yaml"), Usage(240), {"fast": 0.1, "reasoning": 0.9})
    high = cost_gateway.compare_gateway(gateway("market.yaml"), Usage(240), {"fast": 0.9, "reasoning": 0.1})
    assert low["tiers"]["fast"]["billed_hourly"] and low["tiers"]["fast"]["monthly_usd"] is not None
    assert low["tiers"]["fast"]["monthly_usd"] == high["tiers"]["fast"]["monthly_usd"]
    assert any("instance-hour" in note for note in low["options"][0]["notes"])


@pytest.mark.parametrize(
    "text, message",
    [
        ("fast=0.8,slow=0.2", "'slow' is not a tier of this gateway (tiers: fast, reasoning)"),
        ("fast=0.8,reasoning=0.1", "--shares add up to 0.9, not 1"),
        ("fast", "'fast' is not TIER=FRACTION"),
        ("fast=abc,reasoning=1", "fast=abc: the share must be a number from 0 to 1"),
        ("fast=-0.5,reasoning=1.5", "fast=-0.5: the share must be a number from 0 to 1"),
        ("fast=0.5,fast=0.5", "names 'fast' twice"),
        ("fast=0.5,,reasoning=0.5", "'' is not TIER=FRACTION"),
    ],
)
def test_bad_shares_name_the_bad_part(text, message):
    with pytest.raises(DeployError) as caught:
        cost_gateway.parse_shares(text, ["fast", "reasoning"])
    assert caught.value.code == 2 and message in caught.value.message


def test_shares_within_the_tolerance_and_unnamed_tiers_are_zero():
    assert cost_gateway.parse_shares("fast=0.3333333,reasoning=0.6666667", ["fast", "reasoning"])["fast"] == 0.3333333
    assert cost_gateway.parse_shares("reasoning=1", ["fast", "reasoning"]) == {"fast": 0.0, "reasoning": 1.0}


def test_find_event_after_a_prefix_or_inside_a_wrapper():
    event = json.loads(line(event="request", tier="fast"))
    assert (
        cost_gateway_logs.find_event("2026-11-30T10:00:00.000Z INFO {not json} " + line(event="request", tier="fast"))
        == event
    )
    wrapped = json.dumps({"timestamp": 1, "message": "INFO:gateway: " + line(event="request", tier="fast")})
    assert cost_gateway_logs.find_event(wrapped) == event
    assert cost_gateway_logs.find_event('{"logger": "litellm", "event": "request"}') is None
    assert cost_gateway_logs.find_event("Uvicorn running on http://0.0.0.0:4000") is None


LOG = [
    "Uvicorn running on http://0.0.0.0:4000",
    "2026-11-30T10:00:00Z " + line(event="start", scorer="fitted"),
    # a cascade: three probes of fast; one escalates (reason "cascade: ...") and two passed
    "2026-11-30T10:00:01Z INFO " + request("fast", 400, 1000, probe=True),
    "2026-11-30T10:00:02Z INFO " + request("fast", 400, 1000, probe=True),
    json.dumps({"message": request("fast", 400, 1000, probe=True)}),  # a CloudWatch Logs export
    request("reasoning", 400, 3000, reason="cascade: finish_reason length"),
    request("reasoning", 400, 2000, reason="header"),  # pinned by a header: no probe
    "2026-11-30T10:00:03Z " + line(event="failed", tier="fast", error="Timeout"),
    "",
]


def test_logs_count_probes_as_extra_calls_of_the_escalated_request():
    log = cost_gateway_logs.parse_log_lines(LOG, "gateway.log")
    assert (log.lines, log.skipped, log.other_events, log.escalated) == (8, 1, 1, 1)
    assert log.tiers["fast"].probes == 3 and log.tiers["fast"].failed == 1 and log.tiers["reasoning"].requests == 2
    found = cost_gateway_logs.measured(log, ["fast", "reasoning"], "fast")
    # 4 requests: fast answered 3 probes - 1 escalated = 2, reasoning 2; fast was billed 3 calls (0.75 a request)
    fast, reasoning = found.traffic["fast"], found.traffic["reasoning"]
    assert (fast.share, fast.calls_per_request, fast.input_tokens, fast.output_tokens) == (0.5, 0.75, 400, 1000)
    assert (reasoning.share, reasoning.calls_per_request, reasoning.output_tokens) == (0.5, 0.5, 2500)
    # the answers the clients got: 2 fast (1,000 out each) + 3,000 + 2,000 = 7,000 / 4 = 1,750 output tokens
    assert (found.input_tokens, found.output_tokens) == (400, 1750)
    assert found.summary["requests"] == 4 and found.summary["escalated_probes"] == 1
    assert found.summary["failed"] == {"fast": 1, "reasoning": 0} and found.summary["skipped_lines"] == 1


def test_logs_blend_to_the_cent(gateway):
    # 24,000 requests/day. fast: 18,000 calls/day, still 96 windows: $2,292.20.
    # reasoning: 12,000 calls/day = 365,000 a month x 400 = 146M input x $1.35 = $197.10; x 2,500 = 912.5M
    #   output x $5.40 = $4,927.50; $5,124.60. Blend: $7,416.80 over 730,000 x 1,750 = 1,277.5M output tokens
    #   = $5.81 per 1M. All to reasoning: 292M x $1.35 = $394.20 + 1,277.5M x $5.40 = $6,898.50 = $7,292.70.
    # Routing costs $124.10 more (-1.7%): the fast tier's fixed windows outweigh what it saves.
    log = cost_gateway_logs.parse_log_lines(LOG, "gateway.log")
    document = cost_gateway.compare_gateway(gateway(), Usage(24000, 9, 9, 8), log=log)
    assert document["tiers"]["fast"]["monthly_usd"] == FAST_MONTHLY
    assert document["tiers"]["reasoning"]["monthly_usd"] == 5124.60
    blend = document["blend"]
    assert blend["monthly_usd"] == 7416.80 and blend["usd_per_1m_output_tokens"] == 5.81
    assert blend["strongest"]["monthly_usd"] == 7292.70
    assert blend["saved_usd"] == -124.10 and blend["saved_percent"] == -1.7
    assumptions = document["assumptions"]
    assert assumptions["shares_basis"] == "logs" and assumptions["shares"] == {"fast": 0.5, "reasoning": 0.5}
    assert assumptions["output_tokens"] == 1750 and assumptions["logs"]["file"] == "gateway.log"
    assert any("probe" in note for note in document["notes"])


def test_logs_without_requests_are_bad_input(gateway):
    log = cost_gateway_logs.parse_log_lines(["nothing here", line(event="start")], "empty.log")
    with pytest.raises(DeployError) as caught:
        cost_gateway.compare_gateway(gateway(), Usage(), log=log)
    assert caught.value.code == 2 and "no request of this gateway's tiers in 2 lines" in caught.value.message


def test_a_tier_without_a_price_leaves_the_blend_unknown(gateway, tmp_path):
    (tmp_path / "qwen.yaml").write_text(
        "name: blend-qwen\nmodel: distill-qwen-14b\nmode: custom-import\nregion: us-west-2\nguardrail: false\n"
        "observability: {invocation_logs: shared}\n",
        encoding="utf-8",
    )
    document = cost_gateway.compare_gateway(gateway("qwen.yaml"), Usage(), {"fast": 0.8, "reasoning": 0.2})
    assert document["blend"]["monthly_usd"] is None and "tier fast" in document["blend"]["unknown"]
    assert document["blend"]["strongest"]["monthly_usd"] is not None


def test_lines_of_tiers_the_gateway_does_not_have_are_left_out_and_said(gateway):
    log = cost_gateway_logs.parse_log_lines([*LOG, request("retired", 400, 1000)], "gateway.log")
    document = cost_gateway.compare_gateway(gateway(), Usage(24000), log=log)
    assert document["assumptions"]["logs"]["tiers_not_in_gateway"] == {"retired": 1}
    assert document["assumptions"]["logs"]["requests"] == 4
    assert any("retired" in note for note in document["notes"])
