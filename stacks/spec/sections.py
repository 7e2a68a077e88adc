"""Spec sections every mode shares: the base section, field validators, guardrail, access,
observability, budget, network and KMS settings.

Field names are a product contract (shared/SPEC.md); every field carries a description that
`deploy schema` publishes and `deploy init` writes as a comment.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from . import patterns
from .fields import Email, Int, PrincipalArn, rule

Mode = Literal["serverless", "marketplace", "custom-import", "self-hosted"]
MODES: tuple[str, ...] = ("serverless", "marketplace", "custom-import", "self-hosted")
BEDROCK_MODES: tuple[str, ...] = ("serverless", "marketplace", "custom-import")

Strength = Literal["none", "low", "medium", "high"]
PiiAction = Literal["block", "anonymize"]
# The entity types Bedrock Guardrails detect (botocore bedrock model, GuardrailPiiEntityType).
PiiEntity = Literal[
    "ADDRESS",
    "AGE",
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
    "CA_HEALTH_NUMBER",
    "CA_SOCIAL_INSURANCE_NUMBER",
    "CREDIT_DEBIT_CARD_CVV",
    "CREDIT_DEBIT_CARD_EXPIRY",
    "CREDIT_DEBIT_CARD_NUMBER",
    "DRIVER_ID",
    "EMAIL",
    "INTERNATIONAL_BANK_ACCOUNT_NUMBER",
    "IP_ADDRESS",
    "LICENSE_PLATE",
    "MAC_ADDRESS",
    "NAME",
    "PASSWORD",
    "PHONE",
    "PIN",
    "SWIFT_CODE",
    "UK_NATIONAL_HEALTH_SERVICE_NUMBER",
    "UK_NATIONAL_INSURANCE_NUMBER",
    "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER",
    "URL",
    "USERNAME",
    "US_BANK_ACCOUNT_NUMBER",
    "US_BANK_ROUTING_NUMBER",
    "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER",
    "US_PASSPORT_NUMBER",
    "US_SOCIAL_SECURITY_NUMBER",
    "VEHICLE_IDENTIFICATION_NUMBER",
]
MAX_MONTHLY_USD = 1_000_000  # a sane ceiling: the largest self-hosted R1 deployment costs a fraction of it
# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


class Section(BaseModel):
    """Base for every spec section: unknown keys are errors; parsed specs are immutable.

    Types are strict, as in the JSON Schema: text is not a number, `"true"` is not a boolean, a list is a
    list. A number field takes an int (YAML's `1`), a whole-number field takes 3.0 (`fields.Int`), and
    numbers are finite and bounded. Patterns run on Python's `re`, the engine `jsonschema` uses too.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False, regex_engine="python-re")

    @model_validator(mode="before")
    @classmethod
    def _empty_means_default(cls, data: Any) -> Any:
        # `cluster:` with every child commented out is null in YAML; users mean "the defaults".
        if isinstance(data, dict):
            return {
                key: value
                for key, value in data.items()
                if not (value is None and key in cls.model_fields and cls.model_fields[key].default_factory is not None)
            }
        return data


# ---------------------------------------------------------------- guardrail


class ContentFilters(Section):
    hate: Strength = Field("high", description="Strength of the hate filter on prompts and answers.")
    insults: Strength = Field("medium", description="Strength of the insults filter.")
    sexual: Strength = Field("high", description="Strength of the sexual-content filter.")
    violence: Strength = Field("medium", description="Strength of the violence filter.")
    misconduct: Strength = Field("medium", description="Strength of the misconduct filter (criminal activity, harm).")
    prompt_attack: Strength = Field(
        "high",
        description="Strength of jailbreak/prompt-injection detection (applies to prompts only, as Bedrock requires).",
    )


class DeniedTopic(Section):
    name: str = Field(
        min_length=1,
        max_length=100,
        pattern=patterns.TOPIC_NAME,
        description="Short topic name (letters, digits, space, - _ ! ? .).",
    )
    definition: str = Field(
        min_length=1, max_length=200, description="What the topic covers, in one sentence (at most 200 characters)."
    )
    examples: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=5, description="Up to 5 example prompts that belong to the topic."
    )


