"""The gateway's two configuration documents, built from a plain description of its tiers (stdlib only).

- `litellm_config(...)`: the LiteLLM proxy's `config.yaml` as a dict (model list, fallbacks, retries,
  timeouts, the custom auth and the hook callbacks). It names environment variables, never secrets.
- `gateway_settings(...)`: the JSON our hook modules read (routing, tiers, key names, guardrail, prices),
  delivered next to them as `gateway.json` (or pointed at by `DEEPSEEK_GATEWAY_SETTINGS`).

Both are pure: the deploy code writes them into a ConfigMap or SSM parameter; tests write them to a folder.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

KINDS = ("openai", "bedrock", "bedrock-imported", "sagemaker")
STRATEGIES = ("classifier", "cascade", "fixed")
TIER_HEADER = "x-deepseek-tier"
MASTER_KEY_ENV = "LITELLM_MASTER_KEY"  # LiteLLM refuses to start without it; clients never get it
SETTINGS_FILE = "gateway.json"
AUTH_HOOK = "auth.user_api_key_auth"  # module.function, resolved next to config.yaml
CALLBACK_HOOK = "hooks.handler"  # module.instance
# The proxy process's environment (besides the master key, the named keys and the tiers' keys): read at
# import time, so it cannot live in config.yaml. Without the first, LiteLLM downloads a price map at start.
# No admin UI or API docs: without a database there is nothing to administer, and custom auth guards all.
PROCESS_ENV = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "LITELLM_TELEMETRY": "False",
    "DISABLE_ADMIN_UI": "True",
    "NO_DOCS": "True",
}


@dataclass(frozen=True)
class Tier:
    """One deployment behind the gateway.

    `model` is the model id (openai: the served name; bedrock: the model or inference-profile id;
    bedrock-imported: the imported model ARN; sagemaker: the endpoint name). `api_key_env` names the
    variable holding the tier's key (openai-compatible tiers). `guardrail_native`: the tier applies the
    gateway's guardrail itself (Bedrock with guardrailConfig), so the gateway does not call ApplyGuardrail.
    Prices are USD per million tokens, for the cost estimate in the request log.
    """

    name: str
    kind: str
    model: str
    api_base: str | None = None
    api_key_env: str | None = None
    region: str | None = None
    family: str = "qwen2"  # bedrock-imported: LiteLLM's InvokeModel body format (qwen2, llama, deepseek_r1)
    guardrail_native: bool = False
    price_in_per_mtok: float | None = None
    price_out_per_mtok: float | None = None
    timeout_s: float = 600.0


@dataclass(frozen=True)
class Routing:
    strategy: str = "fixed"
    default: str = ""
    escalate_to: str | None = None
    threshold: float = 0.5
    fallbacks: Mapping[str, Sequence[str]] = field(default_factory=dict)
    header_override: bool = False
    pattern: str | None = None  # cascade: the fast answer must match this regex (re.search)


@dataclass(frozen=True)
class Guardrail:
    identifier: str
    version: str
    region: str | None = None


def _check(tiers: Sequence[Tier], routing: Routing) -> None:
    names = [t.name for t in tiers]
    if len(set(names)) != len(names):
        raise ValueError(f"tier names repeat: {names}")
    for tier in tiers:
        if tier.kind not in KINDS:
            raise ValueError(f"tier {tier.name!r}: kind {tier.kind!r} is not one of {', '.join(KINDS)}")
    if routing.strategy not in STRATEGIES:
        raise ValueError(f"routing.strategy {routing.strategy!r} is not one of {', '.join(STRATEGIES)}")
    named = [routing.default, *([routing.escalate_to] if routing.escalate_to else [])]
    named += [n for source, targets in routing.fallbacks.items() for n in (source, *targets)]
    unknown = sorted({n for n in named if n not in names})
    if unknown:
        raise ValueError(f"routing names unknown tiers: {', '.join(unknown)} (tiers: {', '.join(names)})")
    if routing.strategy in ("classifier", "cascade") and not routing.escalate_to:
        raise ValueError(f"routing.strategy {routing.strategy} needs escalate_to")
    if not 0.0 <= routing.threshold <= 1.0:
        raise ValueError(f"routing.threshold {routing.threshold} is not in [0, 1]")


def _litellm_params(tier: Tier, guardrail: Guardrail | None) -> dict[str, Any]:
    params: dict[str, Any]
    if tier.kind == "openai":
        params = {"model": f"openai/{tier.model}", "api_base": tier.api_base}
        if tier.api_key_env:
            params["api_key"] = f"os.environ/{tier.api_key_env}"  # LiteLLM reads the variable at start
    elif tier.kind == "bedrock":
        params = {"model": f"bedrock/converse/{tier.model}"}
    elif tier.kind == "bedrock-imported":
        params = {"model": f"bedrock/{tier.family}/{tier.model}"}
    else:
        params = {"model": f"sagemaker_chat/{tier.model}"}
    if tier.kind != "openai" and tier.region:
        params["aws_region_name"] = tier.region
    if tier.kind == "bedrock" and tier.guardrail_native and guardrail is not None:
        params["guardrailConfig"] = {"guardrailIdentifier": guardrail.identifier, "guardrailVersion": guardrail.version}
    params["timeout"] = tier.timeout_s
    return {k: v for k, v in params.items() if v is not None}


def litellm_config(
    tiers: Sequence[Tier],
    routing: Routing,
    *,
    guardrail: Guardrail | None = None,
    num_retries: int = 1,
    request_timeout_s: float = 600.0,
    auth_hook: str = AUTH_HOOK,
    callback_hook: str = CALLBACK_HOOK,
) -> dict[str, Any]:
    """LiteLLM's proxy config: one model group per tier (the group name is the tier name)."""
    _check(tiers, routing)
    model_list = [
        {
            "model_name": tier.name,
            "litellm_params": _litellm_params(tier, guardrail),
            "model_info": {"id": f"tier-{tier.name}", "deepseek_tier": tier.name},
        }
        for tier in tiers
    ]
    fallbacks = [{source: list(targets)} for source, targets in routing.fallbacks.items() if targets]
    return {
        "model_list": model_list,
        "router_settings": {
            "num_retries": num_retries,
            "timeout": request_timeout_s,
            "fallbacks": fallbacks,  # LiteLLM falls back on 429, 5xx and timeouts (after retries)
            "retry_after": 0,
        },
        "litellm_settings": {
            "callbacks": [callback_hook],
            "request_timeout": request_timeout_s,
            "drop_params": True,
            "telemetry": False,
        },
        "general_settings": {
            "master_key": f"os.environ/{MASTER_KEY_ENV}",
            "custom_auth": auth_hook,
            "disable_spend_logs": True,  # no database: keys, logs and budgets live outside LiteLLM
        },
    }


def key_env(name: str) -> str:
    """The environment variable holding a named key's value or its `sha256:<hex>` digest."""
    cleaned = "".join(c if c.isalnum() else "_" for c in name).upper()
    return f"DEEPSEEK_GATEWAY_KEY_{cleaned}"


def gateway_settings(
    tiers: Sequence[Tier],
    routing: Routing,
    api_keys: Sequence[str],
    *,
    guardrail: Guardrail | None = None,
) -> dict[str, Any]:
    """What the hook modules read: key names -> env var names (never the keys), routing, prices."""
    _check(tiers, routing)
    return {
        "api_keys": {name: key_env(name) for name in api_keys},
        "routing": {**asdict(routing), "fallbacks": {k: list(v) for k, v in routing.fallbacks.items()}},
        "tier_header": TIER_HEADER,
        "tiers": {
            t.name: {
                "guardrail_native": t.guardrail_native,
                "price_in_per_mtok": t.price_in_per_mtok,
                "price_out_per_mtok": t.price_out_per_mtok,
            }
            for t in tiers
        },
        "guardrail": asdict(guardrail) if guardrail else None,
    }
