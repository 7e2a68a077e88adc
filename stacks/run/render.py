"""`deploy render`: a standalone Pulumi project from Jinja2 templates (StrictUndefined).

Rendering is deterministic: the same spec and version give byte-identical files. A manifest of
the rendered files' hashes lets a re-render tell a file the user edited from one it wrote, so
user edits are never overwritten without `force`.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from ..errors import BAD_INPUT, DeployError

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
PINNED = ("pulumi", "pulumi-aws", "pulumi-kubernetes", "pulumi-random")


class RenderConflict(DeployError):
    """Files the user changed since the last render; nothing was written."""

    code = BAD_INPUT

    def __init__(self, directory: str, paths: list[str]):
        super().__init__(
            f"{directory}: you changed {', '.join(paths)} since it was rendered; nothing was written. "
            "Pass --force to overwrite"
        )
        self.paths = paths


@dataclass
class Rendered:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def project_files(spec: Any, spec_text: str, stack: str = "dev") -> dict[str, str]:
    """Every file of the project, as path -> content."""
    from deepseek_deploy.templates import environment as templates

    environment = templates("project")
    version = metadata.version("deepseek-deploy")
    packages = [(package, metadata.version(package)) for package in PINNED]
    context = {
        "spec": spec,
        "stack": stack,
        "project": f"deepseek-{spec.name}",
        "version": version,
        "packages": packages,
    }
    files = {
        path.format(stack=stack): environment.get_template(template).render(**context)
        for template, path in FILES.items()
    }
    files["spec.yaml"] = spec_text
    return files


def write(directory: str, files: dict[str, str], force: bool = False) -> Rendered:
    """Write the project; RenderConflict where the user edited a file, DeployError where the disk refuses."""
    try:
        return _write(directory, files, force)
    except OSError as error:
        raise DeployError(f"cannot write {directory}: {error.strerror}", BAD_INPUT) from None


def _write(directory: str, files: dict[str, str], force: bool) -> Rendered:
    manifest_path = os.path.join(directory, MANIFEST)
    recorded: dict[str, str] = {}
    if os.path.isfile(manifest_path):
        with open(manifest_path, encoding="utf-8") as handle:
            recorded = json.load(handle)
    conflicts = []
    for path, content in files.items():
        target = os.path.join(directory, path)
        if not os.path.exists(target):
            continue
        with open(target, encoding="utf-8") as handle:
            current = handle.read()
        edited = recorded.get(path) != _sha(current)
        if current != content and edited:
            conflicts.append(path)
    if conflicts and not force:
        raise RenderConflict(directory, conflicts)
    result = Rendered()
    for path, content in sorted(files.items()):
        target = os.path.join(directory, path)
        os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
        if os.path.exists(target):
            with open(target, encoding="utf-8") as handle:
                if handle.read() == content:
                    result.unchanged.append(path)
                    continue
        with open(target, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
        result.written.append(path)
    with open(manifest_path, "w", encoding="utf-8", newline="\n") as handle:
        json.dump({path: _sha(content) for path, content in sorted(files.items())}, handle, indent=2, sort_keys=True)
        handle.write("\n")
    return result
