"""The deployment spec: pydantic models that are the schema, the docs and the parser.

Field names are a product contract (shared/SPEC.md). Every field carries a description:
`deploy schema` publishes them and `deploy init` writes them as comments.
Cross-field rules that need the model catalog live in `rules.py`, not here, so each
problem can be reported against the exact key that causes it.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, field_validator, model_validator

from .. import catalog

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

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
IAM_PRINCIPAL = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:(role|user)/[\w+=,.@/-]+$")
KMS_KEY_ARN = re.compile(r"^arn:aws(-[a-z]+)*:kms:[a-z0-9-]+:\d{12}:(key|alias)/[\w/-]+$")


class Section(BaseModel):
    """Base for every spec section: unknown keys are errors; parsed specs are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)

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


def _check_email(value: str) -> str:
    if not EMAIL.match(value):
        raise ValueError(f"'{value}' is not an email address (expected name@example.com)")
    return value


def _check_principal(value: str) -> str:
    if not IAM_PRINCIPAL.match(value):
        raise ValueError(f"'{value}' is not an IAM role or user ARN (expected arn:aws:iam::123456789012:role/NAME)")
    return value


def _check_cidr(value: str) -> str:
    import ipaddress

    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as error:
        raise ValueError(f"'{value}' is not a CIDR block ({error})") from None
    if network.prefixlen == 0:
        raise ValueError(f"'{value}' opens the cluster API to the whole internet; list your own ranges")
    return value


# Validated per item, so an error points at the item's own line.
Email = Annotated[str, AfterValidator(_check_email)]
PrincipalArn = Annotated[str, AfterValidator(_check_principal)]
Cidr = Annotated[str, AfterValidator(_check_cidr)]


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
        pattern=r"^[0-9a-zA-Z\-_ !?.]+$",
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
        default_factory=list, description="AWS-managed word lists to block (profanity)."
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
        description="Deny (in IAM) every invocation that does not name this guardrail. Serverless and custom-import only.",
    )

    @field_validator("blocked_words")
    @classmethod
    def _unique_words(cls, words: list[str]) -> list[str]:
        seen: set[str] = set()
        for word in words:
            if word.lower() in seen:
                raise ValueError(f"'{word}' is listed twice")
            seen.add(word.lower())
        return words


# ---------------------------------------------------------------- shared sections


class AccessSpec(Section):
    invoke_principals: list[PrincipalArn] = Field(
        default_factory=list,
        description="IAM role or user ARNs allowed to invoke this deployment; they get exactly that and nothing more.",
    )


class AlarmsSpec(Section):
    p99_latency_ms: int = Field(
        60000, gt=0, description="Alarm when p99 invocation latency exceeds this many milliseconds."
    )
    error_rate_percent: float = Field(5, gt=0, le=100, description="Alarm when this percentage of invocations fail.")
    email: Email | None = Field(
        None, description="Email address subscribed to the alarm topic (confirm the subscription email AWS sends)."
    )


class ObservabilitySpec(Section):
    invocation_logs: bool | Literal["shared"] = Field(
        True,
        description="Bedrock model invocation logging to an encrypted, private S3 bucket and CloudWatch Logs. It is one setting per "
        "account and region: the deployment with `true` owns it; others in the same account and region say `shared`.",
    )
    log_retention_days: int = Field(
        30,
        description="CloudWatch Logs retention in days (a value CloudWatch accepts: 1, 3, 5, 7, 14, 30, 60, 90, ...).",
    )
    alarms: AlarmsSpec = Field(
        default_factory=AlarmsSpec,
        description="CloudWatch alarms on latency, errors and throttles, sent to an SNS topic.",
    )
    dashboard: bool = Field(True, description="Create a CloudWatch dashboard for this deployment.")

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, days: int) -> int:
        if days not in LOG_RETENTION_DAYS:
            nearest = min(LOG_RETENTION_DAYS, key=lambda allowed: abs(allowed - days))
            raise ValueError(f"CloudWatch Logs does not accept {days} days; the nearest it accepts is {nearest}")
        return days


