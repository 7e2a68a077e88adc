"""ServerlessModel: a Bedrock fully managed model, optionally through a cross-region inference
profile, and an application inference profile that carries the tags for cost allocation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

import pulumi

from ._base import PARTITION, account_id, child

if TYPE_CHECKING:  # the typed SDKs for the checker; at run time, components.sdk picks the path
    import pulumi_aws as aws
else:
    from .sdk import aws


@dataclass(frozen=True)
class ServerlessModelArgs:
    region: str
    model_id: str  # e.g. deepseek.r1-v1:0
    # Geographic cross-region profile (e.g. us.deepseek.r1-v1:0) and the regions it routes to.
    profile_id: Optional[str] = None
    destination_regions: Sequence[str] = ()
    cost_profile: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)


def foundation_model_arn(region: str, model_id: str) -> str:
    return f"arn:{PARTITION}:bedrock:{region}::foundation-model/{model_id}"


class ServerlessModel(pulumi.ComponentResource):
    """`invoke_model_id` is what callers pass as modelId; `resource_arns` is what IAM must allow."""

    invoke_model_id: pulumi.Output[str]
    resource_arns: pulumi.Output[list]
    metric_model_id: pulumi.Output[str]

    def __init__(self, name: str, args: ServerlessModelArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("deepseek-deploy:serverless:ServerlessModel", name, None, opts)
        if args.profile_id:
            source_arn = pulumi.Output.concat(
                f"arn:{PARTITION}:bedrock:{args.region}:", account_id(self), f":inference-profile/{args.profile_id}"
            )
            # A geographic profile may route to any of its regions; each needs the foundation model allowed.
            arns: list = [source_arn] + [
                foundation_model_arn(region, args.model_id) for region in args.destination_regions
            ]
            base_id: pulumi.Input[str] = args.profile_id
        else:
            source_arn = pulumi.Output.from_input(foundation_model_arn(args.region, args.model_id))
            arns = [source_arn]
            base_id = args.model_id
        invoke_id = pulumi.Output.from_input(base_id)
        if args.cost_profile:
            profile = aws.bedrock.InferenceProfile(
                f"{name}-profile",
                name=name,
                description=f"deepseek-deploy {name}: carries the deployment's cost allocation tags",
                model_source={"copy_from": source_arn},
                tags=dict(args.tags),
                opts=child(self),
            )
            arns = [profile.arn, *arns]
            invoke_id = profile.arn
        self.invoke_model_id = invoke_id
        self.resource_arns = pulumi.Output.all(*arns)
        self.metric_model_id = invoke_id
        self.register_outputs({"invoke_model_id": invoke_id, "resource_arns": self.resource_arns})
