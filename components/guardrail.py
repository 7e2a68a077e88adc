"""Guardrail: an Amazon Bedrock Guardrail and a published, immutable version of it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

import pulumi

from ._base import child

if TYPE_CHECKING:  # the typed SDKs for the checker; at run time, components.sdk picks the path
    import pulumi_aws as aws
else:
    from .sdk import aws

CATEGORIES = ("hate", "insults", "sexual", "violence", "misconduct", "prompt_attack")


@dataclass(frozen=True)
class DeniedTopicArgs:
    name: str
    definition: str
    examples: Sequence[str] = ()


@dataclass(frozen=True)
class GuardrailArgs:
    """Strengths are none|low|medium|high; PII actions block|anonymize (lowercase, as in the spec)."""

    content_filters: Mapping[str, str] = field(default_factory=dict)
    denied_topics: Sequence[DeniedTopicArgs] = ()
    blocked_words: Sequence[str] = ()
    managed_word_lists: Sequence[str] = ()
    pii: Mapping[str, str] = field(default_factory=dict)
    blocked_input_message: str = "Sorry, I can't help with that."
    blocked_output_message: str = "Sorry, I can't share that."
    kms_key_arn: Optional[pulumi.Input[str]] = None
    description: str = "Managed by deepseek-deploy"
    tags: Mapping[str, str] = field(default_factory=dict)


def content_policy(filters: Mapping[str, str]) -> Optional[dict]:
    configs = []
    for category in CATEGORIES:
        strength = filters.get(category, "none").upper()
        if strength == "NONE":
            continue
        # Bedrock applies prompt-attack detection to prompts only; the output strength must be NONE.
        output = "NONE" if category == "prompt_attack" else strength
        configs.append({"type": category.upper(), "input_strength": strength, "output_strength": output})
    return {"filters_configs": configs} if configs else None


def topic_policy(topics: Sequence[DeniedTopicArgs]) -> Optional[dict]:
    if not topics:
        return None
    return {
        "topics_configs": [
            {"name": t.name, "definition": t.definition, "examples": list(t.examples), "type": "DENY"} for t in topics
        ]
    }


def word_policy(words: Sequence[str], managed: Sequence[str]) -> Optional[dict]:
    if not words and not managed:
        return None
    policy: dict = {}
    if words:
        policy["words_configs"] = [{"text": word} for word in words]
    if managed:
        policy["managed_word_lists_configs"] = [{"type": kind.upper()} for kind in managed]
    return policy


def pii_policy(pii: Mapping[str, str]) -> Optional[dict]:
    if not pii:
        return None
    return {
        "pii_entities_configs": [{"type": entity, "action": action.upper()} for entity, action in sorted(pii.items())]
    }


def policy_digest(args: GuardrailArgs) -> str:
    policy = [
        content_policy(args.content_filters),
        topic_policy(args.denied_topics),
        word_policy(args.blocked_words, args.managed_word_lists),
        pii_policy(args.pii),
        args.blocked_input_message,
        args.blocked_output_message,
    ]
    return hashlib.sha256(json.dumps(policy, sort_keys=True).encode()).hexdigest()[:12]


class Guardrail(pulumi.ComponentResource):
    """Content filters, denied topics, word and PII filters; `version` pins what IAM and callers use."""

    guardrail_arn: pulumi.Output[str]
    guardrail_id: pulumi.Output[str]
    version: pulumi.Output[str]

    def __init__(self, name: str, args: GuardrailArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("deepseek-deploy:guardrails:Guardrail", name, None, opts)
        guardrail = aws.bedrock.Guardrail(
            f"{name}-guardrail",
            name=name[:50],
            description=args.description,
            blocked_input_messaging=args.blocked_input_message,
            blocked_outputs_messaging=args.blocked_output_message,
            content_policy_config=content_policy(args.content_filters),
            topic_policy_config=topic_policy(args.denied_topics),
            word_policy_config=word_policy(args.blocked_words, args.managed_word_lists),
            sensitive_information_policy_config=pii_policy(args.pii),
            kms_key_arn=args.kms_key_arn,
            tags=dict(args.tags),
            opts=child(self),
        )
        # A published version is immutable: IAM conditions and invocations name it, not DRAFT.
        # The description carries a digest of the policy, so changing the policy publishes a new version.
        version = aws.bedrock.GuardrailVersion(
            f"{name}-version",
            guardrail_arn=guardrail.guardrail_arn,
            description=f"{args.description} (policy {policy_digest(args)})",
            opts=child(self),
        )
        self.guardrail_arn = guardrail.guardrail_arn
        self.guardrail_id = guardrail.guardrail_id
        self.version = version.version
        self.register_outputs(
            {"guardrail_arn": self.guardrail_arn, "guardrail_id": self.guardrail_id, "version": self.version}
        )
