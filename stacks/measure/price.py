"""What a bench will cost before it runs, from the catalog's prices; errs high on purpose.

Serverless bills tokens: every request is priced at its prompt plus the full `--max-tokens` answer.
Custom-import bills Custom Model Units per 5-minute window while a copy is active. Marketplace and
self-hosted bill instance-hours whether or not the bench runs, so a bench adds nothing per request.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

from .. import catalog
from ..call.target import GATEWAY_MODEL, Target
from .dataset import Prompt
from .limits import Load

CHARS_PER_TOKEN = 4  # English text, roughly; the prompt is a small part of the cost
TEMPLATE_TOKENS = 16  # chat template and role markers around each prompt
# A timed level's request count is unknown before it runs: assume every client finishes one request
# per second, faster than any answer of a few hundred tokens comes back, so the estimate is an upper bound.
ASSUMED_REQUESTS_PER_CLIENT_S = 1.0
ASSUMED_DECODE_TOKENS_PER_S = 25.0  # slow decoding, so a request-bound run is estimated long


@dataclass(frozen=True)
class Estimate:
    usd: Optional[float]  # None: no price known for the target
    basis: str


def estimate(target: Target, load: Load, prompts: Sequence[Prompt]) -> Estimate:
    if target.model == GATEWAY_MODEL:
        return Estimate(None, "a gateway: each request bills at the tier that serves it, which routing decides")
    if target.base_url:
        return Estimate(0.0, "an OpenAI-compatible endpoint: nothing billed per request (its nodes bill by the hour)")
    if target.mode == "marketplace":
        return Estimate(0.0, "a Marketplace endpoint bills instance-hours, nothing extra per request")
    if target.mode == "custom-import":
        return _custom_import(target, load)
    return _tokens(target, load, prompts)


def requests_upper_bound(load: Load) -> int:
    if load.total_requests is not None:
        return load.total_requests
    assert load.duration_s is not None
    return sum(math.ceil(c * load.duration_s * ASSUMED_REQUESTS_PER_CLIENT_S) for c in load.levels)


def _tokens(target: Target, load: Load, prompts: Sequence[Prompt]) -> Estimate:
    price = catalog.model(target.model).token_price(target.mode)
    if price is None:
        return Estimate(None, f"the catalog has no {target.mode} token price for {target.model}")
    prompt_tokens = sum(len(p.text) for p in prompts) / len(prompts) / CHARS_PER_TOKEN + TEMPLATE_TOKENS
    requests = requests_upper_bound(load)
    per_request = prompt_tokens * price.input_per_1m / 1e6 + load.max_tokens * price.output_per_1m / 1e6
    return Estimate(
        requests * per_request,
        f"at most {requests} requests x (~{prompt_tokens:.0f} input tokens at ${price.input_per_1m}/1M + "
        f"{load.max_tokens} output tokens at ${price.output_per_1m}/1M), prices from {price.source}",
    )


def _custom_import(target: Target, load: Load) -> Estimate:
    rates = catalog.load().custom_import_price
    offer = catalog.model(target.model).modes.get("custom-import")
    cmus = offer.cmus if offer and offer.cmus else 1
    if load.duration_s is not None:
        seconds = load.duration_s * len(load.levels)
    else:
        answer_s = load.max_tokens / ASSUMED_DECODE_TOKENS_PER_S
        seconds = sum((load.per_client(c) or 0) * answer_s for c in load.levels)
    window_s = rates.billing_window_minutes * 60
    windows = max(1, math.ceil(seconds / window_s))
    usd = windows * rates.billing_window_minutes * cmus * rates.usd_per_cmu_minute
    known = "" if offer and offer.cmus else " (CMUs unknown for this model: 1 assumed)"
    return Estimate(
        usd,
        f"{windows} x {rates.billing_window_minutes}-minute window(s) x {cmus} CMU(s){known} at "
        f"${rates.usd_per_cmu_minute}/CMU-minute ({rates.source}), one model copy; more copies if it scales out",
    )
