"""Driving the load with llmeter: one endpoint per target, the requests it sends, and one Runner run
per concurrency level, turned into per-request records.

Per mode, the requests are exactly what `deploy invoke --stream` sends (stacks/call builds them):
serverless ConverseStream (with the guardrail on the call), custom-import and marketplace
InvokeModelWithResponseStream with the import's / the container's body, self-hosted and `--endpoint`
OpenAI chat completions. ApplyGuardrail checks that `invoke` adds around marketplace and self-hosted
calls are not part of the endpoint's latency and are not sent.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, Optional

from ..call import custom_import, marketplace, openai_compat, serverless
from ..call.conversation import ask
from ..call.request import Request
from ..call.target import Target
from ..errors import FAILED, MISSING_PREREQUISITE, DeployError
from .dataset import Prompt
from .limits import Load
from .stats import Level, Record, Slo

TIMEOUT_S = 120.0  # one request; a bench sends short answers (--max-tokens)
WARMUP_BUDGET_S = 300.0  # a custom-import model scaled to zero takes minutes to load
Notify = Callable[[str], None]


def api(target: Target) -> str:
    """Which API the bench drives: `openai`, `converse-stream` or `invoke-stream`."""
    if target.base_url:
        return "openai"
    return "converse-stream" if target.mode == "serverless" else "invoke-stream"


def payloads(target: Target, prompts: Sequence[Prompt], max_tokens: int) -> list[dict[str, Any]]:
    requests = [Request(turns=ask(p.text), max_tokens=max_tokens, stream=True) for p in prompts]
    kind = api(target)
    if kind == "openai":
        return [openai_compat.body(target, r) for r in requests]
    if kind == "converse-stream":
        return [serverless.converse_params(target, r) for r in requests]
    if target.mode == "marketplace":
        return [marketplace.body(r) for r in requests]
    return [custom_import.body(r) for r in requests]


def endpoint(target: Target, max_concurrency: int) -> Any:
    """The llmeter endpoint: no retries, so throttling is counted instead of hidden in the latency."""
    try:
        from . import endpoints
    except ImportError as error:
        raise DeployError(
            f"bench needs llmeter with its OpenAI client ({error}): pip install 'llmeter[openai]==0.2.0' httpx",
            MISSING_PREREQUISITE,
        ) from None

    if target.base_url:
        return endpoints.TimedOpenAIStream(
            model_id=target.served_model or target.model,
            base_url=target.base_url,
            api_key=target.api_key or "none",  # the OpenAI client insists on a key; vLLM without one ignores it
            max_retries=0,
            timeout=TIMEOUT_S,
        )
    client = _bedrock_client(target.region, max_concurrency)
    if api(target) == "converse-stream":
        return endpoints.TimedConverseStream(
            model_id=str(target.model_id), bedrock_boto3_client=client, ttft_visible_tokens_only=False
        )
    extra: dict[str, Any] = {}
    if target.mode == "custom-import":
        full = custom_import.invoke_params(target, Request(turns=ask("x")))
        extra = {k: v for k, v in full.items() if k.startswith("guardrail") or k == "trace"}
    return endpoints.TimedInvokeStream(model_id=str(target.model_id), bedrock_boto3_client=client, call_params=extra)


def _bedrock_client(region: str, max_concurrency: int) -> Any:
    """`AWS_ENDPOINT_URL_BEDROCK_RUNTIME` points it elsewhere (tests); the pool fits every client at once."""
    import boto3
    from botocore.config import Config

    config = Config(
        read_timeout=TIMEOUT_S,
        connect_timeout=10,
        retries={"mode": "standard", "total_max_attempts": 1},
        max_pool_connections=max_concurrency + 2,
    )
    return boto3.client("bedrock-runtime", region_name=region, config=config)


def record(response: Any) -> Record:
    """One llmeter InvocationResponse as a Record."""
    times = tuple(response.annotations.get("chunk_times") or ())
    return Record(
        ok=response.error is None,
        ttft_s=response.time_to_first_token,
        e2e_s=response.time_to_last_token,
        output_tokens=response.num_tokens_output,
        input_tokens=response.num_tokens_input,
        chunk_times=times,
        error=response.error,
        guardrail=bool(response.annotations.get("guardrail")),
    )


def warm_up(endpoint: Any, payload: dict[str, Any], target: Target, notify: Notify) -> None:
    """One request before measuring: it opens connections, wakes a scaled-to-zero import, and stops a
    bench whose endpoint does not answer before hundreds of requests fail the same way."""
    waited, delay = 0.0, 5.0
    while True:
        response = endpoint.invoke(payload)
        if response.error is None:
            return
        if "ModelNotReady" not in response.error or waited >= WARMUP_BUDGET_S:
            raise DeployError(f"{target.endpoint} did not answer the warm-up request: {response.error}", FAILED)
        notify(f"warming up (scales from zero): retrying for up to {WARMUP_BUDGET_S:.0f} s")
        time.sleep(delay)
        waited, delay = waited + delay, min(delay * 2, 60.0)


def _run_apart(coroutine: Any) -> Any:
    """Run llmeter's coroutine on a loop of its own. asyncio.run would leave the thread with no
    current event loop, and Pulumi's runtime (plan, check) in the same process needs one."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def run_level(endpoint: Any, payload: list[dict[str, Any]], concurrency: int, load: Load, slo: Slo) -> Level:
    """One concurrency level through llmeter's Runner; it stops after its requests or its duration."""
    from llmeter import runner as llmeter_runner

    # llmeter draws tqdm bars and a live table on stderr with cursor movements; bench prints its own
    # one line per level instead (readable in CI logs).
    llmeter_runner._disable_tqdm = True
    quiet = logging.getLogger("llmeter")
    before = quiet.level
    quiet.setLevel(logging.CRITICAL)  # a failed request is counted, not logged with a traceback
    try:
        result = _run_apart(
            llmeter_runner.Runner(
                endpoint=endpoint,
                payload=payload,
                clients=concurrency,
                n_requests=load.per_client(concurrency),
                run_duration=load.duration_s,
                timeout=TIMEOUT_S,
                progress_bar_stats={},
            ).run()
        )
    finally:
        quiet.setLevel(before)
    if result.stats.get("interrupted"):  # llmeter turns Ctrl-C into a partial result; the user meant stop
        raise KeyboardInterrupt
    wall: Optional[float] = result.total_test_time
    return Level(concurrency, [record(r) for r in result.responses], float(wall or 0.0), slo)
