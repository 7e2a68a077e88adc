"""Security and reliability rules over the resources of a deployment, in two forms from one source.

- `deploy check SPEC` runs them over the resources `deploy plan` builds (`evaluate(RULES, resources)`);
- the CrossGuard policy pack in this folder runs them in `pulumi preview --policy-pack` on any program that uses
  these components (`crossguard.policies()`; `PulumiPolicy.yaml` and `__main__.py` make the folder the pack):

      pulumi preview --policy-pack "$(python -c 'import deepseek_deploy.components.policy as p; print(p.PACK_DIR)')"

Importing this package loads neither Pulumi nor pulumi-policy.
"""

from pathlib import Path

from .core import ERROR, UNKNOWN, WARNING, Exemption, Resource, Rule, Verdicts, Violation, evaluate, placeholder_refs
from .registry import BY_ID, RULES

PACK_DIR = str(Path(__file__).resolve().parent)

__all__ = [
    "BY_ID",
    "ERROR",
    "PACK_DIR",
    "RULES",
    "UNKNOWN",
    "WARNING",
    "Exemption",
    "Resource",
    "Rule",
    "Verdicts",
    "Violation",
    "evaluate",
    "placeholder_refs",
]
