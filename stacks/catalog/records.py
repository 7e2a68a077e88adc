"""Catalog records: plain frozen dataclasses, read from YAML strictly (unknown keys and wrong types are errors)."""

from __future__ import annotations

import dataclasses
import typing
from functools import cache
from typing import Any, Literal


class Record:
    """Immutable catalog record. Plain dataclasses: building pydantic models cost every start ~0.1 s."""

    def model_dump(self) -> dict:
        return dataclasses.asdict(typing.cast(Any, self))


@cache
def _record_fields(kind: type) -> tuple[dict[str, Any], frozenset[str]]:
    """A record class's resolved field types and field names, computed once per class.

    `get_type_hints` evaluates every (string) annotation again on each call: per record, that
    was most of the catalog's load time.
    """
    hints = typing.get_type_hints(kind)
    names = frozenset(f.name for f in dataclasses.fields(kind))
    return {name: hints[name] for name in names}, names


def convert(kind: Any, value: Any, where: str) -> Any:
    """`value` read from YAML as `kind`, strictly: unknown keys and wrong types are errors."""
    if kind is Any:
        return value
    if type(kind) is type and kind in _SCALARS:  # most values: skip the typing introspection
        return _scalar(kind, value, where)
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is typing.Union:
        if value is None and type(None) in args:
            return None
        return convert(next(a for a in args if a is not type(None)), value, where)
    if origin is Literal:
        if value not in args:
            raise ValueError(f"catalog {where}: {value!r} is not one of {args}")
        return value
    if origin is dict:
        if not isinstance(value, dict):
            raise ValueError(f"catalog {where}: expected a mapping")
        return {key: convert(args[1], item, f"{where}.{key}") for key, item in value.items()}
    if origin is tuple:
        if not isinstance(value, list):
            raise ValueError(f"catalog {where}: expected a list")
        return tuple(convert(args[0], item, f"{where}[{i}]") for i, item in enumerate(value))
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        if not isinstance(value, dict):
            raise ValueError(f"catalog {where}: expected a mapping for {kind.__name__}")
        hints, names = _record_fields(kind)
        unknown = value.keys() - names
        if unknown:
            raise ValueError(f"catalog {where}: unknown keys {sorted(unknown)} for {kind.__name__}")
        return kind(**{key: convert(hints[key], item, f"{where}.{key}") for key, item in value.items()})
    return _scalar(kind, value, where)


_SCALARS: frozenset[type] = frozenset({str, int, float, bool, object})


def _scalar(kind: Any, value: Any, where: str) -> Any:
    """A scalar (or an unsupported kind, which no value matches)."""
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is str and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # versions such as 2.0.7 or 4.0 read as numbers by YAML
    if kind in (str, int, float, bool, object) and (kind is object or isinstance(value, kind)):
        return value
    raise ValueError(f"catalog {where}: expected {getattr(kind, '__name__', kind)}, got {value!r}")
