"""Diagnostics (`FILE:LINE:COL: message`) and the translation of pydantic's errors into them.

Each pydantic error is placed at the key or value that causes it: pydantic's union-member tags
(`int`, `literal['auto']`) are dropped from its path, and the members' complaints about one value
become one message ("expected a whole number of at least 1 or 'auto'"). Values are quoted short, and
secrets never (`redact`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from .. import catalog
from .fields import RULE
from .models import section_at
from .redact import redact
from .yaml_source import Position, SourceMap

MAX_SHOWN = 80  # characters of a value quoted in a message
# Control characters and line breaks a quoted value may hold, written as escapes.
ONE_LINE = {c: repr(chr(c))[1:-1] for c in (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029)}
Severity = Literal["error", "warning"]
# "structure": what the JSON Schema states too; "rule": a check it cannot state (fields.rule), or one of
# the catalog and capacity rules that run after loading.
Stage = Literal["structure", "rule"]


@dataclass(frozen=True)
class Diagnostic:
    file: str
    line: int
    column: int
    message: str
    severity: Severity = "error"
    stage: Stage = "structure"

    def __post_init__(self) -> None:
        # One line, whatever a value quoted in it holds; and a token pasted into the spec is never echoed.
        object.__setattr__(self, "message", redact(self.message.translate(ONE_LINE)))

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.file}:{self.line}:{self.column}: {prefix}{self.message}"

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "severity": self.severity,
        }


def shown(value: Any) -> str:
    """`repr(value)`, cut to MAX_SHOWN characters."""
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else f"{text[: MAX_SHOWN - 4]}...{text[-1]}"


def kind_of(value: Any) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        bool: "true/false",
        int: "a number",
        float: "a number",
        type(None): "nothing",
    }.get(type(value), type(value).__name__)


def path_text(path: tuple) -> str:
    text = ""
    for element in path:
        text += f"[{element}]" if isinstance(element, int) else (f".{element}" if text else str(element))
    return text


# ---------------------------------------------------------------- pydantic errors -> messages

EXPECTED = {
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "finite_number": "a finite number",
    "string_type": "text (quote it if YAML reads it as something else)",
    "list_type": "a list (- item)",
    "dict_type": "a mapping of keys (key: value)",
    "model_type": "a mapping of keys (key: value)",
    "model_attributes_type": "a mapping of keys (key: value)",
}
BOUNDS = {
    "greater_than": "above",
    "greater_than_equal": "of at least",
    "less_than": "below",
    "less_than_equal": "of at most",
}


LENGTHS = ("string_too_long", "string_too_short", "too_long", "too_short")


def _length_message(kind: str, ctx: dict[str, Any], value: Any) -> str:
    if kind == "string_too_long":
        return f"at most {ctx.get('max_length')} characters, got {len(value)} ({shown(value)})"
    if kind == "string_too_short":
        return "must not be empty" if ctx.get("min_length") == 1 else f"at least {ctx.get('min_length')} characters"
    bound = ctx.get("max_length" if kind == "too_long" else "min_length")
    items = "item" if bound == 1 else "items"
    return f"{'at most' if kind == 'too_long' else 'at least'} {bound} {items}, got {ctx.get('actual_length')}"


def _describe(cls: type[BaseModel], path: tuple) -> str | None:
    parent = section_at(cls, path[:-1])
    if parent is None or not path:
        return None
    info = parent.model_fields.get(path[-1])
    return info.description if info else None


def _choices(error: dict[str, Any]) -> list[str]:
    expected = str(error.get("ctx", {}).get("expected", ""))
    return [c.strip(" '") for c in expected.replace(" or ", ",").split(",") if c.strip(" '")]


def _expectation(error: dict[str, Any]) -> str:
    """What one member of a union wanted, as a phrase."""
    kind, ctx = error["type"], error.get("ctx", {})
    if kind == "literal_error":
        return " or ".join(f"'{choice}'" for choice in _choices(error))
    if kind in BOUNDS:
        bound = next(iter(ctx.values()), "?")
        return f"a number {BOUNDS[kind]} {bound}"
    return EXPECTED.get(kind, str(error["msg"]).lower())


def _number_hint(kind: str, value: Any) -> str:
    """Text that reads as a number: YAML gives quoted values, and 1e9 (no dot, no sign), as text."""
    if kind.startswith(("int_", "float_")) and isinstance(value, str):
        try:
            float(value.replace("_", ""))
        except ValueError:
            return ""
        return " (write a plain number: YAML reads a quoted value, and forms such as 1e9, as text)"
    return ""


def _single_message(error: dict[str, Any], cls: type[BaseModel], path: tuple) -> tuple[str, bool]:
    """Message for one pydantic error, and whether it points at the key rather than the value."""
    kind = error["type"]
    value = error.get("input")
    name = path_text(path) or "spec"
    if kind == "missing":
        description = _describe(cls, path)
        return f"missing required key '{path[-1]}'{': ' + description if description else ''}", True
    if kind == "extra_forbidden":
        key = path[-1]
        parent = section_at(cls, path[:-1])
        known = list(parent.model_fields) if parent else []
        hint = catalog.did_you_mean(str(key), known)
        where = f" in {path_text(path[:-1])}" if len(path) > 1 else ""
        allowed = f" Known keys{where}: {', '.join(known)}" if known and not hint else ""
        return f"unknown key {shown(key)}{where}{hint}{allowed}", True
    if kind == "literal_error":
        choices = _choices(error)
        hint = catalog.did_you_mean(str(value), choices) if isinstance(value, str) else ""
        return f"{name}: {shown(value)} is not allowed{hint} Expected one of: {', '.join(choices)}", False
    if kind in ("value_error", RULE):
        return f"{name}: {str(error['msg']).removeprefix('Value error, ')}", False
    if kind == "string_pattern_mismatch":
        description = _describe(cls, path)
        return f"{name}: {shown(value)} is not valid. {description or 'It does not have the expected form.'}", False
    if kind in BOUNDS:
        return f"{name}: expected {_expectation(error)}, got {kind_of(value)} {shown(value)}", False
    if kind in LENGTHS:
        return f"{name}: {_length_message(kind, error.get('ctx', {}), value)}", False
    if kind in EXPECTED:
        got = kind_of(value) if isinstance(value, (dict, list)) else f"{kind_of(value)} {shown(value)}"
        return f"{name}: expected {EXPECTED[kind]}, got {got}{_number_hint(kind, value)}", False
    return f"{name}: {error['msg']}" + (f" (got {kind_of(value)} {shown(value)})" if value is not None else ""), False


def _union_message(errors: list[dict[str, Any]], path: tuple) -> str:
    value = errors[0].get("input")
    wanted = list(dict.fromkeys(_expectation(error) for error in errors))
    got = kind_of(value) if isinstance(value, (dict, list)) else f"{kind_of(value)} {shown(value)}"
    return f"{path_text(path) or 'spec'}: expected {' or '.join(wanted)}, got {got}"


def _has(container: Any, element: Any) -> bool:
    if isinstance(container, dict):
        return element in container
    return isinstance(container, list) and isinstance(element, int) and 0 <= element < len(container)


def _data_path(loc: tuple, data: Any, cls: type[BaseModel]) -> tuple[tuple, bool]:
    """`loc` as a path into the data, without pydantic's union-member tags; whether it names a mapping key."""
    path: list[Any] = []
    current: Any = data
    is_key = False
    for element in loc:
        if element == "[key]":
            is_key = True
        elif _has(current, element):
            path.append(element)
            current = current[element]
        elif (section := section_at(cls, tuple(path))) is not None and element in section.model_fields:
            path.append(element)  # a key the spec leaves out (missing, or a default that is validated)
            current = None
    return tuple(path), is_key


