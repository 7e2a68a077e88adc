"""The gateway spec (`kind: gateway`): one OpenAI-compatible endpoint over several deployments.

Each tier is another spec file (a single deployment, in its own stack). The field names are a product
contract (shared/SPEC.md, "A gateway over several deployments"). Checks that relate one field to another
(a tier named in `routing` must be declared, `network` belongs to `ecs-fargate`) run after these models,
in `gateway_rules.py`, so each problem is reported at the exact key that causes it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, WithJsonSchema
from pydantic.config import JsonDict

from . import patterns
from .fields import Int, Namespace
from .models import GuardrailSetting, Region, Tags
from .sections import RETENTION_FIELD, AlarmsSpec, BudgetSpec, GuardrailSpec, RetentionDays, Section

KINDS: tuple[str, ...] = ("deployment", "gateway")
STRATEGIES: tuple[str, ...] = ("classifier", "cascade", "fixed")
PLATFORMS: tuple[str, ...] = ("kubernetes", "ecs-fargate")
# A tier name appears in a request header, in logs and in resource names: short, lowercase, DNS-label-like.
TIER_NAME = patterns.anchored("[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?")
KEY_NAME = patterns.DNS_LABEL
VPC_ID = patterns.anchored("vpc-[0-9a-f]{8,17}")
MAX_TIERS, MAX_KEYS, MAX_REPLICAS = 10, 50, 100


def _tier_name(value: str) -> str:
    if not patterns.matches(TIER_NAME, value):
        raise ValueError(
            f"'{value}' is not a tier name: a lowercase letter, then lowercase letters, digits or -, at most 32 "
            "(e.g. fast)"
        )
    return value


def _key_name(value: str) -> str:
    if not patterns.matches(KEY_NAME, value):
        from .redact import secret_kind

        kind = secret_kind(value)
        if kind:
            raise ValueError(
                f"this is {kind} itself; api_keys lists names (such as backend), and the gateway generates each "
                "key and keeps it as a secret. Revoke this one: it was written into the spec"
            )
        raise ValueError(
            f"'{value}' is not an API key name: lowercase letters, digits and -, starting and ending with a letter "
            "or digit (e.g. backend)"
        )
    return value


# Validated by a function, so the message says what a name looks like; the schema states the pattern.
TierName = Annotated[str, Field(max_length=32, json_schema_extra={"pattern": TIER_NAME}), AfterValidator(_tier_name)]
KeyName = Annotated[str, Field(max_length=63, json_schema_extra={"pattern": KEY_NAME}), AfterValidator(_key_name)]
TierFile = Annotated[str, Field(min_length=1, max_length=4096)]
TIER_NAME_SCHEMA = {"type": "string", "maxLength": 32, "pattern": TIER_NAME}
# pydantic states a key pattern as patternProperties, which lets other keys through: state the keys' names.
TIERS_SCHEMA = {
    "type": "object",
    "minProperties": 1,
    "maxProperties": MAX_TIERS,
    "propertyNames": TIER_NAME_SCHEMA,
    "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 4096},
}
FALLBACKS_SCHEMA = {
    "type": "object",
    "propertyNames": TIER_NAME_SCHEMA,
    "additionalProperties": {"type": "array", "minItems": 1, "maxItems": MAX_TIERS, "items": TIER_NAME_SCHEMA},
}


# What the schema states about escalate_to; gateway_rules is the loader's side.
ESCALATE_SCHEMA: JsonDict = {
    "if": {"properties": {"strategy": {"enum": ["classifier", "cascade"]}}, "required": ["strategy"]},
    "then": {"required": ["escalate_to"], "properties": {"escalate_to": {"type": "string"}}},
}


class RoutingSpec(Section):
    model_config = ConfigDict(json_schema_extra=ESCALATE_SCHEMA)

    strategy: Literal["classifier", "cascade", "fixed"] = Field(
        description="classifier: a difficulty score over `threshold` sends a request to escalate_to, else to "
        "default. cascade: default answers first and escalate_to takes requests whose answer fails a check. "
        "fixed: default serves everything, except what headers pin and fallbacks take."
    )
    default: TierName = Field(description="The tier a request goes to unless it is routed elsewhere.")
    escalate_to: TierName | None = Field(
        None, description="The tier hard requests go to (required for classifier and cascade)."
    )
    threshold: Annotated[float, Field(ge=0, le=1)] | Literal["auto"] = Field(
        "auto",
        description="classifier: difficulty score in [0, 1] above which a request escalates; auto = calibrated by "
        "`deploy eval --calibrate`, which writes the number here.",
    )
    pattern: Annotated[str, Field(min_length=1, max_length=1000)] | None = Field(
        None,
        description="cascade: a regular expression (Python syntax) the fast answer must match, else the request "
        "escalates.",
    )
    fallbacks: Annotated[
        dict[TierName, Annotated[list[TierName], Field(min_length=1, max_length=MAX_TIERS)]],
        WithJsonSchema(FALLBACKS_SCHEMA),
    ] = Field(
        default_factory=dict,
        description="tier -> the tiers to try, in order, when it fails, throttles or times out.",
    )
    header_override: bool = Field(True, description="A client may pin a tier with a request header.")


class HostNetwork(Section):
    subnet_ids: list[Annotated[str, Field(pattern=patterns.SUBNET_ID)]] = Field(
        min_length=1, max_length=16, description="Private subnets the gateway's tasks run in (at most 16)."
    )
    vpc_id: Annotated[str, Field(pattern=VPC_ID)] | None = Field(
        None, description="The subnets' VPC (vpc-...). Default: looked up from the subnets."
    )


KUBERNETES_ONLY: tuple[str, ...] = ("kubeconfig", "context", "namespace")
FARGATE_ONLY: tuple[str, ...] = ("network",)
# What the schema states about each platform's own keys; gateway_rules.host_problems is the loader's side.
PLATFORM_KEYS_SCHEMA: JsonDict = {
    "allOf": [
        {
            "if": {"properties": {"platform": {"const": platform}}, "required": ["platform"]},
            "then": {"properties": {key: {"type": "null"} for key in others}},
        }
        for platform, others in (("kubernetes", FARGATE_ONLY), ("ecs-fargate", KUBERNETES_ONLY))
    ]
}


class HostSpec(Section):
    model_config = ConfigDict(json_schema_extra=PLATFORM_KEYS_SCHEMA)

    platform: Literal["kubernetes", "ecs-fargate"] = Field(
        description="kubernetes: a Deployment on an existing cluster (or one a tier created). ecs-fargate: ECS "
        "Fargate behind an internal load balancer."
    )
    kubeconfig: Annotated[str, Field(min_length=1, max_length=4096)] | None = Field(
        None, description="kubernetes: path to the cluster's kubeconfig. Default: ~/.kube/config."
    )
    context: Annotated[str, Field(min_length=1, max_length=1024)] | None = Field(
        None, description="kubernetes: the kubeconfig context to use. Default: the current context."
    )
    namespace: Namespace | None = Field(
        None, description="kubernetes: the namespace the gateway creates. Default: the gateway's name."
    )
    network: HostNetwork | None = Field(
        None, description="ecs-fargate: the subnets the gateway runs in. Default: a VPC the tool creates."
    )
    replicas: Int = Field(2, ge=1, le=MAX_REPLICAS, description="Gateway replicas (pods or Fargate tasks).")


class GatewayAccess(Section):
    api_keys: list[KeyName] = Field(
        default_factory=lambda: ["default"],
        min_length=1,
        max_length=MAX_KEYS,
        json_schema_extra={"uniqueItems": True},
        description="Names of the API keys clients use; each is generated and kept as a secret. Remove a name to "
        "revoke its key. Default: one key named default.",
    )


class GatewayObservability(Section):
    request_logs: bool = Field(
        True, description="Request logs with the tier that answered, tokens, estimated cost and latency."
    )
    log_retention_days: RetentionDays = RETENTION_FIELD
    alarms: AlarmsSpec = Field(
        default_factory=AlarmsSpec, description="CloudWatch alarms on the gateway's latency and errors."
    )
    dashboard: bool = Field(True, description="Create a CloudWatch dashboard for the gateway.")


class GatewaySpec(Section):
    kind: Literal["gateway"] = Field(description="gateway: one endpoint in front of several deployments.")
    name: str = Field(
        pattern=patterns.NAME,
        description="Names the gateway's stack and prefixes its resources: a lowercase letter, then 1-38 lowercase "
        "letters, digits or dashes.",
    )
    region: Region = Field(
        max_length=32, description="AWS region of the gateway (also where its logs and alarms live)."
    )
    tiers: Annotated[dict[TierName, TierFile], WithJsonSchema(TIERS_SCHEMA)] = Field(
        min_length=1,
        max_length=MAX_TIERS,
        description="Tier name -> the spec file of a single deployment, relative to this file.",
    )
    routing: RoutingSpec = Field(description="How a request picks its tier.")
    host: HostSpec = Field(description="Where the gateway runs.")
    tags: Tags = Field(default_factory=dict, description="Tags applied to every taggable resource of the gateway.")
    guardrail: GuardrailSetting = Field(
        None,
        description="Amazon Bedrock Guardrail applied at the gateway to every tier. On by default; `false` turns it "
        "off.",
    )
    access: GatewayAccess = Field(default_factory=GatewayAccess, description="Who may call the gateway.")
    observability: GatewayObservability = Field(
        default_factory=GatewayObservability, description="Request logs, alarms and dashboard."
    )
    budget: BudgetSpec | None = Field(None, description="An AWS Budget with email alerts.")

    @property
    def effective_guardrail(self) -> GuardrailSpec | None:
        """The guardrail every tier's requests pass: on unless `guardrail: false`."""
        guardrail = self.guardrail or GuardrailSpec()
        return guardrail if guardrail.enabled else None