class BudgetSpec(Section):
    monthly_usd: float = Field(gt=0, description="Monthly AWS Budget for this deployment's cost tags, in US dollars.")
    alert_emails: list[Email] = Field(
        default_factory=list, description="Emails alerted at 80% forecast and 100% actual spend."
    )


class NetworkSpec(Section):
    subnet_ids: list[Annotated[str, Field(pattern=r"^subnet-[0-9a-f]{8,17}$")]] = Field(
        min_length=1, description="Private subnets to place the model in."
    )
    security_group_ids: list[Annotated[str, Field(pattern=r"^sg-[0-9a-f]{8,17}$")]] = Field(
        min_length=1, description="Security groups for the model's network interfaces."
    )


def _check_kms_key(value: str) -> str:
    if value in ("auto", "none") or KMS_KEY_ARN.match(value):
        return value
    raise ValueError(f"'{value}' is not `auto`, `none` or a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)")


KmsKey = Annotated[
    str,
    AfterValidator(_check_kms_key),
    Field(description="`auto` creates a KMS key with rotation, `none` uses AWS-owned keys, or give a key ARN."),
]


# ---------------------------------------------------------------- mode sections


class ServerlessOptions(Section):
    cross_region: bool | None = Field(
        None,
        description="Invoke through the geographic cross-region inference profile (us./eu./apac.). "
        "Default: on where the model has one; R1 is only offered that way.",
    )
    cost_profile: bool = Field(
        True, description="Create an application inference profile that carries the tags, for cost allocation."
    )


class EndpointAutoscaling(Section):
    min: int = Field(1, ge=1, description="Fewest instances.")
    max: int = Field(4, ge=1, description="Most instances.")
    target_invocations_per_instance: int = Field(
        10, ge=1, description="Scale out above this many invocations per instance per minute."
    )


class EndpointSpec(Section):
    instance_type: str | None = Field(
        None, description="SageMaker instance type. Default: the catalog's choice for the model."
    )
    instance_count: int = Field(1, ge=1, description="Instances to start with.")
    autoscaling: EndpointAutoscaling | None = Field(
        None, description="Application Auto Scaling of the endpoint variant."
    )
    accept_eula: bool = Field(
        False, description="Accept the model's licence terms, where the Marketplace offer requires it."
    )
    kms_key: KmsKey = "auto"


class WeightsSpec(Section):
    source: str = Field(
        description="Where the weights are: s3://bucket/prefix/, hf://org/repo (uploaded for you), or a local directory."
    )

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        if value.startswith("s3://"):
            if not re.match(r"^s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/.*)?$", value):
                raise ValueError(f"'{value}' is not an S3 URI (expected s3://bucket/prefix/)")
        elif value.startswith("hf://"):
            if not re.match(r"^hf://[\w.\-]+/[\w.\-]+$", value):
                raise ValueError(f"'{value}' is not a Hugging Face repo (expected hf://org/name)")
        elif "://" in value:
            raise ValueError(f"'{value}' uses an unsupported scheme; use s3://, hf:// or a local directory")
        return value


class ClusterNodes(Section):
    min: int = Field(1, ge=0, description="Fewest GPU nodes.")
    max: int = Field(4, ge=1, description="Most GPU nodes.")


