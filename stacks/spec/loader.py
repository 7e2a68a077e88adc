"""Read a spec file and validate its structure: YAML with positions, then the pydantic models.

Every problem becomes a `Diagnostic` that reads `FILE:LINE:COL: message`: a typo'd key gets
the closest known key, a section of another mode says which mode it belongs to, and
nothing is ever reported as a traceback. Rules that need the capacity planner run one layer
up, in `sizing.deployment`, which points its problems at lines through `LoadedSpec.locate`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from .. import catalog
from ..errors import BAD_INPUT, DeployError
from .models import MODE_SECTIONS, SPEC_CLASSES, BaseSpec, section_at
from .sections import MODES
from .yaml_source import Position, SourceMap, YamlSyntaxError, parse

MAX_SPEC_BYTES = 1024 * 1024
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    file: str
    line: int
    column: int
    message: str
    severity: Severity = "error"

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


class SpecError(DeployError):
    """The spec is invalid; `diagnostics` holds every error (and warning) found."""

    code = BAD_INPUT

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("\n".join(str(d) for d in diagnostics))
        self.diagnostics = diagnostics

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


START = Position(1, 1)


def _fail(file: str, message: str, position: Position = START) -> SpecError:
    return SpecError([Diagnostic(file, position.line, position.column, message)])


@dataclass(frozen=True)
class LoadedSpec:
    """A structurally valid spec, with the positions of its keys for later diagnostics."""

    path: str
    spec: BaseSpec
    source: SourceMap
    base_dir: str | None = None  # the spec file's folder: local paths in the spec are relative to it

    def locate(self, path: tuple, message: str, severity: Severity = "error") -> Diagnostic:
        """A diagnostic at the key (for sections) or value at `path`."""
        prefer_key = path not in self.source.values or path in self.source.containers
        position = self.source.locate(path, prefer_key=prefer_key)
        return Diagnostic(self.path, position.line, position.column, message, severity)


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
        message, at_key = _message_for(dict(item), cls, path)
        if item["type"] == "missing":
            position = source.locate(path[:-1], prefer_key=True) if path[:-1] else Position(1, 1)
        else:
            position = source.locate(path, prefer_key=at_key or is_key_error)
        found.append(Diagnostic(file, position.line, position.column, message))
    return found


# ---------------------------------------------------------------- the loader


def _read_bounded(path: str) -> bytes:
    """At most MAX_SPEC_BYTES + 1 bytes of a regular file. Opened without blocking, so a FIFO
    with no writer cannot hang the command, then refused like a device: only files are specs."""
    import stat

    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise _fail(path, "is not a regular file (a pipe or a device); give the path of a spec file")
        return handle.read(MAX_SPEC_BYTES + 1)


def _read(path: str) -> str:
    if not os.path.exists(path):
        raise _fail(path, "no such file; check the path, or write a starter spec with `deploy init -o FILE`")
    if os.path.isdir(path):
        raise _fail(path, "is a directory; give the path of a spec file (*.yaml)")
    try:
        raw = _read_bounded(path)
    except OSError as error:
        raise _fail(path, f"cannot be read: {error.strerror}") from None
    if len(raw) > MAX_SPEC_BYTES:
        raise _fail(path, "is larger than 1 MiB; a spec is a short YAML file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise _fail(path, "is not UTF-8 text; save the spec as UTF-8", Position(line, 1)) from None


def _foreign_sections(data: dict[str, Any], mode: str, file: str, source: SourceMap) -> list[Diagnostic]:
    """A section that configures another mode: say which mode it belongs to."""
    found = []
    every_section = dict.fromkeys(section for sections in MODE_SECTIONS.values() for section in sections)
    for section in every_section:
        if section in data and section not in MODE_SECTIONS[mode]:
            position = source.locate((section,), prefer_key=True)
            owners = " or ".join(m for m, sections in MODE_SECTIONS.items() if section in sections)
            message = (
                f"'{section}' configures mode {owners}, but this spec has mode {mode}; remove it or change the mode"
            )
            found.append(Diagnostic(file, position.line, position.column, message))
    return found


def load_text(text: str, file: str = "<spec>", base_dir: str | None = None) -> LoadedSpec:
    """Parse and validate the structure of spec text; raise SpecError with every problem found."""
    try:
        data, source = parse(text)
    except YamlSyntaxError as error:
        raise _fail(file, error.message, error.position) from None
    if data is None:
        raise _fail(
            file, "the spec is empty; it needs at least name, model, mode and region (`deploy init` writes a starter)"
        )
    if not isinstance(data, dict):
        raise _fail(file, f"the spec must be a mapping of keys (name: ..., model: ...), not {_kind(data)}")
    if "mode" not in data:
        raise _fail(file, f"missing required key 'mode' ({' | '.join(MODES)})")
    mode = data["mode"]
    if not isinstance(mode, str) or mode not in SPEC_CLASSES:
        hint = catalog.did_you_mean(str(mode), list(MODES))
        message = f"mode: '{mode}' is not a mode{hint} Modes: {', '.join(MODES)}"
        raise _fail(file, message, source.locate(("mode",)))

    cls = SPEC_CLASSES[mode]
    diagnostics = _foreign_sections(data, mode, file, source)
    try:
        spec = cls.model_validate(data)
    except ValidationError as error:
        for diagnostic in _diagnostics_from(error, cls, file, source):
            if not any(diagnostic.line == d.line and diagnostic.column == d.column for d in diagnostics):
                diagnostics.append(diagnostic)
    if diagnostics:
        raise SpecError(diagnostics)
    return LoadedSpec(file, spec, source, base_dir)


def load_spec(path: str) -> LoadedSpec:
    """Read one spec file and validate its structure."""
    return load_text(_read(path), path, base_dir=os.path.dirname(os.path.abspath(path)))
