"""Is the deployment answering? A real probe per mode, with its latency (`deploy status`).

- self-hosted (vLLM) and `--endpoint`: GET /health, which vLLM serves at the server root, not under
  /v1 (https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html); 200 means ready.
- a gateway: GET /health/readiness, LiteLLM's unauthenticated readiness probe (its /health needs a key
  and calls every model: https://docs.litellm.ai/docs/proxy/health).
- Bedrock modes: the smallest real request (one output token) through the same client `invoke` uses,
  with a guardrail passed on the call kept (an IAM policy may require it). A custom-import model that
  scaled to zero is reported as warming up rather than waited for.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Optional

from ..errors import FAILED, DeployError
from .conversation import ask
from .invoke import checks_guardrail, invoke
from .openai_compat import http
from .portforward import reach
from .request import Request
from .target import GATEWAY_MODEL, Target

TIMEOUT_S = 10.0
GATEWAY_HEALTH = "/health/readiness"


@dataclass(frozen=True)
class Health:
    healthy: bool
    latency_ms: Optional[float]
    detail: Optional[str] = None  # why not, when not


def check(
    target: Target,
    *,
    bedrock: Any = None,
    profile: Optional[str] = None,
    clock: Callable[[], float] = time.monotonic,
    timeout_s: float = TIMEOUT_S,
) -> Health:
    """Probe the target, through a port-forward when it is cluster-internal. A missing prerequisite
    (credentials, kubectl) raises; anything else the endpoint does is a `Health`."""
    try:
        with reach(target) as reachable:
            return probe(reachable, bedrock=bedrock, profile=profile, clock=clock, timeout_s=timeout_s)
    except DeployError as error:
        if error.code != FAILED:
            raise
        return Health(False, None, error.message)


def probe(
    target: Target,
    *,
    bedrock: Any = None,
    profile: Optional[str] = None,
    clock: Callable[[], float] = time.monotonic,
    timeout_s: float = TIMEOUT_S,
) -> Health:
    if target.base_url:
        path = GATEWAY_HEALTH if target.model == GATEWAY_MODEL else "/health"
        return _http_health(health_url(target.base_url, path), clock, timeout_s)
    tiny = Request(turns=ask("ping"), max_tokens=1, warmup_s=0)
    if checks_guardrail(target):  # ApplyGuardrail checks content, not health
        target = replace(target, guardrail=None)
    answer = invoke(target, tiny, bedrock=bedrock, profile=profile, clock=clock)
    return Health(True, answer.latency_ms)


def health_url(base_url: str, path: str = "/health") -> str:
    root = base_url.rstrip("/")
    return f"{root[: -len('/v1')] if root.endswith('/v1') else root}{path}"


def _http_health(url: str, clock: Callable[[], float], timeout_s: float) -> Health:
    start = clock()
    with http(url, "GET", None, None, timeout_s) as response:
        response.read()
    return Health(True, round((clock() - start) * 1000, 1))
