"""`deploy check`: the rules of `components/policy` over the resources `deploy plan` builds.

The same rules make the CrossGuard pack (components/policy/crossguard.py), so a spec checked here and a
program previewed with `--policy-pack` get the same verdicts. The report is the `check --json` document of
CLI.md: `{"passed": [rule ids], "failed": [{"rule", "severity", "resource", "message", "fix"}], "skipped":
[{"rule", "reason"}]}`. Skipped holds the rules skipped on request (`--skip RULE=REASON`) or by the spec
(`observability.invocation_logs: shared`), the objects an annotation exempts, with its reason, and the
rules with nothing to judge in this plan.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from deepseek_deploy.components.policy import BY_ID, ERROR, RULES, Resource, Verdicts, evaluate, placeholder_refs

from ..errors import BAD_INPUT, DeployError

if TYPE_CHECKING:
    from ..sizing.deployment import Deployment

STACK = "pulumi:pulumi:Stack"
MAX_PLAN_BYTES = 64 * 1024 * 1024


@dataclass
class Planned:
    """The resources to check and the skips the spec itself declares (rule id -> reason)."""

    records: list[dict[str, Any]]
    declared: dict[str, str] = field(default_factory=dict)


def resources_of(records: list[dict[str, Any]]) -> list[Resource]:
    """Recorded resources (`deploy plan --json`'s) as the rules see them, linked through their placeholders."""
    names = [str(r["name"]) for r in records]
    return [
        Resource(
            str(r["type"]),
            str(r["name"]),
            r.get("inputs") or {},
            r.get("parent"),
            placeholder_refs(r.get("inputs") or {}, names),
        )
        for r in records
    ]


def parse_skips(values: list[str]) -> dict[str, str]:
    """`RULE=REASON` options -> {rule id: reason}; an unknown rule or a missing reason is bad input."""
    skips: dict[str, str] = {}
    for value in values:
        rule, _, reason = value.partition("=")
        rule, reason = rule.strip().upper(), reason.strip()
        if rule not in BY_ID:
            raise DeployError(
                f"--skip {value!r}: unknown rule {rule or '(none)'!r}; the rules are {', '.join(BY_ID)}", BAD_INPUT
            )
        if not reason:
            raise DeployError(f"--skip {value!r}: say why, as --skip '{rule}=the reason'", BAD_INPUT)
        skips[rule] = reason
    return skips


def declared_skips(deployment: Deployment) -> dict[str, str]:
    """Rules the spec itself opts out of, with the reason it gives."""
    observability = getattr(deployment.spec, "observability", None)
    if getattr(observability, "invocation_logs", None) == "shared":
        return {
            "DD-LOG-001": "observability.invocation_logs: shared: another deployment in this account and region "
            "owns Bedrock invocation logging"
        }
    return {}


def _read_plan(path: str) -> dict[str, Any] | None:
    """A `deploy plan --json` document, or None when the file is something else (a spec)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None  # the spec loader reports a missing or unreadable file
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        raw = handle.read(MAX_PLAN_BYTES + 1)
    if len(raw) > MAX_PLAN_BYTES:
        raise DeployError(f"{path}: larger than 64 MiB; not a plan document", BAD_INPUT)
    try:
        document = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(document, dict) or "resources" not in document:
        return None
    resources = document["resources"]
    if not isinstance(resources, list) or not all(
        isinstance(r, dict) and isinstance(r.get("type"), str) and isinstance(r.get("name"), str) for r in resources
    ):
        raise DeployError(
            f"{path}: `resources` is not the list of {{type, name, inputs}} `deploy plan --json` writes", BAD_INPUT
        )
    return document


def planned(path: str, stack: str = "dev") -> Planned:
    """The resources `up` would create for a spec, or those of a `deploy plan --json` document (`*.json`)."""
    if path.endswith(".json"):
        document = _read_plan(path)
        if document is not None:
            return Planned(document["resources"])
    from ..sizing.deployment import resolve_file
    from ..sizing.gateway import is_gateway_file, resolve_gateway_file
    from .dry_run import run_gateway_program, run_program

    if is_gateway_file(path):
        return Planned(run_gateway_program(resolve_gateway_file(path), stack).resources)
    deployment = resolve_file(path)
    return Planned(run_program(deployment, stack).resources, declared_skips(deployment))


def report(verdicts: Verdicts, skipped: dict[str, str]) -> dict[str, Any]:
    """The `check --json` document."""
    failed = [
        {
            "rule": v.rule.id,
            "severity": v.rule.severity,
            "resource": v.resource.key if v.resource is not None else STACK,
            "message": v.message,
            "fix": v.rule.fix,
        }
        for v in verdicts.violations
    ]
    failed.sort(key=lambda f: (f["severity"] != ERROR, f["rule"], f["resource"], f["message"]))
    failing = {f["rule"] for f in failed}
    skips = [{"rule": rule, "reason": reason} for rule, reason in skipped.items()]
    skips += [{"rule": e.rule.id, "reason": f"{e.resource.key}: {e.reason}"} for e in verdicts.exemptions]
    skips += [{"rule": rule, "reason": reason} for rule, reason in verdicts.not_applicable.items()]
    return {
        "passed": [r.id for r in verdicts.ran if r.id not in failing],
        "failed": failed,
        "skipped": sorted(skips, key=lambda s: (s["rule"], s["reason"])),
    }


def check(path: str, stack: str = "dev", skip: list[str] | None = None) -> dict[str, Any]:
    """Plan the spec (or read the plan) and run every rule; `skip` holds `RULE=REASON` strings."""
    requested = parse_skips(skip or [])
    plan = planned(path, stack)
    skipped = {**plan.declared, **requested}
    verdicts = evaluate(RULES, resources_of(plan.records), skip=skipped)
    return report(verdicts, skipped)


def has_errors(document: dict[str, Any]) -> bool:
    return any(f["severity"] == ERROR for f in document["failed"])
