"""The gateway's LiteLLM callbacks (`litellm_settings.callbacks: [hooks.handler]`), run inside the proxy.

- pre-call: the ApplyGuardrail check of the prompt (a blocked prompt never reaches a tier: 400), then
  routing (`routing.choose`), which rewrites `data["model"]` to the chosen tier's model group.
- post-call: the ApplyGuardrail check of a non-streamed answer (replaced by the guardrail's message).
- response headers: `x-deepseek-tier` names the tier that answered (after fallbacks, from the deployment).
- logging: one JSON line per request with tier, key name, tokens, latency and estimated cost.

Delivered as plain files next to config.yaml in the official LiteLLM image: imports LiteLLM, the standard
library and its sibling modules (loaded by path when it is not imported as a package).
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

from fastapi import HTTPException
from litellm.integrations.custom_logger import CustomLogger


def _sibling(name: str) -> ModuleType:
    if __package__:
        return importlib.import_module(f"{__package__}.{name}")
    qualified = f"deepseek_gateway_{name}"
    if qualified not in sys.modules:
        spec = importlib.util.spec_from_file_location(qualified, Path(__file__).with_name(f"{name}.py"))
        assert spec is not None and spec.loader is not None, name
        module = importlib.util.module_from_spec(spec)
        sys.modules[qualified] = module
        spec.loader.exec_module(module)
    return sys.modules[qualified]


auth = _sibling("auth")
guardrail = _sibling("guardrail")
routing = _sibling("routing")
scorer = _sibling("scorer")

log = logging.getLogger("deepseek_gateway")
if not log.handlers:  # our own handler: LiteLLM's logging settings must not hide the request log
    _handler = logging.StreamHandler(sys.stdout)
    _handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(_handler)
    log.setLevel(logging.INFO)
    log.propagate = False

_CHAT_CALLS = {"completion", "acompletion", "text_completion", "atext_completion"}
# What the cascade's probe of the fast tier passes on from the client's request (never stream: buffered).
_PROBE_PARAMS = (
    "messages",
    "max_tokens",
    "max_completion_tokens",
    "temperature",
    "top_p",
    "stop",
    "seed",
    "response_format",
    "tools",
    "tool_choice",
)


def _event(**fields: Any) -> None:
    log.info(json.dumps({"logger": "deepseek_gateway", **fields}, default=str))


def _tier_of(model_id: Any) -> str | None:
    return model_id.removeprefix("tier-") if isinstance(model_id, str) and model_id.startswith("tier-") else None


def _delta(chunk: Any) -> Any:
    choices = getattr(chunk, "choices", None)
    return getattr(choices[0], "delta", None) if choices else None


def _replace_stream_text(chunks: list[Any], message: str) -> None:
    """The first text chunk carries the guardrail's message; the other text and reasoning are dropped."""
    sent = False
    for chunk in chunks:
        delta = _delta(chunk)
        if delta is not None and (getattr(delta, "content", None) or getattr(delta, "reasoning_content", None)):
            delta.content = "" if sent else message
            sent = True
            if getattr(delta, "reasoning_content", None):
                delta.reasoning_content = None
        if getattr(chunk, "choices", None) and getattr(chunk.choices[0], "finish_reason", None):
            chunk.choices[0].finish_reason = "content_filter"


