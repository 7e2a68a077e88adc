"""The gateway's program: LiteLLM's proxy over the tiers' stacks, on Kubernetes or ECS Fargate.

Each tier lives in the stack `deploy up` made for its spec file, in the same backend and stack name;
the gateway reads that stack's outputs through a Pulumi stack reference
(https://www.pulumi.com/docs/iac/concepts/stacks/#stackreferences) and never changes it.
What a tier exports (stacks/build: bedrock.py, kubernetes.py) becomes one LiteLLM model group, named
after the tier; the documents and hook files (components/gateway) are delivered as files.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from .. import catalog
from ..sizing.deployment import Deployment
from ..sizing.gateway import Gateway
from ..spec.models import SelfHostedSpec
from .shared import STACK_TAG

# What the gateway reads of each tier's stack (the keys stacks/build exports).
TIER_OUTPUTS: tuple[str, ...] = (
    "invoke_model_id",
    "invoke_policy_arn",
    "region",
    "endpoint",
    "external_endpoint",
    "api_key",
    "cluster_name",
    "kubeconfig",
)
# The mode of a tier -> how LiteLLM calls it (components/gateway/config.py KINDS).
TIER_KINDS = {"serverless": "bedrock", "custom-import": "bedrock-imported", "marketplace": "sagemaker"}
# LiteLLM 1.108.7 routes `bedrock/deepseek_r1/<imported model ARN>` to its DeepSeek-R1 invoke format
# (the Llama body, with the reasoning parsed out of the answer): litellm/llms/bedrock/common_utils.py.
IMPORTED_FAMILY = "deepseek_r1"
PORT = 4000
TIER_KEY_ENV = "DEEPSEEK_TIER_KEY_{}"


def stack_reference_name(organization: str, tier_spec_name: str, stack: str) -> str:
    """`organization/project/stack`: the fully qualified form every backend takes (a DIY backend's
    organization is the literal `organization`). https://www.pulumi.com/docs/iac/concepts/stacks/#stackreferences"""
    return f"{organization}/deepseek-{tier_spec_name}/{stack}"


def gateway_tags(gateway: Gateway) -> dict[str, str]:
    spec = gateway.spec
    return {**spec.tags, "managed-by": "deepseek-deploy", STACK_TAG: spec.name, "deepseek-deploy:kind": "gateway"}


KEYS_TYPE = "deepseek-deploy:gateway:GatewayKeys"  # components/gateway_keys.py
PASSWORD_TYPE = "random:index/randomPassword:RandomPassword"


def key_urn(project: str, stack: str, gateway: str, key: str) -> str:
    """The URN of a named key's RandomPassword (`{gateway}-keys` component, `{gateway}-keys-{key}`), which
    `deploy up --rotate-key` replaces. https://www.pulumi.com/docs/iac/concepts/resources/names/#urns"""
    return f"urn:pulumi:{stack}::{project}::{KEYS_TYPE}${PASSWORD_TYPE}::{gateway}-keys-{key}"


def tier_key_env(tier: str) -> str:
    return TIER_KEY_ENV.format("".join(c if c.isalnum() else "_" for c in tier).upper())


def _price(deployment: Deployment) -> tuple[Optional[float], Optional[float]]:
    """USD per million input/output tokens where the mode bills per token; else (None, None)."""
    price = deployment.model.token_price(deployment.spec.mode)
    return (price.input_per_1m, price.output_per_1m) if price else (None, None)


def endpoint_name(arn: str) -> str:
    """A SageMaker endpoint's name from its ARN (arn:aws:sagemaker:REGION:ACCOUNT:endpoint/NAME)."""
    return arn.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class TierFacts:
    """What the gateway knows of a tier before reading its stack."""

    name: str
    deployment: Deployment

    @property
    def kind(self) -> str:
        return TIER_KINDS.get(self.deployment.spec.mode, "openai")

    @property
    def on_aws(self) -> bool:
        """Called through an AWS API (Bedrock, SageMaker): its stack exports the policy that allows it."""
        return self.kind != "openai"

    @property
    def has_key(self) -> bool:
        """A vLLM tier that requires its generated API key (`serving.api_key`, on by default)."""
        spec = self.deployment.spec
        return isinstance(spec, SelfHostedSpec) and bool(spec.serving.api_key)

    @property
    def guardrail_native(self) -> bool:
        # Converse takes guardrailConfig (LiteLLM passes it through); every other kind is guarded by the
        # gateway's ApplyGuardrail hook.
        return self.kind == "bedrock"


