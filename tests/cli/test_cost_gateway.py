"""`deploy cost GATEWAY.yaml`: the tiers, the blend, --shares and --from-logs, through the CLI.

Unit prices from stacks/catalog/catalog.yaml: deepseek-r1 serverless $1.35 / $5.40 per 1M input / output
tokens; distill-llama-8b custom-import 2 CMUs at $0.0785 per CMU-minute in 5-minute windows. A month is
730 hours: 24,000 requests a day are 730,000 a month.
"""

import json

import pytest

from ..conftest import REPO

HYBRID = str(REPO / "examples" / "hybrid" / "assistant.yaml")
R1 = str(REPO / "examples" / "r1-serverless.yaml")
PROFILE = ("--requests-per-day", "24000", "--input-tokens", "400", "--output-tokens", "1000")
TIERS = {
    "fast.yaml": "name: blend-fast\nmodel: distill-llama-8b\nmode: custom-import\nregion: us-west-2\n"
    "guardrail: false\nobservability: {invocation_logs: shared}\n",
    "reasoning.yaml": "name: blend-reasoning\nmodel: deepseek-r1\nmode: serverless\nregion: us-west-2\n"
    "guardrail: false\n",
}
GATEWAY = """kind: gateway
name: blend
region: us-west-2
tiers: {fast: fast.yaml, reasoning: reasoning.yaml}
routing: {strategy: cascade, default: fast, escalate_to: reasoning}
host: {platform: kubernetes, replicas: 2}
"""


@pytest.fixture
def gateway(tmp_path):
    for name, text in {**TIERS, "gateway.yaml": GATEWAY}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return str(tmp_path / "gateway.yaml")


def event(**fields):
    return json.dumps({"logger": "deepseek_gateway", **fields})


def test_shares_give_the_blend_to_the_cent(cli, gateway):
    # fast: 96 five-minute windows a day (8 h x 60 / 5) x 5 min x 730 / 24 = 14,600 min x 2 CMUs x $0.0785
    #   = $2,292.20 at any share. reasoning, 20% = 146,000 requests a month: 58.4M x $1.35 = $78.84 +
    #   146M x $5.40 = $788.40 = $867.24. Blend $3,159.44 ($4.33 per 1M of 730M output tokens).
    # All to reasoning: 292M x $1.35 = $394.20 + 730M x $5.40 = $3,942.00 = $4,336.20; saved $1,176.76 (27.1%).
    result = cli("cost", gateway, *PROFILE, "--shares", "fast=0.8,reasoning=0.2", "--json")
    assert result.code == 0 and result.err == ""
    document = result.json()
    assert list(document) == ["assumptions", "blend", "notes", "options", "tiers"]
    assert result.out == json.dumps(document, indent=2, sort_keys=True) + "\n"
    assert [o["tier"] for o in document["options"]] == ["fast", "reasoning"]
    assert [o["monthly_usd"] for o in document["options"]] == [2292.20, 867.24]
    blend = document["blend"]
    assert (blend["monthly_usd"], blend["usd_per_1m_output_tokens"]) == (3159.44, 4.33)
    assert blend["strongest"]["tier"] == "reasoning" and blend["strongest"]["monthly_usd"] == 4336.20
    assert (blend["saved_usd"], blend["saved_percent"]) == (1176.76, 27.1)
    assert blend["gateway_hosting"] == {
        "platform": "kubernetes",
        "replicas": 2,
        "usd": None,
        "note": blend["gateway_hosting"]["note"],
    }
    assert document["tiers"]["reasoning"] | {"spec": None} == {
        "spec": None,
        "model": "deepseek-r1",
        "mode": "serverless",
        "share": 0.2,
        "calls_per_request": 0.2,
        "requests_per_day": 4800.0,
        "input_tokens": 400,
        "output_tokens": 1000,
        "monthly_usd": 867.24,
        "billed_hourly": False,
    }


def test_the_table_goes_to_stdout_and_notes_to_stderr(cli, gateway):
    result = cli("cost", gateway, *PROFILE, "--shares", "fast=0.8,reasoning=0.2")
    assert result.code == 0
    assert "$2,292.20" in result.out and "$867.24" in result.out and "80.0%" in result.out
    assert "Blend: $3,159.44/month, $4.33 per 1M output tokens" in result.out
    assert "All to reasoning (routing.escalate_to): $4,336.20/month" in result.out
    assert "Saved by routing: $1,176.76/month (27.1%)" in result.out
    assert "note: " not in result.out and "note: the gateway's own hosting (2 pods on kubernetes)" in result.err


