"""`deploy bench` (CLI.md): the table or one JSON document on stdout, progress on stderr, the report files,
exit 2 for bad input before any request, exit 1 over the cost cap, and no Pulumi when pointed by hand."""

import json
from types import SimpleNamespace

import pytest

from tests.fakes.bedrock_stream_server import FakeBedrockServer
from tests.fakes.openai_server import FakeOpenAIServer

from ..conftest import REPO

SELF_HOSTED = str(REPO / "examples" / "distill-qwen-32b-self-hosted.yaml")
SERVERLESS = str(REPO / "examples" / "r1-serverless.yaml")
LEVEL_KEYS = {"concurrency", "requests", "errors", "ttft_ms", "itl_ms", "e2e_ms", "output_tokens_per_s"}
LEVEL_KEYS |= {"requests_per_s", "goodput_per_s"}


@pytest.fixture
def fake():
    with FakeOpenAIServer(ttft_s=0.05, itl_s=0.01, output_tokens=6, api_key="K") as server:
        yield server


@pytest.fixture
def no_engine(monkeypatch):
    """Fail the test if bench reaches for the Pulumi engine."""
    from deepseek_deploy.cli import lifecycle

    def refuse(*args, **kwargs):
        raise AssertionError("bench touched the Pulumi engine")

    monkeypatch.setattr(lifecycle, "open_engine", refuse)
    monkeypatch.setattr(lifecycle, "_stack_outputs", refuse)


def bench(cli, fake, *extra):
    return cli("bench", SELF_HOSTED, "--endpoint", fake.base_url, "--api-key", "K", "--concurrency", "1,2", *extra)


def test_json_is_one_document_with_the_cli_md_shape(cli, fake, no_engine):
    result = bench(cli, fake, "--requests", "2", "--json", "--slo-ttft-ms", "500")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert document["endpoint"] == fake.base_url and document["mode"] == "self-hosted"
    assert [lv["concurrency"] for lv in document["levels"]] == [1, 2]
    for level in document["levels"]:
        assert set(level) >= LEVEL_KEYS
        assert set(level["ttft_ms"]) == set(level["itl_ms"]) == set(level["e2e_ms"]) == {"p50", "p95", "p99"}
        assert level["errors"] == 0 and level["goodput_per_s"] == level["requests_per_s"] > 0
    assert document["slo"] == {"ttft_ms": 500.0, "tpot_ms": None}
    assert "estimated spend $0.0000" in result.err and "concurrency 2: 2 requests, 0 errors" in result.err


def test_table_on_stdout_and_report_files(cli, fake, no_engine, tmp_path):
    out = tmp_path / "report"
    result = bench(cli, fake, "--requests", "2", "--out", str(out))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("conc  reqs  errors") and len(lines) == 3
    assert sorted(p.name for p in out.iterdir()) == ["bench.json", "latency-throughput.png", "report.md"]
    assert f"wrote {out / 'report.md'}" in result.err
    assert "# Bench: qwen32-onprem" in (out / "report.md").read_text()


def test_the_key_comes_from_the_environment_and_prompts_from_the_dataset(cli, fake, no_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("DEPLOY_API_KEY", "K")
    dataset = tmp_path / "d.jsonl"
    dataset.write_text('{"prompt": "only this one"}\n', encoding="utf-8")
    result = cli(
        "bench",
        SELF_HOSTED,
        "--endpoint",
        fake.base_url,
        "--concurrency",
        "1",
        "--requests",
        "2",
        "--dataset",
        str(dataset),
        "--max-tokens",
        "3",
    )
    assert result.code == 0, result.err
    bodies = [r.body for r in fake.received("/chat/completions")]
    assert {b["messages"][-1]["content"] for b in bodies} == {"only this one"}
    assert {b["max_tokens"] for b in bodies} == {3}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--concurrency", "1,100"), "at most 64"),
        (("--requests", "5", "--duration", "5"), "not both"),
        (("--requests", "1000", "--concurrency", "1,4,16"), "the cap is 2000"),
        (("--duration", "900"), "at most 600"),
    ],
)
def test_bad_options_exit_2_before_any_request(cli, fake, args, says):
    result = cli("bench", SELF_HOSTED, "--endpoint", fake.base_url, *args, "--json")
    assert result.code == 2
    assert says in json.loads(result.out)["error"]["message"]
    assert fake.received() == []