class ClusterSpec(Section):
    kubeconfig: str | None = Field(
        None,
        description="Path to a kubeconfig for an existing cluster (any cloud or on-prem). Default: ~/.kube/config.",
    )
    context: str | None = Field(None, description="The kubeconfig context to use. Default: the current context.")
    create: Literal["eks"] | None = Field(None, description="`eks` creates a GPU EKS cluster for this deployment.")
    kubernetes_version: str = Field(
        "1.35",
        pattern=r"^1\.\d{2}$",
        description="Kubernetes version of a created EKS cluster (default: the newest in EKS standard support the catalog confirms).",
    )
    node_instance_type: str | None = Field(
        None, description="GPU node instance type of a created cluster. Default: the planner's choice."
    )
    nodes: ClusterNodes = Field(default_factory=ClusterNodes, description="GPU node group size of a created cluster.")
    capacity_type: Literal["on-demand", "spot"] = Field("on-demand", description="on-demand or spot GPU nodes.")
    endpoint_public_cidrs: list[Cidr] = Field(
        default_factory=list,
        description="CIDRs that may reach the created cluster's API endpoint; empty keeps the endpoint private.",
    )

    @model_validator(mode="after")
    def _one_cluster(self) -> ClusterSpec:
        if self.create and (self.kubeconfig or self.context):
            raise ValueError("give either `create: eks` or `kubeconfig`/`context` for an existing cluster, not both")
        return self


GpuType = Literal["A10G", "L4", "L40S", "A100-40GB", "A100-80GB", "H100", "H200"]


class GpuSpec(Section):
    type: GpuType | None = Field(
        None,
        description="GPU of an existing cluster's nodes (A10G, L4, L40S, A100-40GB, A100-80GB, H100, H200). On a created EKS cluster it follows node_instance_type.",
    )
    count: int | Literal["auto"] = Field(
        "auto", description="GPUs per node a replica uses; auto = the planner's choice."
    )


class ServingAutoscaling(Section):
    min: int = Field(1, ge=0, description="Fewest replicas.")
    max: int = Field(4, ge=1, description="Most replicas.")
    target_waiting_requests: int = Field(
        5, ge=1, description="Scale out when this many requests wait in vLLM's queue (vllm:num_requests_waiting)."
    )
    prometheus_address: str = Field(
        "http://prometheus-operated.monitoring.svc:9090",
        pattern=r"^https?://\S+$",
        description="Prometheus that scrapes vLLM's metrics; KEDA reads the queue length from it.",
    )


class WeightsCache(Section):
    size_gi: int = Field(200, ge=10, description="Size of the persistent weights cache volume, in GiB.")
    storage_class: str = Field("gp3", description="StorageClass of the weights cache volume.")


class ServingSpec(Section):
    engine: Literal["vllm"] = Field("vllm", description="The inference server.")
    image: str | None = Field(
        None, description="Container image, pinned to a tag or digest. Default: the catalog's pinned vLLM image."
    )
    namespace: str = Field(
        "deepseek", pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=63, description="Kubernetes namespace."
    )
    replicas: int = Field(1, ge=1, description="Model replicas (each spans pipeline_parallel nodes).")
    gpu: GpuSpec = Field(default_factory=GpuSpec, description="The GPUs each replica gets.")
    tensor_parallel: int | Literal["auto"] = Field("auto", description="Tensor-parallel size; auto = GPUs per node.")
    pipeline_parallel: int | Literal["auto"] = Field(
        "auto", description="Pipeline-parallel size; auto = nodes a replica spans."
    )
    max_model_len: int | Literal["auto"] = Field(
        "auto", description="Context length; auto = the largest whose KV cache fits."
    )
    gpu_memory_utilization: float = Field(0.90, gt=0.3, le=0.98, description="Share of GPU memory vLLM may use.")
    quantization: Literal["none", "fp8", "awq"] = Field(
        "none", description="Weight quantization: none (native dtype), fp8 or awq."
    )
    prefix_caching: bool = Field(True, description="vLLM automatic prefix caching.")
    autoscaling: ServingAutoscaling | None = Field(None, description="Scale replicas on vLLM's queue length (KEDA).")
    api_key: bool = Field(
        True, description="Require an API key; it is generated and kept as a Kubernetes Secret and a Pulumi secret."
    )
    weights_cache: WeightsCache = Field(
        default_factory=WeightsCache, description="Persistent volume that caches the weights."
    )
    expose: Literal["cluster-ip", "load-balancer", "ingress"] = Field(
        "cluster-ip", description="How the endpoint is reachable."
    )
    hf_token_env: Optional[str] = Field(
        None,
        pattern=r"^[A-Z_][A-Z0-9_]*$",
        description="Name of the environment variable that holds a Hugging Face token at deploy time (never the token itself).",
    )
    service_monitor: bool = Field(False, description="Create a Prometheus Operator ServiceMonitor for vLLM's /metrics.")

    @field_validator("image")
    @classmethod
    def _pinned(cls, image: str | None) -> str | None:
        if image is not None:
            name = image.rsplit("/", 1)[-1]
            if "@sha256:" not in image and (":" not in name or name.endswith(":latest")):
                raise ValueError(
                    f"'{image}' is not pinned; give a version tag or digest (e.g. vllm/vllm-openai:v0.11.0)"
                )
        return image