class GuardrailSpec(Section):
    enabled: bool = Field(
        True, description="Create a Bedrock Guardrail. Set `guardrail: false` as a shorthand to turn it off."
    )
    content_filters: ContentFilters = Field(
        default_factory=ContentFilters, description="Content filter strengths: none | low | medium | high."
    )
    denied_topics: list[DeniedTopic] = Field(
        default_factory=list, max_length=30, description="Topics the model must refuse (at most 30)."
    )
    blocked_words: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=10000, description="Exact words or phrases to block in prompts and answers."
    )
    managed_word_lists: list[Literal["profanity"]] = Field(
        default_factory=list, max_length=1, description="AWS-managed word lists to block (profanity)."
    )
    pii: dict[PiiEntity, PiiAction] = Field(
        default_factory=dict, description="PII entity type -> block | anonymize, e.g. {EMAIL: anonymize}."
    )
    blocked_input_message: str = Field(
        "Sorry, I can't help with that.",
        min_length=1,
        max_length=500,
        description="Returned instead of the answer when a prompt is blocked.",
    )
    blocked_output_message: str = Field(
        "Sorry, I can't share that.",
        min_length=1,
        max_length=500,
        description="Returned instead of an answer that is blocked.",
    )
    enforce: bool = Field(
        False,
        description="Deny (in IAM) every invocation that does not name this guardrail. Serverless and custom-import "
        "only.",
    )

    @field_validator("blocked_words")
    @classmethod
    def _unique_words(cls, words: list[str]) -> list[str]:
        seen: set[str] = set()
        for word in words:
            if word.lower() in seen:
                raise rule(f"'{word}' is listed twice (Bedrock compares words ignoring case)")
            seen.add(word.lower())
        return words


# ---------------------------------------------------------------- shared sections


class AccessSpec(Section):
    invoke_principals: list[PrincipalArn] = Field(
        default_factory=list,
        description="IAM role or user ARNs allowed to invoke this deployment; they get exactly that and nothing more.",
    )


class AlarmsSpec(Section):
    p99_latency_ms: Int = Field(
        60000, gt=0, le=3_600_000, description="Alarm when p99 invocation latency exceeds this many milliseconds."
    )
    error_rate_percent: float = Field(5, gt=0, le=100, description="Alarm when this percentage of invocations fail.")
    email: Email | None = Field(
        None, description="Email address subscribed to the alarm topic (confirm the subscription email AWS sends)."
    )


def _accepted_retention(days: int) -> int:
    if days not in LOG_RETENTION_DAYS:
        nearest = min(LOG_RETENTION_DAYS, key=lambda allowed: abs(allowed - days))
        raise ValueError(f"CloudWatch Logs does not accept {days} days; the nearest it accepts is {nearest}")
    return days


# A retention CloudWatch Logs accepts; deployments and gateways share the rule and its field.
RetentionDays = Annotated[Int, AfterValidator(_accepted_retention)]
RETENTION_FIELD = Field(
    30,
    json_schema_extra={"enum": list(LOG_RETENTION_DAYS)},
    description="CloudWatch Logs retention in days (a value CloudWatch accepts: 1, 3, 5, 7, 14, 30, 60, 90, ...).",
)


class ObservabilitySpec(Section):
    invocation_logs: bool | Literal["shared"] = Field(
        True,
        description="Bedrock model invocation logging to an encrypted, private S3 bucket and CloudWatch Logs. It is "
        "one setting per "
        "account and region: the deployment with `true` owns it; others in the same account and region say `shared`.",
    )
    log_retention_days: RetentionDays = RETENTION_FIELD
    alarms: AlarmsSpec = Field(
        default_factory=AlarmsSpec,
        description="CloudWatch alarms on latency, errors and throttles, sent to an SNS topic.",
    )
    dashboard: bool = Field(True, description="Create a CloudWatch dashboard for this deployment.")


class BudgetSpec(Section):
    monthly_usd: float = Field(
        gt=0, le=MAX_MONTHLY_USD, description="Monthly AWS Budget for this deployment's cost tags, in US dollars."
    )
    alert_emails: list[Email] = Field(
        default_factory=list, description="Emails alerted at 80% forecast and 100% actual spend."
    )


class NetworkSpec(Section):
    subnet_ids: list[Annotated[str, Field(pattern=patterns.SUBNET_ID)]] = Field(
        min_length=1, max_length=16, description="Private subnets to place the model in (at most 16)."
    )
    security_group_ids: list[Annotated[str, Field(pattern=patterns.SECURITY_GROUP_ID)]] = Field(
        min_length=1, max_length=5, description="Security groups for the model's network interfaces (at most 5)."
    )
