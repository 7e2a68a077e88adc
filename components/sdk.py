"""The provider SDKs as the components use them: `aws.iam.Role(...)`, `k8s.apps.v1.Deployment(...)`.

Every resource is declared once, at its call site, in the typed SDK's own words. How it is
registered depends on the run:
- typed (the default, and always under `deploy up`/`preview` and in users' own Pulumi programs):
  the call goes to the real class (pulumi_aws.iam.Role), imported on first use;
- by type token (`deploy plan`, inside `by_type_token()`): the same arguments are registered as a
  `pulumi.CustomResource` of the class's type token, renamed and wrapped exactly as the class would
  (`sdk_recipes.json`), without importing the service package. That import is most of a plan's
  time (pulumi_aws.ec2 alone builds thousands of Args types).
`tests/components/test_sdk.py` runs every example both ways and requires identical registrations.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from typing import Any

import pulumi

from . import sdk_recipes

_state = {"by_token": False}


@contextlib.contextmanager
def by_type_token() -> Iterator[None]:
    """Register recipe classes by type token while the block runs (the offline plan)."""
    previous = _state["by_token"]
    _state["by_token"] = True
    try:
        yield
    finally:
        _state["by_token"] = previous


class _Namespace:
    """`aws`, `aws.iam`, ...: attribute access builds the dotted path; classes become constructors."""

    def __init__(self, path: str) -> None:
        self._path = path

    def __getattr__(self, name: str) -> Any:
        path = f"{self._path}.{name}"
        if name[:1].isupper():
            return _Constructor(path)
        if name.startswith("get_"):  # invokes (get_caller_identity): the typed function
            return getattr(_real_module(self._path), name)
        return _Namespace(path)

    def __repr__(self) -> str:
        return f"<sdk {self._path}>"


def _real_module(path: str) -> Any:
    alias, _, rest = path.partition(".")
    return importlib.import_module(".".join(filter(None, (sdk_recipes.SDK_MODULES[alias], rest))))


class _Constructor:
    def __init__(self, path: str) -> None:
        self.path = path

    def __call__(self, resource_name: str, *args: Any, **kwargs: Any) -> Any:
        recipe = sdk_recipes.load()["classes"].get(self.path) if _state["by_token"] else None
        if recipe is None or args:
            return sdk_recipes.real_class(self.path)(resource_name, *args, **kwargs)
        return ByTypeToken(recipe, resource_name, kwargs)


class ByTypeToken(pulumi.CustomResource):
    """A resource registered by type token with the inputs its typed class would send."""

    def __init__(self, recipe: dict[str, Any], resource_name: str, kwargs: dict[str, Any]) -> None:
        opts = kwargs.pop("opts", None) or pulumi.ResourceOptions()
        self._recipe = recipe
        types = sdk_recipes.load()["types"]
        props: dict[str, Any] = {}
        for py, (_, node) in recipe["inputs"].items():
            value = kwargs.pop(py, None)
            if py in recipe["constants"]:
                value = recipe["constants"][py]
            elif value is not None and py in recipe["secret_inputs"]:
                value = pulumi.Output.secret(value)
            props[py] = _rename(value, node, types)
        if kwargs:
            raise TypeError(f"{recipe['token']}: unexpected arguments {sorted(kwargs)}")
        props.update(dict.fromkeys(recipe["outputs"]))
        extra = pulumi.ResourceOptions(
            aliases=[pulumi.Alias(type_=token) for token in recipe.get("aliases", [])] or None,
            additional_secret_outputs=recipe.get("additional_secret_outputs") or None,
        )
        super().__init__(recipe["token"], resource_name, props, pulumi.ResourceOptions.merge(opts, extra))
        # Objects read back by attribute (cluster.certificate_authority.data), as typed output classes allow.
        nested = [py for py, (_, node) in recipe["inputs"].items() if node] + recipe["outputs"]
        for py in nested:
            setattr(self, py, getattr(self, py).apply(_Attributes.wrap))

    def translate_input_property(self, prop: str) -> str:
        # Also called for the keys of plain maps inside inputs (ConfigMap data, env names, tags), which the
        # typed classes send unchanged (Resource.translate_input_property is the identity): so must this.
        entry = self._recipe["inputs"].get(prop)
        return entry[0] if entry else prop

    def translate_output_property(self, prop: str) -> str:
        names: dict[str, str] = self._recipe["output_names"]
        return names.get(prop, prop)


def _rename(value: Any, node: Any, types: dict[str, Any]) -> Any:
    """Python names to provider names inside nested objects, as the typed class's Args types do."""
    if value is None or node is None:
        return value
    if isinstance(value, pulumi.Output):
        return value.apply(lambda inner: _rename(inner, node, types))
    if "list" in node and isinstance(value, (list, tuple)):
        return [_rename(item, node["list"], types) for item in value]
    if "map" in node and isinstance(value, dict):
        return {key: _rename(item, node["map"], types) for key, item in value.items()}
    if "object" in node and isinstance(value, dict):
        fields = types[node["object"]]
        renamed = {}
        for key, item in value.items():
            wire, inner = fields.get(key, (key, None))
            renamed[wire] = _rename(item, inner, types)
        return renamed
    return value


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class _Attributes(dict[str, Any]):
    """An object output read by attribute (`.data`), as the typed output classes allow."""

    @classmethod
    def wrap(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return cls({key: cls.wrap(item) for key, item in value.items()})
        if isinstance(value, list):
            return [cls.wrap(item) for item in value]
        return value

    def __getattr__(self, name: str) -> Any:
        key = _camel(name)
        if key in self:
            return self[key]
        raise AttributeError(name)


aws = _Namespace("aws")
k8s = _Namespace("k8s")
random = _Namespace("random")
