"""Where a deployment answers: one `Target` per mode, from the stack outputs or named by hand.

Every command that calls an endpoint (`invoke`, `chat`, `status`, `bench`, `eval`) starts here, so
the four modes are told apart in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

from ..errors import BAD_INPUT, FAILED, DeployError

BEDROCK_MODES = ("serverless", "marketplace", "custom-import")
GATEWAY_MODEL = "gateway"  # a gateway's Target.model: no one catalog model (its tiers are priced per tier)


@dataclass(frozen=True)
class Guardrail:
    """A Bedrock guardrail and whether the model call itself applies it.

    Serverless and custom-import pass it on the call (`applied_by_call`); a Marketplace endpoint and
    a vLLM server cannot, so the caller runs ApplyGuardrail on the prompt and on the answer.
    """

    identifier: str
    version: str
    applied_by_call: bool


@dataclass(frozen=True)
class Target:
    """One endpoint to call.

    `model_id` is what bedrock-runtime takes (an inference profile id, a Marketplace endpoint ARN or
    an imported model ARN); `base_url` is an OpenAI-compatible base URL ending in `/v1`. Exactly one
    is set. `in_cluster` marks a self-hosted Service that is only reachable through a port-forward.
    """

    mode: str
    model: str  # the catalog id, for facts such as the chat template and prices
    region: str
    model_id: Optional[str] = None
    base_url: Optional[str] = None
    served_model: Optional[str] = None  # the `model` field an OpenAI-compatible server expects
    api_key: Optional[str] = field(default=None, repr=False)  # never printed
    guardrail: Optional[Guardrail] = None
    namespace: Optional[str] = None
    service: Optional[str] = None
    in_cluster: bool = False
    by_hand: bool = False  # --endpoint / --model-id rather than the stack outputs
    # How kubectl reaches an in-cluster Service: a created EKS cluster's kubeconfig (a stack output, so
    # its text), or an existing cluster's kubeconfig path and context from the spec.
    kubeconfig_text: Optional[str] = field(default=None, repr=False)
    kubeconfig_path: Optional[str] = None
    kube_context: Optional[str] = None
    service_port: int = 8000  # the in-cluster Service's port: vLLM's 8000, a gateway's 4000

    @property
    def endpoint(self) -> str:
        """What to show the user as the endpoint (never the key)."""
        return self.base_url or self.model_id or ""


def from_outputs(spec: Any, outputs: Mapping[str, Any]) -> Target:
    """The target a deployed stack exports (stacks/build: `bedrock.py`, `kubernetes.py`, `gateway_program.py`)."""
    if not outputs:
        raise DeployError(
            f"{spec.name} is not deployed: run `deploy up` first, or point at an endpoint with "
            "--endpoint URL / --model-id ID",
            FAILED,
        )
    if getattr(spec, "kind", None) == "gateway":
        return _gateway(spec, outputs)
    guardrail = _guardrail(spec.mode, outputs)
    if spec.mode in BEDROCK_MODES:
        return Target(
            mode=spec.mode,
            model=spec.model,
            region=str(outputs.get("region") or spec.region),
            model_id=str(outputs["invoke_model_id"]),
            guardrail=guardrail,
        )
    external = outputs.get("external_endpoint")
    cluster = getattr(spec, "cluster", None)
    return Target(
        mode=spec.mode,
        model=spec.model,
        region=str(outputs.get("region") or spec.region),
        base_url=_v1(str(external or outputs["endpoint"])),
        served_model=_served_name(spec.model),
        api_key=outputs.get("api_key"),
        guardrail=guardrail,
        namespace=outputs.get("namespace"),
        service=outputs.get("service"),
        in_cluster=not external,
        kubeconfig_text=outputs.get("kubeconfig"),
        kubeconfig_path=getattr(cluster, "kubeconfig", None),
        kube_context=getattr(cluster, "context", None),
    )


def _gateway(spec: Any, outputs: Mapping[str, Any]) -> Target:
    """A gateway: OpenAI-compatible, called with its first named key; on Kubernetes through a port-forward.
    The gateway's guardrail runs inside it, so the caller applies none."""
    keys = outputs.get("api_keys") or {}
    first = spec.access.api_keys[0]
    in_cluster = spec.host.platform == "kubernetes"
    return Target(
        mode="openai",
        model=GATEWAY_MODEL,
        region=str(outputs.get("region") or spec.region),
        base_url=_v1(str(outputs["endpoint"])),
        served_model=spec.name,  # any name: the gateway's routing picks the tier
        api_key=keys.get(first),
        namespace=outputs.get("namespace"),
        service=outputs.get("service"),
        in_cluster=in_cluster,
        kubeconfig_path=getattr(spec.host, "kubeconfig", None),
        kube_context=getattr(spec.host, "context", None),
        service_port=int(outputs.get("port") or 4000),
    )


def gateway_by_hand(spec: Any, endpoint: str, api_key: Optional[str]) -> Target:
    """`--endpoint URL` for a gateway spec: its OpenAI-compatible base URL."""
    if not endpoint.startswith(("http://", "https://")):
        raise DeployError(f"--endpoint {endpoint!r}: expected an http:// or https:// URL", BAD_INPUT)
    return Target(
        mode="openai",
        model=GATEWAY_MODEL,
        region=spec.region,
        base_url=_v1(endpoint),
        served_model=spec.name,
        api_key=api_key,
        by_hand=True,
    )


def by_hand(
    spec: Any, *, endpoint: Optional[str] = None, model_id: Optional[str] = None, api_key: Optional[str] = None
) -> Target:
    """`--endpoint URL` (OpenAI-compatible) or `--model-id ID` (bedrock-runtime) instead of the stack."""
    if bool(endpoint) == bool(model_id):
        raise DeployError("give one of --endpoint URL or --model-id ID, not both", BAD_INPUT)
    if endpoint:
        if not endpoint.startswith(("http://", "https://")):
            raise DeployError(
                f"--endpoint {endpoint!r}: expected an http:// or https:// URL, for example http://127.0.0.1:8000/v1",
                BAD_INPUT,
            )
        return Target(
            mode="self-hosted" if spec.mode == "self-hosted" else "openai",
            model=spec.model,
            region=spec.region,
            base_url=_v1(endpoint),
            served_model=_served_name(spec.model),
            api_key=api_key,
            by_hand=True,
        )
    mode = spec.mode if spec.mode in BEDROCK_MODES else "serverless"
    return Target(mode=mode, model=spec.model, region=spec.region, model_id=model_id, by_hand=True)


def _served_name(model: str) -> str:
    """The name vLLM answers to: `--served-model-name` is the catalog id (stacks/build/kubernetes.py),
    not the `served_model` output, which is the Hugging Face repo the stack serves."""
    from .. import catalog

    return catalog.resolve_model_id(model)


def _guardrail(mode: str, outputs: Mapping[str, Any]) -> Optional[Guardrail]:
    # The ARN where the stack exports it: an enforcing IAM condition compares the identifier the call sends
    # with the guardrail's `ARN:version` (https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-permissions-id.html);
    # stacks from before `guardrail_arn` existed give the ID.
    identifier = outputs.get("guardrail_arn") or outputs.get("guardrail_id")
    if not identifier:
        return None
    return Guardrail(
        identifier=str(identifier),
        version=str(outputs.get("guardrail_version") or "DRAFT"),
        applied_by_call=mode in ("serverless", "custom-import"),
    )


def _v1(url: str) -> str:
    """An OpenAI-compatible base URL ends in /v1; accept it with or without."""
    url = url.rstrip("/")
    return url if url.endswith("/v1") else f"{url}/v1"
