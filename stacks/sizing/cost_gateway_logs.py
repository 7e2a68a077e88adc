"""The gateway's request logs (components/gateway/hooks.py) as traffic per tier, for `deploy cost GATEWAY`.

One JSON object per line, maybe after other text (a timestamp, a log level) or inside a log shipper's
wrapper ({"log": "..."} or {"message": "..."}). A cascade first asks the default tier (a line with
"probe": true); when that answer passes, the probe line is the request; when it fails, the request
escalates (a line with "reason": "cascade: <why>") and the probe's tokens were billed too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Optional

from ..errors import BAD_INPUT, DeployError

LOGGER = "deepseek_gateway"
WRAPPER_KEYS = ("log", "message", "msg")  # where a log shipper puts the original line
PROBES = (
    "cascade probes: a probe of the default tier whose answer passed is the request it answered; one that "
    "escalated is a billed call to the default tier that answered no request, so its tokens are added to that "
    "tier's bill (calls_per_request counts them) and not to the requests served"
)


@dataclass(frozen=True)
class TierTraffic:
    """What one tier sees per client request: the share it answers and the calls it is billed for."""

    share: float  # fraction of client requests this tier answers
    calls_per_request: float  # billed calls per client request (the share, plus escalated probes)
    input_tokens: int
    output_tokens: int


@dataclass
class TierCalls:
    """The request lines of one tier: ordinary requests and cascade probes, with their tokens."""

    requests: int = 0
    probes: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    probe_prompt_tokens: int = 0
    probe_completion_tokens: int = 0
    failed: int = 0
    logged_cost_usd: float = 0.0
    without_cost: int = 0

    @property
    def calls(self) -> int:
        return self.requests + self.probes


@dataclass
class RequestLog:
    file: str
    lines: int = 0
    skipped: int = 0  # lines with no gateway event in them
    other_events: int = 0  # gateway events that are not requests (start, BLOCKED)
    escalated: int = 0  # requests a cascade escalated after a probe that answered
    tiers: dict[str, TierCalls] = field(default_factory=dict)

    def tier(self, name: str) -> TierCalls:
        return self.tiers.setdefault(name, TierCalls())


def find_event(line: str) -> Optional[dict[str, Any]]:
    """The gateway's JSON object in a log line, after any prefix or inside a shipper's wrapper; else None."""
    decoder = json.JSONDecoder()
    start = line.find("{")
    while start != -1:
        try:
            value, _ = decoder.raw_decode(line, start)
        except ValueError:
            start = line.find("{", start + 1)
            continue
        if isinstance(value, dict):
            if value.get("logger") == LOGGER:
                return value
            for key in WRAPPER_KEYS:
                if isinstance(value.get(key), str) and (inner := find_event(value[key])) is not None:
                    return inner
        start = line.find("{", start + 1)
    return None


def _tokens(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _escalated(event: dict[str, Any]) -> bool:
    """A request a cascade sent on after its probe answered (a probe that raised logged no request line)."""
    reason = event.get("reason")
    if not isinstance(reason, str) or not reason.startswith("cascade: "):
        return False
    return reason != "cascade: passed" and not reason.startswith("cascade: error")


def count_event(log: RequestLog, event: dict[str, Any]) -> None:
    kind, tier = event.get("event"), event.get("tier")
    if kind not in ("request", "failed") or not isinstance(tier, str):
        log.other_events += 1
        return
    calls = log.tier(tier)
    if kind == "failed":
        calls.failed += 1
        return
    prompt, completion = _tokens(event.get("prompt_tokens")), _tokens(event.get("completion_tokens"))
    if event.get("probe") is True:
        calls.probes += 1
        calls.probe_prompt_tokens += prompt
        calls.probe_completion_tokens += completion
    else:
        calls.requests += 1
        log.escalated += _escalated(event)
    calls.prompt_tokens += prompt
    calls.completion_tokens += completion
    cost = event.get("cost_usd")
    if isinstance(cost, (int, float)) and not isinstance(cost, bool):
        calls.logged_cost_usd += float(cost)
    else:
        calls.without_cost += 1


def parse_log_lines(lines: Iterable[str], file: str) -> RequestLog:
    log = RequestLog(file)
    for line in lines:
        if not line.strip():
            continue
        log.lines += 1
        event = find_event(line)
        if event is None:
            log.skipped += 1
        else:
            count_event(log, event)
    return log


def read_logs(path: str) -> RequestLog:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return parse_log_lines(handle, path)
    except OSError as error:
        raise DeployError(f"--from-logs {path}: {error.strerror or error}", BAD_INPUT) from error


@dataclass(frozen=True)
class Measured:
    """Shares and tokens from the logs, and what the logs say about themselves (the `logs` section)."""

    traffic: dict[str, TierTraffic]
    input_tokens: int  # mean tokens of the requests the clients got (the comparison's profile)
    output_tokens: int
    summary: dict[str, Any]


def _mean(total: float, count: float) -> int:
    return int(Decimal(repr(total / count)).quantize(Decimal(1), rounding="ROUND_HALF_UP")) if count else 0


def measured(log: RequestLog, tiers: list[str], default: str) -> Measured:
    """Escalations are matched to the default tier's probes (the lines carry no request id): served requests
    count exactly; the escalated probes' tokens are taken at the mean of that tier's probe lines."""
    outside = sorted(set(log.tiers) - set(tiers))
    calls = {t: log.tiers.get(t, TierCalls()) for t in tiers}
    matched = min(log.escalated, calls[default].probes)
    served = {t: c.calls - (matched if t == default else 0) for t, c in calls.items()}
    requests = sum(served.values())
    if requests == 0:
        raise DeployError(
            f"--from-logs {log.file}: no request of this gateway's tiers in {log.lines} lines "
            f"({log.skipped} without a gateway event)",
            BAD_INPUT,
        )
    probe = calls[default]
    wasted_in = matched * probe.probe_prompt_tokens / probe.probes if probe.probes else 0.0
    wasted_out = matched * probe.probe_completion_tokens / probe.probes if probe.probes else 0.0
    traffic = {
        t: TierTraffic(
            served[t] / requests,
            c.calls / requests,
            _mean(c.prompt_tokens, c.calls),
            _mean(c.completion_tokens, c.calls),
        )
        for t, c in calls.items()
    }
    all_in = sum(c.prompt_tokens for c in calls.values())
    all_out = sum(c.completion_tokens for c in calls.values())
    summary = {
        "file": log.file,
        "lines": log.lines,
        "skipped_lines": log.skipped,
        "other_events": log.other_events,
        "requests": requests,
        "probes": sum(c.probes for c in calls.values()),
        "escalated_probes": matched,
        "failed": {t: c.failed for t, c in calls.items()},
        "logged_cost_usd": {t: round(c.logged_cost_usd, 6) for t, c in calls.items()},
        "calls_without_logged_cost": {t: c.without_cost for t, c in calls.items()},
        "tiers_not_in_gateway": {t: log.tiers[t].calls for t in outside},
        "counting": PROBES,
    }
    return Measured(traffic, _mean(all_in - wasted_in, requests), _mean(all_out - wasted_out, requests), summary)


# --- pricing ----------------------------------------------------------------------------------------------
