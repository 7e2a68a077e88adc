"""`deploy cost GATEWAY`: each tier priced with its own deployment's pricing, and the blend.

A tier that answers a share s of the client's requests is priced as its spec for a traffic of
requests_per_day x s (`cost_options.spec_option`), so per-token and per-window modes follow the share
and instance-hour modes cost what their replicas cost whatever the share. The shares come from
`--shares` or from the gateway's request logs (`read_logs`); without either there is no blend, only
each tier as if it served every request. The gateway's own hosting has no sourced price in the
catalog: it is a line with usd null, never a guess.

How request logs become traffic per tier (probes of a cascade included): `cost_gateway_logs`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Optional

from ..errors import BAD_INPUT, DeployError
from . import cost_options
from .cost import PRICES
from .cost_gateway_logs import PROBES, RequestLog, TierTraffic, measured
from .cost_model import Option, Usage, cents, exact

if TYPE_CHECKING:
    from .deployment import Deployment
    from .gateway import Gateway

SUM_TOLERANCE = 1e-6
HOURLY_MODES = ("marketplace", "self-hosted")
HOSTING = (
    "the gateway's own hosting ({replicas} {what} on {platform}) is not priced: the catalog has no sourced "
    "price for it; add it to the total by hand"
)
NO_SHARES = (
    "no blend: the share of requests each tier serves is unknown; each tier is priced as if it served every "
    "request. Pass --shares TIER=FRACTION,... or --from-logs FILE (the gateway's request logs) for the blend"
)


# --- traffic per tier -----------------------------------------------------------------------------------


def parse_shares(text: str, tiers: Iterable[str]) -> dict[str, float]:
    """`fast=0.8,reasoning=0.2` -> {tier: share}, every tier named or 0; bad input names its part (exit 2)."""
    known = list(tiers)
    shares = dict.fromkeys(known, 0.0)
    named: set[str] = set()
    for part in (p.strip() for p in text.split(",")):
        tier, sep, number = (s.strip() for s in part.partition("="))
        if not sep or not tier:
            raise DeployError(f"--shares: '{part}' is not TIER=FRACTION (for example fast=0.8)", BAD_INPUT)
        if tier not in shares:
            raise DeployError(
                f"--shares: '{tier}' is not a tier of this gateway (tiers: {', '.join(known)})", BAD_INPUT
            )
        if tier in named:
            raise DeployError(f"--shares names '{tier}' twice", BAD_INPUT)
        shares[tier] = _fraction(tier, number)
        named.add(tier)
    total = math.fsum(shares.values())
    if abs(total - 1) > SUM_TOLERANCE:
        raise DeployError(f"--shares add up to {total:g}, not 1 (they must, within {SUM_TOLERANCE:g})", BAD_INPUT)
    return shares


def _fraction(tier: str, number: str) -> float:
    try:
        value = float(number)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 1:  # also refuses NaN
        raise DeployError(f"--shares: {tier}={number}: the share must be a number from 0 to 1", BAD_INPUT)
    return value


def given_traffic(shares: dict[str, float], usage: Usage) -> dict[str, TierTraffic]:
    """--shares: each tier answers its share with the profile's tokens, one call per request."""
    return {t: TierTraffic(s, s, usage.input_tokens, usage.output_tokens) for t, s in shares.items()}


# --- request logs -----------------------------------------------------------------------------------------


def tier_usage(usage: Usage, traffic: TierTraffic) -> Usage:
    return replace(
        usage,
        requests_per_day=usage.requests_per_day * traffic.calls_per_request,
        input_tokens=traffic.input_tokens,
        output_tokens=traffic.output_tokens,
    )


def price(deployment: Deployment, usage: Usage) -> Option:
    """The tier's spec as written, for its traffic: the same figure `deploy cost TIER.yaml` gives."""
    return cost_options.spec_option(deployment, usage)


def _hourly_note(option: Option) -> tuple[str, ...]:
    if option.mode not in HOURLY_MODES:
        return ()
    return (
        "billed by the instance-hour: it costs the same whatever share it serves (its share changes only the "
        "replicas its peak needs, within its replica range)",
    )


def strongest(gateway: Gateway, alone: dict[str, Option]) -> tuple[str, str]:
    """The tier everything would go to without routing: routing.escalate_to, else the dearest tier."""
    escalate = gateway.spec.routing.escalate_to
    if escalate:
        return escalate, "routing.escalate_to"
    known = {t: o.monthly_usd for t, o in alone.items() if o.monthly_usd is not None}
    if not known:
        return gateway.spec.routing.default, "routing.default (no tier has a known price)"
    return max(known, key=lambda t: known[t]), "the tier that costs most when it serves every request"


def _per_million(monthly: Optional[float], output_tokens_per_month: float) -> Optional[float]:
    if monthly is None or output_tokens_per_month <= 0:
        return None
    return cents(exact(monthly) / exact(output_tokens_per_month / 1e6))


def _total(options: dict[str, Option]) -> Optional[float]:
    if any(o.monthly_usd is None for o in options.values()):
        return None
    return cents(sum((exact(o.monthly_usd or 0.0) for o in options.values()), Decimal(0)))


def _hosting(gateway: Gateway) -> dict[str, Any]:
    host = gateway.spec.host
    what = "pods" if host.platform == "kubernetes" else "Fargate tasks"
    return {
        "platform": host.platform,
        "replicas": host.replicas,
        "usd": None,
        "note": HOSTING.format(replicas=host.replicas, what=what, platform=host.platform),
    }