def test_a_bad_dataset_line_is_named_in_the_error_document(cli, fake, tmp_path):
    dataset = tmp_path / "d.jsonl"
    dataset.write_text('{"prompt": "a"}\n{"answer": "b"}\n', encoding="utf-8")
    result = cli("bench", SELF_HOSTED, "--endpoint", fake.base_url, "--dataset", str(dataset), "--json")
    assert result.code == 2
    error = json.loads(result.out)["error"]
    assert (error["file"], error["line"], error["column"]) == (str(dataset), 2, 1)
    assert f"{dataset}:2:1: `prompt` is required" in result.err
    assert fake.received() == []


@pytest.fixture
def bedrock(monkeypatch):
    with FakeBedrockServer(ttft_s=0.05, itl_s=0.01, output_tokens=5, reasoning_tokens=2) as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", server.url)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        yield server


def test_a_serverless_bench_drives_converse_stream(cli, bedrock, no_engine):
    result = cli(
        "bench", SERVERLESS, "--model-id", "us.deepseek.r1-v1:0", "--concurrency", "1,2", "--requests", "2", "--json"
    )
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert document["mode"] == "serverless" and document["api"] == "converse-stream"
    assert all(lv["errors"] == 0 and lv["ttft_ms"]["p50"] for lv in document["levels"])
    assert set(bedrock.model_ids()) == {"us.deepseek.r1-v1:0"}
    assert "estimated spend $0.0" in result.err and "bedrock-prices-r1-3p" in result.err


def test_over_the_cost_cap_exits_1_before_any_request(cli, bedrock, no_engine):
    result = cli(
        "bench", SERVERLESS, "--model-id", "us.deepseek.r1-v1:0", "--requests", "100", "--max-cost", "0.01", "--json"
    )
    assert result.code == 1
    message = json.loads(result.out)["error"]["message"]
    assert message.startswith("estimated spend $") and "is over --max-cost $0.01" in message
    assert bedrock.received() == []


def stack(monkeypatch, outputs):
    from deepseek_deploy.cli import lifecycle
    from deepseek_deploy.stacks.sizing.deployment import resolve_file

    def stack_outputs(spec, *options):
        return resolve_file(spec), None, SimpleNamespace(outputs=outputs, secret_outputs=set())

    monkeypatch.setattr(lifecycle, "_stack_outputs", stack_outputs)


def test_without_endpoint_the_target_comes_from_the_stack_outputs(cli, fake, monkeypatch):
    stack(monkeypatch, {"external_endpoint": fake.url, "api_key": "K"})
    result = cli("bench", SELF_HOSTED, "--concurrency", "1", "--requests", "1", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["endpoint"] == fake.base_url
    assert {r.headers["authorization"] for r in fake.received("/chat/completions")} == {"Bearer K"}  # the stack's key


def test_a_cluster_internal_service_is_reached_through_kubectl_port_forward(cli, monkeypatch, tmp_path):
    """bench starts the port-forward itself; with no kubectl it says so before any request (exit 3)."""
    stack(monkeypatch, {"endpoint": "http://vllm.llm.svc:8000", "namespace": "llm", "service": "vllm"})
    monkeypatch.setenv("PATH", str(tmp_path))
    result = cli("bench", SELF_HOSTED, "--json")
    assert result.code == 3
    assert "kubectl" in json.loads(result.out)["error"]["message"]


def test_without_pulumi_the_stack_path_is_a_missing_prerequisite(cli, no_pulumi):
    assert cli("bench", SELF_HOSTED, "--json").code == 3