# ---------------------------------------------------------------- the spec


def _tag_value(value: Any) -> Any:
    # `cost-center: 1234` in YAML is an int; AWS tags are strings.
    return str(value).lower() if isinstance(value, bool) else (str(value) if isinstance(value, (int, float)) else value)


TagKey = Annotated[str, Field(min_length=1, max_length=128)]
TagValue = Annotated[str, Field(max_length=256)]
# Numbers and booleans are accepted and turned into strings, so the schema admits them too.
TAGS_JSON_SCHEMA = {
    "type": "object",
    "propertyNames": {"minLength": 1, "maxLength": 128},
    "additionalProperties": {"type": ["string", "number", "boolean"], "maxLength": 256},
}


class BaseSpec(Section):
    name: str = Field(
        pattern=r"^[a-z][a-z0-9-]{1,38}$",
        description="Names the stack and prefixes every resource: a lowercase letter, then 1-38 lowercase letters, digits or dashes.",
    )
    model: str = Field(description="A catalog id or alias (`deploy models` lists them).")
    mode: Mode = Field(description="serverless | marketplace | custom-import | self-hosted")
    region: str = Field(description="AWS region of the deployment (also where state, logs and alarms live).")
    tags: Annotated[dict[TagKey, TagValue], WithJsonSchema(TAGS_JSON_SCHEMA)] = Field(
        default_factory=dict, description="Tags applied to every taggable resource."
    )
    protect: bool = Field(False, description="Protect stateful resources (buckets, keys, clusters) from `destroy`.")
    guardrail: GuardrailSpec | None = Field(
        None, description="Amazon Bedrock Guardrail. On by default for the three Bedrock modes; `false` turns it off."
    )
    access: AccessSpec = Field(default_factory=AccessSpec, description="Who may invoke the deployment.")
    observability: ObservabilitySpec = Field(
        default_factory=ObservabilitySpec, description="Logs, alarms and dashboard."
    )
    budget: BudgetSpec | None = Field(None, description="An AWS Budget with email alerts.")

    @field_validator("model")
    @classmethod
    def _known_model(cls, value: str) -> str:
        return catalog.resolve_model_id(value)

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        catalog.check_region(value)
        return value

    @field_validator("tags", mode="before")
    @classmethod
    def _stringify_tags(cls, tags: Any) -> Any:
        if isinstance(tags, dict):
            return {key: _tag_value(value) for key, value in tags.items()}
        return tags

    @field_validator("tags")
    @classmethod
    def _tag_rules(cls, tags: dict[str, str]) -> dict[str, str]:
        if len(tags) > 45:  # AWS allows 50; the tool adds its own
            raise ValueError(
                f"{len(tags)} tags; AWS allows 50 per resource and deepseek-deploy adds 5, so give at most 45"
            )
        for key in tags:
            if key.lower().startswith("aws:"):
                raise ValueError(f"tag key '{key}' uses the reserved prefix 'aws:'")
        return tags

    @field_validator("guardrail", mode="before")
    @classmethod
    def _guardrail_shorthand(cls, value: Any) -> Any:
        if value is False:
            return {"enabled": False}
        if value is True:
            return {}
        return value

    @property
    def guardrail_enabled(self) -> bool:
        """Whether a guardrail is created: explicit setting, else on for the Bedrock modes."""
        if self.guardrail is not None:
            return self.guardrail.enabled
        return self.mode in BEDROCK_MODES

    @property
    def effective_guardrail(self) -> GuardrailSpec | None:
        if not self.guardrail_enabled:
            return None
        return self.guardrail or GuardrailSpec()


