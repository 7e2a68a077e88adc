"""`deploy render`: a standalone Pulumi project from Jinja2 templates (StrictUndefined).

Rendering is deterministic: the same spec and version give byte-identical files. The files are
written through `tracked_files`, so user edits are never overwritten without `force`.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

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
PINNED = ("pulumi", "pulumi-aws", "pulumi-kubernetes", "pulumi-random")


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


def write(directory: str, files: dict[str, str], force: bool = False) -> Written:
    """Write the project; EditedFiles where the user changed a file since it was rendered."""
    return write_tracked(directory, files, record=MANIFEST, since="it was rendered", force=force)
