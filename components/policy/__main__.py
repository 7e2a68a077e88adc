"""The CrossGuard policy pack: `pulumi preview --policy-pack <this folder>` runs this file.

Pulumi runs the folder as a script (runpy), not as a package, so the imports are absolute and every module
in the folder has a name no installed package uses. Constructing PolicyPack serves the engine and blocks:
nothing else imports this module.
"""

from pulumi_policy import EnforcementLevel, PolicyPack

from deepseek_deploy.components.policy.crossguard import PACK_NAME, policies

PolicyPack(
    name=PACK_NAME,
    policies=policies(),
    enforcement_level=EnforcementLevel.ADVISORY,
    description="deepseek-deploy's security and reliability rules (DD-*), the same ones `deploy check` runs.",
)
