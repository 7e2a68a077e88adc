"""The gateway's Fargate task as data (pure, no AWS): files as parameter values, the bootstrap, the containers.

Each file the gateway needs (config.yaml, gateway.json, the hook files of `components/gateway`) travels as one
SSM parameter, gzip-compressed and base64-encoded (`encode_file`, `parameter_tier`). ECS hands every parameter
to the container as an environment variable (the task definition's `secrets`); the container's entry point,
`BOOTSTRAP` (Python only: the image surely has it), writes the files to the scratch volume, drops their
variables and replaces itself with `litellm --config <dir>/config.yaml`, started in that folder so the hooks
import next to config.yaml.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

PORT = 4000  # LiteLLM's port in the official image
CONTAINER = "litellm"
OPENER = "scratch-permissions"
SCRATCH = "/tmp"  # the one writable path: a task volume (the root filesystem is read-only)
SCRATCH_VOLUME = "scratch"
CONFIG_DIR = f"{SCRATCH}/gateway"  # config.yaml and the hook files, side by side
USER = "65532:65532"  # any non-root uid works: the bootstrap writes only to the scratch volume
LIVENESS = "/health/liveliness"  # LiteLLM's unauthenticated probes
READINESS = "/health/readiness"
# Parameter values: a standard parameter holds up to 4 KB, an advanced one up to 8 KB
# (https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html).
STANDARD_LIMIT = 4096
ADVANCED_LIMIT = 8192
FILE_PREFIX = "GATEWAY_FILE_"
# Parameter names allow letters, digits, `_.-` and `/` between levels (PutParameter's naming constraints).
_FILE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")

# Run as `python3 -c BOOTSTRAP '<spec json>'`.
BOOTSTRAP = """\
import base64, gzip, json, os, sys
spec = json.loads(sys.argv[1])
folder = spec["dir"]
os.makedirs(folder, mode=0o700, exist_ok=True)
for variable, name in sorted(spec["files"].items()):
    with open(os.path.join(folder, name), "wb") as handle:
        handle.write(gzip.decompress(base64.b64decode(os.environ.pop(variable))))
os.chdir(folder)
config = os.path.join(folder, "config.yaml")
os.execvp("litellm", ["litellm", "--config", config, "--port", str(spec["port"])])
"""
# Run as root by the short-lived OPENER container: Fargate bind mounts start owned by root with mode 0755
# (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/bind-mounts.html), so the non-root gateway could
# not write there; 1777 is /tmp's usual mode.
OPEN_SCRATCH = f"import os; os.chmod({SCRATCH!r}, 0o1777)"


def encode_file(content: str) -> str:
    """base64 of gzip (no timestamp, so the same file gives the same value and no needless update)."""
    return base64.b64encode(gzip.compress(content.encode("utf-8"), mtime=0)).decode("ascii")


def parameter_tier(value: str) -> str:
    """The cheapest parameter tier that holds `value` (standard parameters cost nothing)."""
    size = len(value.encode("utf-8"))
    if size <= STANDARD_LIMIT:
        return "Standard"
    if size <= ADVANCED_LIMIT:
        return "Advanced"
    raise ValueError(
        f"a gateway parameter of {size} bytes exceeds Parameter Store's {ADVANCED_LIMIT}-byte limit for "
        "advanced parameters; split the file"
    )


def file_variable(name: str) -> str:
    """config.yaml -> GATEWAY_FILE_CONFIG_YAML."""
    return FILE_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def file_variables(names: Sequence[str]) -> dict[str, str]:
    """{variable: file name} for the files, each name a plain file name, the variables distinct."""
    found: dict[str, str] = {}
    for name in names:
        if not _FILE_NAME.match(name) or name in (".", ".."):
            raise ValueError(f"gateway file {name!r}: use a plain file name (letters, digits, `_`, `.`, `-`)")
        variable = file_variable(name)
        if variable in found:
            raise ValueError(f"gateway files {found[variable]!r} and {name!r} map to the same variable {variable}")
        found[variable] = name
    if "config.yaml" not in found.values():
        raise ValueError("the gateway's files must include config.yaml")
    return found


def entry_point(python: str, variables: Mapping[str, str], folder: str = CONFIG_DIR, port: int = PORT) -> list[str]:
    """The container's entry point: the bootstrap with its spec as the one argument."""
    spec = {"dir": folder, "files": dict(sorted(variables.items())), "port": port}
    return [python, "-c", BOOTSTRAP, json.dumps(spec, sort_keys=True)]


def health_check(python: str, port: int = PORT) -> dict[str, Any]:
    """The container's own check: LiteLLM's liveness path answers (urllib raises, so exits 1, otherwise)."""
    probe = f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{port}{LIVENESS}', timeout=4)"
    return {"command": ["CMD", python, "-c", probe], "interval": 30, "timeout": 5, "retries": 3, "startPeriod": 60}


def containers(
    image: str,
    python: str,
    variables: Mapping[str, str],
    secrets: Mapping[str, str],
    env: Mapping[str, str],
    logs: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """The container definitions: the scratch-permissions step, then LiteLLM.

    `secrets` maps each variable to its parameter's ARN: ECS reads the parameters when the task starts
    (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html), so their
    values appear nowhere in the task definition. `env` holds only plain settings.
    """
    scratch = [{"sourceVolume": SCRATCH_VOLUME, "containerPath": SCRATCH, "readOnly": False}]
    common = {
        "image": image,
        "readonlyRootFilesystem": True,
        "linuxParameters": {"capabilities": {"drop": ["ALL"]}},
        "mountPoints": scratch,
        "logConfiguration": dict(logs),
        "command": [],
    }
    environment = {"HOME": SCRATCH, "TMPDIR": SCRATCH, "PYTHONUNBUFFERED": "1", **env}
    opener = {
        **common,
        "name": OPENER,
        "essential": False,
        "user": "0",  # the volume's owner; with every capability dropped it can do no more than chmod it
        "entryPoint": [python, "-c", OPEN_SCRATCH],
    }
    gateway = {
        **common,
        "name": CONTAINER,
        "essential": True,
        "user": USER,
        "entryPoint": entry_point(python, variables),
        "portMappings": [{"containerPort": PORT, "protocol": "tcp"}],
        "environment": [{"name": k, "value": v} for k, v in sorted(environment.items())],
        "secrets": [{"name": k, "valueFrom": arn} for k, arn in sorted(secrets.items())],
        "dependsOn": [{"containerName": OPENER, "condition": "SUCCESS"}],
        "healthCheck": health_check(python),
        "stopTimeout": 120,  # in-flight generations get Fargate's longest grace
    }
    return [opener, gateway]
