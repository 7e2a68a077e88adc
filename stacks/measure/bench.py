"""`deploy bench`: a bounded, priced load test of one target, level by level, through llmeter.

Reaching a cluster-internal Service: a `kubectl port-forward` suits a light run (the caps here, at
most 64 requests in flight): it tunnels through the API server to one pod, which adds latency and
caps throughput, and it never spreads load over replicas. A heavy run belongs inside the cluster, as
a bounded Kubernetes Job running the same load generator against the Service (not built yet).
`deploy bench` starts and stops the port-forward itself (stacks/call/portforward.py), as `invoke` does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from ..call.target import Target
from ..errors import FAILED, DeployError
from . import load as driver
from . import report
from .dataset import Prompt
from .limits import Load
from .price import Estimate, estimate
from .stats import Slo

Notify = Callable[[str], None]
FILES = ("bench.json", "report.md", "latency-throughput.png")


@dataclass(frozen=True)
class Bench:
    """One bench: where, how much, with what prompts, judged against which SLO, within what budget."""

    target: Target
    load: Load
    prompts: Sequence[Prompt]
    slo: Slo
    max_cost_usd: Optional[float]


def budget(bench: Bench) -> Estimate:
    """The spend estimate; stops (exit 1) before any request when it is over `--max-cost`.

    An unknown price (no catalog entry for a model named by hand) is not an error: the caller shows
    that the cap cannot be enforced, and the request caps still bound the run.
    """
    spend = estimate(bench.target, bench.load, bench.prompts)
    limit = bench.max_cost_usd
    if limit is not None and spend.usd is not None and spend.usd > limit:
        raise DeployError(
            f"estimated spend ${spend.usd:.2f} is over --max-cost ${limit:.2f} ({spend.basis}); lower "
            "--requests, --duration, --concurrency or --max-tokens, or raise --max-cost",
            FAILED,
        )
    return spend


def run(bench: Bench, spend: Estimate, notify: Notify) -> dict[str, Any]:
    """Warm up once, then every concurrency level in turn; the `bench --json` document."""
    target, load = bench.target, bench.load
    endpoint = driver.endpoint(target, max(load.levels))
    payload = driver.payloads(target, bench.prompts, load.max_tokens)
    driver.warm_up(endpoint, payload[0], target, notify)
    levels = []
    for concurrency in load.levels:
        size = f"{load.duration_s:g} s" if load.duration_s is not None else f"{load.planned(concurrency)} requests"
        notify(f"concurrency {concurrency}: {size}...")
        level = driver.run_level(endpoint, payload, concurrency, load, bench.slo)
        levels.append(level)
        line = level.summary()
        notify(
            f"concurrency {concurrency}: {line['requests']} requests, {line['errors']} errors, "
            f"TTFT p50 {line['ttft_ms']['p50']} ms, {line['output_tokens_per_s']} output tokens/s"
        )
    return report.document(
        target.endpoint,
        target.mode,
        levels,
        slo=bench.slo,
        api=driver.api(target),
        max_tokens=load.max_tokens,
        estimated_cost_usd=spend.usd,
    )


def write(doc: dict[str, Any], directory: str, title: str) -> list[Path]:
    """bench.json, report.md and the plot into DIR (created); returns the paths written."""
    data, markdown, png = (report.out_folder(directory) / name for name in FILES)
    report.write_json(data, doc)
    plotted = any(lv["ttft_ms"]["p50"] is not None for lv in doc["levels"])
    if plotted:
        report.plot(doc, png, title)
    markdown.write_text(report.markdown(doc, title, png.name if plotted else None), encoding="utf-8")
    return [data, markdown, png] if plotted else [data, markdown]
