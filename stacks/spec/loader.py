"""Read a spec file and validate its structure: YAML with positions, then the pydantic models.

Every problem becomes a `Diagnostic` that reads `FILE:LINE:COL: message`: a typo'd key gets
the closest known key, a section of another mode says which mode it belongs to, and
nothing is ever reported as a traceback. Rules that need the capacity planner run one layer
up, in `sizing.deployment`, which points its problems at lines through `LoadedSpec.locate`.

The structure checked here is exactly the published JSON Schema's (`schema.py`): a diagnostic with
`stage == "structure"` is one the schema also states; `stage == "rule"` marks the few checks JSON
Schema cannot state (`fields.rule`), and every problem of the later catalog and capacity rules.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from .. import catalog
from ..errors import BAD_INPUT, DeployError
from .diagnostics import Diagnostic, Severity, from_validation_error, kind_of, shown
from .models import MODE_SECTIONS, SPEC_CLASSES, BaseSpec
from .sections import MODES
from .yaml_source import Position, SourceMap, YamlSyntaxError, parse

__all__ = ["Diagnostic", "LoadedSpec", "SpecError", "load_spec", "load_text"]

MAX_SPEC_BYTES = 1024 * 1024


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
        return Diagnostic(self.path, position.line, position.column, message, severity, "rule")


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
        raise _fail(file, f"the spec must be a mapping of keys (name: ..., model: ...), not {kind_of(data)}")
    if "mode" not in data:
        raise _fail(file, f"missing required key 'mode' ({' | '.join(MODES)})")
    mode = data["mode"]
    if not isinstance(mode, str) or mode not in SPEC_CLASSES:
        hint = catalog.did_you_mean(str(mode), list(MODES))
        message = f"mode: {shown(mode)} is not a mode{hint} Modes: {', '.join(MODES)}"
        raise _fail(file, message, source.locate(("mode",)))

    cls = SPEC_CLASSES[mode]
    diagnostics = _foreign_sections(data, mode, file, source)
    try:
        spec = cls.model_validate(data)
    except ValidationError as error:
        for diagnostic in from_validation_error(error, cls, data, file, source):
            if not any(diagnostic.line == d.line and diagnostic.column == d.column for d in diagnostics):
                diagnostics.append(diagnostic)
    if diagnostics:
        raise SpecError(diagnostics)
    return LoadedSpec(file, spec, source, base_dir)


def load_spec(path: str) -> LoadedSpec:
    """Read one spec file and validate its structure."""
    return load_text(_read(path), path, base_dir=os.path.dirname(os.path.abspath(path)))
