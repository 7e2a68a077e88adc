"""`deploy render`: a standalone Pulumi project from Jinja2 templates (StrictUndefined).

Rendering is deterministic: the same spec and version give byte-identical files. The files are
written through `tracked_files`, so user edits are never overwritten without `force`.
"""

from __future__ import annotations

import re
from importlib import metadata
from typing import Any

from ..errors import BAD_INPUT, DeployError
from .tracked_files import Written, write_tracked

MANIFEST = ".deepseek-deploy-render.json"
# template -> path in the project ({stack} is filled in)
FILES = {
    "Pulumi.yaml.j2": "Pulumi.yaml",
    "Pulumi.stack.yaml.j2": "Pulumi.{stack}.yaml",
    "__main__.py.j2": "__main__.py",
    "requirements.txt.j2": "requirements.txt",
    "README.md.j2": "README.md",
    "deploy.yml.j2": ".github/workflows/deploy.yml",
}
WHEELS = "wheels"
# A Pulumi stack name, and nothing that could leave the project folder or break out of YAML.
STACK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def check_stack_name(stack: str) -> str:
    if not STACK_NAME.match(stack) or ".." in stack:
        raise DeployError(
            f"--stack '{stack}' is not a stack name: use letters, digits, '-', '_' and '.', "
            "starting with a letter or digit (at most 100 characters)",
            BAD_INPUT,
        )
    return stack


def pinned_requirements() -> list[tuple[str, str]]:
    """Every runtime dependency of this package, at the version installed here."""
    pins = {}
    for line in metadata.requires("deepseek-deploy") or ():
        if "extra ==" in line:  # the test extras are not needed to deploy
            continue
        name = re.split(r"[\s<>=!~;\[(]", line, maxsplit=1)[0]
        pins[name.lower()] = metadata.version(name)
    return sorted(pins.items())


def project_files(spec: Any, spec_text: str, stack: str = "dev") -> dict[str, str | bytes]:
    """Every file of the project, as path -> content (the package's own wheel included)."""
    from deepseek_deploy.templates import environment as templates

    from . import wheel

    wheel_name, wheel_bytes = wheel.build()
    context = {
        "spec": spec,
        "stack": check_stack_name(stack),
        "project": f"deepseek-{spec.name}",
        "version": metadata.version("deepseek-deploy"),
        "wheel": f"./{WHEELS}/{wheel_name}",
        "packages": pinned_requirements(),
    }
    environment = templates("project")
    files: dict[str, str | bytes] = {
        path.format(stack=stack): environment.get_template(template).render(**context)
        for template, path in FILES.items()
    }
    files["spec.yaml"] = spec_text
    files[f"{WHEELS}/{wheel_name}"] = wheel_bytes
    return files


def write(directory: str, files: dict[str, str | bytes], force: bool = False) -> Written:
    """Write the project; EditedFiles where the user changed a file since it was rendered."""
    return write_tracked(directory, files, record=MANIFEST, since="it was rendered", force=force)