def tier_document(facts: TierFacts, outputs: Mapping[str, Any]) -> Any:
    """A tier of components/gateway/config.py from its stack's resolved outputs."""
    from deepseek_deploy.components.gateway import config as gw

    spec = facts.deployment.spec
    price_in, price_out = _price(facts.deployment)
    common: dict[str, Any] = {
        "name": facts.name,
        "kind": facts.kind,
        "guardrail_native": facts.guardrail_native,
        "price_in_per_mtok": price_in,
        "price_out_per_mtok": price_out,
    }
    if facts.kind == "openai":
        base = outputs.get("external_endpoint") or outputs.get("endpoint")
        return gw.Tier(
            model=catalog.resolve_model_id(spec.model),  # vLLM's --served-model-name (stacks/build/kubernetes.py)
            api_base=str(base),
            api_key_env=tier_key_env(facts.name) if facts.has_key else None,
            **common,
        )
    model_id = str(outputs.get("invoke_model_id"))
    region = str(outputs.get("region") or spec.region)
    if facts.kind == "sagemaker":
        return gw.Tier(model=endpoint_name(model_id), region=region, **common)
    if facts.kind == "bedrock-imported":
        return gw.Tier(model=model_id, region=region, family=IMPORTED_FAMILY, **common)
    return gw.Tier(model=model_id, region=region, **common)


def documents(gateway: Gateway, tiers: list[Any], guardrail: Optional[Mapping[str, str]]) -> dict[str, str]:
    """config.yaml, gateway.json and the hook files: the folder LiteLLM starts from."""
    from deepseek_deploy.components import gateway as hooks
    from deepseek_deploy.components.gateway import config as gw

    spec = gateway.spec
    routing = spec.routing
    threshold = routing.threshold if isinstance(routing.threshold, float) else 0.5
    plan = gw.Routing(
        strategy=routing.strategy,
        default=routing.default,
        escalate_to=routing.escalate_to,
        threshold=threshold,
        fallbacks={k: tuple(v) for k, v in routing.fallbacks.items()},
        header_override=routing.header_override,
        pattern=routing.pattern,
    )
    rail = gw.Guardrail(guardrail["identifier"], guardrail["version"], spec.region) if guardrail else None
    config = gw.litellm_config(tiers, plan, guardrail=rail)
    settings = gw.gateway_settings(tiers, plan, spec.access.api_keys, guardrail=rail)
    folder = Path(hooks.__file__).parent
    files = {name: (folder / name).read_text(encoding="utf-8") for name in hooks.HOOK_FILES}
    # JSON is YAML: one serializer, and the file is read back exactly as written.
    files["config.yaml"] = json.dumps(config, indent=2, sort_keys=True) + "\n"
    files[gw.SETTINGS_FILE] = json.dumps(settings, indent=2, sort_keys=True) + "\n"
    return files


def digest(key: str) -> str:
    """What the gateway keeps of a client key: `sha256:<hex>` (components/gateway/auth.py compares digests)."""
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def threshold_note(gateway: Gateway) -> Optional[str]:
    routing = gateway.spec.routing
    if routing.strategy == "classifier" and routing.threshold == "auto":
        return (
            "routing.threshold is auto and not calibrated yet: the gateway starts at 0.5. Run "
            f"`deploy eval {Path(gateway.path).name} --calibrate` to fit it on your prompts and write it into the spec"
        )
    return None


def self_hosted_cluster_tier(gateway: Gateway) -> Optional[str]:
    """The first tier whose stack created an EKS cluster (where a Kubernetes-hosted gateway can run)."""
    for name, deployment in gateway.tiers.items():
        spec = deployment.spec
        if isinstance(spec, SelfHostedSpec) and spec.cluster.create == "eks":
            return name
    return None
