"""The rules of `registry.RULES` as Pulumi CrossGuard policies, for `pulumi preview --policy-pack`.

Resource rules become ResourceValidationPolicy, stack rules StackValidationPolicy; an `error` rule is
mandatory (it fails the preview), a `warning` advisory. The validators turn the engine's view of a resource
into the same `Resource` that `deploy check` builds from the dry run, and call the same functions:

- values unknown during preview become `UNKNOWN`, which no rule judges (the engine's proxy would raise);
- a stack rule finds what an input refers to through the engine's property dependencies, where the dry
  run reads its `${name.attribute}` placeholders.

Building a `PolicyPack` starts the analyzer's gRPC server and blocks, so it happens only in `__main__.py`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
    proxy,
)
from pulumi_policy.proxy import UnknownValueError

from .core import ERROR, UNKNOWN, Resource, Rule, judge
from .registry import RULES

PACK_NAME = "deepseek-deploy"
# The engine's markers of values unknown during preview (the proxy raises on them; plain() maps them).
ENGINE_UNKNOWNS = frozenset(value for name, value in vars(proxy).items() if name.startswith("UNKNOWN_"))


def plain(value: Any) -> Any:
    """The engine's (proxied) properties as plain dicts and lists; unknown values become UNKNOWN."""
    if isinstance(value, Mapping):
        found = {}
        for key in value:
            try:
                found[key] = plain(value[key])
            except UnknownValueError:
                found[key] = UNKNOWN
        return found
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        items = []
        for index in range(len(value)):
            try:
                items.append(plain(value[index]))
            except UnknownValueError:
                items.append(UNKNOWN)
        return items
    return UNKNOWN if isinstance(value, str) and value in ENGINE_UNKNOWNS else value


def from_args(args: ResourceValidationArgs) -> Resource:
    return Resource(args.resource_type, args.name, plain(args.props))


def from_stack(resources: Sequence[PolicyResource]) -> list[Resource]:
    """The stack's resources, each input linked to the resources it depends on."""
    return [
        Resource(
            r.resource_type,
            r.name,
            plain(r.props),
            r.parent.name if r.parent is not None else None,
            {prop: frozenset(d.name for d in deps) for prop, deps in r.property_dependencies.items() if deps},
        )
        for r in resources
    ]


def _level(rule: Rule) -> EnforcementLevel:
    return EnforcementLevel.MANDATORY if rule.severity == ERROR else EnforcementLevel.ADVISORY


def _severity(rule: Rule) -> Severity:
    return Severity.HIGH if rule.severity == ERROR else Severity.MEDIUM


def resource_validator(rule: Rule) -> Any:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        resource = from_args(args)
        if not rule.examines(resource):
            return
        violations, _ = judge(rule, [resource])
        for violation in violations:
            report_violation(violation.message, None)

    return validate


def stack_validator(rule: Rule) -> Any:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        resources = from_stack(args.resources)
        if rule.not_applicable(resources) is not None:
            return
        urns = {(r.resource_type, r.name): r.urn for r in args.resources}
        violations, _ = judge(rule, resources)
        for violation in violations:
            where = violation.resource
            report_violation(violation.message, urns.get((where.type, where.name)) if where is not None else None)

    return validate


def policy(rule: Rule) -> Policy:
    """One rule as the policy the engine runs: its id is the policy's name, its fix the remediation steps."""
    common: dict[str, Any] = {
        "name": rule.id,
        "description": rule.title,
        "enforcement_level": _level(rule),
        "severity": _severity(rule),
        "remediation_steps": rule.fix,
        "tags": ["deepseek-deploy", rule.id.split("-")[1].lower()],
    }
    if rule.scope == "resource":
        return ResourceValidationPolicy(validate=resource_validator(rule), **common)
    return StackValidationPolicy(validate=stack_validator(rule), **common)


def policies(rules: Sequence[Rule] = RULES) -> list[Policy]:
    return [policy(rule) for rule in rules]
