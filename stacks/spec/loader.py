"""Load a spec file: read, parse with positions, validate, apply the cross-field rules.

Every problem becomes a `Diagnostic` that reads `FILE:LINE:COL: message`: a typo'd key gets
the closest known key, a section of another mode says which mode it belongs to, and
nothing is ever reported as a traceback.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from .. import catalog
from ..sizing import rules  # TODO layering: moves to sizing.deployment
from .models import MODE_SECTIONS, MODES, SPEC_CLASSES, BaseSpec, section_at
from .yaml_source import Position, SourceMap, YamlSyntaxError, parse

MAX_SPEC_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Diagnostic:
    file: str
    line: int
    column: int
    message: str
    severity: Literal["error", "warning"] = "error"

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


class SpecError(Exception):
    """The spec is invalid; `diagnostics` holds every error (and warning) found."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("\n".join(str(d) for d in diagnostics))
        self.diagnostics = diagnostics

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


@dataclass(frozen=True)
class LoadedSpec:
    path: str
    spec: BaseSpec
    warnings: list[Diagnostic] = field(default_factory=list)


# ---------------------------------------------------------------- pydantic errors -> diagnostics


def _path_text(path: tuple) -> str:
    text = ""
    for element in path:
        text += f"[{element}]" if isinstance(element, int) else (f".{element}" if text else str(element))
    return text


def _describe(cls: type[BaseModel], path: tuple) -> str | None:
    parent = section_at(cls, path[:-1])
    if parent is None or not path:
        return None
    info = parent.model_fields.get(path[-1])
    return info.description if info else None


def _message_for(error: dict[str, Any], cls: type[BaseModel], path: tuple) -> tuple[str, bool]:
    """Message for one pydantic error, and whether it points at the key rather than the value."""
    kind = error["type"]
    value = error.get("input")
    name = _path_text(path) or "spec"
    if kind == "missing":
        description = _describe(cls, path)
        hint = f": {description}" if description else ""
        return f"missing required key '{path[-1]}'{hint}", True
    if kind == "extra_forbidden":
        key = path[-1]
        parent = section_at(cls, path[:-1])
        known = list(parent.model_fields) if parent else []
        hint = catalog.did_you_mean(str(key), known)
        where = f" in {_path_text(path[:-1])}" if len(path) > 1 else ""
        allowed = f" Known keys{where}: {', '.join(known)}" if known and not hint else ""
        return f"unknown key '{key}'{where}{hint}{allowed}", True
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        choices = [c.strip(" '") for c in expected.replace(" or ", ",").split(",") if c.strip(" '")]
        hint = catalog.did_you_mean(str(value), choices) if isinstance(value, str) else ""
        return f"{name}: '{value}' is not allowed{hint} Expected one of: {', '.join(choices)}", False
    if kind == "value_error":
        message = error["msg"].removeprefix("Value error, ")
        return f"{name}: {message}", False
    if kind == "assertion_error":
        return f"{name}: {error['msg'].removeprefix('Assertion failed, ')}", False
    if kind == "string_pattern_mismatch":
        description = _describe(cls, path)
        return f"{name}: '{value}' is not valid. {description or error['msg']}", False
    if kind in ("model_type", "model_attributes_type", "dict_type") and not isinstance(value, dict):
        return f"{name}: expected a mapping of keys (key: value), got {_kind(value)}", False
    if kind in EXPECTED:
        return f"{name}: expected {EXPECTED[kind]}, got {_kind(value)} {value!r}", False
    if kind == "list_type":
        return f"{name}: expected a list (- item), got {_kind(value)}", False
    return (
        f"{name}: {error['msg']} (got {_kind(value)} {value!r})" if value is not None else f"{name}: {error['msg']}",
        False,
    )


EXPECTED = {
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "string_type": "text (quote it if YAML reads it as something else)",
}


def _kind(value: Any) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        bool: "true/false",
        int: "a number",
        float: "a number",
        type(None): "nothing",
    }.get(type(value), type(value).__name__)