class ServerlessSpec(BaseSpec):
    mode: Literal["serverless"] = Field(description="Amazon Bedrock fully managed (R1, V3).")
    serverless: ServerlessOptions = Field(
        default_factory=ServerlessOptions, description="Options of the serverless mode."
    )


class MarketplaceSpec(BaseSpec):
    mode: Literal["marketplace"] = Field(description="A Bedrock Marketplace endpoint on SageMaker instances.")
    endpoint: EndpointSpec = Field(default_factory=EndpointSpec, description="The Marketplace endpoint.")
    network: NetworkSpec | None = Field(None, description="Optional VPC placement.")


class CustomImportSpec(BaseSpec):
    mode: Literal["custom-import"] = Field(
        description="Bedrock Custom Model Import of distill weights (pay per use, scales to zero)."
    )
    weights: WeightsSpec | None = Field(
        None, description="Where the weights come from. Default: the model's Hugging Face repo."
    )
    kms_key: KmsKey = "auto"
    network: NetworkSpec | None = Field(None, description="Optional VPC for the import job.")

    @property
    def weights_source(self) -> str:
        if self.weights is not None:
            return self.weights.source
        return f"hf://{catalog.model(self.model).hf_repo}"


class SelfHostedSpec(BaseSpec):
    mode: Literal["self-hosted"] = Field(description="vLLM on a GPU Kubernetes cluster.")
    cluster: ClusterSpec = Field(
        default_factory=ClusterSpec, description="The cluster: an existing one, or `create: eks`."
    )
    serving: ServingSpec = Field(default_factory=ServingSpec, description="The vLLM server.")


DeploymentSpec = Annotated[
    Union[ServerlessSpec, MarketplaceSpec, CustomImportSpec, SelfHostedSpec],
    Field(discriminator="mode"),
]
SPEC_CLASSES: dict[str, type[BaseSpec]] = {
    "serverless": ServerlessSpec,
    "marketplace": MarketplaceSpec,
    "custom-import": CustomImportSpec,
    "self-hosted": SelfHostedSpec,
}
# The section key that belongs to each mode; a section of another mode is a helpful error.
MODE_SECTIONS: dict[str, tuple[str, ...]] = {
    "serverless": ("serverless",),
    "marketplace": ("endpoint", "network"),
    "custom-import": ("weights", "kms_key", "network"),
    "self-hosted": ("cluster", "serving"),
}


# ---------------------------------------------------------------- walking the models


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types inside Optional/Union/Annotated."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def section_at(cls: type[BaseModel], path: tuple) -> type[BaseModel] | None:
    """The model class that describes the mapping at `path`, if any."""
    current: Any = cls
    remaining = list(path)
    while remaining:
        element = remaining.pop(0)
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(element)
        if info is None:
            return None
        candidates = _unwrap(info.annotation)
        current = None
        for candidate in candidates:
            origin = typing.get_origin(candidate)
            if origin in (list, dict) and remaining:
                remaining.pop(0)  # an index or key
                item = typing.get_args(candidate)[-1]
                current = next((t for t in _unwrap(item) if isinstance(t, type) and issubclass(t, BaseModel)), None)
                break
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                current = candidate
                break
        if current is None:
            return None
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None
