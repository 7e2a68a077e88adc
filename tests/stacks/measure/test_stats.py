"""Per-level figures from per-request records, checked against hand-computed values."""

import pytest

from deepseek_deploy.stacks.measure.stats import Level, Record, Slo, distribution_ms, percentile


def ok(ttft, e2e, tokens, chunks=()):
    return Record(ok=True, ttft_s=ttft, e2e_s=e2e, output_tokens=tokens, chunk_times=tuple(chunks))


def test_percentile_interpolates_between_ranks_like_numpy():
    values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    assert percentile(values, 50) == pytest.approx(5.5)
    assert percentile(values, 95) == pytest.approx(9.55)
    assert percentile(values, 99) == pytest.approx(9.91)
    assert percentile([3.0], 99) == 3.0
    assert percentile([], 50) is None


def test_distribution_is_in_milliseconds():
    assert distribution_ms([0.1, 0.2, 0.3]) == {"p50": 200.0, "p95": 290.0, "p99": 298.0}
    assert distribution_ms([]) == {"p50": None, "p95": None, "p99": None}


def test_inter_token_latency_is_the_gap_between_chunks_not_time_per_token():
    # 3 chunks carrying 9 tokens: two gaps of 0.3 s, while TPOT is (0.7 - 0.1) / 8.
    record = ok(0.1, 0.7, 9, chunks=(0.1, 0.4, 0.7))
    assert record.itl_s == pytest.approx([0.3, 0.3])
    assert record.tpot_s == pytest.approx(0.075)
    assert ok(0.1, 0.1, 1).tpot_s is None


@pytest.mark.parametrize(
    ("error", "throttled"),
    [
        ("Error code: 429 - {'error': 'rate limited'}", True),
        ("An error occurred (ThrottlingException) when calling the ConverseStream operation", True),
        ("Bedrock throttlingException: slow down", True),
        ("Error code: 500 - fake server_error", False),
        ("Connection refused (port 4291)", False),
    ],
)
def test_throttles_are_told_from_other_errors(error, throttled):
    assert Record(ok=False, error=error).throttled is throttled


def test_slo_counts_a_request_only_when_it_meets_every_bound():
    slo = Slo(ttft_ms=200, tpot_ms=50)
    assert slo.met_by(ok(0.15, 0.55, 11))  # tpot 40 ms
    assert not slo.met_by(ok(0.25, 0.55, 11))  # ttft too slow
    assert not slo.met_by(ok(0.15, 1.15, 11))  # tpot 100 ms
    assert not slo.met_by(Record(ok=False, error="boom"))
    assert Slo().met_by(ok(5.0, 9.0, 3))


def test_level_summary_from_records():
    records = [
        ok(0.1, 0.5, 5, chunks=(0.1, 0.2, 0.3, 0.4, 0.5)),
        ok(0.3, 0.7, 5, chunks=(0.3, 0.4, 0.5, 0.6, 0.7)),
        Record(ok=False, error="Error code: 429 - slow down"),
        Record(ok=False, error="Error code: 500 - boom"),
    ]
    summary = Level(2, records, wall_s=2.0, slo=Slo(ttft_ms=200)).summary()
    assert summary["requests"] == 4
    assert summary["errors"] == 2
    assert summary["throttles"] == 1
    assert summary["ttft_ms"]["p50"] == 200.0
    assert summary["itl_ms"] == {"p50": 100.0, "p95": 100.0, "p99": 100.0}
    assert summary["e2e_ms"]["p50"] == 600.0
    assert summary["output_tokens_per_s"] == 5.0  # 10 tokens over 2 s
    assert summary["requests_per_s"] == 1.0
    assert summary["goodput_per_s"] == 0.5  # only the first meets TTFT <= 200 ms
    assert summary["first_error"] == "Error code: 429 - slow down"


def test_a_level_where_everything_failed_reports_no_latency():
    summary = Level(1, [Record(ok=False, error="refused")], wall_s=0.5).summary()
    assert summary["ttft_ms"] == {"p50": None, "p95": None, "p99": None}
    assert summary["output_tokens_per_s"] == 0.0 and summary["goodput_per_s"] == 0.0
