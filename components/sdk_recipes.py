"""What each typed provider class sends when it registers a resource, written down once.

A typed SDK class (pulumi_aws.iam.Role, pulumi_kubernetes.apps.v1.Deployment) turns its keyword
arguments into a registration: a type token, inputs renamed from Python to provider names (also
inside nested objects, from its Args types), some inputs wrapped as secrets, constants such as a
Kubernetes `apiVersion`, output slots, and options such as aliases and secret outputs. Importing
the class costs its whole service package (hundreds of Args types), which dominates `deploy plan`.

`generate` reads all of that from the typed classes themselves (by calling each one with a
recording stand-in for `pulumi.CustomResource.__init__`) and `recipes.json` keeps it, so
`components.sdk` can register the same resource by type token without the import.
`tests/components/test_sdk_recipes.py` regenerates the file and fails when it differs: a new
class, or a provider SDK upgrade, cannot leave it stale.

    python -m deepseek_deploy.components.sdk_recipes --write
"""

from __future__ import annotations

import ast
import importlib
import json
import typing
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RECIPES = HERE / "sdk_recipes.json"
SDK_MODULES = {"aws": "pulumi_aws", "k8s": "pulumi_kubernetes", "random": "pulumi_random"}
# Classes kept typed on every path: providers JSON-encode their config, CustomResource builds its
# token from its arguments, and ConfigFile is a multi-language component, not a custom resource.
TYPED_ONLY = frozenset({"k8s.Provider", "aws.Provider", "k8s.apiextensions.CustomResource", "k8s.yaml.v2.ConfigFile"})


@cache
def load() -> dict[str, Any]:
    """The recipes: {"classes": {path: recipe}, "types": {type name: {py name: [wire name, node]}}}."""
    with open(RECIPES, encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)
    return loaded


# --- which classes the components use ------------------------------------------------------------


def used_classes(folders: Sequence[Path]) -> list[str]:
    """Every `aws.x.Y(...)` / `k8s.x.v1.Y(...)` / `random.Y(...)` call in the given source folders."""
    found: set[str] = set()
    for folder in folders:
        for path in sorted(folder.glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call):
                    dotted = _dotted(node.func)
                    if dotted and dotted.split(".")[0] in SDK_MODULES and dotted.rsplit(".", 1)[-1][:1].isupper():
                        found.add(dotted)
    return sorted(found - TYPED_ONLY)


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr}" if head else None
    return None


def real_class(path: str) -> Any:
    """`aws.iam.Role` -> pulumi_aws.iam.Role (imports the service package)."""
    alias, _, rest = path.partition(".")
    module, _, name = f"{SDK_MODULES[alias]}.{rest}".rpartition(".")
    return getattr(importlib.import_module(module), name)


# --- generation (imports the typed SDKs) ---------------------------------------------------------


class _Unset:
    """Passed for every input while recording, so what the class does to an input shows."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()


def generate(paths: Sequence[str]) -> dict[str, Any]:
    types: dict[str, Any] = {}
    classes = {path: _recipe(path, types) for path in paths}
    return {"classes": classes, "types": dict(sorted(types.items()))}


def _recipe(path: str, types: dict[str, Any]) -> dict[str, Any]:
    import pulumi
    from pulumi import _types

    cls = real_class(path)
    seen: dict[str, Any] = {}

    def stand_in(self: Any, token: str, name: str, props: Any = None, opts: Any = None, *_: Any, **__: Any) -> None:
        seen.update(token=token, props=props, opts=opts)

    inputs = [p for p in _parameters(cls) if p not in ("resource_name", "opts", "__props__")]
    original = pulumi.CustomResource.__init__
    pulumi.CustomResource.__init__ = stand_in  # type: ignore[method-assign,assignment]
    try:
        cls("recipe", **dict.fromkeys(inputs, UNSET))
    finally:
        pulumi.CustomResource.__init__ = original  # type: ignore[method-assign]
    props = seen["props"]
    args_type = type(props)
    names = _types.input_type_py_to_pulumi_names(args_type)
    hints = _types.input_type_types(args_type)  # keyed by provider names
    values = dict(vars(props))
    recipe: dict[str, Any] = {
        "token": seen["token"],
        "inputs": {
            py: [names.get(py, py), _node(hints.get(names.get(py, py)), types)] for py in inputs if py in values
        },
        "secret_inputs": sorted(py for py, v in values.items() if isinstance(v, pulumi.Output)),
        # What the class sets whatever it is given (a Kubernetes apiVersion and kind, Helm's compat flag).
        "constants": {py: v for py, v in values.items() if _constant(v)},
        "outputs": sorted(names.get(py, py) for py, v in values.items() if v is None),
    }
    recipe.update(_options(seen["opts"]))
    recipe["output_names"] = {wire: py for py, wire in _types.resource_py_to_pulumi_names(cls).items() if py != wire}
    return recipe


def _constant(value: Any) -> bool:
    import pulumi

    return value is not None and value is not UNSET and not isinstance(value, pulumi.Output)


def _parameters(cls: Any) -> list[str]:
    import inspect

    return list(inspect.signature(cls._internal_init).parameters)[1:]


def _options(opts: Any) -> dict[str, Any]:
    """The options the class adds to every registration of its type."""
    if opts is None:
        return {}
    aliases = [alias.type_ for alias in (opts.aliases or []) if getattr(alias, "type_", None)]
    return {
        "aliases": aliases,
        "additional_secret_outputs": list(opts.additional_secret_outputs or []),
        "replace_on_changes": list(opts.replace_on_changes or []),
    }


def _node(hint: Any, types: dict[str, Any]) -> Any:
    """How a value of type `hint` is renamed: None (as is), {"object": T}, {"list": n} or {"map": n}."""
    from pulumi import _types

    if hint is None:
        return None
    hint = _types.unwrap_type(hint)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (list, Sequence, typing.Sequence) or hint in (list, Sequence):
        inner = _node(args[0], types) if args else None
        return {"list": inner} if inner else None
    if origin in (dict, Mapping, typing.Mapping):
        inner = _node(args[1], types) if len(args) == 2 else None
        return {"map": inner} if inner else None
    if origin is typing.Union:
        nodes = [n for n in (_node(a, types) for a in args) if n]
        return nodes[0] if len(nodes) == 1 else None
    if isinstance(hint, type) and _types.is_input_type(hint):
        key = f"{hint.__module__}.{hint.__qualname__}"
        if key not in types:
            types[key] = {}  # placed first: recursive types end here
            names = _types.input_type_py_to_pulumi_names(hint)
            hints = _types.input_type_types(hint)
            types[key] = {py: [wire, _node(hints.get(wire), types)] for py, wire in sorted(names.items())}
        return {"object": key}
    return None


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help=f"write {RECIPES.name}")
    options = parser.parse_args()
    document = generate(used_classes([HERE, HERE.parent / "stacks" / "build"]))
    text = json.dumps(document, indent=1, sort_keys=True, default=repr) + "\n"
    if options.write:
        RECIPES.write_text(text, encoding="utf-8")
    else:
        print(text)


if __name__ == "__main__":
    main()