class GatewayHooks(CustomLogger):  # LiteLLM is Any to the checker (not in the dev venv)
    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.settings = settings if settings is not None else auth.load_settings()
        self.weights = scorer.load_weights()
        _event(event="start", scorer="fitted" if self.weights.fitted else "unfitted", scorer_source=self.weights.source)

    def _needs_guardrail(self, tier: str) -> bool:
        """ApplyGuardrail at the gateway unless the tier and every fallback of it applies it itself."""
        if not self.settings.get("guardrail"):
            return False
        chain = [tier, *((self.settings["routing"].get("fallbacks") or {}).get(tier) or [])]
        return any(not (self.settings["tiers"].get(t) or {}).get("guardrail_native") for t in chain)

    async def async_pre_call_hook(self, user_api_key_dict: Any, cache: Any, data: dict, call_type: Any) -> Any:
        if call_type not in _CHAT_CALLS:
            return data
        for name in [k for k in data if k.startswith("mock_")]:  # only the cascade's replay may answer unasked
            data.pop(name)
        headers = (data.get("proxy_server_request") or {}).get("headers") or {}
        prompt = guardrail.prompt_text(data.get("messages"))
        decision = routing.choose(self.settings, prompt, headers, lambda p: scorer.score(p, self.weights))
        key = getattr(user_api_key_dict, "key_alias", None)
        metadata = data.setdefault("metadata", {})
        metadata.update(
            deepseek_key_name=key,
            deepseek_routed=decision.tier,
            deepseek_reason=decision.reason,
            deepseek_score=decision.score,
        )
        in_play = [decision.tier, *([self.settings["routing"]["escalate_to"]] if decision.reason == "cascade" else [])]
        if any(self._needs_guardrail(t) for t in in_play):
            verdict = await asyncio.to_thread(guardrail.apply, self.settings["guardrail"], "INPUT", prompt)
            if verdict.blocked:
                _event(event="BLOCKED", source="INPUT", key=key, routed=decision.tier)
                raise HTTPException(
                    status_code=400,
                    detail={"error": verdict.message, "type": "guardrail_intervened", "source": "INPUT"},
                )
        data["model"] = decision.tier
        if decision.reason == "cascade":
            await self._cascade(data, metadata)
        return data

    async def _cascade(self, data: dict, metadata: dict) -> None:
        """Ask the fast tier first, without streaming; escalate when its answer fails the check, else
        replay the buffered answer (streamed or not, as asked) without calling the tier again."""
        from litellm.proxy.proxy_server import llm_router

        route = self.settings["routing"]
        probe = {k: data[k] for k in _PROBE_PARAMS if k in data}
        probe["metadata"] = {**{k: v for k, v in metadata.items() if k.startswith("deepseek_")}, "deepseek_probe": True}
        try:
            answer = await llm_router.acompletion(model=route["default"], stream=False, **probe)
            choice = answer.choices[0]
            text, finish = choice.message.content, choice.finish_reason
            why = routing.cascade_failure(
                text, finish, pattern=route.get("pattern"), response_format=data.get("response_format")
            )
        except Exception as error:  # the fast tier failed even after its fallbacks: the strong tier answers
            why = f"error {type(error).__name__}"
        if why:
            data["model"] = route["escalate_to"]
            metadata.update(deepseek_routed=route["escalate_to"], deepseek_reason=f"cascade: {why}")
            return
        # LiteLLM answers with the buffered text as the deployment that gave it (a fallback's, if it did).
        answered = _tier_of((getattr(answer, "_hidden_params", None) or {}).get("model_id")) or route["default"]
        data["model"], data["mock_response"] = answered, text
        metadata.update(deepseek_routed=answered, deepseek_reason="cascade: passed", deepseek_replay=True)

    async def async_post_call_success_hook(self, data: dict, user_api_key_dict: Any, response: Any) -> Any:
        metadata = data.get("metadata") or {}
        tier = _tier_of((getattr(response, "_hidden_params", None) or {}).get("model_id")) or metadata.get(
            "deepseek_routed"
        )
        choices = getattr(response, "choices", None)
        if not tier or not choices or not self._needs_guardrail(tier):
            return response
        message = getattr(choices[0], "message", None)
        text = getattr(message, "content", None)
        if message is None or not text:
            return response
        verdict = await asyncio.to_thread(guardrail.apply, self.settings["guardrail"], "OUTPUT", text)
        if verdict.blocked:
            _event(event="BLOCKED", source="OUTPUT", key=metadata.get("deepseek_key_name"), tier=tier)
            message.content = verdict.message
            choices[0].finish_reason = "content_filter"
        return response

    async def async_post_call_streaming_iterator_hook(
        self, user_api_key_dict: Any, response: Any, request_data: dict
    ) -> AsyncIterator[Any]:
        """A stream from a tier the gateway guards is buffered and checked whole before any of it is sent."""
        metadata = request_data.get("metadata") or {}
        tier = metadata.get("deepseek_routed")
        if not tier or not self._needs_guardrail(str(tier)):
            async for chunk in response:
                yield chunk
            return
        chunks = [chunk async for chunk in response]
        text = "".join(str(getattr(_delta(c), "content", None) or "") for c in chunks)
        if text:
            verdict = await asyncio.to_thread(guardrail.apply, self.settings["guardrail"], "OUTPUT", text)
            if verdict.blocked:
                _event(event="BLOCKED", source="OUTPUT", key=metadata.get("deepseek_key_name"), tier=tier, stream=True)
                _replace_stream_text(chunks, verdict.message)
        for chunk in chunks:
            yield chunk

    async def async_post_call_response_headers_hook(
        self,
        data: dict,
        user_api_key_dict: Any,
        response: Any,
        request_headers: dict[str, str] | None = None,
        litellm_call_info: dict[str, Any] | None = None,
    ) -> dict[str, str] | None:
        if response is None:
            return None
        tier = _tier_of((litellm_call_info or {}).get("model_id"))
        tier = tier or _tier_of((getattr(response, "_hidden_params", None) or {}).get("model_id"))
        return {str(self.settings.get("tier_header", "x-deepseek-tier")): tier} if tier else None

    def _cost(self, tier: str | None, prompt_tokens: int, completion_tokens: int) -> float | None:
        prices = (self.settings.get("tiers") or {}).get(tier or "") or {}
        price_in, price_out = prices.get("price_in_per_mtok"), prices.get("price_out_per_mtok")
        if price_in is None or price_out is None:
            return None
        return round((prompt_tokens * float(price_in) + completion_tokens * float(price_out)) / 1e6, 8)

    async def async_log_success_event(self, kwargs: dict, response_obj: Any, start_time: Any, end_time: Any) -> None:
        params = kwargs.get("litellm_params") or {}
        metadata = params.get("metadata") or {}
        if metadata.get("deepseek_replay"):
            return  # the cascade's replay of a buffered answer: its probe was logged with the real usage
        tier = _tier_of((params.get("model_info") or {}).get("id")) or metadata.get("model_group")
        usage = getattr(response_obj, "usage", None)
        prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
        _event(
            event="request",
            tier=tier,
            routed=metadata.get("deepseek_routed"),
            reason=metadata.get("deepseek_reason"),
            score=None if metadata.get("deepseek_score") is None else round(metadata["deepseek_score"], 3),
            probe=bool(metadata.get("deepseek_probe")),
            key=metadata.get("deepseek_key_name"),
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            latency_ms=round((end_time - start_time).total_seconds() * 1000, 1),
            cost_usd=self._cost(tier, prompt_tokens, completion_tokens),
            stream=bool(kwargs.get("stream")),
        )

    async def async_log_failure_event(self, kwargs: dict, response_obj: Any, start_time: Any, end_time: Any) -> None:
        params = kwargs.get("litellm_params") or {}
        metadata = params.get("metadata") or {}
        _event(
            event="failed",
            tier=_tier_of((params.get("model_info") or {}).get("id")) or metadata.get("model_group"),
            key=metadata.get("deepseek_key_name"),
            error=type(kwargs.get("exception")).__name__,
        )


handler = GatewayHooks()
