"""The rule model that `deploy check` and the CrossGuard pack share.

A resource is plain data: its type token, its logical name, its inputs (provider names, camelCase)
and, per input, the names of the resources that input refers to. A rule is a pure function over one
resource (scope "resource") or over all of them (scope "stack"). Nothing here imports Pulumi.

Values only the cloud can know are strings such as `${bucket.id}` (the dry run's placeholders) or
`UNKNOWN` (what the CrossGuard adapter puts where the engine says "unknown during preview"); rules
never judge an unknown value.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

ERROR = "error"
WARNING = "warning"
UNKNOWN = "${unknown}"
_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
# Annotations that exempt one object from a rule, with the reason: `checkov.io/skipN: CKV_K8S_23=why` (the
# checkov convention the components already use) or `deepseek-deploy/policy-skipN: DD-K8S-001=why`.
EXEMPTION_PREFIXES = ("checkov.io/skip", "deepseek-deploy/policy-skip")

Scope = Literal["resource", "stack"]


@dataclass(frozen=True)
class Resource:
    type: str
    name: str
    inputs: Mapping[str, Any]
    parent: str | None = None
    refs: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """How reports name it: the type token and the logical name, as the tail of a Pulumi URN."""
        return f"{self.type}::{self.name}"

    def refers_to(self, prop: str, target: Resource, *ids: str) -> bool:
        """Whether input `prop` names `target`: by dependency, or by one of its known identifiers."""
        if target.name in self.refs.get(prop, frozenset()):
            return True
        value = self.inputs.get(prop)
        if not isinstance(value, str) or not known(value):
            return False
        return any(target.inputs.get(i) == value for i in (*ids, "id", "arn"))


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    scope: Scope
    title: str  # one line: what must hold
    why: str
    fix: str
    # scope "resource": Resource -> messages; scope "stack": all resources -> (resource or None, message)
    check: Callable[..., Iterable[Any]]
    types: tuple[str, ...] = ()  # the type tokens it examines (or prefixes ending in ':'); empty: any
    applies: Callable[[Sequence[Resource]], str | None] | None = None  # None, or why it does not apply
    checkov: tuple[str, ...] = ()  # checkov ids that, all skipped on an object with a reason, exempt it
    subject: str = ""  # what it examines, for "not applicable: the plan has no ..."

    def examines(self, resource: Resource) -> bool:
        return not self.types or any(
            resource.type == t or (t.endswith(":") and resource.type.startswith(t)) for t in self.types
        )

    def not_applicable(self, resources: Sequence[Resource]) -> str | None:
        """Why the rule has nothing to judge in these resources, or None when it has."""
        if self.applies is not None:
            return self.applies(resources)
        if self.types and not any(self.examines(r) for r in resources):
            return f"not applicable: the plan has no {self.subject or ' or '.join(sorted(self.types))}"
        return None


@dataclass(frozen=True)
class Violation:
    rule: Rule
    resource: Resource | None  # None: the stack as a whole
    message: str


@dataclass(frozen=True)
class Exemption:
    rule: Rule
    resource: Resource
    reason: str


@dataclass
class Verdicts:
    violations: list[Violation] = field(default_factory=list)
    exemptions: list[Exemption] = field(default_factory=list)
    not_applicable: dict[str, str] = field(default_factory=dict)
    ran: list[Rule] = field(default_factory=list)


# ---------------------------------------------------------------- values


def is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("${") and value.endswith("}") and value.count("${") == 1


def known(value: Any) -> bool:
    """False for a value only the cloud knows (a placeholder or an unknown); True otherwise, None included."""
    return not is_placeholder(value)


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def dig(value: Any, *path: str | int) -> Any:
    """value[path[0]][path[1]]...; None where a step is missing or not a container."""
    for step in path:
        if isinstance(step, int):
            value = value[step] if isinstance(value, (list, tuple)) and -len(value) <= step < len(value) else None
        else:
            value = value.get(step) if isinstance(value, Mapping) else None
    return value


def truthy(value: Any) -> bool:
    """true, "true", "True", 1 (launch templates and StorageClasses carry booleans as strings)."""
    return value is True or (isinstance(value, str) and value.lower() == "true") or value == 1


def covers_world(cidrs: Iterable[Any]) -> bool:
    """Whether the CIDRs together cover the whole IPv4 or IPv6 internet (unparseable entries are ignored)."""
    networks = []
    for cidr in cidrs:
        try:
            networks.append(ipaddress.ip_network(str(cidr), strict=False))
        except ValueError:
            continue
    v4 = ipaddress.collapse_addresses(n for n in networks if isinstance(n, ipaddress.IPv4Network))
    v6 = ipaddress.collapse_addresses(n for n in networks if isinstance(n, ipaddress.IPv6Network))
    return any(n.prefixlen == 0 for n in v4) or any(n.prefixlen == 0 for n in v6)


def placeholder_refs(inputs: Mapping[str, Any], names: Iterable[str]) -> dict[str, frozenset[str]]:
    """Per top-level input, the resources its `${name.attribute}` placeholders name (the dry run's links)."""
    known_names = set(names)
    refs: dict[str, frozenset[str]] = {}
    for prop, value in inputs.items():
        owners = (_owner(inner, known_names) for text in _strings(value) for inner in _PLACEHOLDER.findall(text))
        found = {owner for owner in owners if owner}
        if found:
            refs[prop] = frozenset(found)
    return refs


def _owner(inner: str, names: set[str]) -> str | None:
    """`qwen-eks-cluster.vpcConfig.id` -> `qwen-eks-cluster` (the longest known name before a dot)."""
    best = None
    for index, char in enumerate(inner):
        if char == "." and inner[:index] in names:
            best = inner[:index]
    return best


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


# ---------------------------------------------------------------- running the rules


def exemption(rule: Rule, resource: Resource) -> str | None:
    """The reason an object's annotations give for exempting it from `rule`, or None."""
    annotations = dig(resource.inputs, "metadata", "annotations")
    if not isinstance(annotations, Mapping):
        return None
    given: dict[str, tuple[str, str]] = {}  # check id -> (reason, annotation)
    for key, value in annotations.items():
        if isinstance(key, str) and key.startswith(EXEMPTION_PREFIXES) and isinstance(value, str) and "=" in value:
            check, reason = (part.strip() for part in value.split("=", 1))
            if reason:
                given[check.upper()] = (reason, key)
    wanted = [rule.id] if rule.id in given else list(rule.checkov)
    if not wanted or not all(c in given for c in wanted):
        return None
    reasons = dict.fromkeys(given[c][0] for c in wanted)
    return f"{'; '.join(reasons)} ({', '.join(given[c][1] for c in wanted)})"


def run_rule(rule: Rule, resources: Sequence[Resource]) -> list[Violation]:
    """One rule over the resources, before exemptions."""
    if rule.scope == "resource":
        return [Violation(rule, r, message) for r in resources if rule.examines(r) for message in rule.check(r)]
    return [Violation(rule, resource, message) for resource, message in rule.check(resources)]


def judge(rule: Rule, resources: Sequence[Resource]) -> tuple[list[Violation], list[Exemption]]:
    """One rule's violations, and those an object's annotations exempt (with the reason they give)."""
    violations: list[Violation] = []
    exemptions: list[Exemption] = []
    for violation in run_rule(rule, resources):
        resource = violation.resource
        why = exemption(rule, resource) if resource is not None else None
        if resource is None or why is None:
            violations.append(violation)
        else:
            exemptions.append(Exemption(rule, resource, why))
    return violations, exemptions


def evaluate(rules: Iterable[Rule], resources: Sequence[Resource], skip: Iterable[str] = ()) -> Verdicts:
    """Every rule not in `skip` over the resources: violations, annotated exemptions, rules with nothing to judge."""
    verdicts = Verdicts()
    skipped = set(skip)
    for rule in rules:
        if rule.id in skipped:
            continue
        reason = rule.not_applicable(resources)
        if reason is not None:
            verdicts.not_applicable[rule.id] = reason
            continue
        verdicts.ran.append(rule)
        violations, exemptions = judge(rule, resources)
        verdicts.violations.extend(violations)
        verdicts.exemptions.extend(exemptions)
    return verdicts
