"""GatewayKeys: the gateway's named client keys and its LiteLLM master key, generated and kept as secrets.

Each key is a RandomPassword in the stack's state, which Pulumi encrypts as a secret
(https://www.pulumi.com/registry/packages/random/api-docs/randompassword/). Removing a name from the spec
deletes its key (revoked at the next `deploy up`); changing a name's entry in `rotation` replaces that key
(a new value at the next `deploy up`, the old one rejected from then on).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

import pulumi

from ._base import child

if TYPE_CHECKING:  # the typed SDKs for the checker; at run time, components.sdk picks the path
    import pulumi_random as random
else:
    from .sdk import random

KEY_LENGTH = 48  # letters and digits: about 285 bits


@dataclass(frozen=True)
class GatewayKeysArgs:
    names: Sequence[str]
    rotation: Mapping[str, str] = field(default_factory=dict)  # name -> any token; a new token, a new key


class GatewayKeys(pulumi.ComponentResource):
    """`keys`: name -> key (secret Outputs); `master_key`: LiteLLM's own key, which no client gets."""

    keys: dict[str, pulumi.Output[str]]
    key_urns: dict[str, pulumi.Output[str]]  # each key's resource, which a targeted replace rotates
    master_key: pulumi.Output[str]

    def __init__(self, name: str, args: GatewayKeysArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("deepseek-deploy:gateway:GatewayKeys", name, None, opts)
        self.keys, self.key_urns = {}, {}
        for key_name in args.names:
            token = args.rotation.get(key_name)
            generated = random.RandomPassword(
                f"{name}-{key_name}",
                length=KEY_LENGTH,
                special=False,
                keepers={"rotation": token} if token else None,
                opts=child(self),
            )
            self.keys[key_name] = generated.result
            self.key_urns[key_name] = generated.urn
        master = random.RandomPassword(f"{name}-master", length=KEY_LENGTH, special=False, opts=child(self))
        self.master_key = master.result
        self.register_outputs({"keys": pulumi.Output.secret(self.keys), "master_key": self.master_key})
