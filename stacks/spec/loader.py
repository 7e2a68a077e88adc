"""Read a spec file and validate its structure: YAML with positions, then the pydantic models.

A spec is a single deployment (`mode` picks its model class), or with `kind: gateway` a gateway over several
deployments (`gateway.py`, whose cross-field checks are in `gateway_rules.py`): `load_text`/`load_spec` take a
single deployment, `load_any_text`/`load_any` either kind, and `read_kind` tells them apart cheaply.

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
from .gateway import KINDS, GatewaySpec
from .models import MODE_SECTIONS, SPEC_CLASSES, BaseSpec
from .sections import MODES
from .yaml_source import Position, SourceMap, YamlSyntaxError, parse

__all__ = [
    "Diagnostic",
    "LoadedGateway",
    "LoadedSpec",
    "SpecError",
    "load_any",
    "load_any_text",
    "load_spec",
    "load_text",
    "read_kind",
]

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
        return _locate(self.path, self.source, path, message, severity)


@dataclass(frozen=True)
class LoadedGateway:
    """A structurally valid gateway spec (`kind: gateway`), with its positions and warnings."""

    path: str
    spec: GatewaySpec
    source: SourceMap
    base_dir: str | None = None  # tier files are relative to it
    warnings: tuple[Diagnostic, ...] = ()

    def locate(self, path: tuple, message: str, severity: Severity = "error") -> Diagnostic:
        """A diagnostic at the key (for sections) or value at `path`."""
        return _locate(self.path, self.source, path, message, severity)


def _locate(file: str, source: SourceMap, path: tuple, message: str, severity: Severity) -> Diagnostic:
    prefer_key = path not in source.values or path in source.containers
    position = source.locate(path, prefer_key=prefer_key)
    return Diagnostic(file, position.line, position.column, message, severity, "rule")


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


def _parse_mapping(text: str, file: str) -> tuple[dict[Any, Any], SourceMap]:
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
    return data, source


def _kind(data: dict[Any, Any], file: str, source: SourceMap) -> str:
    """`deployment` (the default) or `gateway`; anything else is an error at its value."""
    kind = data.get("kind", "deployment")
    if isinstance(kind, str) and kind in KINDS:
        return kind
    hint = catalog.did_you_mean(kind, list(KINDS)) if isinstance(kind, str) else ""
    message = f"kind: {shown(kind)} is not a kind{hint} Kinds: deployment (the default: one model), gateway"
    raise _fail(file, message, source.locate(("kind",)))


# Top-level keys of one kind that someone may write in a spec of the other.
GATEWAY_KEYS = ("tiers", "routing", "host")
DEPLOYMENT_KEYS = ("model", "mode", "protect", *dict.fromkeys(s for ss in MODE_SECTIONS.values() for s in ss))


def _other_kind(data: dict[Any, Any], kind: str, file: str, source: SourceMap) -> list[Diagnostic]:
    """A key of the other kind of spec: say where it belongs."""
    found = []
    for key in GATEWAY_KEYS if kind == "deployment" else DEPLOYMENT_KEYS:
        if key in data:
            position = source.locate((key,), prefer_key=True)
            message = (
                f"'{key}' belongs to a gateway spec; add kind: gateway (a gateway names the spec files of its tiers)"
                if kind == "deployment"
                else f"'{key}' belongs to a single deployment's spec; a gateway names such specs under tiers"
            )
            found.append(Diagnostic(file, position.line, position.column, message))
    return found


def _merged(first: list[Diagnostic], more: list[Diagnostic]) -> list[Diagnostic]:
    """`first`, then those of `more` at a position none of `first` is at."""
    return first + [d for d in more if not any(d.line == f.line and d.column == f.column for f in first)]


def _load_deployment(data: dict[Any, Any], source: SourceMap, file: str, base_dir: str | None) -> LoadedSpec:
    if "mode" not in data and any(key in data for key in GATEWAY_KEYS):
        raise SpecError(_other_kind(data, "deployment", file, source))
    if "mode" not in data:
        raise _fail(file, f"missing required key 'mode' ({' | '.join(MODES)})")
    mode = data["mode"]
    if not isinstance(mode, str) or mode not in SPEC_CLASSES:
        hint = catalog.did_you_mean(str(mode), list(MODES))
        message = f"mode: {shown(mode)} is not a mode{hint} Modes: {', '.join(MODES)}"
        raise _fail(file, message, source.locate(("mode",)))

    cls = SPEC_CLASSES[mode]
    diagnostics = _foreign_sections(data, mode, file, source) + _other_kind(data, "deployment", file, source)
    try:
        spec = cls.model_validate(data)
    except ValidationError as error:
        diagnostics = _merged(diagnostics, from_validation_error(error, cls, data, file, source))
    if diagnostics:
        raise SpecError(diagnostics)
    return LoadedSpec(file, spec, source, base_dir)


def _load_gateway(data: dict[Any, Any], source: SourceMap, file: str, base_dir: str | None) -> LoadedGateway:
    from . import gateway_rules as rules

    found = _other_kind(data, "gateway", file, source)
    found += rules.diagnostics(rules.structure_problems(data, source), source, file)
    try:
        spec = GatewaySpec.model_validate(data)
    except ValidationError as error:
        raise SpecError(_merged(found, from_validation_error(error, GatewaySpec, data, file, source))) from None
    found += rules.diagnostics(rules.rule_problems(spec, source), source, file)
    if any(d.severity == "error" for d in found):
        raise SpecError(found)
    return LoadedGateway(file, spec, source, base_dir, tuple(found))


def load_text(text: str, file: str = "<spec>", base_dir: str | None = None) -> LoadedSpec:
    """Parse and validate the structure of a single deployment's spec; raise SpecError with every problem found."""
    data, source = _parse_mapping(text, file)
    if _kind(data, file, source) == "gateway":
        message = (
            "kind: gateway: this is a gateway spec, and this command takes the spec of a single deployment "
            "(such as one of its tiers). validate, plan, check, preview, up, destroy, refresh, outputs, status, "
            "invoke, chat, bench and eval take a gateway"
        )
        raise _fail(file, message, source.locate(("kind",)))
    return _load_deployment(data, source, file, base_dir)


def load_any_text(text: str, file: str = "<spec>", base_dir: str | None = None) -> LoadedSpec | LoadedGateway:
    """Parse and validate the structure of a spec of either kind; raise SpecError with every problem found."""
    data, source = _parse_mapping(text, file)
    if _kind(data, file, source) == "gateway":
        return _load_gateway(data, source, file, base_dir)
    return _load_deployment(data, source, file, base_dir)


def _base_dir(path: str) -> str:
    return os.path.dirname(os.path.abspath(path))


def load_spec(path: str) -> LoadedSpec:
    """Read one deployment's spec file and validate its structure."""
    return load_text(_read(path), path, base_dir=_base_dir(path))


def load_any(path: str) -> LoadedSpec | LoadedGateway:
    """Read one spec file of either kind and validate its structure."""
    return load_any_text(_read(path), path, base_dir=_base_dir(path))


def read_kind(path: str) -> str:
    """The file's `kind` (`deployment` when it has none), cheaply; a file that cannot be read or parsed, or an
    unknown kind, reads as `deployment`: the loader then reports the problem."""
    try:
        data, _ = parse(_read(path))
    except (SpecError, YamlSyntaxError):
        return "deployment"
    kind = data.get("kind") if isinstance(data, dict) else None
    return kind if isinstance(kind, str) and kind in KINDS else "deployment"
