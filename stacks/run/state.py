"""What a deployed stack records, read from a local (file://) state backend without the Pulumi CLI.

`deploy plan` runs offline, but when the stack's state lies on this machine it can still tell
the user that the spec now resolves to other weights than the stack serves. The layout is the
DIY backend's (https://www.pulumi.com/docs/iac/operations/stack-management/using-a-diy-backend/):
`.pulumi/stacks/<project>/<stack>.json` (project-scoped) or `.pulumi/stacks/<stack>.json`
(older), optionally gzip-compressed. Anything unreadable counts as "nothing recorded".
"""

from __future__ import annotations

import gzip
import json
import os
from typing import Any


def _checkpoint(root: str, project: str, stack: str) -> dict[str, Any] | None:
    base = os.path.join(root, ".pulumi", "stacks")
    for path in (os.path.join(base, project, f"{stack}.json"), os.path.join(base, f"{stack}.json")):
        for candidate, opener in ((path, open), (path + ".gz", gzip.open)):
            if os.path.isfile(candidate):
                try:
                    with opener(candidate, "rt", encoding="utf-8") as handle:
                        return json.load(handle)
                except (OSError, ValueError):
                    return None
    return None


def recorded_outputs(backend_url: str, project: str, stack: str) -> dict[str, Any]:
    """The stack's outputs as its last update recorded them; {} when unknown or not local."""
    if not backend_url.startswith("file://"):
        return {}
    document = _checkpoint(backend_url[len("file://") :], project, stack) or {}
    resources = (document.get("checkpoint") or {}).get("latest", {}).get("resources") or []
    root: dict[str, Any] = next((r for r in resources if r.get("type") == "pulumi:pulumi:Stack"), {})
    outputs = root.get("outputs") or {}
    return outputs if isinstance(outputs, dict) else {}
