"""Checks of a gateway spec that relate one field to another, each reported at the key or value that causes it.

Two of them are structure the published JSON Schema states too (escalate_to for classifier and cascade, the
keys of the other platform, api_keys listed twice); the rest are rules JSON Schema cannot state (a name that
must be one of the declared tiers, a regular expression that must compile) and warnings about settings the
chosen strategy ignores.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .. import catalog
from .diagnostics import Diagnostic, Severity, Stage, shown
from .gateway import FARGATE_ONLY, KUBERNETES_ONLY, GatewaySpec
from .yaml_source import Path, SourceMap

ESCALATING = ("classifier", "cascade")
PLATFORM_KEYS = {"kubernetes": KUBERNETES_ONLY, "ecs-fargate": FARGATE_ONLY}


@dataclass(frozen=True)
class Problem:
    path: Path
    message: str
    stage: Stage = "rule"
    severity: Severity = "error"
    at_key: bool = False


def _tier_problem(spec: GatewaySpec, path: Path, tier: str, what: str) -> Problem | None:
    if tier in spec.tiers:
        return None
    declared = list(spec.tiers)
    hint = catalog.did_you_mean(tier, declared)
    return Problem(path, f"{what}: '{tier}' is not a tier of this gateway{hint or '.'} Tiers: {', '.join(declared)}")


def _routing(spec: GatewaySpec, source: SourceMap) -> Iterator[Problem]:
    routing, at = spec.routing, ("routing",)
    found = _tier_problem(spec, (*at, "default"), routing.default, "routing.default")
    if found:
        yield found
    strategy = routing.strategy
    if routing.escalate_to is not None:
        yield from _escalation(spec)
    if strategy != "classifier" and (*at, "threshold") in source.values:
        yield Problem(
            (*at, "threshold"),
            f"routing.threshold applies to strategy classifier; with {strategy} it is ignored",
            severity="warning",
        )
    if routing.pattern is not None:
        yield from _pattern(routing.pattern, strategy)


def _escalation(spec: GatewaySpec) -> Iterator[Problem]:
    routing, path = spec.routing, ("routing", "escalate_to")
    assert routing.escalate_to is not None
    if routing.strategy == "fixed":
        yield Problem(
            path,
            "routing.escalate_to applies to strategy classifier or cascade; with fixed it is ignored",
            severity="warning",
        )
        return
    found = _tier_problem(spec, path, routing.escalate_to, "routing.escalate_to")
    if found:
        yield found
    elif routing.escalate_to == routing.default:
        yield Problem(path, f"routing.escalate_to: '{routing.escalate_to}' is the default tier; name another tier")


def _pattern(pattern: str, strategy: str) -> Iterator[Problem]:
    path = ("routing", "pattern")
    try:
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError) as error:
        yield Problem(path, f"routing.pattern: not a regular expression (Python syntax): {error}")
    if strategy != "cascade":
        yield Problem(
            path, f"routing.pattern applies to strategy cascade; with {strategy} it is ignored", severity="warning"
        )


def _fallbacks(spec: GatewaySpec) -> Iterator[Problem]:
    for tier, others in spec.routing.fallbacks.items():
        at = ("routing", "fallbacks", tier)
        found = _tier_problem(spec, at, tier, "routing.fallbacks")
        if found:
            yield Problem(found.path, found.message, at_key=True)
        seen: set[str] = set()
        for index, other in enumerate(others):
            where, what = (*at, index), f"routing.fallbacks.{tier}[{index}]"
            found = _tier_problem(spec, where, other, what)
            if found:
                yield found
            elif other == tier:
                yield Problem(where, f"{what}: '{tier}' cannot fall back to itself; name another tier")
            elif other in seen:
                yield Problem(where, f"{what}: '{other}' is listed twice")
            seen.add(other)


def _tiers(spec: GatewaySpec) -> Iterator[Problem]:
    files: dict[str, str] = {}
    for tier, file in spec.tiers.items():
        same = files.setdefault(os.path.normpath(os.path.expanduser(file)), tier)
        if same != tier:
            yield Problem(
                ("tiers", tier),
                f"tiers.{tier}: {shown(file)} is also tier '{same}'; each tier is its own deployment (its own spec "
                "file and stack)",
            )


def rule_problems(spec: GatewaySpec, source: SourceMap) -> list[Problem]:
    """Every cross-field rule and warning of a structurally valid gateway spec."""
    return [*_tiers(spec), *_routing(spec, source), *_fallbacks(spec)]


# ---------------------------------------------------------------- structure the schema states too
# Read from the data, not the models: they hold whether or not another value is refused (by a rule, say).


def _mapping(data: Any, key: str) -> dict[Any, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _escalate_to(data: dict[Any, Any]) -> Iterator[Problem]:
    routing = _mapping(data, "routing")
    strategy = routing.get("strategy")
    if isinstance(strategy, str) and strategy in ESCALATING and routing.get("escalate_to") is None:
        tiers = [t for t in _mapping(data, "tiers") if isinstance(t, str) and t != routing.get("default")]
        yield Problem(
            ("routing", "strategy"),
            f"routing.strategy: {strategy} sends hard requests to another tier: add escalate_to naming it "
            f"(for example escalate_to: {tiers[0] if tiers else 'reasoning'}), or use strategy: fixed",
            stage="structure",
        )


def _host(data: dict[Any, Any]) -> Iterator[Problem]:
    host = _mapping(data, "host")
    platform = host.get("platform")
    if not isinstance(platform, str) or platform not in PLATFORM_KEYS:  # a list is not hashable
        return
    other = "ecs-fargate" if platform == "kubernetes" else "kubernetes"
    for key in PLATFORM_KEYS[other]:
        if host.get(key) is not None:
            yield Problem(
                ("host", key),
                f"host.{key} applies to platform {other}, but this gateway's host.platform is {platform}; "
                f"remove it or change the platform",
                stage="structure",
                at_key=True,
            )


def _keys(data: dict[Any, Any], source: SourceMap) -> Iterator[Problem]:
    written = _mapping(data, "access").get("api_keys")
    keys: list[Any] = written if isinstance(written, list) else []
    for index, name in enumerate(keys):
        if isinstance(name, str) and name in keys[:index]:
            line = source.locate(("access", "api_keys", keys.index(name))).line
            yield Problem(
                ("access", "api_keys", index),
                f"access.api_keys: '{name}' is listed twice (first at line {line}); each key needs its own name",
                stage="structure",
            )


def structure_problems(data: dict[Any, Any], source: SourceMap) -> list[Problem]:
    """The cross-field structure of a gateway spec's data, whatever else is wrong with it."""
    return [*_escalate_to(data), *_host(data), *_keys(data, source)]


def diagnostics(problems: list[Problem], source: SourceMap, file: str) -> list[Diagnostic]:
    found = []
    for problem in problems:
        position = source.locate(problem.path, prefer_key=problem.at_key)
        found.append(Diagnostic(file, position.line, position.column, problem.message, problem.severity, problem.stage))
    return found