def from_validation_error(
    error: ValidationError, cls: type[BaseModel], data: Any, file: str, source: SourceMap
) -> list[Diagnostic]:
    """One diagnostic per value pydantic refused; the members of a union speak with one voice."""
    grouped: dict[tuple, list[dict[str, Any]]] = {}
    keys: dict[tuple, bool] = {}
    for item in error.errors(include_url=False):
        path, is_key = _data_path(tuple(item["loc"]), data, cls)
        grouped.setdefault(path, []).append(dict(item))
        keys[path] = keys.get(path, False) or is_key
    found: list[Diagnostic] = []
    for path, errors in grouped.items():
        stage: Stage = "rule" if all(e["type"] == RULE for e in errors) else "structure"
        errors = [e for e in errors if e["type"] != RULE] or errors
        if len(errors) > 1 and all(e["type"] not in ("missing", "extra_forbidden") for e in errors):
            message, at_key = _union_message(errors, path), False
        else:
            message, at_key = _single_message(errors[0], cls, path)
        if errors[0]["type"] == "missing":
            position = source.locate(path[:-1], prefer_key=True) if path[:-1] else Position(1, 1)
        else:
            position = source.locate(path, prefer_key=at_key or keys[path])
        found.append(Diagnostic(file, position.line, position.column, message, stage=stage))
    return found
