"""Names derived from the spec's `name`, checked against the limit of every AWS or Kubernetes name they feed.

Pulumi names a resource it creates after its logical name plus a random suffix ("-" and 7 characters
for AWS resources, "-" and 8 for a Helm release), and fails at `deploy up` when that is longer than the
service allows. `name` itself may be 39 characters (shared/SPEC.md); which derived names exist depends
on the mode and the options, so the limit is checked per spec, and the message names the tightest one.
tests/stacks/spec/test_names.py plans specs with the longest names allowed and checks every name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .models import BaseSpec, CustomImportSpec, MarketplaceSpec, SelfHostedSpec

AWS_SUFFIX = len("-1a2b3c4")  # Pulumi's auto-name suffix on AWS resources
HELM_SUFFIX = len("-1a2b3c4d")  # ... on a Helm release (pulumi-kubernetes)


@dataclass(frozen=True)
class DerivedName:
    suffix: str  # what follows `name` in the logical name
    random: int  # characters Pulumi appends
    limit: int  # the service's maximum
    what: str  # which name, and whose limit
    applies: Callable[[BaseSpec], bool]

    def longest_name(self) -> int:
        return self.limit - self.random - len(self.suffix)


def _bedrock_logs(spec: BaseSpec) -> bool:
    return not isinstance(spec, SelfHostedSpec) and spec.observability.invocation_logs is True


def _created(spec: BaseSpec) -> bool:
    return isinstance(spec, SelfHostedSpec) and spec.cluster.create == "eks"


def _load_balancer_controller(spec: BaseSpec) -> bool:
    return isinstance(spec, SelfHostedSpec) and _created(spec) and spec.serving.expose != "cluster-ip"


def _keda(spec: BaseSpec) -> bool:
    return isinstance(spec, SelfHostedSpec) and _created(spec) and spec.serving.autoscaling is not None


DERIVED_NAMES = (
    DerivedName(
        "-eks-lb-controller",
        HELM_SUFFIX,
        53,
        "the AWS Load Balancer Controller's Helm release (Helm allows 53)",
        _load_balancer_controller,
    ),
    DerivedName(
        "-eks-lb-controller-role",
        AWS_SUFFIX,
        64,
        "the Load Balancer Controller's IAM role (IAM allows 64)",
        _load_balancer_controller,
    ),
    DerivedName("-eks-keda", HELM_SUFFIX, 53, "the KEDA Helm release (Helm allows 53)", _keda),
    DerivedName(
        "-logging-logging-role", AWS_SUFFIX, 64, "the invocation-logging IAM role (IAM allows 64)", _bedrock_logs
    ),
    # the EFA device plugin's release, on a created cluster whose model spans nodes (the planner decides)
    DerivedName("-eks-efa", HELM_SUFFIX, 53, "the EFA device plugin's Helm release (Helm allows 53)", _created),
    DerivedName("-request-logs-writer", AWS_SUFFIX, 64, "the request-log writer's IAM role (IAM allows 64)", _created),
    DerivedName(
        "-model-import-role",
        AWS_SUFFIX,
        64,
        "the model import IAM role (IAM allows 64)",
        lambda spec: isinstance(spec, CustomImportSpec),
    ),
    DerivedName(
        "-model-execution",
        AWS_SUFFIX,
        64,
        "the SageMaker execution IAM role (IAM allows 64)",
        lambda spec: isinstance(spec, MarketplaceSpec),
    ),
    DerivedName("-eks-cluster-role", AWS_SUFFIX, 64, "the EKS cluster's IAM role (IAM allows 64)", _created),
    DerivedName("-guardrail", 0, 50, "the Bedrock guardrail (Bedrock allows 50)", lambda spec: spec.guardrail_enabled),
)


def name_problem(spec: BaseSpec) -> str | None:
    """Why `spec.name` is too long for a name derived from it, naming the tightest limit; None when it fits."""
    applicable = [derived for derived in DERIVED_NAMES if derived.applies(spec)]
    if not applicable:
        return None
    tightest = min(applicable, key=DerivedName.longest_name)
    if len(spec.name) <= tightest.longest_name():
        return None
    example = f"{spec.name}{tightest.suffix}" + ("-" + "X" * (tightest.random - 1) if tightest.random else "")
    return (
        f"'{spec.name}' is {len(spec.name)} characters, too long for {tightest.what}: it would be named {example} "
        f"({len(example)} characters). Give a name of at most {tightest.longest_name()} characters"
    )
