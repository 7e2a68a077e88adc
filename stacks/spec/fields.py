"""Field types the spec sections share, each one truth for the loader and the JSON Schema.

Two kinds of check live here. A *structural* check is one the published JSON Schema states too
(a type, a bound, a pattern, an enum): the loader refuses exactly what the schema refuses. A *rule*
(`rule()`) is a check JSON Schema cannot state, such as a CIDR's host bits or ranges that together
cover the internet; rules refuse more, like the catalog and capacity rules that run after loading.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from . import patterns

RULE = "spec_rule"  # the pydantic error type of a rule; every other error is structural


def rule(message: str) -> PydanticCustomError:
    """An error for a check the JSON Schema cannot state (raise it from a validator)."""
    return PydanticCustomError(RULE, "{message}", {"message": message})


def whole_number(value: Any) -> Any:
    # JSON Schema's "integer" includes 3.0, and YAML reads `3.0` as a float: take it as 3. Text ("3"),
    # true/false and 3.5 stay what they are, and the strict int refuses them.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Int = Annotated[int, BeforeValidator(whole_number)]

# ---------------------------------------------------------------- text with a pattern


def _email(value: str) -> str:
    if not patterns.matches(patterns.EMAIL, value):
        raise ValueError(f"'{value}' is not an email address (expected name@example.com)")
    return value


def _principal(value: str) -> str:
    if not patterns.matches(patterns.IAM_PRINCIPAL, value):
        raise ValueError(f"'{value}' is not an IAM role or user ARN (expected arn:aws:iam::123456789012:role/NAME)")
    return value


def _kms_key(value: str) -> str:
    if value in ("auto", "none") or patterns.matches(patterns.KMS_KEY_ARN, value):
        return value
    raise ValueError(f"'{value}' is not `auto`, `none` or a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)")


# Validated per item, so an error points at the item's own line.
Email = Annotated[str, Field(max_length=254, json_schema_extra={"pattern": patterns.EMAIL}), AfterValidator(_email)]
PrincipalArn = Annotated[
    str, Field(max_length=2048, json_schema_extra={"pattern": patterns.IAM_PRINCIPAL}), AfterValidator(_principal)
]
KmsKey = Annotated[
    str,
    Field(
        max_length=2048,
        description="`auto` creates a KMS key with rotation, `none` uses AWS-owned keys, or give a key ARN.",
    ),
    AfterValidator(_kms_key),
    WithJsonSchema(
        {"type": "string", "maxLength": 2048, "anyOf": [{"enum": ["auto", "none"]}, {"pattern": patterns.KMS_KEY_ARN}]}
    ),
]

# ---------------------------------------------------------------- IPv4 CIDR blocks


def ipv4_cidr_problem(value: str, example: str, pattern: str = patterns.IPV4_CIDR) -> str | None:
    """Why `value` is not an IPv4 CIDR block of `pattern`'s shape, or None."""
    if patterns.matches(pattern, value):
        return None
    if ":" in value:
        return f"'{value}' is IPv6; give an IPv4 CIDR block such as {example}"
    if "/" not in value and patterns.matches(patterns.IPV4_CIDR, f"{value}/32"):
        return f"'{value}' is an address; give a CIDR block such as {value}/32 (one address) or {example}"
    return f"'{value}' is not an IPv4 CIDR block such as {example}"


def host_bits_rule(value: str) -> None:
    """A rule: `10.0.0.1/8` names a network by an address inside it; say which network that is."""
    network = ipaddress.IPv4Network(value, strict=False)
    if str(network) != value:
        raise rule(f"'{value}' has host bits set; the network is {network}")


def world_rule(ranges: Iterable[str], message: str) -> None:
    """A rule: ranges that together cover every IPv4 address (0.0.0.0/0, or 0.0.0.0/1 and 128.0.0.0/1)."""
    networks = ipaddress.collapse_addresses(ipaddress.IPv4Network(r, strict=False) for r in ranges)
    if any(network.prefixlen == 0 for network in networks):
        raise rule(message)


def _endpoint_cidr(value: str) -> str:
    problem = ipv4_cidr_problem(value, "203.0.113.0/24")
    if problem:
        raise ValueError(f"{problem} (EKS takes IPv4 ranges for the public API endpoint)")
    host_bits_rule(value)
    world_rule([value], f"'{value}' opens the cluster API to the whole internet; list your own ranges")
    return value


