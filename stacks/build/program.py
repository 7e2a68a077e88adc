"""The program builder: a resolved deployment -> the components that deploy it.

`build(deployment)` runs inside any Pulumi program: `deploy plan` (mock runtime), `deploy up`
(Automation API) and the project `deploy render` writes all call this same function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..sizing.deployment import Deployment
from . import shared
from .shared import deployment_tags


@dataclass
class BuildResult:
    """What `build` made: the stack outputs and notes worth showing before `up`."""

    outputs: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def build(deployment: Deployment) -> BuildResult:
    """Create every resource the deployment needs, as children of the current Pulumi stack."""
    import pulumi

    from .bedrock import build_bedrock
    from .kubernetes import build_self_hosted

    notes = list(deployment.notes)
    tags = deployment_tags(deployment)
    builder = build_self_hosted if deployment.spec.mode == "self-hosted" else build_bedrock
    outputs = builder(deployment, tags, notes)
    shared.protect_note(deployment, notes)
    # What the stack really serves (a Bedrock id, a hub model or a Hugging Face repo): a later spec
    # whose alias resolves elsewhere is compared with it before anything is replaced.
    outputs["served_model"] = deployment.model.served_id(deployment.spec.mode)
    for key, value in outputs.items():
        pulumi.export(key, value)
    return BuildResult(outputs=outputs, notes=notes)
