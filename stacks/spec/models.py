"""The deployment spec: pydantic models that are the schema, the docs and the parser.

One class per mode, discriminated by `mode`, built from the sections in `sections.py` and
`mode_sections.py`. Rules that need the catalog's capacity figures live in `sizing/`, so this
layer stays free of the planner; each problem is reported against the exact key that causes it.
"""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, WithJsonSchema, field_validator

from .. import catalog
from . import patterns
from .fields import KmsKey
from .mode_sections import ClusterSpec, EndpointSpec, ServerlessOptions, ServingSpec, WeightsSpec
from .sections import (
    BEDROCK_MODES,
    AccessSpec,
    BudgetSpec,
    GuardrailSpec,
    Mode,
    NetworkSpec,
    ObservabilitySpec,
    Section,
)

# ---------------------------------------------------------------- the spec


MAX_TAGS = 45  # AWS allows 50 per resource and deepseek-deploy adds 5
MAX_TAG_NUMBER = 10**15  # a number tag (`cost-center: 4711`) is written out as text: keep it short and exact


def _tag_value(value: Any) -> Any:
    # `cost-center: 1234` in YAML is an int; AWS tags are strings.
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        if not -MAX_TAG_NUMBER <= value <= MAX_TAG_NUMBER:  # also NaN and infinity
            raise ValueError(f"a number tag value must lie within ±10^15 (got {value!r}); quote it to give text")
        return str(value)
    return value


def _tag_key(key: str) -> str:
    if patterns.matches(patterns.RESERVED_TAG_PREFIX, key):
        raise ValueError(f"tag key '{key}' uses the reserved prefix 'aws:'")
    return key


TagKey = Annotated[str, Field(min_length=1, max_length=128), AfterValidator(_tag_key)]
TagValue = Annotated[str, BeforeValidator(_tag_value), Field(max_length=256)]
# Numbers and booleans are accepted and turned into strings, so the schema admits them too.
TAGS_JSON_SCHEMA = {
    "type": "object",
    "maxProperties": MAX_TAGS,
    "propertyNames": {
        "type": "string",
        "minLength": 1,
        "maxLength": 128,
        "not": {"pattern": patterns.RESERVED_TAG_PREFIX},
    },
    "additionalProperties": {
        "anyOf": [
            {"type": "string", "maxLength": 256},
            {"type": "boolean"},
            {"type": "number", "minimum": -MAX_TAG_NUMBER, "maximum": MAX_TAG_NUMBER},
        ]
    },
}


def model_names() -> list[str]:
    """Every catalog id and alias, exactly as the spec must spell them (the schema's enum)."""
    return sorted({name for model in catalog.models() for name in (model.id, *model.aliases)})


def _known_region(value: str) -> str:
    catalog.check_region(value)
    return value


def _at_most_tags(tags: dict[str, str]) -> dict[str, str]:
    if len(tags) > MAX_TAGS:
        raise ValueError(
            f"{len(tags)} tags; AWS allows 50 per resource and deepseek-deploy adds 5, so give at most {MAX_TAGS}"
        )
    return tags


def _guardrail_shorthand(value: Any) -> Any:
    """`guardrail: false` turns it off, `guardrail: true` takes the defaults."""
    if value is False:
        return {"enabled": False}
    if value is True:
        return {}
    return value


# Fields a deployment and a gateway share, with their rules (stacks/spec/gateway.py uses them too).
Region = Annotated[str, AfterValidator(_known_region)]
Tags = Annotated[dict[TagKey, TagValue], WithJsonSchema(TAGS_JSON_SCHEMA), AfterValidator(_at_most_tags)]
GuardrailSetting = Annotated[GuardrailSpec | None, BeforeValidator(_guardrail_shorthand)]


class BaseSpec(Section):
    kind: Literal["deployment"] = Field(
        "deployment",
        exclude=True,
        description="deployment (the default): one model. A spec of kind gateway puts one endpoint in front of "
        "several deployments.",
    )
    name: str = Field(
        pattern=patterns.NAME,
        description="Names the stack and prefixes every resource: a lowercase letter, then 1-38 lowercase letters, "
        "digits or dashes.",
    )
    model: str = Field(max_length=64, description="A catalog id or alias, lowercase (`deploy models` lists them).")
    mode: Mode = Field(description="serverless | marketplace | custom-import | self-hosted")
    region: Region = Field(
        max_length=32, description="AWS region of the deployment (also where state, logs and alarms live)."
    )
    tags: Tags = Field(default_factory=dict, description="Tags applied to every taggable resource.")
    protect: bool = Field(False, description="Protect stateful resources (buckets, keys, clusters) from `destroy`.")
    guardrail: GuardrailSetting = Field(
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
        canonical = catalog.resolve_model_id(value)  # the catalog's message names the known models
        if value not in model_names():
            raise ValueError(
                f"unknown model '{value}'; did you mean '{value.lower()}'? Model ids and aliases are lowercase"
            )
        return canonical

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