def _tier_entry(deployment: Deployment, traffic: Optional[TierTraffic], option: Option, usage: Usage) -> dict[str, Any]:
    return {
        "spec": deployment.loaded.path,
        "model": deployment.model.id,
        "mode": deployment.spec.mode,
        "share": traffic.share if traffic else None,
        "calls_per_request": traffic.calls_per_request if traffic else None,
        "requests_per_day": usage.requests_per_day,
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "monthly_usd": option.monthly_usd,
        "billed_hourly": option.mode in HOURLY_MODES,
    }


def blend(gateway: Gateway, usage: Usage, traffic: Optional[dict[str, TierTraffic]], profile: Usage) -> dict[str, Any]:
    """The priced part of the gateway's document: `options` (one per tier), `tiers` and `blend`.

    `traffic` is None when the shares are unknown; `profile` is the usage a request has on average (the
    comparison with sending everything to the strongest tier uses it)."""
    usage.check()
    alone = {t: price(d, profile) for t, d in gateway.tiers.items()}
    usages = {t: tier_usage(usage, traffic[t]) if traffic else profile for t in gateway.tiers}
    options = {t: price(d, usages[t]) if traffic else alone[t] for t, d in gateway.tiers.items()}
    options = {t: replace(o, notes=(*o.notes, *_hourly_note(o))) for t, o in options.items()}
    top, why = strongest(gateway, alone)
    output_per_month = profile.tokens_per_month(profile.output_tokens)
    total = _total(options) if traffic else None
    reference = alone[top].monthly_usd
    saved = cents(exact(reference) - exact(total)) if total is not None and reference is not None else None
    unknown = [t for t, o in options.items() if o.monthly_usd is None]
    document_blend: dict[str, Any] = {
        "monthly_usd": total,
        "usd_per_1m_output_tokens": _per_million(total, output_per_month),
        "output_tokens_per_month": round(output_per_month),
        "strongest": {
            "tier": top,
            "why": why,
            "monthly_usd": reference,
            "usd_per_1m_output_tokens": _per_million(reference, output_per_month),
        },
        "saved_usd": saved,
        "saved_percent": round(saved / reference * 100, 1) if saved is not None and reference else None,
        "gateway_hosting": _hosting(gateway),
        "basis": "the sum of the tiers' monthly figures (gateway hosting not included); per 1M output tokens of "
        "the answers the clients got",
    }
    if not traffic:
        document_blend["unknown"] = NO_SHARES
    elif unknown:
        document_blend["unknown"] = f"the price of tier {', '.join(unknown)} is unknown (see its option)"
    return {
        "options": [{"tier": t, **options[t].as_dict(usages[t])} for t in gateway.tiers],
        "tiers": {
            t: _tier_entry(d, traffic[t] if traffic else None, options[t], usages[t]) for t, d in gateway.tiers.items()
        },
        "blend": document_blend,
    }


def _assumptions(gateway: Gateway, profile: Usage, basis: str, shares: Optional[dict[str, float]]) -> dict[str, Any]:
    assumptions = profile.as_dict()
    assumptions.update(
        spec=gateway.path,
        region=gateway.spec.region,
        prices=PRICES,
        shares_basis=basis,
        shares=shares,
        routing={
            "strategy": gateway.spec.routing.strategy,
            "default": gateway.spec.routing.default,
            "escalate_to": gateway.spec.routing.escalate_to,
        },
        throughput="each tier's planner estimate (decode bound by GPU memory bandwidth, an upper bound)",
    )
    return assumptions


def _notes(gateway: Gateway, profile: Usage, basis: str, document: dict[str, Any]) -> list[str]:
    notes = [PRICES, f"traffic: {profile.as_dict()['traffic_model']}"]
    if basis == "none":
        notes.append(NO_SHARES)
    elif basis == "logs":
        notes += [
            "shares and tokens per tier are measured from the request logs (mean tokens per billed call, rounded to "
            "whole tokens); --requests-per-day is still the volume, and --input-tokens/--output-tokens are "
            "replaced by the logs' means",
            PROBES,
        ]
        outside = document["assumptions"]["logs"]["tiers_not_in_gateway"]
        if outside:
            notes.append(f"left out: request lines of tiers this gateway does not have ({', '.join(outside)})")
    else:
        notes.append("each tier answers its --shares fraction of the requests, with the same tokens per request")
    notes.append(document["blend"]["gateway_hosting"]["note"])
    return notes


def compare_gateway(
    gateway: Gateway,
    usage: Usage,
    shares: Optional[dict[str, float]] = None,
    log: Optional[RequestLog] = None,
) -> dict[str, Any]:
    """The gateway's `cost --json` document: assumptions, options, tiers, blend, notes."""
    usage.check()
    tiers = list(gateway.tiers)
    traffic: Optional[dict[str, TierTraffic]] = None
    profile, basis, logs = usage, "none", None
    if log is not None:
        found = measured(log, tiers, gateway.spec.routing.default)
        traffic, logs, basis = found.traffic, found.summary, "logs"
        profile = replace(usage, input_tokens=found.input_tokens, output_tokens=found.output_tokens)
    elif shares is not None:
        traffic, basis = given_traffic(shares, usage), "--shares"
    document = blend(gateway, usage, traffic, profile)
    shown = {t: round(x.share, 6) for t, x in traffic.items()} if traffic else None
    document["assumptions"] = _assumptions(gateway, profile, basis, shown)
    if logs is not None:
        document["assumptions"]["logs"] = logs
    document["notes"] = _notes(gateway, profile, basis, document)
    return document