def _diagnostics_from(error: ValidationError, cls: type[BaseModel], file: str, source: SourceMap) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        is_key_error = "[key]" in loc
        path = tuple(e for e in loc if e != "[key]")
        message, at_key = _message_for(item, cls, path)
        if item["type"] == "missing":
            position = source.locate(path[:-1], prefer_key=True) if path[:-1] else Position(1, 1)
        else:
            position = source.locate(path, prefer_key=at_key or is_key_error)
        found.append(Diagnostic(file, position.line, position.column, message))
    return found


# ---------------------------------------------------------------- the loader


def _read(path: str) -> str:
    display = path
    if not os.path.exists(path):
        raise SpecError(
            [
                Diagnostic(
                    display, 1, 1, "no such file; check the path, or write a starter spec with `deploy init -o FILE`"
                )
            ]
        )
    if os.path.isdir(path):
        raise SpecError([Diagnostic(display, 1, 1, "is a directory; give the path of a spec file (*.yaml)")])
    try:
        if os.path.getsize(path) > MAX_SPEC_BYTES:
            raise SpecError([Diagnostic(display, 1, 1, "is larger than 1 MiB; a spec is a short YAML file")])
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as error:
        raise SpecError([Diagnostic(display, 1, 1, f"cannot be read: {error.strerror}")]) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise SpecError([Diagnostic(display, line, 1, "is not UTF-8 text; save the spec as UTF-8")]) from None


def load_text(text: str, file: str = "<spec>", base_dir: str | None = None) -> LoadedSpec:
    """Validate spec text; raise SpecError with every problem found."""
    try:
        data, source = parse(text)
    except YamlSyntaxError as error:
        raise SpecError([Diagnostic(file, error.position.line, error.position.column, error.message)]) from None

    if data is None:
        raise SpecError(
            [
                Diagnostic(
                    file,
                    1,
                    1,
                    "the spec is empty; it needs at least name, model, mode and region (`deploy init` writes a starter)",
                )
            ]
        )
    if not isinstance(data, dict):
        raise SpecError(
            [Diagnostic(file, 1, 1, f"the spec must be a mapping of keys (name: ..., model: ...), not {_kind(data)}")]
        )

    mode = data.get("mode")
    if "mode" not in data:
        raise SpecError([Diagnostic(file, 1, 1, f"missing required key 'mode' ({' | '.join(MODES)})")])
    if mode not in SPEC_CLASSES:
        position = source.locate(("mode",))
        hint = catalog.did_you_mean(str(mode), list(MODES))
        raise SpecError(
            [
                Diagnostic(
                    file,
                    position.line,
                    position.column,
                    f"mode: '{mode}' is not a mode{hint} Modes: {', '.join(MODES)}",
                )
            ]
        )

    cls = SPEC_CLASSES[mode]
    diagnostics: list[Diagnostic] = []
    every_section = dict.fromkeys(section for sections in MODE_SECTIONS.values() for section in sections)
    for section in every_section:
        if section in data and section not in MODE_SECTIONS[mode]:
            position = source.locate((section,), prefer_key=True)
            owners = [m for m, sections in MODE_SECTIONS.items() if section in sections]
            diagnostics.append(
                Diagnostic(
                    file,
                    position.line,
                    position.column,
                    f"'{section}' configures mode {' or '.join(owners)}, but this spec has mode {mode}; remove it or change the mode",
                )
            )

    try:
        spec = cls.model_validate(data)
    except ValidationError as error:
        for diagnostic in _diagnostics_from(error, cls, file, source):
            if not any(diagnostic.line == d.line and diagnostic.column == d.column for d in diagnostics):
                diagnostics.append(diagnostic)
        raise SpecError(diagnostics) from None
    if diagnostics:
        raise SpecError(diagnostics)

    for problem in rules.check(spec, base_dir):
        prefer_key = problem.path not in source.values or problem.path in source.containers
        position = source.locate(problem.path, prefer_key=prefer_key)
        diagnostics.append(Diagnostic(file, position.line, position.column, problem.message, problem.severity))
    if any(d.severity == "error" for d in diagnostics):
        raise SpecError(diagnostics)
    return LoadedSpec(file, spec, diagnostics)


def load_spec(path: str) -> LoadedSpec:
    """Read and validate one spec file."""
    text = _read(path)
    return load_text(text, path, base_dir=os.path.dirname(os.path.abspath(path)))
