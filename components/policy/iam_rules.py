"""IAM: policy documents wherever resources carry them, and the checks on their statements.

Rules DD-IAM-001 (wildcards), DD-IAM-002 (invoke access names this deployment only), DD-IAM-003
(narrower scopes) and DD-GR-002 (the guardrail enforced in IAM).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from .core import Resource, as_list, dig, known

# Where each resource type keeps a policy document (JSON text, or an object).
POLICY_FIELDS: dict[str, tuple[str, ...]] = {
    "aws:iam/policy:Policy": ("policy",),
    "aws:iam/rolePolicy:RolePolicy": ("policy",),
    "aws:iam/userPolicy:UserPolicy": ("policy",),
    "aws:iam/groupPolicy:GroupPolicy": ("policy",),
    "aws:iam/role:Role": ("assumeRolePolicy",),  # and inlinePolicies[].policy
    "aws:s3/bucketPolicy:BucketPolicy": ("policy",),
    "aws:kms/key:Key": ("policy",),
    "aws:kms/keyPolicy:KeyPolicy": ("policy",),
    "aws:sns/topic:Topic": ("policy",),
    "aws:sns/topicPolicy:TopicPolicy": ("policy",),
    "aws:sqs/queuePolicy:QueuePolicy": ("policy",),
    "aws:ecr/repositoryPolicy:RepositoryPolicy": ("policy",),
}
POLICY_TYPES = (*POLICY_FIELDS, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
ATTACHMENT_TYPES = (
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
)
KEY_POLICY_TYPES = ("aws:kms/key:Key", "aws:kms/keyPolicy:KeyPolicy")
# AWS managed policies that grant a whole service or more.
BROAD_MANAGED = re.compile(r"^arn:[^:]+:iam::aws:policy/(.+/)?(AdministratorAccess|PowerUserAccess|\w*FullAccess\w*)$")
# Calls that take no resource ARN (IAM's "resource types" column is empty): `*` is the narrowest there is.
NO_RESOURCE_ACTIONS = (
    "ec2:Describe*",
    "ec2:GetCoipPoolUsage",
    "ec2:GetSecurityGroupsForVpc",
    "elasticloadbalancing:Describe*",
    "autoscaling:Describe*",
    "acm:ListCertificates",
    "ecr:GetAuthorizationToken",
    "cloudwatch:PutMetricData",
    "cloudwatch:GetMetricData",
    "cloudwatch:ListMetrics",
    "logs:DescribeLogGroups",
    "sts:GetCallerIdentity",
    "bedrock:ListFoundationModels",
    "bedrock:ListInferenceProfiles",
    "servicequotas:ListServiceQuotas",
    "pricing:GetProducts",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "tag:GetResources",
    "eks:DescribeAddonVersions",
    "kms:ListAliases",
    "kms:ListKeys",
)
# Condition keys that narrow nothing about which resources a statement reaches.
NON_SCOPING_KEYS = {
    "aws:securetransport",
    "aws:multifactorauthpresent",
    "aws:multifactorauthage",
    "aws:currenttime",
    "aws:epochtime",
    "aws:requestedregion",
    "aws:sourceip",
    "aws:useragent",
    "aws:referer",
    "aws:viaawsservice",
    "aws:principaltype",
    "aws:tokenissuetime",
}
INVOKE_ACTIONS = (
    "bedrock:InvokeModel",
    "bedrock:InvokeModelWithResponseStream",
    "sagemaker:InvokeEndpoint",
    "sagemaker:InvokeEndpointWithResponseStream",
    "sagemaker:InvokeEndpointAsync",
)
BEDROCK_INVOKE = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")
# Bedrock authorises InvokeModel on a Marketplace endpoint against this one resource per account and region.
MARKETPLACE_ALL_ACCESS = re.compile(r"^arn:[^:]+:bedrock:[^:]*:[^:]*:marketplace/model-endpoint/all-access$")
GUARDRAIL_KEY = "bedrock:guardrailidentifier"


@dataclass(frozen=True)
class Document:
    where: str  # which input holds it, e.g. `policy` or `inlinePolicies[read-weights]`
    statements: list[Mapping[str, Any]]
    key_policy: bool = False


def documents(resource: Resource) -> list[Document]:
    """Every policy document the resource carries that can be read (unknown ones are left out)."""
    found = []
    for prop in POLICY_FIELDS.get(resource.type, ()):
        found.append((prop, resource.inputs.get(prop)))
    if resource.type == "aws:iam/role:Role":
        for index, inline in enumerate(as_list(resource.inputs.get("inlinePolicies"))):
            found.append((f"inlinePolicies[{dig(inline, 'name') or index}]", dig(inline, "policy")))
    key_policy = resource.type in KEY_POLICY_TYPES
    parsed = [(where, _parse(text)) for where, text in found]
    return [Document(where, statements, key_policy) for where, statements in parsed if statements is not None]


def _parse(value: Any) -> list[Mapping[str, Any]] | None:
    if isinstance(value, str):
        if not known(value):
            return None
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, Mapping):
        return None
    return [s for s in as_list(value.get("Statement")) if isinstance(s, Mapping)]


def actions(statement: Mapping[str, Any]) -> list[str]:
    return [a for a in as_list(statement.get("Action")) if isinstance(a, str)]


def resources(statement: Mapping[str, Any]) -> list[str]:
    return [r for r in as_list(statement.get("Resource")) if isinstance(r, str)]


def principals(statement: Mapping[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if isinstance(principal, str):
        return [principal]
    if isinstance(principal, Mapping):
        return [p for value in principal.values() for p in as_list(value) if isinstance(p, str)]
    return []


def label(document: Document, statement: Mapping[str, Any], index: int) -> str:
    return f"{document.where} statement {statement.get('Sid') or index}"


def allows(statement: Mapping[str, Any]) -> bool:
    return statement.get("Effect") == "Allow"


def scoping_condition(statement: Mapping[str, Any]) -> bool:
    """Whether a Condition narrows what the statement reaches (a tag, a service, a source, a prefix...)."""
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return False
    keys = [k for block in condition.values() if isinstance(block, Mapping) for k in block]
    return any(isinstance(k, str) and k.lower() not in NON_SCOPING_KEYS for k in keys)


def matches(pattern: str, action: str) -> bool:
    """An IAM action pattern (case-insensitive, `*` and `?`) against an action."""
    return fnmatchcase(action.lower(), pattern.lower())


def needs_resource(action: str) -> bool:
    """Whether the action takes resource ARNs, so that `*` is wider than needed."""
    return not any(matches(pattern, action) for pattern in NO_RESOURCE_ACTIONS)


def reads_metadata(action: str) -> bool:
    """A read-only Describe/List call (S3's List calls read data, not metadata): `*` there is a warning, not an
    error (DD-IAM-003)."""
    service, _, verb = action.partition(":")
    return service.lower() != "s3" and verb.startswith(("Describe", "List")) and "*" not in verb


def arn_parts(arn: str) -> list[str] | None:
    parts = arn.split(":", 5)
    return parts if len(parts) == 6 and parts[0] == "arn" else None


def every_resource(arn: str) -> bool:
    """`*`, or an ARN that leaves region, account and resource open (`arn:aws:s3:::*`, `arn:aws:bedrock:*:*:*`)."""
    if arn == "*":
        return True
    parts = arn_parts(arn)
    return parts is not None and parts[3] in ("", "*") and parts[4] in ("", "*") and parts[5] in ("*", "*/*")


def service_wide(arn: str) -> bool:
    """An ARN fixed to a region or account but open to every resource type of the service (`...:123:*`)."""
    parts = arn_parts(arn)
    return parts is not None and parts[5] in ("*", "*/*") and not every_resource(arn)


def account_root(principal: str) -> bool:
    return principal.endswith(":root") or principal.isdigit() or principal == "${account_id}"


def _action_findings(document: Document, statement: Mapping[str, Any], where: str) -> Iterable[str]:
    if "NotAction" in statement:
        yield f"{where}: Allow with NotAction grants everything but the listed actions; list the actions it needs"
    for action in actions(statement):
        if action != "*" and not action.endswith(":*"):
            continue
        if document.key_policy and action.lower() == "kms:*" and all(map(account_root, principals(statement))):
            continue  # the default key policy: the account's IAM policies decide who uses the key
        yield f"{where}: Allow of `{action}` grants every action of the service; list the actions it needs"


def _resource_findings(document: Document, statement: Mapping[str, Any], where: str) -> Iterable[str]:
    if document.key_policy:
        return  # in a key policy `*` means this key
    if "NotResource" in statement:
        yield f"{where}: Allow with NotResource reaches every resource but the listed ones; name the resources"
        return
    wide = [r for r in resources(statement) if every_resource(r)]
    needing = [a for a in actions(statement) if needs_resource(a) and not reads_metadata(a)]
    if wide and needing and not scoping_condition(statement):
        yield (
            f"{where}: `{wide[0]}` for {', '.join(needing[:3])}{' ...' if len(needing) > 3 else ''}, which take "
            "resource ARNs; name the resources (or add a Condition that scopes them)"
        )


def _principal_findings(statement: Mapping[str, Any], where: str) -> Iterable[str]:
    if "*" in principals(statement) and not scoping_condition(statement):
        yield f"{where}: Allow to Principal `*` (anyone) with no Condition; name the principals"


def wildcard_findings(resource: Resource) -> Iterable[str]:
    """DD-IAM-001: wildcard actions, resources and principals in Allow statements; broad managed policies."""
    for document in documents(resource):
        for index, statement in enumerate(document.statements):
            if not allows(statement):
                continue
            where = label(document, statement, index)
            yield from _action_findings(document, statement, where)
            yield from _resource_findings(document, statement, where)
            yield from _principal_findings(statement, where)
    arns = as_list(resource.inputs.get("managedPolicyArns")) if resource.type == "aws:iam/role:Role" else []
    if resource.type in ATTACHMENT_TYPES:
        arns = as_list(resource.inputs.get("policyArn"))
    for arn in arns:
        if isinstance(arn, str) and BROAD_MANAGED.match(arn):
            yield f"attaches the AWS managed policy {arn.rsplit('/', 1)[-1]}, which grants whole services"


def _narrower(statement: Mapping[str, Any]) -> tuple[str, list[str]] | None:
    """(resource, actions) where a statement reaches more than needed but less than DD-IAM-001 refuses."""
    if not allows(statement) or scoping_condition(statement):
        return None
    needing = [a for a in actions(statement) if needs_resource(a)]
    wide = [r for r in resources(statement) if service_wide(r)]
    if wide and needing:
        return wide[0], needing
    reading = [a for a in needing if reads_metadata(a)]
    everything = [r for r in resources(statement) if every_resource(r)]
    return (everything[0], reading) if everything and reading else None


def narrower_findings(resource: Resource) -> Iterable[str]:
    """DD-IAM-003: service-wide ARNs, and read-only Describe/List calls on `*` that take resource ARNs."""
    for document in documents(resource):
        if document.key_policy:
            continue
        for index, statement in enumerate(document.statements):
            found = _narrower(statement)
            if found:
                arn, needing = found
                types = " or their types (e.g. `...:listener/*`)" if service_wide(arn) else ""
                yield (
                    f"{label(document, statement, index)}: `{arn}` for {', '.join(needing[:3])}"
                    f"{' ...' if len(needing) > 3 else ''}, which take resource ARNs; name the resources{types}, or "
                    "add a scoping Condition"
                )


def _invokes(statement: Mapping[str, Any], targets: Iterable[str] = INVOKE_ACTIONS) -> bool:
    return any(matches(pattern, action) for pattern in actions(statement) for action in targets)


def _scoped_endpoint_statement(statements: list[Mapping[str, Any]]) -> bool:
    """An Allow of sagemaker:InvokeEndpoint on named endpoints only, when called through Bedrock."""
    for statement in statements:
        sagemaker = _invokes(statement, ("sagemaker:InvokeEndpoint",))
        named = resources(statement) and not any("*" in r for r in resources(statement))
        condition = statement.get("Condition")
        called_via = isinstance(condition, Mapping) and any(
            isinstance(block, Mapping)
            and any(
                isinstance(k, str) and k.lower() in ("aws:calledvialast", "aws:calledvia") and "bedrock" in str(v)
                for k, v in block.items()
            )
            for block in condition.values()
        )
        if allows(statement) and sagemaker and named and called_via:
            return True
    return False


def invoke_findings(resource: Resource) -> Iterable[str]:
    """DD-IAM-002: invoke permissions name this deployment's model, profile or endpoint, nothing wider."""
    for document in documents(resource):
        for index, statement in enumerate(document.statements):
            if not allows(statement) or not _invokes(statement):
                continue
            where = label(document, statement, index)
            if "NotResource" in statement:
                yield f"{where}: invoke access with NotResource reaches every other model; name this deployment's"
            for arn in resources(statement):
                if "*" in arn:
                    yield f"{where}: invoke access on `{arn}` reaches other models or endpoints; name this deployment's"
                elif MARKETPLACE_ALL_ACCESS.match(arn) and not _scoped_endpoint_statement(document.statements):
                    yield (
                        f"{where}: `{arn}` reaches every Marketplace endpoint of the account unless the policy also "
                        "allows sagemaker:InvokeEndpoint on this endpoint only, with aws:CalledViaLast = "
                        "bedrock.amazonaws.com"
                    )


def _denies_without_guardrail(statement: Mapping[str, Any], arns: set[str]) -> bool:
    condition = statement.get("Condition")
    if statement.get("Effect") != "Deny" or not isinstance(condition, Mapping):
        return False
    keyed = any(
        isinstance(operator, str)
        and operator.startswith("StringNot")
        and isinstance(block, Mapping)
        and any(isinstance(k, str) and k.lower() == GUARDRAIL_KEY for k in block)
        for operator, block in condition.items()
    )
    covered = "*" in resources(statement) or arns <= set(resources(statement))
    return keyed and covered and all(any(matches(p, a) for p in actions(statement)) for a in BEDROCK_INVOKE)


def guardrail_enforcement_findings(resource: Resource) -> Iterable[str]:
    """DD-GR-002: an Allow of bedrock:InvokeModel comes with a Deny for calls that do not name the guardrail."""
    for document in documents(resource):
        for index, statement in enumerate(document.statements):
            if not allows(statement) or not _invokes(statement, BEDROCK_INVOKE):
                continue
            arns = {r for r in resources(statement) if not MARKETPLACE_ALL_ACCESS.match(r)}
            if not arns:
                continue  # Marketplace: Bedrock cannot enforce a guardrail there; the caller applies it
            if not any(_denies_without_guardrail(s, arns) for s in document.statements):
                yield (
                    f"{label(document, statement, index)}: allows bedrock:InvokeModel with no Deny for calls that "
                    "do not name the guardrail (StringNotEquals bedrock:GuardrailIdentifier)"
                )


def invoke_policies(resources_: Iterable[Resource]) -> list[Resource]:
    """The resources whose documents allow invoking a Bedrock model or endpoint."""
    return [
        r
        for r in resources_
        for d in documents(r)
        if any(allows(s) and _invokes(s, BEDROCK_INVOKE) for s in d.statements)
    ]
