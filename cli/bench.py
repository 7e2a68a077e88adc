"""`deploy bench SPEC`: a bounded, priced load test of the deployed endpoint (CLI.md); stacks/measure does it."""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

import typer

from .lifecycle import BackendOpt, InstallOpt, SecretsOpt, StackOpt
from .targets import ApiKeyOpt, EndpointOpt, ModelIdOpt

Spec = typer.Argument(..., metavar="SPEC", help="The spec file.")
DEFAULT_MAX_COST_USD = 5.0


def command(
    spec: str = Spec,
    concurrency: str = typer.Option(
        "1,4,16", "--concurrency", help="Requests in flight, one level per value (at most 64)."
    ),
    requests: Optional[int] = typer.Option(
        None, "--requests", help="Requests per level (default 32; at most 2000 in all)."
    ),
    duration: Optional[float] = typer.Option(None, "--duration", help="Seconds per level instead (at most 600)."),
    dataset: Optional[str] = typer.Option(None, "--dataset", help='JSONL prompts, one {"prompt": ...} per line.'),
    slo_ttft_ms: Optional[float] = typer.Option(None, "--slo-ttft-ms", help="Goodput: time to first token bound."),
    slo_tpot_ms: Optional[float] = typer.Option(None, "--slo-tpot-ms", help="Goodput: time per output token bound."),
    max_cost: float = typer.Option(
        DEFAULT_MAX_COST_USD, "--max-cost", help="Stop before sending when the estimated spend is higher (USD)."
    ),
    max_tokens: int = typer.Option(256, "--max-tokens", help="Answer length cap per request."),
    json_output: bool = typer.Option(False, "--json", help="The result as one JSON document on stdout."),
    out: Optional[str] = typer.Option(None, "--out", help="Write bench.json, report.md and a PNG plot here."),
    endpoint: Optional[str] = EndpointOpt,
    model_id: Optional[str] = ModelIdOpt,
    api_key: Optional[str] = ApiKeyOpt,
    stack: Optional[str] = StackOpt,
    backend: Optional[str] = BackendOpt,
    secrets_provider: Optional[str] = SecretsOpt,
    install_pulumi: bool = InstallOpt,
) -> None:
    """Load-test the deployed endpoint: TTFT, inter-token latency, throughput, goodput; report + plot."""
    from deepseek_deploy.stacks.measure import bench, limits, report
    from deepseek_deploy.stacks.measure import dataset as prompts_file
    from deepseek_deploy.stacks.measure.stats import Slo

    from .output import emit_json, plain, result

    load = limits.plan_load(concurrency, requests, duration, max_tokens)
    prompts = prompts_file.load(dataset) if dataset else list(prompts_file.BUILTIN)
    from deepseek_deploy.stacks.call.portforward import reach

    from .targets import find

    loaded, target = find(
        spec,
        endpoint=endpoint,
        model_id=model_id,
        api_key=api_key,
        stack=stack,
        backend=backend,
        secrets=secrets_provider,
        install_pulumi=install_pulumi,
    )
    run = bench.Bench(target, load, prompts, Slo(slo_ttft_ms, slo_tpot_ms), max_cost)
    spend = bench.budget(run)
    shown = "unknown, --max-cost not enforced" if spend.usd is None else f"${spend.usd:.4f}"
    plain(f"bench {target.endpoint} ({target.mode}): estimated spend {shown}: {spend.basis}")
    with reach(target) as reachable:  # a cluster-internal Service: through a port-forward (see measure/bench.py)
        document = bench.run(replace(run, target=reachable), spend, plain)
    if out:
        for path in bench.write(document, out, loaded.name):
            plain(f"wrote {path}")
    if json_output:
        emit_json(document)
    else:
        for line in report.table(document):
            result(line)