def test_without_shares_each_tier_is_priced_alone_and_the_blend_is_not_invented(cli):
    result = cli("cost", HYBRID, "--json")
    assert result.code == 0
    document = result.json()
    assert document["blend"]["monthly_usd"] is None and document["blend"]["saved_usd"] is None
    assert "--shares" in document["blend"]["unknown"] and document["assumptions"]["shares_basis"] == "none"
    # the hybrid example's fast tier (distill-qwen-14b imported) has no CMU count in the catalog: unknown
    assert document["tiers"]["fast"]["monthly_usd"] is None and document["tiers"]["reasoning"]["share"] is None
    text = cli("cost", HYBRID)
    assert "Blend unknown: no blend" in text.out and "--from-logs" in text.err


def test_from_logs_measures_shares_and_counts_probes(cli, gateway, tmp_path):
    logs = tmp_path / "gateway.log"
    lines = [
        "assistant-gateway-7d9 litellm Uvicorn running on http://0.0.0.0:4000",
        "2026-11-30T10:00:01Z INFO "
        + event(event="request", tier="fast", probe=True, prompt_tokens=400, completion_tokens=1000, cost_usd=None),
        json.dumps(
            {
                "message": event(
                    event="request", tier="fast", probe=True, prompt_tokens=400, completion_tokens=1000, cost_usd=None
                )
            }
        ),
        event(
            event="request",
            tier="reasoning",
            probe=False,
            reason="cascade: finish_reason length",
            prompt_tokens=400,
            completion_tokens=3000,
            cost_usd=0.0167,
        ),
        event(event="failed", tier="reasoning", error="Throttled"),
    ]
    logs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("cost", gateway, "--requests-per-day", "24000", "--from-logs", str(logs), "--json")
    assert result.code == 0, result.err
    document = result.json()
    # 2 requests: one probe passed (fast), one escalated (reasoning); fast was billed 2 calls for them
    assert document["assumptions"]["shares"] == {"fast": 0.5, "reasoning": 0.5}
    assert document["tiers"]["fast"]["calls_per_request"] == 1.0
    summary = document["assumptions"]["logs"]
    assert (summary["requests"], summary["probes"], summary["escalated_probes"]) == (2, 2, 1)
    assert summary["skipped_lines"] == 1 and summary["failed"]["reasoning"] == 1
    assert summary["logged_cost_usd"]["reasoning"] == 0.0167
    # the answers the clients got: 1,000 + 3,000 output tokens over 2 requests
    assert document["assumptions"]["output_tokens"] == 2000


@pytest.mark.parametrize(
    "args, message",
    [
        (("--shares", "fast=0.8,slow=0.2"), "'slow' is not a tier of this gateway"),
        (("--shares", "fast=0.5,reasoning=0.4"), "--shares add up to 0.9, not 1"),
        (("--shares", "fast:1"), "'fast:1' is not TIER=FRACTION"),
        (("--shares", "fast=x,reasoning=1"), "fast=x: the share must be a number from 0 to 1"),
        (("--shares", "fast=1", "--from-logs", "x.log"), "give --shares or --from-logs, not both"),
        (("--from-logs", "/nonexistent/gateway.log"), "--from-logs /nonexistent/gateway.log:"),
        (("--from-bench", "bench.json"), "--from-bench prices one deployment"),
    ],
)
def test_bad_input_is_exit_2_and_one_json_document(cli, gateway, args, message):
    result = cli("cost", gateway, *args, "--json")
    assert result.code == 2 and "Traceback" not in result.err
    document = json.loads(result.out)  # exactly one document on stdout
    assert document["error"]["code"] == 2 and message in document["error"]["message"]
    text = cli("cost", gateway, *args)
    assert text.code == 2 and message in text.err and text.out == ""


def test_empty_logs_are_bad_input(cli, gateway, tmp_path):
    logs = tmp_path / "empty.log"
    logs.write_text("nothing\n", encoding="utf-8")
    result = cli("cost", gateway, "--from-logs", str(logs), "--json")
    assert result.code == 2 and "no request of this gateway's tiers in 1 lines" in result.json()["error"]["message"]


def test_gateway_options_on_a_single_spec_are_bad_input(cli):
    result = cli("cost", R1, "--shares", "fast=1", "--json")
    assert result.code == 2 and "--shares: only for a gateway spec" in result.json()["error"]["message"]
