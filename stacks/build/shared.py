"""Pieces every mode's program uses: the tags, the KMS choice, the guardrail and the budget."""

from __future__ import annotations

from typing import Any

from ..sizing.deployment import Deployment
from ..sizing.gateway import Gateway

STACK_TAG = "deepseek-deploy:stack"


def deployment_tags(deployment: Deployment) -> dict[str, str]:
    """The user's tags plus the tool's, which the budget and cost reports select on."""
    spec = deployment.spec
    return {
        **spec.tags,
        "managed-by": "deepseek-deploy",
        STACK_TAG: spec.name,
        "deepseek-deploy:model": spec.model,
        "deepseek-deploy:mode": spec.mode,
    }


def model_kms_key(setting: str, deployment_key: Any) -> Any | None:
    """`auto` -> the deployment's key, `none` -> AWS-owned keys, else the given key ARN."""
    if setting == "auto":
        return deployment_key
    if setting == "none":
        return None
    return setting


def guardrail(deployment: Deployment | Gateway, key: Any, tags: dict[str, str]) -> Any | None:
    """The Bedrock Guardrail and its published version, when the spec (a deployment's or a gateway's) has one."""
    settings = deployment.spec.effective_guardrail
    if settings is None:
        return None
    from deepseek_deploy import components as c

    return c.Guardrail(
        f"{deployment.spec.name}-guardrail",
        c.GuardrailArgs(
            content_filters=settings.content_filters.model_dump(),
            denied_topics=[c.DeniedTopicArgs(t.name, t.definition, tuple(t.examples)) for t in settings.denied_topics],
            blocked_words=tuple(settings.blocked_words),
            managed_word_lists=tuple(settings.managed_word_lists),
            pii=dict(settings.pii),
            blocked_input_message=settings.blocked_input_message,
            blocked_output_message=settings.blocked_output_message,
            kms_key_arn=key.key_arn if key is not None else None,
            tags=tags,
        ),
    )


def budget(deployment: Deployment | Gateway, tags: dict[str, str], notes: list[str]) -> None:
    spec = deployment.spec
    if not spec.budget:
        return
    from deepseek_deploy import components as c

    c.CostBudget(
        f"{spec.name}-budget",
        c.CostBudgetArgs(spec.budget.monthly_usd, tuple(spec.budget.alert_emails), STACK_TAG, spec.name, tags=tags),
    )
    notes.append(
        f"the budget counts costs tagged {STACK_TAG}={spec.name}: activate that cost allocation tag in the Billing "
        "console"
    )


def protect_note(deployment: Deployment, notes: list[str]) -> None:
    """What `protect: true` keeps, and how `destroy` treats it."""
    if not deployment.spec.protect:
        return
    notes.append(
        "protect: true: the stateful resources (KMS keys, buckets, log groups, secrets, and an EKS cluster, EFS "
        "file system or imported model where there is one) are protected, and weights caches kept by claims stay "
        "in a namespace destroy leaves in place. `deploy destroy` refuses this stack; `deploy destroy --force` "
        "deletes everything else and keeps them, still in the stack for the next `deploy up`. A change that would "
        "replace a protected resource fails; to delete them, set protect: false, run `deploy up`, then "
        "`deploy destroy`"
    )
