"""A gateway stack for the acceptance tests: two fake tiers, a fake guardrail and the real LiteLLM proxy."""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deepseek_deploy.components.gateway import config as gw
from tests.fakes.openai_server import FakeOpenAIServer

from .guardrail_fake import FakeGuardrail
from .proxy import Proxy, base_env, deliver

KEYS = {"backend": "gw-backend-key-0123456789abcdef", "batch": "gw-batch-key-fedcba9876543210"}
REVOKED = "gw-old-key-removed-from-the-spec"
MASTER = "sk-master-" + "9f3a7c1e5b2d4f6a8c0e2b4d6f8a0c2e"
UPSTREAM = {"fast": "fast-upstream", "reasoning": "reasoning-upstream"}


@dataclass
class Stack:
    proxy: Proxy
    fast: FakeOpenAIServer
    reasoning: FakeOpenAIServer
    guard: FakeGuardrail

    def tier_calls(self) -> int:
        return len(self.fast.received("/chat/completions")) + len(self.reasoning.received("/chat/completions"))


@contextmanager
def gateway(folder: Path, routing: gw.Routing) -> Iterator[Stack]:
    fast = FakeOpenAIServer(ttft_s=0.05, answer="fast answer", api_key=UPSTREAM["fast"], model="fast-model")
    reasoning = FakeOpenAIServer(
        ttft_s=0.2, answer="reasoned answer", reasoning_tokens=3, api_key=UPSTREAM["reasoning"], model="r1"
    )
    with fast, reasoning, FakeGuardrail(blocked_words=("forbidden",)) as guard:
        tiers = [
            gw.Tier(
                "fast", "openai", "fast-model", fast.base_url, "FAST_KEY", price_in_per_mtok=0.1, price_out_per_mtok=0.2
            ),
            gw.Tier(
                "reasoning",
                "openai",
                "r1",
                reasoning.base_url,
                "REASONING_KEY",
                price_in_per_mtok=1.35,
                price_out_per_mtok=5.4,
            ),
        ]
        guardrail = gw.Guardrail("gr-test", "1", "us-west-2")
        path = deliver(
            folder,
            gw.litellm_config(tiers, routing, guardrail=guardrail, num_retries=0),
            gw.gateway_settings(tiers, routing, [*KEYS], guardrail=guardrail),
        )
        env = base_env(
            LITELLM_MASTER_KEY=MASTER,
            FAST_KEY=UPSTREAM["fast"],
            REASONING_KEY=UPSTREAM["reasoning"],
            AWS_ENDPOINT_URL_BEDROCK_RUNTIME=guard.url,
            DEEPSEEK_GATEWAY_SETTINGS=str(folder / "gateway.json"),
            **{gw.key_env("backend"): KEYS["backend"]},
            **{gw.key_env("batch"): "sha256:" + hashlib.sha256(KEYS["batch"].encode()).hexdigest()},
            **{gw.key_env("old"): REVOKED},  # still set, but no longer named in the settings: revoked
        )
        proxy = Proxy(path, env, folder / "litellm.log")
        try:
            proxy.wait_ready()
            yield Stack(proxy, fast, reasoning, guard)
        finally:
            proxy.stop()


def call(
    url: str,
    prompt: str,
    key: str = KEYS["backend"],
    headers: dict[str, str] | None = None,
    model: str = "assistant",
    **extra: Any,
) -> tuple[int, dict[str, str], Any]:
    """POST /v1/chat/completions: (status, lower-cased headers, JSON body or, when streamed, the text)."""
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": prompt}], **extra}).encode()
    request = urllib.request.Request(url + "/v1/chat/completions", data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {key}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            raw = answer.read()
            document = sse_text(raw) if extra.get("stream") else json.loads(raw)
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, document
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, json.loads(error.read() or b"{}")


def sse_text(raw: bytes) -> str:
    """The answer text of a streamed reply."""
    text = []
    for line in raw.decode().splitlines():
        if line.startswith("data: ") and line != "data: [DONE]":
            for choice in json.loads(line[6:]).get("choices") or []:
                text.append((choice.get("delta") or {}).get("content") or "")
    return "".join(text)
