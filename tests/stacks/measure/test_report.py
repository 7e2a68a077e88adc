"""The result document (CLI.md `bench --json`), the table, the Markdown report and the plot."""

import json

from deepseek_deploy.stacks.measure import bench, report
from deepseek_deploy.stacks.measure.stats import Level, Record, Slo

CLI_LEVEL_KEYS = {
    "concurrency",
    "requests",
    "errors",
    "ttft_ms",
    "itl_ms",
    "e2e_ms",
    "output_tokens_per_s",
    "requests_per_s",
    "goodput_per_s",
}


def levels():
    fast = Record(ok=True, ttft_s=0.1, e2e_s=0.5, output_tokens=5, chunk_times=(0.1, 0.2, 0.3, 0.4, 0.5))
    slow = Record(ok=True, ttft_s=0.4, e2e_s=1.2, output_tokens=5, chunk_times=(0.4, 0.6, 0.8, 1.0, 1.2))
    throttled = Record(ok=False, error="Error code: 429 - slow down")
    return [Level(1, [fast, fast], 1.0, Slo(ttft_ms=200)), Level(4, [fast, slow, slow, throttled], 1.5, Slo(200))]


def doc():
    return report.document(
        "http://127.0.0.1:1/v1",
        "self-hosted",
        levels(),
        slo=Slo(200),
        api="openai",
        max_tokens=64,
        estimated_cost_usd=0,
    )


def test_document_has_the_cli_md_shape():
    document = json.loads(json.dumps(doc()))  # what --json prints
    assert {"endpoint", "mode", "levels"} <= set(document)
    assert document["endpoint"] == "http://127.0.0.1:1/v1" and document["mode"] == "self-hosted"
    for level in document["levels"]:
        assert set(level) >= CLI_LEVEL_KEYS
        for key in ("ttft_ms", "itl_ms", "e2e_ms"):
            assert set(level[key]) == {"p50", "p95", "p99"}
    assert [lv["concurrency"] for lv in document["levels"]] == [1, 4]
    assert document["levels"][1]["throttles"] == 1
    assert document["levels"][1]["goodput_per_s"] == round(1 / 1.5, 2)


def test_table_lines_up_one_row_per_level():
    lines = report.table(doc())
    assert lines[0].split()[:3] == ["conc", "reqs", "errors"]
    assert lines[1].split()[0] == "1" and lines[2].split()[0] == "4"
    assert "1 (1 throttled)" in lines[2]
    assert lines[0].index("ttft") == lines[1].index("100")  # columns align


def test_written_report_json_and_plot(tmp_path):
    paths = bench.write(doc(), str(tmp_path / "out"), "demo")
    assert [p.name for p in paths] == ["bench.json", "report.md", "latency-throughput.png"]
    assert json.loads(paths[0].read_text())["levels"][0]["concurrency"] == 1
    markdown = paths[1].read_text()
    assert "# Bench: demo" in markdown and "TTFT <= 200 ms" in markdown
    assert "| 4 | 4 | 1 (1 throttled) |" in markdown
    assert "![latency against throughput](latency-throughput.png)" in markdown
    assert "concurrency 4: first error: Error code: 429" in markdown
    png = paths[2].read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000


def test_no_plot_when_nothing_succeeded(tmp_path):
    failed = report.document(
        "e",
        "serverless",
        [Level(1, [Record(ok=False, error="x")], 1.0)],
        slo=Slo(),
        api="a",
        max_tokens=1,
        estimated_cost_usd=None,
    )
    paths = bench.write(failed, str(tmp_path), "demo")
    assert [p.name for p in paths] == ["bench.json", "report.md"]
    assert "estimated cost: unknown" in paths[1].read_text()


def test_a_plot_of_one_chunk_answers_has_no_inter_token_latency_and_still_draws(tmp_path):
    """An answer in one chunk has no gap between chunks: ITL is unknown (None), which the plot skips."""
    whole = Record(ok=True, ttft_s=0.01, e2e_s=0.01, output_tokens=5, chunk_times=(0.01,))
    document = report.document(
        "http://127.0.0.1:1/v1", "openai", [Level(1, [whole, whole], 1.0, Slo())], slo=Slo(), api="openai",
        max_tokens=8, estimated_cost_usd=None,
    )  # fmt: skip
    assert document["levels"][0]["itl_ms"]["p50"] is None
    paths = bench.write(document, str(tmp_path / "out"), "one chunk")
    assert paths[2].read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
