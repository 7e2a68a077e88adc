"""A gateway's tiers, as the engine sees them: each tier's stack settings (the gateway's backend, stack
name and secrets provider, the tier's own project), and which tier stacks are not deployed yet.

A gateway reads its tiers through stack references; a reference to a stack that does not exist fails
the whole update midway, so `deploy up` asks first and names every missing tier.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..errors import DeployError
from ..sizing.gateway import Gateway
from .engine import EngineSettings, project_name
from .preflight import Finding


def tier_settings(gateway: Gateway, settings: EngineSettings) -> dict[str, EngineSettings]:
    """Each tier's engine settings: same backend, stack and secrets, its own project and region."""
    return {
        tier: replace(
            settings,
            project=project_name(deployment.spec.name),
            config={**settings.config, "aws:region": deployment.spec.region},
        )
        for tier, deployment in gateway.tiers.items()
    }


def missing_tiers(
    gateway: Gateway, settings: EngineSettings, read_outputs: Callable[[EngineSettings], dict[str, Any]]
) -> list[Finding]:
    """A finding per tier whose stack has no outputs (never deployed, or destroyed)."""
    found = []
    for tier, tier_setting in tier_settings(gateway, settings).items():
        try:
            outputs = read_outputs(tier_setting)
        except DeployError:
            outputs = {}
        if not outputs:
            path = gateway.tiers[tier].loaded.path
            found.append(
                Finding(
                    f"tier '{tier}': its stack {tier_setting.project}/{tier_setting.stack} is not deployed. Deploy it "
                    f"first (`deploy up {path}`), or bring every tier up with the gateway: `deploy up {gateway.path} "
                    "--with-tiers`"
                )
            )
    return found
