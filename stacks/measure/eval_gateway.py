"""`deploy eval GATEWAY --calibrate`: which two tiers a gateway's classifier threshold is fitted on, where
the `auto` to replace is in the file, and which hand-given endpoint belongs to which tier.

Positions come from the YAML parser's source map (stacks/spec/yaml_source.py), never from a text search,
so a `threshold: auto` inside a comment or under another key cannot be mistaken for the one routing uses.
Every problem is a SpecError with the file, line and column it is about (exit 2, CLI.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import BAD_INPUT, DeployError
from ..sizing.gateway import Gateway
from ..spec.loader import Diagnostic, SpecError
from ..spec.yaml_source import Position, YamlSyntaxError, parse

THRESHOLD = ("routing", "threshold")


@dataclass(frozen=True)
class Tier:
    name: str  # the tier's name in the gateway spec
    path: str  # its spec file


def _error(file: str, at: Position, message: str) -> SpecError:
    return SpecError([Diagnostic(file, at.line, at.column, message)])


def threshold_position(text: str, file: str) -> tuple[int, int]:
    """The 1-based line and column of the `auto` value of `routing.threshold`, from the parsed YAML."""
    try:
        data, source = parse(text)
    except YamlSyntaxError as error:
        raise _error(file, error.position, error.message) from None
    routing = data.get("routing") if isinstance(data, dict) else None
    if not isinstance(routing, dict) or "threshold" not in routing:
        at = source.locate(("routing",), prefer_key=True)
        raise _error(
            file,
            at,
            "routing.threshold is not written (its default is auto): add `threshold: auto` under routing, so "
            "--calibrate has a place to write the number",
        )
    value = routing["threshold"]
    at = source.values.get(THRESHOLD) or source.locate(THRESHOLD)
    if value != "auto":
        raise _error(
            file, at, f"routing.threshold is {value!r}, not auto: --calibrate writes its number only in place of auto"
        )
    return at.line, at.column


def calibration_tiers(gateway: Gateway) -> tuple[Tier, Tier]:
    """(default, escalate_to) of a classifier gateway whose threshold is `auto`, as tier files."""
    loaded, routing = gateway.loaded, gateway.spec.routing
    if routing.strategy != "classifier":
        message = f"--calibrate fits a classifier's threshold; routing.strategy is {routing.strategy}"
        raise SpecError([loaded.locate(("routing", "strategy"), message)])
    if routing.escalate_to is None:  # the gateway rules require it for classifier; kept for safety
        raise SpecError([loaded.locate(("routing",), "--calibrate needs routing.escalate_to (the strong tier)")])
    from pathlib import Path

    threshold_position(Path(loaded.path).read_text(encoding="utf-8"), loaded.path)
    fast, strong = (Tier(name, gateway.tiers[name].loaded.path) for name in (routing.default, routing.escalate_to))
    return fast, strong


def tier_endpoints(given: Sequence[str], tiers: Sequence[Tier], flag: str) -> list[Any]:
    """One value (or None) per tier from `--endpoint TIER=URL` (or plain values, in tier order).

    A plain value is taken only when there is one per tier, so `--endpoint URL` never silently lands on a
    tier it was not meant for."""
    if not given:
        return [None] * len(tiers)
    names = [t.name for t in tiers]
    named = [v.split("=", 1) for v in given if "=" in v.split("://", 1)[0]]
    if named and len(named) != len(given):
        raise DeployError(f"{flag}: give every value as TIER=VALUE or none of them", BAD_INPUT)
    if not named:
        if len(given) != len(tiers):
            raise DeployError(
                f"{flag} given {len(given)} time(s) for {len(tiers)} tier(s) ({', '.join(names)}): give one per "
                f"tier in that order, or as TIER=VALUE",
                BAD_INPUT,
            )
        return list(given)
    found: dict[str, str] = {}
    for name, value in named:
        if name not in names:
            raise DeployError(f"{flag} {name}=...: '{name}' is not a calibrated tier ({', '.join(names)})", BAD_INPUT)
        if name in found:
            raise DeployError(f"{flag} {name}=... given twice", BAD_INPUT)
        found[name] = value
    return [found.get(name) for name in names]