def _source_range(value: str) -> str:
    problem = ipv4_cidr_problem(value, "203.0.113.0/24")
    if problem:
        raise ValueError(f"{problem}; the load balancer is IPv4")
    host_bits_rule(value)
    world_rule(
        [value],
        f"'{value}' would let the whole internet connect; list the ranges your clients use, e.g. 203.0.113.0/24",
    )
    return value


CIDR_JSON_SCHEMA = {"type": "string", "maxLength": 64, "pattern": patterns.IPV4_CIDR}
EndpointCidr = Annotated[str, Field(max_length=64), AfterValidator(_endpoint_cidr), WithJsonSchema(CIDR_JSON_SCHEMA)]
SourceRange = Annotated[str, Field(max_length=64), AfterValidator(_source_range), WithJsonSchema(CIDR_JSON_SCHEMA)]

# ---------------------------------------------------------------- self-hosted text fields


def _weights_source(value: str) -> str:
    if value.startswith("s3://") and not patterns.matches(patterns.S3_URI, value):
        raise ValueError(f"'{value}' is not an S3 URI (expected s3://bucket/prefix/)")
    if value.startswith("hf://") and not patterns.matches(patterns.HF_REPO, value):
        raise ValueError(f"'{value}' is not a Hugging Face repo (expected hf://org/name)")
    if patterns.HAS_SCHEME in value and not (
        patterns.matches(patterns.S3_URI, value) or patterns.matches(patterns.HF_REPO, value)
    ):
        raise ValueError(f"'{value}' uses an unsupported scheme; use s3://, hf:// or a local directory")
    return value


WeightsSource = Annotated[
    str,
    Field(min_length=1, max_length=4096),
    AfterValidator(_weights_source),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "maxLength": 4096,
            "anyOf": [
                {"pattern": patterns.S3_URI},
                {"pattern": patterns.HF_REPO},
                {"not": {"pattern": patterns.HAS_SCHEME}},
            ],
        }
    ),
]


def _image(value: str) -> str:
    if not patterns.matches(patterns.IMAGE, value):
        raise ValueError(f"'{value}' is not a container image reference such as vllm/vllm-openai:v0.11.0")
    if not patterns.matches(patterns.PINNED, value) or patterns.matches(patterns.FLOATING_TAG, value):
        raise ValueError(
            f"'{value}' is not pinned; give a version tag or a digest (e.g. vllm/vllm-openai:v0.11.0 or "
            "vllm/vllm-openai@sha256:...). Tags such as latest or nightly move to new builds"
        )
    return value


Image = Annotated[
    str,
    Field(max_length=512),
    AfterValidator(_image),
    WithJsonSchema(
        {
            "type": "string",
            "maxLength": 512,
            "pattern": patterns.IMAGE,
            "allOf": [{"pattern": patterns.PINNED}, {"not": {"pattern": patterns.FLOATING_TAG}}],
        }
    ),
]


def _namespace(value: str) -> str:
    if not patterns.matches(patterns.DNS_LABEL, value):
        raise ValueError(f"'{value}' is not a Kubernetes namespace name (lowercase letters, digits and -)")
    if value in patterns.RESERVED_NAMESPACES or patterns.matches(patterns.KUBE_PREFIX, value):
        raise ValueError(
            f"namespace '{value}' belongs to Kubernetes or to deepseek-deploy's add-ons, and the deployment creates "
            "(and on destroy deletes) its namespace: choose one of its own, such as deepseek"
        )
    return value


Namespace = Annotated[
    str,
    Field(max_length=63),
    AfterValidator(_namespace),
    WithJsonSchema(
        {
            "type": "string",
            "maxLength": 63,
            "pattern": patterns.DNS_LABEL,
            "not": {"anyOf": [{"enum": list(patterns.RESERVED_NAMESPACES)}, {"pattern": patterns.KUBE_PREFIX}]},
        }
    ),
]


def _env_name(value: str) -> str:
    if not patterns.matches(patterns.ENV_NAME, value):
        from .redact import secret_kind

        kind = secret_kind(value)
        if kind:
            raise ValueError(
                f"this is {kind} itself, not the name of the environment variable that holds it: write "
                "hf_token_env: HF_TOKEN and export HF_TOKEN when you deploy. Revoke the token: it was written into "
                "the spec"
            )
        raise ValueError(
            f"'{value}' is not an environment variable name (capital letters, digits and _; e.g. HF_TOKEN)"
        )
    return value


EnvName = Annotated[
    str,
    Field(max_length=128),
    AfterValidator(_env_name),
    WithJsonSchema({"type": "string", "maxLength": 128, "pattern": patterns.ENV_NAME}),
]
