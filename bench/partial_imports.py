"""Probe: the provider SDKs' service packages loaded one resource module at a time.

    python bench/partial_imports.py plan SPEC --json     # `deploy ...` with partial service packages

`import pulumi_aws` loads no service package; the first `aws.bedrock.Guardrail` runs all of
`pulumi_aws/bedrock/__init__.py`: every resource module of the service (100+ for bedrock, 400+
for ec2), each with its Args class. `install()` puts a finder in front of the import system that
gives each service package (pulumi_aws.<service>, pulumi_kubernetes.<group>.<version>) a module
whose members load on first use from the one module that defines them: `Guardrail` and
`GuardrailArgs` from `guardrail.py` (kubernetes: `Service.py`), nested types from `_inputs.py`,
`outputs.py`, `_enums.py`. A name found nowhere runs the package's own `__init__` (the whole
package, as before), so nothing goes missing, it only loads later. The shared `_inputs` and
`outputs` modules still load whole; for most services they are most of the cost.

It must be installed before `import pulumi_aws` (which declares every service package, lazily).
This is a measurement, not wired into the CLI: the report says what it gains and where it would go.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import re
import sys
import types
from typing import Any

_WORD = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _candidates(name: str) -> list[str]:
    """Modules that may define `name`: its own (CamelCase or snake_case), then the shared ones."""
    base = name.removesuffix("Dict").removesuffix("Args").removesuffix("_output")
    return list(dict.fromkeys([base, _WORD.sub("_", base).lower(), "_inputs", "outputs", "_enums"]))


class PartialPackage(types.ModuleType):
    """A service package whose members load from their own module on first use."""

    def __getattr__(self, name: str) -> Any:
        directory = self.__path__[0]
        if not name.startswith("__"):
            if os.path.exists(os.path.join(directory, name + ".py")) or os.path.isdir(os.path.join(directory, name)):
                module = importlib.import_module(f"{self.__name__}.{name}")
                value = getattr(module, name, module)  # kubernetes: StorageClass.py defines StorageClass
                setattr(self, name, value)
                return value  # else the submodule itself: `from . import outputs`
            for candidate in _candidates(name):
                if candidate != name and os.path.exists(os.path.join(directory, candidate + ".py")):
                    value = getattr(importlib.import_module(f"{self.__name__}.{candidate}"), name, self)
                    if value is not self:
                        setattr(self, name, value)
                        return value
        if self.__dict__.get("_partial_whole"):
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        self.__dict__["_partial_whole"] = True  # run the package's own __init__: every member
        self.__dict__["_partial_loader"].exec_module(self)
        return getattr(self, name)


class PartialLoader(importlib.abc.Loader):
    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        module.__class__ = PartialPackage
        module.__dict__["_partial_loader"] = self.loader


class PartialFinder(importlib.abc.MetaPathFinder):
    """Finds pulumi_aws.<service> and pulumi_kubernetes.<group>.<version> packages, as partial ones."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        parts = fullname.split(".")
        if not (
            (parts[0] == "pulumi_aws" and len(parts) == 2) or (parts[0] == "pulumi_kubernetes" and len(parts) == 3)
        ):
            return None
        if parts[-1].startswith("_") or parts[-1] in ("config", "outputs", "yaml", "helm", "provider"):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not spec.submodule_search_locations or spec.loader is None:
            return None
        spec.loader = PartialLoader(spec.loader)
        return spec


def install() -> None:
    if "pulumi_aws" in sys.modules:
        raise RuntimeError("install partial service packages before importing pulumi_aws")
    sys.meta_path.insert(0, PartialFinder())


def main() -> int:
    install()
    from deepseek_deploy.cli.main import main as deploy

    sys.argv = ["deploy", *sys.argv[1:]]
    return deploy()  # as the console script calls it


if __name__ == "__main__":
    sys.exit(main())
